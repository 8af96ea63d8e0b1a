"""The `agents` toolset (off by default; `tract-mcp --tools core,agents`): spawn and collapse
tracts, a session's task queue, the approvals queue and the audit trail. Each tool is a few lines
over `Tract` / `Session`; results are compact (ids, states, one line of text).

`register(ts)` follows the toolsets interface (`ts.tool(title, annotations)`, `ts.pool`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from server.models import ADDS, MOVES, READ, TractName
from tract_core.models.teams import Approval, AuditEvent

SessionId = Annotated[str, Field(description="The session's id (tract sessions lists them)")]
Worker = Annotated[str, Field(description="Who is working: the name of the agent claiming tasks")]


class TaskOut(BaseModel):
    id: str
    title: str
    status: str
    payload: Any = None
    to: str | None = None
    parent: str | None = None
    worker: str | None = None
    attempts: int = 0
    result: Any = None
    error: str | None = None

    @classmethod
    def of(cls, task) -> TaskOut:
        i = task.info
        return cls(id=i.id, title=i.title, status=i.status, payload=i.payload, to=i.to, parent=i.parent,
                   worker=i.worker, attempts=i.attempts, result=i.result, error=i.error)


class Claimed(BaseModel):
    task: TaskOut | None = None


class TaskList(BaseModel):
    tasks: list[TaskOut]


class Spawned(BaseModel):
    tract: str
    parent: str
    commits: int


class Collapsed(BaseModel):
    commit: str | None = None
    approval: str | None = None


class ApprovalOut(BaseModel):
    id: str
    kind: str
    tract: str
    status: str
    preview: dict[str, Any]
    requested_by: str | None = None
    decided_by: str | None = None
    reason: str | None = None

    @classmethod
    def of(cls, a: Approval) -> ApprovalOut:
        return cls(id=a.id, kind=a.kind, tract=a.tract, status=a.status, preview=a.preview,
                   requested_by=a.requested_by, decided_by=a.decided_by, reason=a.reason)


class ApprovalList(BaseModel):
    approvals: list[ApprovalOut]


class AuditLine(BaseModel):
    kind: str
    tract: str
    actor: str | None = None
    trace_id: str | None = None
    at: str

    @classmethod
    def of(cls, e: AuditEvent) -> AuditLine:
        return cls(kind=e.kind, tract=e.tract, actor=e.actor, trace_id=e.trace_id,
                   at=e.created_at.isoformat(timespec="seconds"))


class AuditList(BaseModel):
    events: list[AuditLine]


def register(ts) -> None:
    pool = ts.pool

    def session(session_id: str):
        from tract_core.session import Session  # the store's modules load after start-up

        return Session.on(pool.store, session_id)

    @ts.tool("Spawn a child tract", ADDS)
    def spawn(name: Annotated[str, Field(description="The child tract's name")],
              purpose: Annotated[str, Field(description="What the child is for (its first instruction)")],
              inherit: Annotated[Literal["head_snapshot", "full_clone", "selective"],
                                 Field(description="What the child starts from")] = "head_snapshot",
              commits: Annotated[list[str] | None, Field(description="For selective: the commits to copy")] = None,
              tract: TractName = "default") -> Spawned:
        """Start a child tract from this tract's HEAD (in the same session)."""
        child = pool.read(tract).spawn(name, purpose=purpose, inherit=inherit, commits=commits)
        return Spawned(tract=name, parent=tract, commits=len(child.log()))

    @ts.tool("Collapse a child into its parent", ADDS)
    def collapse(summary: Annotated[str | None, Field(description="The report; default: the child's last "
                                                                  "assistant turn")] = None,
                 mode: Annotated[Literal["collaborative", "autonomous", "manual"],
                                 Field(description="collaborative waits for approval")] = "collaborative",
                 requested_by: Annotated[str | None, Field(description="Who asks")] = None,
                 tract: TractName = "default") -> Collapsed:
        """Report a spawned tract's work as one commit on its parent; collaborative waits for approval."""
        done = pool.read(tract).collapse(summary=summary, mode=mode, requested_by=requested_by)
        return Collapsed(commit=done) if isinstance(done, str) else Collapsed(approval=done.id)

    @ts.tool("Post a task", ADDS)
    def post_task(session_id: SessionId, title: Annotated[str, Field(description="What to do")],
                  payload: Annotated[Any, Field(description="Task input")] = None,
                  to: Annotated[str | None, Field(description="Only workers claiming for this role")] = None,
                  parent: Annotated[str | None, Field(description="Tract the result is collapsed into")] = None,
                  idempotency_key: Annotated[str | None, Field(description="Retry key")] = None) -> TaskOut:
        """Queue a task; the same idempotency_key returns the first task (24 h)."""
        return TaskOut.of(session(session_id).post_task(title, payload=payload, to=to, parent=parent,
                                                        idempotency_key=idempotency_key))

    @ts.tool("Claim a task", MOVES)
    def claim_task(session_id: SessionId, worker: Worker,
                   to: Annotated[str | None, Field(description="Only tasks for this role")] = None,
                   lease_seconds: Annotated[float, Field(gt=0, description="Lease; heartbeat renews")] = 300
                   ) -> Claimed:
        """Claim the oldest pending task for `worker` (exactly one claimer wins); none: empty."""
        task = session(session_id).claim_task(worker, to=to, lease_seconds=lease_seconds)
        return Claimed(task=TaskOut.of(task) if task else None)

    @ts.tool("Complete or fail a task", ADDS)
    def complete_task(session_id: SessionId, task_id: Annotated[str, Field(description="From claim_task")],
                      worker: Worker, result: Annotated[Any, Field(description="Task output")] = None,
                      error: Annotated[str | None, Field(description="Give this to fail the task")] = None,
                      collapse: Annotated[bool, Field(description="Report into the parent tract")] = True) -> TaskOut:
        """Finish a task you hold: done with `result` (reported to its parent tract), or failed."""
        task = session(session_id).task(task_id)
        if task.worker != worker or task.status != "claimed":
            from tract_core import TaskError
            raise TaskError(f"task {task_id[:12]} is not held by {worker} (it is {task.status})")
        return TaskOut.of(task.fail(error) if error else task.complete(result, collapse=collapse))

    @ts.tool("List tasks", READ)
    def tasks(session_id: SessionId,
              status: Annotated[Literal["pending", "claimed", "done", "failed", "cancelled"] | None,
                                Field(description="Filter")] = None) -> TaskList:
        """A session's tasks, oldest first."""
        return TaskList(tasks=[TaskOut.of(t) for t in session(session_id).tasks(status)])

    @ts.tool("List approvals", READ)
    def approvals(session_id: Annotated[str | None, Field(description="A session's queue; or give tract")] = None,
                  status: Annotated[Literal["pending", "approved", "rejected"] | None,
                                    Field(description="Filter")] = "pending",
                  tract: TractName = "default") -> ApprovalList:
        """Changes waiting for a decision (compressions, collapses) with a preview of each."""
        found = session(session_id).approvals(status) if session_id else pool.read(tract).approvals(status)
        return ApprovalList(approvals=[ApprovalOut.of(a) for a in found])

    @ts.tool("Approve or reject", MOVES)
    def decide(id: Annotated[str, Field(description="From approvals")],
               decision: Annotated[Literal["approve", "reject"], Field(description="Approve or reject")],
               decided_by: Annotated[str | None, Field(description="Who decides")] = None,
               reason: Annotated[str | None, Field(description="Why (reject)")] = None,
               summary: Annotated[str | None, Field(description="Edited text (approve)")] = None,
               session_id: Annotated[str | None, Field(description="Session queue")] = None,
               tract: TractName = "default") -> ApprovalOut:
        """Decide an approval (from `approvals`); approving applies it atomically."""
        where = session(session_id) if session_id else pool.read(tract)
        if decision == "approve":
            return ApprovalOut.of(where.approve(id, decided_by=decided_by, summary=summary))
        return ApprovalOut.of(where.reject(id, decided_by=decided_by, reason=reason))

    @ts.tool("Audit trail", READ)
    def audit(session_id: SessionId, kind: Annotated[str | None, Field(description="Event kind")] = None,
              tract: Annotated[str | None, Field(description="Only this tract")] = None,
              limit: Annotated[int, Field(ge=1, le=500, description="At most")] = 20) -> AuditList:
        """A session's events, newest first: who did what, where, under which trace id."""
        return AuditList(events=[AuditLine.of(e) for e in session(session_id).audit(kind=kind, tract=tract,
                                                                                    limit=limit)])
