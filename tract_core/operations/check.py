"""`tract check`: is this store, and this tract in it, whole?

The database's own integrity check; every ref and parent resolvable; every blob present; and each
branch's compile (as the tract's cache and snapshots give it) equal to a compile from scratch.
Each part runs in its own read transaction, so one failing (a damaged page) does not hide the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from tract_core.errors import StorageError
from tract_core.models.check import CheckProblem, CheckReport, ProblemKind
from tract_core.operations.compiler import Compiler
from tract_core.operations.refs import BRANCH_PREFIX
from tract_core.operations.repo import Repo
from tract_core.storage import check as q
from tract_core.storage.check import SHOWN
from tract_core.storage.failures import cause


def check(repo: Repo, compiler: Compiler) -> CheckReport:
    report = CheckReport(tract_id=repo.tract_id)

    def found(kind: ProblemKind, items: list[str]) -> None:
        report.problems += [CheckProblem(kind=kind, detail=d) for d in items[:SHOWN]]
        if len(items) > SHOWN:
            report.problems.append(CheckProblem(kind=kind, detail=f"… and {len(items) - SHOWN} more"))

    def run(kind: ProblemKind, step: Callable) -> None:
        try:
            with repo.store.read() as tx:
                found(kind, step(tx))
        except StorageError as err:  # the check itself hit the damage
            found(kind, [unreadable(err)])

    run("integrity", q.integrity_problems)

    def tally(tx) -> list[str]:
        report.commits, report.refs = q.counts(tx, repo.tract_id)
        return []

    run("integrity", tally)
    run("ref", lambda tx: [f"{name} points at {h[:12]}, which is not in the store"
                           for name, h in q.dangling_refs(tx, repo.tract_id)])
    run("parent", lambda tx: [f"commit {child[:12]} names parent {parent[:12]}, which is not in the store"
                              for child, parent in q.dangling_parents(tx, repo.tract_id)])
    run("blob", lambda tx: [f"commit {h[:12]} has no content: blob {blob[:12]} is not in the store"
                            for h, blob in q.missing_blobs(tx, repo.tract_id)])
    branches: list[tuple[str, str]] = []
    run("ref", lambda tx: branches.extend(
        (r.name.removeprefix(BRANCH_PREFIX), r.commit_hash) for r in tx.list_refs(repo.tract_id)
        if r.name.startswith(BRANCH_PREFIX) and r.commit_hash is not None) or [])
    fresh = Compiler(Repo(repo.store, repo.tract_id, repo.registry, repo.counter, repo.default_priorities),
                     snapshots=False)  # from scratch: no cache, no snapshots, no recent commits
    for branch, head in branches:
        found("compile", _compare_compiles(repo, compiler, fresh, branch, head, report))
    return report


def unreadable(err: StorageError) -> str:
    return f"the database could not be read ({cause(err.__cause__ or err)}): restore it from a backup"


def _compare_compiles(repo: Repo, compiler: Compiler, fresh: Compiler, branch: str, head: str,
                      report: CheckReport) -> list[str]:
    """The branch compiled as usual (cache, snapshots) and from scratch: the same messages?"""
    try:
        with repo.store.read() as tx:
            usual = compiler.compile(tx, head)
            scratch = fresh.compile(tx, head)
    except StorageError as err:
        return [f"branch {branch} does not compile: {unreadable(err)}"]
    except Exception as err:  # noqa: BLE001 - a broken history can fail anywhere: report it, go on
        return [f"branch {branch} does not compile: {type(err).__name__}: {err}"]
    report.branches_compiled += 1
    if (usual.messages, usual.token_count, usual.commit_hashes) == (
            scratch.messages, scratch.token_count, scratch.commit_hashes):
        return []
    return [f"branch {branch}: the cached compile differs from a compile from scratch "
            f"({len(usual.messages)} vs {len(scratch.messages)} messages, "
            f"{usual.token_count} vs {scratch.token_count} tokens)"]
