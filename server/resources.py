"""Resource templates: a tract's compiled context, log, commits and pending compressions, as JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

from server.compression import pending_outcome
from server.errors import compact
from server.lines import commit_line
from server.models import CommitView
from server.tools import compile_result
from tract_core import TractError
from tract_core.errors import CommitNotFoundError

if TYPE_CHECKING:
    from server.pool import TractPool

JSON = "application/json"


def _read(fn: Callable[[], Any]) -> str:
    try:
        value = fn()
    except CommitNotFoundError as err:
        raise ResourceNotFoundError(str(err)) from err
    except TractError as err:
        raise ResourceError(str(err)) from err
    if isinstance(value, list):
        return "[" + ",".join(_json(v) for v in value) + "]"
    return _json(value)


def _json(value: Any) -> str:
    """Compact, short hashes, no nulls: what the tools answer."""
    if isinstance(value, str):
        return compact(value)
    return value.model_dump_json(exclude_none=True)


def register_resources(mcp: MCPServer, pool: TractPool) -> None:
    @mcp.resource("tract://{tract}/compiled", name="compiled", mime_type=JSON)
    def compiled(tract: str) -> str:
        """The current branch's compiled context, in Anthropic Messages format."""
        return _read(lambda: compile_result(pool.read(tract).compile(), "anthropic"))

    @mcp.resource("tract://{tract}/log", name="log", mime_type=JSON)
    def log(tract: str) -> str:
        """The current branch's last 100 commits, newest first, one line each."""
        return _read(lambda: [commit_line(c) for c in pool.read(tract).log(100)])

    @mcp.resource("tract://{tract}/commits/{hash}", name="commit", mime_type=JSON)
    def commit(tract: str, hash: str) -> str:
        """One commit with its content."""
        return _read(lambda: CommitView.of(pool.read(tract).show(hash)))

    @mcp.resource("tract://{tract}/pending", name="pending", mime_type=JSON)
    def pending(tract: str) -> str:
        """Compressions waiting for approval, with the facts their summaries lost."""
        return _read(lambda: [pending_outcome(p) for p in pool.read(tract).pending_compressions()])
