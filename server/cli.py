"""`tract`: the human CLI, a few lines per command over the same `Tract` API as the MCP server."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections import Counter

from server.cli_agents import add_commands as add_agent_commands
from server.graph import graph_lines, oneline
from server.main import parse_args as parse_serve_args
from server.main import serve, store_location
from server.paths import default_db_path
from tract_core import Tract, TractError


def _print_json(model) -> None:
    print(model.model_dump_json(indent=2) if hasattr(model, "model_dump_json") else json.dumps(model, indent=2))


def cmd_log(t: Tract, a) -> None:
    commits = t.log(a.limit, a.branch)
    print("\n".join(graph_lines(commits) if a.graph else [oneline(c) for c in commits]))


def cmd_show(t: Tract, a) -> None:
    _print_json(t.show(a.hash))


def cmd_search(t: Tract, a) -> None:
    hits = t.search(a.text, kind=a.kind, role=a.role, tag=a.tag, branch=a.branch, all_branches=a.all,
                    limit=a.limit)
    for h in hits:
        tags = f" [{', '.join(h.tags)}]" if h.tags else ""
        print(f"{h.short} {h.kind or 'merge'}/{h.role or '-'}{tags} {h.snippet}")
    if not hits:
        print("no matching commits")


def cmd_status(t: Tract, a) -> None:
    s = t.status()
    where = f"HEAD detached at {s.head[:7]}" if s.detached else f"On branch {s.branch}"
    print(f"{where}\n{s.commit_count} commits, {s.token_count} tokens in context, "
          f"{s.pending_compressions} pending compressions")


def cmd_branch(t: Tract, a) -> None:
    if a.name:
        b = t.branch(a.name, a.start, a.switch)
        print(f"created {b.name} at {(b.head or '(empty)')[:7]}" + (", switched" if b.current else ""))
        return
    for b in t.list_branches():
        print(f"{'*' if b.current else ' '} {b.name} {(b.head or '')[:7]}")


def cmd_switch(t: Tract, a) -> None:
    b = t.switch(a.name)
    print(f"switched to {b.name}")


def cmd_compile(t: Tract, a) -> None:
    ctx = t.compile(a.at, budget=a.budget)
    if a.format == "anthropic":
        print(json.dumps(ctx.to_anthropic(), indent=2, ensure_ascii=False))
    elif a.format == "openai":
        print(json.dumps(ctx.to_openai(), indent=2, ensure_ascii=False))
    else:
        for m in ctx.messages:
            print(f"[{m.role}] {m.content}")
        reasons = Counter(d.reason for d in ctx.dropped)
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
        print(f"-- {ctx.token_count} tokens, {len(ctx.dropped)} commits dropped" + (f" ({why})" if why else ""))


def cmd_pending(t: Tract, a) -> None:
    items = t.pending_compressions()
    if not items:
        print("no pending compressions")
    for p in items:
        print(f"{p.id}  {len(p.source_hashes)} commits, {p.original_tokens} -> {p.summary_tokens} tokens, "
              f"lost facts: {', '.join(f.text for f in p.lost_facts) or 'none'}")
        if p.must_keep_lost:
            print(f"    must-keep facts missing (approve refuses without --force): {', '.join(p.must_keep_lost)}")
        for s in p.summaries:
            print(f"    {s if s is not None else '(summary to be written)'}")


def decider(a) -> str | None:
    """Who decides, for the approvals queue: --by, else the user running the command."""
    if a.by:
        return a.by
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment nor the password database
        return None


def cmd_approve(t: Tract, a) -> None:
    if a.id in {x.id for x in t.approvals() if x.kind == "collapse"}:
        x = t.approve(a.id, summary=a.summary or None, decided_by=decider(a))
        print(f"approved {x.kind} {x.id}")
        return
    r = t.approve_compression(a.id, summaries=a.summary or None, force=a.force, decided_by=decider(a))
    print(f"approved: {r.original_tokens} -> {r.compressed_tokens} tokens, head {r.new_head[:7]}, "
          f"undo with event {r.event_id}")


def cmd_reject(t: Tract, a) -> None:
    if a.id in {x.id for x in t.approvals() if x.kind == "collapse"}:
        t.reject(a.id, reason=a.reason, decided_by=decider(a))
    else:
        t.reject_compression(a.id, a.reason, decided_by=decider(a))
    print(f"rejected {a.id}")


def _option(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep:
        raise TractError(f"option {text!r} is not key=value")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value   # a bare string, e.g. mode=autonomous


def cmd_policy(t: Tract, a) -> None:
    if a.action == "set":
        t.set_policy(a.kind, **dict(_option(o) for o in a.options))
    elif a.action == "remove":
        t.remove_policy(a.kind)
    policies = t.policies()
    if not policies:
        print("no policies")
    for p in policies:
        options = ", ".join(f"{k}={v}" for k, v in p.options.items() if v not in (None, []))
        print(f"{p.kind}: {options}" + (f"; pinned {len(p.pinned)}: {' '.join(h[:7] for h in p.pinned)}"
                                         if p.pinned else ""))


def cmd_gc(t: Tract, a) -> None:
    r = t.gc(orphan_retention_days=a.orphan_days)
    print(f"removed {r.commits_removed} commits and {r.blobs_removed} blobs, freed {r.tokens_freed} tokens "
          f"in {r.duration_seconds:.2f}s")


def cmd_check(t: Tract, a) -> None:
    report = t.check()
    print("\n".join(report.lines()))
    if not report.ok:
        sys.exit(2)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tract", description="Look at and manage tract contexts.",
                                epilog=f"Default store: {default_db_path()}")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--db", metavar="PATH", help=f"SQLite file (default: {default_db_path()})")
    where.add_argument("--url", metavar="URL", help="database URL, e.g. postgresql+psycopg://user@host/db")
    p.add_argument("--tract", default="default", help="which tract (default: default)")
    p.add_argument("--store-timeout", type=float, default=None, metavar="SECONDS",
                   help="give up on a store call after this long (default: $TRACT_STORE_TIMEOUT, else 30)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("log", help="commits, newest first")
    s.add_argument("--graph", action="store_true", help="draw branches and merges")
    s.add_argument("-n", "--limit", type=int, default=None)
    s.add_argument("--branch", default=None)
    s.set_defaults(run=cmd_log)
    s = sub.add_parser("search", help="commits whose content has every word of TEXT, newest first")
    s.add_argument("text", nargs="?", default=None, help="words to find (omit to filter only)")
    s.add_argument("--kind", default=None, help="content type, e.g. dialogue, tool_io")
    s.add_argument("--role", default=None, choices=["system", "user", "assistant", "tool"])
    s.add_argument("--tag", default=None)
    s.add_argument("--branch", default=None, help="search this branch (default: the current one)")
    s.add_argument("--all", action="store_true", help="search every branch")
    s.add_argument("-n", "--limit", type=int, default=20)
    s.set_defaults(run=cmd_search)
    s = sub.add_parser("show", help="one commit as JSON")
    s.add_argument("hash")
    s.set_defaults(run=cmd_show)
    sub.add_parser("status", help="branch, head, counts").set_defaults(run=cmd_status)
    s = sub.add_parser("branch", help="list branches, or create one")
    s.add_argument("name", nargs="?")
    s.add_argument("--start", default=None)
    s.add_argument("--switch", action="store_true")
    s.set_defaults(run=cmd_branch)
    s = sub.add_parser("switch", help="make a branch current")
    s.add_argument("name")
    s.set_defaults(run=cmd_switch)
    s = sub.add_parser("compile", help="the messages the current branch sends")
    s.add_argument("--format", choices=["text", "anthropic", "openai"], default="text")
    s.add_argument("--budget", type=int, default=None)
    s.add_argument("--at", default=None, help="compile as of this commit")
    s.set_defaults(run=cmd_compile)
    sub.add_parser("pending", help="compressions waiting for approval").set_defaults(run=cmd_pending)
    s = sub.add_parser("approve", help="apply a pending compression")
    s.add_argument("id")
    s.add_argument("--summary", action="append", help="replace the summary (once per summary group)")
    s.add_argument("--force", action="store_true", help="apply even if must-keep facts are lost (recorded)")
    s.add_argument("--by", default=None, help="who decides (recorded; default: your user name)")
    s.set_defaults(run=cmd_approve)
    s = sub.add_parser("policy", help="list, set or remove the tract's policies")
    s.add_argument("action", nargs="?", choices=["list", "set", "remove"], default="list")
    s.add_argument("kind", nargs="?", choices=["auto_compress", "clear_tool_results", "pin", "budget"])
    s.add_argument("options", nargs="*", help="key=value (values read as JSON when they parse)")
    s.set_defaults(run=cmd_policy)
    s = sub.add_parser("reject", help="drop a pending compression")
    s.add_argument("id")
    s.add_argument("--reason", default=None)
    s.add_argument("--by", default=None, help="who decides (recorded; default: your user name)")
    s.set_defaults(run=cmd_reject)
    s = sub.add_parser("gc", help="remove what nothing reaches")
    s.add_argument("--orphan-days", type=float, default=7)
    s.set_defaults(run=cmd_gc)
    add_agent_commands(sub)
    sub.add_parser("check", help="verify the store: integrity, refs, parents, blobs, compiles "
                   "(exit 2 when something is wrong)").set_defaults(run=cmd_check)
    sub.add_parser("serve", help="run the MCP server (same options as tract-mcp)", add_help=False)
    return p


def _command_index(argv: list[str]) -> int | None:
    i = 0
    while i < len(argv):
        if argv[i] in ("--db", "--url", "--tract", "--store-timeout"):
            i += 2
        elif argv[i].startswith("-"):
            i += 1
        else:
            return i
    return None


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    i = _command_index(argv)
    if i is not None and argv[i] == "serve":  # everything after `serve` is tract-mcp's
        args = parse_serve_args(argv[i + 1:], "tract serve")
        pre = parser().parse_known_args(argv[:i] + ["status"])[0]
        args.db, args.url = args.db or pre.db, args.url or pre.url
        args.store_timeout = args.store_timeout or pre.store_timeout
        serve(args)
        return
    args = parser().parse_args(argv)
    try:
        with Tract.open(store_location(args), args.tract, timeout=args.store_timeout) as t:
            args.run(t, args)
    except TractError as err:
        print(f"tract: {err}", file=sys.stderr)
        sys.exit(1)
