"""The toolsets' names, readable before the tools' modules (and the MCP SDK) are imported."""

from __future__ import annotations

# group name -> module holding its `register(ts)`
GROUPS: dict[str, str] = {
    "history": "server.tools",
    "compression": "server.compression",
    "admin": "server.admin",
    "policies": "server.tools_policy",
    "agents": "server.tools_agents",
}
CORE = ("commit", "log", "show", "status", "branch", "switch", "merge", "reset", "annotate", "compile",
        "compress", "approve", "reject", "search")
DEFAULT = "core"


def words(spec: str) -> set[str]:
    """The words of a `--tools` value (`core,admin` → {"core", "admin"}); none means the default."""
    return {w.strip() for w in spec.split(",") if w.strip()} or {DEFAULT}


def surely_valid(spec: str) -> bool:
    """Whether `spec` names only toolsets and core tools, so building the server cannot refuse it
    (another tool's name is checked once its group's module has loaded)."""
    return words(spec) <= {"core", "all", *GROUPS, *CORE}
