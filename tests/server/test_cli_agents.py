"""`tract sessions`, `tasks`, `approvals`, `approve`/`reject` of a collapse, `audit`."""

from __future__ import annotations

from server.cli import main
from tract_core import Session


class WordCounter:
    def count(self, text: str) -> int:
        return len(text.split())


def run(capsys, *argv: str) -> str:
    main(list(argv))
    return capsys.readouterr().out


def test_sessions_tasks_approvals_audit(sqlite_url, capsys, monkeypatch):
    monkeypatch.setenv("LOGNAME", "lead-human")  # who decides, when `approve` has no --by
    with Session.open(sqlite_url, "team", title="release", counter=WordCounter()) as s:
        lead = s.tract("lead")
        lead.system("coordinate")
        child = lead.spawn("lead/a", purpose="check")
        child.assistant("all good")
        pending = child.collapse(requested_by="agent-a")
        s.post_task("lint", parent="lead")
        s.claim_task("w1")
    db = ["--db", sqlite_url]
    assert run(capsys, *db, "sessions").split()[:2] == ["team", "active"]
    tasks = run(capsys, *db, "tasks", "team")
    assert "claimed" in tasks and "lint  w1 (attempt 1)" in tasks
    queue = run(capsys, *db, "approvals", "--session", "team")
    assert pending.id in queue and "collapse" in queue and "by agent-a: all good" in queue
    assert pending.id in run(capsys, *db, "--tract", "lead", "approvals")
    assert run(capsys, *db, "--tract", "lead", "approve", pending.id).strip() == f"approved collapse {pending.id}"
    assert run(capsys, *db, "approvals", "--session", "team").strip() == "no approvals"
    audit = run(capsys, *db, "audit", "team")
    assert audit.splitlines()[0].split()[1:4] == ["collapse", "lead", "lead-human"]
    assert "task_claimed" in audit and "w1" in audit
