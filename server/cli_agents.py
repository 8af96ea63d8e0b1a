"""`tract sessions`, `tract tasks`, `tract approvals`, `tract audit`: a few lines each over `Session`
and `Tract` (the store is the one `--db`/`--url` names)."""

from __future__ import annotations

import json

from tract_core import Session, Tract


def cmd_sessions(t: Tract, a) -> None:
    found = Session.list(t.store.url, a.status)
    if not found:
        print("no sessions")
    for s in found:
        print(f"{s.id}  {s.status:<9}  {s.created_at:%Y-%m-%d %H:%M}  {s.title or ''}".rstrip())


def cmd_tasks(t: Tract, a) -> None:
    tasks = Session.on(t.store, a.session).tasks(a.status)
    if not tasks:
        print("no tasks")
    for k in tasks:
        who = f"  {k.worker} (attempt {k.attempts})" if k.worker else ""
        print(f"{k.id[:12]}  {k.status:<9}  {k.title}{who}")


def cmd_approvals(t: Tract, a) -> None:
    found = Session.on(t.store, a.session).approvals(a.status) if a.session else t.approvals(a.status)
    if not found:
        print("no approvals")
    for x in found:
        text = x.preview.get("text") or " / ".join(s or "" for s in x.preview.get("summaries", []))
        who = f" by {x.requested_by}" if x.requested_by else ""
        print(f"{x.id}  {x.kind:<11}  {x.tract}  {x.status}{who}: {text[:80]}")


def cmd_audit(t: Tract, a) -> None:
    for e in Session.on(t.store, a.session).audit(kind=a.kind, limit=a.limit):
        extra = f" trace={e.trace_id}" if e.trace_id else ""
        print(f"{e.created_at:%H:%M:%S}  {e.kind:<14}  {e.tract}  {e.actor or '-'}{extra}  "
              f"{json.dumps(e.parameters, sort_keys=True)[:60]}")


def cmd_token(t: Tract, a) -> None:
    from tract_core.operations import access

    if a.action == "add":
        if not a.tracts:
            raise SystemExit("tract token add NAME --tracts PATTERN [--read-only]")
        print(access.add_token(t.store, a.name, a.tracts, a.read_only))  # shown once; only its hash is kept
    elif a.action == "list":
        for s in access.list_tokens(t.store):
            print(f"{s.name}  {s.pattern}  {'read-only' if s.read_only else 'read-write'}")
    else:
        access.revoke_token(t.store, a.name)
        print(f"revoked {a.name}")


def add_commands(sub) -> None:
    s = sub.add_parser("sessions", help="sessions of agents in this store")
    s.add_argument("--status", choices=["active", "completed", "abandoned"], default=None)
    s.set_defaults(run=cmd_sessions)
    s = sub.add_parser("tasks", help="a session's task queue")
    s.add_argument("session")
    s.add_argument("--status", choices=["pending", "claimed", "done", "failed", "cancelled"], default=None)
    s.set_defaults(run=cmd_tasks)
    s = sub.add_parser("approvals", help="changes waiting for a decision (this tract's, or a session's)")
    s.add_argument("--session", default=None)
    s.add_argument("--status", choices=["pending", "approved", "rejected"], default="pending")
    s.set_defaults(run=cmd_approvals)
    s = sub.add_parser("audit", help="a session's audit trail, newest first")
    s.add_argument("session")
    s.add_argument("--kind", default=None)
    s.add_argument("-n", "--limit", type=int, default=20)
    s.set_defaults(run=cmd_audit)
    s = sub.add_parser("token", help="bearer tokens for HTTP scoped to tracts: add NAME --tracts PATTERN, "
                                     "list, revoke NAME")
    s.add_argument("action", choices=["add", "list", "revoke"])
    s.add_argument("name", nargs="?")
    s.add_argument("--tracts", default=None, help="tracts the token may use, e.g. 'team-a/*'")
    s.add_argument("--read-only", action="store_true")
    s.set_defaults(run=cmd_token)
