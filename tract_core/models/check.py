"""What `Tract.check()` found: a store's integrity, and every reference in a tract resolvable."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, computed_field

ProblemKind = Literal["integrity", "ref", "parent", "blob", "compile"]


class CheckProblem(BaseModel):
    """One thing wrong: `kind` says which check found it, `detail` what it found."""

    kind: ProblemKind
    detail: str


class CheckReport(BaseModel):
    tract_id: str
    commits: int = 0
    refs: int = 0
    branches_compiled: int = 0
    problems: list[CheckProblem] = Field(default_factory=list)

    @computed_field
    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """One line per problem, or one saying all is well."""
        if self.ok:
            return [f"ok: {self.commits} commits, {self.refs} refs, {self.branches_compiled} branch "
                    "compiles checked"]
        return [f"{p.kind}: {p.detail}" for p in self.problems]
