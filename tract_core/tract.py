"""The `Tract` facade: one agent's context under version control. The public API."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from tract_core.errors import KNOWN_SHOWN, CommitNotFoundError, InvalidOperationError, TractNotFoundError
from tract_core.models.commit import (BranchInfo, CommitInfo, DiffResult, MergeResult, SearchHit, Status,
                                      TractSummary)
from tract_core.models.compiled import CompiledContext
from tract_core.models.enums import Operation, Priority, parse_enum
from tract_core.models.names import check_tract_name
from tract_core.models.registry import ContentRegistry
from tract_core.models.check import CheckReport
from tract_core.models.audit import GCResult, OperationEvent, ReorderWarning
from tract_core.models.compression import CompressResult, PendingCompression
from tract_core.operations import audit, branches, committing, compress as compression, inspect
from tract_core.operations import gc as collect
from tract_core.models.policy import PIN_REASON, PolicyInfo
from tract_core.operations import retention, teams
from tract_core.operations import spawn as spawning
from tract_core.models.teams import Approval
from tract_core.operations import check as checking
from tract_core.operations import must_keep as must_keep_facts
from tract_core.operations import policies as policy_ops
from tract_core.operations import policy_runs
from tract_core.operations import records, reorder, tags, usage
from tract_core.operations.search import search as search_commits
from tract_core.operations.tracts import list_tracts
from tract_core.operations.actors import acting_as, traced
from tract_core.operations.undo import undo_compression as undo_event
from tract_core.storage import pending as pending_q
from tract_core.operations.compiler import Compiler
from tract_core.operations.history import at_time as commit_at_time, tip_before_moves
from tract_core.operations.merge import merge as merge_branches
from tract_core.operations.refs import DEFAULT_BRANCH, RefView, resolve  # noqa: F401 (DEFAULT_BRANCH: public)
from tract_core.operations.repo import DEFAULT_MAX_CONTENT_BYTES, DEFAULT_PRIORITIES, Repo, TractStore
from tract_core.storage import Store
from tract_core.storage.store import without_waiting
from tract_core.storage.turns import TurnLock
from tract_core.tokens import TiktokenCounter, TokenCounter



class Tract:
    """Version control for one agent's context window, stored in SQLite or PostgreSQL.

    >>> t = Tract.open(":memory:")
    >>> t.system("You are terse.").operation.value
    'append'

    `compile_snapshots=False`: never read or save compile snapshots (the compile state saved each
    time a history grows by 500 commits, or by a sixteenth past 8,000, so a new process need not
    rebuild it from every commit).
    """

    def __init__(self, store: Store, tract_id: str = "default", *, counter: TokenCounter | None = None,
                 default_priorities: dict[str, Priority | str] | None = None, summarizer: Any = None,
                 compile_snapshots: bool = True, owns_store: bool = False, create: bool = True,
                 max_content_bytes: int | None = DEFAULT_MAX_CONTENT_BYTES) -> None:
        check_tract_name(tract_id)
        if default_priorities is not None and not isinstance(default_priorities, dict):
            raise InvalidOperationError("default_priorities must map content types to priorities, "
                                        "e.g. {'reasoning': 'skip'}")
        if max_content_bytes is not None and (not isinstance(max_content_bytes, int) or max_content_bytes <= 0):
            raise InvalidOperationError("max_content_bytes must be a positive number of bytes, or None")
        priorities = dict(DEFAULT_PRIORITIES)
        for kind, p in (default_priorities or {}).items():
            priorities[kind] = parse_enum(Priority, p, "priority")
        self.store = store
        self.tract_id = tract_id
        self.repo = Repo(TractStore(store, tract_id), tract_id, ContentRegistry(), counter or TiktokenCounter(),
                         priorities, max_content_bytes=max_content_bytes)
        self.summarizer = summarizer
        self._compiler = Compiler(self.repo, snapshots=bool(compile_snapshots))
        self._lock = TurnLock()  # let go while a write waits for the store (storage/turns.py)
        self._owns_store = owns_store
        self._policies = policy_runs.PolicyCache(self.repo)
        # nothing is written here: the tract is created by its first write (see TractStore)
        with store.read() as tx:
            if not self.repo.store.found(tx) and not create:
                raise TractNotFoundError(tract_id, tx.list_tracts(limit=KNOWN_SHOWN + 1))
            for name, schema in tx.content_types(tract_id).items():
                self.repo.registry.add_schema(name, schema)

    @property
    def exists(self) -> bool:
        """Whether the tract is in the store (a tract is created by its first write)."""
        return self.repo.store.exists()

    @classmethod
    def open(cls, path_or_url: str = ":memory:", tract_id: str = "default", *, timeout: float | None = None,
             **options: Any) -> Tract:
        """Open a store (created if needed) and a tract in it. The tract itself is created by its
        first write; with `create=False`, a tract never written raises TractNotFoundError.

        `path_or_url`: ":memory:", a SQLite file path, or a `postgresql+psycopg://…` URL.
        `timeout`: the longest any call waits on the store (a lock, an unreachable database), in
        seconds, before StoreTimeoutError; default $TRACT_STORE_TIMEOUT, else 30.
        """
        store = Store(path_or_url, timeout=timeout)
        try:
            return cls(store, tract_id, owns_store=True, **options)
        except BaseException:
            store.close()  # a refused tract must not keep the store's connections open
            raise

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    def no_wait(self) -> AbstractContextManager[None]:
        """Calls in this block raise StoreBusyError, with nothing written, rather than wait for a
        lock (for a server that runs quick calls on its event loop; see Store.no_wait)."""
        return without_waiting(self._lock, self.store)

    def __enter__(self) -> Tract:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- content kinds ---
    def register_content_type(self, name: str, model: type[BaseModel]) -> None:
        """Teach this tract a new content kind; it is remembered in the store."""
        with self._lock:
            schema = self.repo.registry.schema_for(name, model)
            with self.repo.store.write() as tx:
                tx.save_content_type(self.tract_id, name, schema)
            self.repo.registry.add_model(name, model)  # only once the store has it

    # --- committing ---
    @traced
    def commit(self, content: Any, *, operation: str | Operation = "append", edit_target: str | None = None,
               message: str | None = None, metadata: dict[str, Any] | None = None,
               priority: str | Priority | None = None, branch: str | None = None) -> CommitInfo:
        """Commit content (a content model, or a dict with `content_type`) on the current branch."""
        rules = self._policies.get()
        pinned = policy_ops.pin_priority(rules.get("pin"), content) if priority is None else None
        with self._lock:
            row = committing.append(self.repo, content, operation=operation, edit_target=edit_target,
                                    message=message, metadata=metadata, priority=priority or pinned,
                                    branch=branch, reason=PIN_REASON if pinned else None,
                                    event={"policy": "pin", "priority": pinned.value} if pinned else None)
            info = self.repo.info(row)
            warnings = self._warnings([row])[0]
            if warnings:
                info = info.model_copy(update={"warnings": warnings})
        policy_runs.after_commit(self._compiler, self._lock, rules, branch, self.compress, self.summarizer)
        if priority is None and pinned is None:
            return info
        # the annotation was written with the commit; the cached priorities have not read it yet
        return info.model_copy(update={"priority": parse_enum(Priority, priority or pinned, "priority")})

    @traced
    def commit_many(self, contents: list[Any], *, branch: str | None = None) -> list[CommitInfo]:
        """Commit several contents in order, atomically: all are written or none (e.g. a tool call
        and its result). Returns one CommitInfo per content, oldest first."""
        with self._lock:
            rows = committing.append_many(self.repo, contents, branch=branch)
            warned = zip([self.repo.info(r) for r in rows], self._warnings(rows))
        return [info.model_copy(update={"warnings": w}) if w else info for info, w in warned]

    @property
    def last_branch(self) -> str | None:
        """The branch this thread's last `commit` or `commit_many` on this tract went on (None before
        any): what a caller reports without reading HEAD again."""
        return getattr(self.repo.written, "branch", None)

    def _warnings(self, rows: list) -> list[list[str]]:
        """What each commit just written leaves wrong; only a tool result can be wrong, so no other
        commit costs a read of the store."""
        if not any(committing.may_warn(r) for r in rows):
            return [[] for _ in rows]
        with self.store.read() as tx:
            return [self._compiler.commit_warnings(tx, r) if committing.may_warn(r) else [] for r in rows]

    def system(self, text: str, **kw: Any) -> CommitInfo:
        return self.commit({"content_type": "instruction", "text": text}, **kw)

    def user(self, text: str, **kw: Any) -> CommitInfo:
        return self.commit({"content_type": "dialogue", "role": "user", "text": text}, **kw)

    def assistant(self, text: str, **kw: Any) -> CommitInfo:
        return self.commit({"content_type": "dialogue", "role": "assistant", "text": text}, **kw)

    def tool_call(self, name: str, arguments: dict[str, Any], call_id: str, **kw: Any) -> CommitInfo:
        return self.commit({"content_type": "tool_io", "tool_name": name, "call_id": call_id,
                            "direction": "call", "arguments": arguments}, **kw)

    def tool_result(self, call_id: str, result: Any, is_error: bool = False, *, name: str = "",
                    **kw: Any) -> CommitInfo:
        return self.commit({"content_type": "tool_io", "tool_name": name, "call_id": call_id,
                            "direction": "result", "result": result, "is_error": is_error}, **kw)

    def annotate(self, hash: str, priority: str | Priority, reason: str | None = None,
                 branch: str | None = None, must_keep: list | None = None) -> CommitInfo:
        """Set a commit's priority (append-only: the latest annotation wins). The annotation is
        recorded as made on the current branch (or `branch`), which merge uses to report a SKIP on
        one side of what the other side EDITed.

        `must_keep` (IMPORTANT only): facts any summary of the commit must state, as strings or
        compiled regular expressions; without it, the facts found in the commit must be kept."""
        prio = parse_enum(Priority, priority, "priority")
        committing.check_text(reason, "reason")
        committing.check_size(self.repo, reason, "reason")
        if must_keep is not None:
            if prio is not Priority.IMPORTANT:
                raise InvalidOperationError("must_keep goes with priority 'important'")
            must_keep_facts.specs_of(must_keep)
        with self._lock, self.repo.store.write() as tx:
            view = RefView.read(tx, self.tract_id)
            full = resolve(tx, self.tract_id, hash, view)
            row = tx.get_commit(self.tract_id, full)
            if row.operation == Operation.MERGE.value:
                raise InvalidOperationError(f"{full[:12]} is a merge commit; annotate the turns it joins")
            target = row.edit_target or row.hash
            if branch is not None:
                view.branch_head(branch)  # raises BranchNotFoundError
            tx.add_annotation(self.tract_id, target, prio.value, reason, branch or view.branch)
            if must_keep is not None:
                must_keep_facts.save(tx, self.tract_id, target, must_keep)
            row = tx.get_commit(self.tract_id, target)
        info = self.repo.info(row)
        return info.model_copy(update={"priority": prio})

    # --- reading ---
    def _head(self, tx, branch: str | None = None) -> str | None:
        view = RefView.read(tx, self.tract_id)
        return view.branch_head(branch) if branch else view.head

    def log(self, limit: int | None = None, branch: str | None = None, *, before: str | None = None,
            kind: str | None = None, role: str | None = None) -> list[CommitInfo]:
        """Commits newest first. `before` (a revision): the commits older than it, i.e. the next
        page after one that ended there; `kind` / `role`: only commits of that content type / role."""
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise InvalidOperationError("limit must be a non-negative integer")
        with self._lock, self.store.read() as tx:
            self._compiler.refresh(tx)
            return inspect.log(self.repo, tx, self._head(tx, branch), limit, before=before, kind=kind,
                               role=role)

    def search(self, text: str | None = None, *, kind: str | None = None, role: str | None = None,
               tag: str | None = None, branch: str | None = None, all_branches: bool = False,
               limit: int = 20) -> list[SearchHit]:
        """Commits of the current branch (or `branch`, or every branch) whose content holds every
        word of `text`, and/or of a kind, role or tag; newest first, each with a snippet."""
        with self._lock:  # the reachable-commits cache is shared
            return search_commits(self.repo, text, kind=kind, role=role, tag=tag, branch=branch,
                                  all_branches=all_branches, limit=limit)

    def tag(self, hash: str, *names: str) -> CommitInfo:
        """Put tags on a commit (any revision: a hash prefix, HEAD~2, …); `search(tag=…)` finds it."""
        return tags.tag(self.repo, hash, names)

    def untag(self, hash: str, *names: str) -> CommitInfo:
        return tags.untag(self.repo, hash, names)

    def tracts(self) -> list[TractSummary]:
        """Every tract in this tract's store, with its branches' heads and sizes."""
        return list_tracts(self.store)

    def show(self, hash: str) -> CommitInfo:
        with self._lock, self.store.read() as tx:
            self._compiler.refresh(tx)
            return inspect.show(self.repo, tx, hash)

    def edit_history(self, hash: str) -> list[CommitInfo]:
        """The original turn and all its edits, oldest first."""
        with self._lock, self.store.read() as tx:
            self._compiler.refresh(tx)
            return inspect.edit_history(self.repo, tx, hash)

    def status(self) -> Status:
        with self._lock, self.store.read() as tx:
            view = RefView.read(tx, self.tract_id)
            head = view.head
            tokens = self._compiler.tokens(tx, head) if head else 0
            count = self._compiler.state(tx, head).commits if head else 0
            pending = self._pending_count(tx)
        return Status(tract_id=self.tract_id, branch=view.branch, detached=view.branch is None,
                      head=head, commit_count=count, token_count=tokens, pending_compressions=pending)

    def _pending_count(self, tx) -> int:
        return pending_q.count_pending(tx, self.tract_id)

    def diff(self, a: str, b: str) -> DiffResult:
        with self._lock, self.store.read() as tx:
            self._compiler.refresh(tx)
            return inspect.diff(self.repo, self._compiler, tx, a, b)

    # --- branches ---
    @traced
    def branch(self, name: str, start: str | None = None, switch: bool = False) -> BranchInfo:
        with self._lock:
            return branches.create_branch(self.repo, name, start, switch)

    @traced
    def switch(self, name: str) -> BranchInfo:
        with self._lock:
            return branches.switch(self.repo, name)

    @traced
    def checkout(self, hash: str) -> str:
        with self._lock:
            return branches.checkout(self.repo, hash)

    def list_branches(self) -> list[BranchInfo]:
        return branches.list_branches(self.repo)

    @traced
    def delete_branch(self, name: str, force: bool = False) -> None:
        with self._lock:
            branches.delete_branch(self.repo, name, force)

    @traced
    def reset(self, target: str, mode: str = "soft", branch: str | None = None) -> str:
        """Move the current branch (or `branch`, or a detached HEAD) to `target`."""
        with self._lock:
            return branches.reset(self.repo, target, mode, branch)

    @traced
    def merge(self, branch: str, strategy: str = "auto", message: str | None = None) -> MergeResult:
        with self._lock:
            return merge_branches(self.repo, branch, strategy, message)

    # --- compile ---
    def compile(self, at_commit: str | None = None, at_time: datetime | None = None,
                budget: int | None = None, *, order: list[str] | None = None,
                record: bool = False) -> CompiledContext | tuple[CompiledContext, list[ReorderWarning]]:
        """The message list this branch (or `at_commit`, or the branch as of `at_time`) sends.

        `budget`: keep the newest turns that fit (a tool call and its result as one, PINNED always);
        BudgetError when no turn fits beside the system prompt. `dropped` says why each missing
        commit is missing; `omitted` is the note the request starts with when it would otherwise
        start with the assistant.

        `order`: commit hashes to put first, in that order (the rest follow in their own order);
        then the result is `(CompiledContext, [ReorderWarning])`. The DAG and cache are untouched.
        `record=True` stores a compile record; the context's `record_id` is what `replay` takes.
        `budget` is on the provider's count once `record_usage` has told what the provider counts.
        """
        if budget is not None and (not isinstance(budget, int) or budget < 0):
            raise InvalidOperationError("budget must be a non-negative number of tokens")
        if order is not None and (isinstance(order, str) or not isinstance(order, (list, tuple))):
            raise InvalidOperationError("order must be a list of commit hashes")
        with self._lock:
            rules = self._policies.get()
            with self.store.read() as tx:
                view = RefView.read(tx, self.tract_id)
                head = resolve(tx, self.tract_id, at_commit, view) if at_commit else view.head
                if at_time is not None and head is not None:
                    head = self._at_time(tx, head, at_time, None if at_commit else view.branch)
                if budget is not None:
                    budget = usage.scaled_budget(budget, usage.usage_ratio(tx, self.repo))
                ctx = policy_runs.compile_with(self._compiler, tx, head, budget, rules)
                warnings: list[ReorderWarning] = []
                if order is not None:
                    ctx, warnings = reorder.apply_order(tx, self.repo, self._compiler, ctx, list(order))
            self._compiler.save_snapshot(head)
            if record:
                ctx = records.save_record(self.repo, ctx)
        return (ctx, warnings) if order is not None else ctx

    def record_usage(self, compiled: CompiledContext | str, input_tokens: int) -> float:
        """Tell tract the input tokens a provider counted for `compiled` (a compiled context or a
        compile record id); later budgets are scaled by the observed ratio, which is returned."""
        return usage.record_usage(self.repo, compiled, input_tokens)

    def replay(self, record_id: str) -> CompiledContext:
        """The exact messages a `compile(record=True)` produced, rebuilt from the store."""
        return records.replay(self.repo, record_id)

    # --- compression ---
    @traced
    def compress(self, commits: list[str] | None = None, *, from_commit: str | None = None,
                 to_commit: str | None = None, target_tokens: int | None = None,
                 instructions: str | None = None, mode: str = "collaborative",
                 content: str | list[str] | None = None,
                 deferred: bool = False, branch: str | None = None,
                 force: bool = False, policy: str | None = None) -> PendingCompression | CompressResult:
        """Replace a range of the current branch (or `branch`) by summaries; the source commits stay
        in the store.

        The range: `commits` (consecutive commits of the branch, in any order), or `from_commit` ..
        `to_commit` (inclusive; defaults: the first commit, HEAD). It grows so no tool call is cut
        from its result. PINNED commits stay verbatim and split it into groups (one summary each);
        SKIP commits are left out; commits after the range are re-applied on top.

        mode="collaborative" (default): returns a PendingCompression stored until
        `approve_compression` / `reject_compression`; nothing on the branch changes before that.
        mode="autonomous": applies at once and returns a CompressResult.
        mode="manual": like autonomous, with the summary text from `content=` (a text, or one per group).

        Who writes the summary: `content=` if given, else the tract's summarizer, else Claude when
        ANTHROPIC_API_KEY is set, else CompressionError saying so. `deferred=True` (collaborative
        only) calls no summarizer: the pending compression carries `.prompts` and None summaries,
        and `approve_compression(id, summaries=[...])` supplies the text (the agent-written path).

        IMPORTANT commits are summarized too, but their must-keep facts must survive: a summarizer
        is asked again (twice at most) naming those it left out, then the commits stay verbatim
        beside the summary; a `content=` summary that lacks them raises FactsLostError unless
        `force=True` (recorded in the audit event).
        """
        # no facade lock: the summarizer may take a while, and compression uses no compile cache
        return self._bind(compression.compress(
            self.repo, self.summarizer, commits=commits, from_commit=from_commit,
            to_commit=to_commit, target_tokens=target_tokens, instructions=instructions, mode=mode,
            content=content, deferred=deferred, branch=branch, force=force, policy=policy))

    def pending_compressions(self) -> list[PendingCompression]:
        """Compressions awaiting approval, oldest first (they survive a restart)."""
        return [self._bind(p) for p in compression.list_pending(self.repo)]

    @traced
    def approve_compression(self, id: str, summaries: list[str] | str | None = None,
                            force: bool = False, *, decided_by: str | None = None) -> CompressResult:
        """Apply a pending compression; `summaries` replaces its texts (required if it was deferred).
        If the branch moved on, the commits made since are re-applied; if the range is gone from
        the branch, StaleCompressionError. A summary without the must-keep facts of the IMPORTANT
        commits it replaces raises FactsLostError naming them, unless `force=True`. The decision
        goes into the approvals queue with `decided_by` (default: the actor `acting_as` names)."""
        if isinstance(summaries, str):
            summaries = [summaries]
        with self._lock, acting_as(decided_by):
            result = compression.approve(self.repo, id, summaries, force)
        # still over the trigger: the next proposal now
        policy_runs.after_commit(self._compiler, self._lock, self._policies.get(), result.branch,
                                 self.compress, self.summarizer)
        return result

    @traced
    def reject_compression(self, id: str, reason: str | None = None, *,
                           decided_by: str | None = None) -> PendingCompression:
        """Drop a pending compression; the decision (who, when, `reason`) goes into the approvals queue."""
        with self._lock, acting_as(decided_by):
            return self._bind(compression.reject(self.repo, id, reason))

    def _edit_compression_summary(self, id: str, i: int, text: str) -> PendingCompression:
        with self._lock:
            return self._bind(compression.edit_summary(self.repo, id, i, text))

    @traced
    def undo_compression(self, event_id: str) -> OperationEvent:
        """Put the branch back as before compression `event_id` (a compress or approve event), with
        anything committed since re-applied. Returns the undo's own event."""
        with self._lock:
            return undo_event(self.repo, event_id)

    def _bind(self, value):
        if isinstance(value, PendingCompression):
            value._tract = self
        return value

    # --- policies ---
    def set_policy(self, kind: str, **options: Any) -> PolicyInfo:
        """Set (or replace) this tract's `kind` policy: auto_compress, clear_tool_results, pin or
        budget (models/policy.py says what each option means). Stored with the tract."""
        info = policy_ops.set_policy(self.repo, kind, options)
        self._policies.forget()
        return info

    def policies(self) -> list[PolicyInfo]:
        """The policies set on this tract; a pin rule lists the commits it pinned."""
        return policy_ops.list_policies(self.repo)

    def remove_policy(self, kind: str) -> None:
        policy_ops.remove_policy(self.repo, kind)
        self._policies.forget()

    # --- teams: spawn, collapse, approvals (operations/spawn.py, collapse.py, approvals.py) ---
    @traced
    def spawn(self, name: str, *, purpose: str, inherit: str = "head_snapshot",
              commits: list[str] | None = None) -> Tract:
        """A child tract in this store (and session) starting from this tract's HEAD: `head_snapshot`
        (one pinned commit of the compiled context), `full_clone` or `selective` (`commits=`)."""
        with self._lock, self.store.read() as tx:
            self._compiler.refresh(tx)
        spawning.spawn(self.repo, self._compiler, name, purpose=purpose, inherit=inherit, commits=commits)
        return self._sibling(name)

    def parent(self) -> Tract | None:
        link = teams.link(self.store, self.tract_id)
        return self._sibling(link.parent_tract) if link else None

    def children(self) -> list[str]:
        return teams.children(self.store, self.tract_id)

    @traced
    def collapse(self, *, summary: str | None = None, mode: str = "collaborative",
                 instructions: str | None = None, requested_by: str | None = None):
        """Report this spawned tract's work as one commit on its parent's current branch; returns
        the commit hash, or (collaborative, the default) the Approval it waits in."""
        return teams.collapse(self.repo, self._sibling, self.summarizer, summary=summary, mode=mode,
                              instructions=instructions, requested_by=requested_by)

    def approvals(self, status: str | None = "pending") -> list[Approval]:
        return teams.approvals(self.store, self.tract_id, status)

    @traced
    def approve(self, id: str, *, decided_by: str | None = None, summary: str | list[str] | None = None) -> Approval:
        return teams.decide(self.store, self.tract_id, self._repo_for, id, True, decided_by, None, summary)

    @traced
    def reject(self, id: str, *, decided_by: str | None = None, reason: str | None = None) -> Approval:
        return teams.decide(self.store, self.tract_id, self._repo_for, id, False, decided_by, reason, None)

    def _sibling(self, name: str) -> Tract:
        return self if name == self.tract_id else Tract(self.store, name, counter=self.repo.counter,
                                                        summarizer=self.summarizer)

    def _repo_for(self, name: str) -> Repo:
        return self._sibling(name).repo

    # --- audit and gc ---
    def operations(self, limit: int | None = None, *, before: str | None = None,
                   kind: str | None = None) -> list[OperationEvent]:
        """Operation events (compress, approve, reject, undo, merge, reset, branch moves, spawn, collapse,
        gc, policy…), newest first, each with its actor, session and trace id; `before` (an event id
        or prefix): the events older than it (the next page); `kind`: only that kind — commits are
        listed only with kind="commit" (or kind="all": every event)."""
        return audit.operations(self.repo, limit, kind, before=before)

    @traced
    def gc(self, orphan_retention_days: float = 7, archive_retention_days: float | None = None) -> GCResult:
        """Remove commits nothing reaches any more and blobs no commit uses (see operations/gc.py), and
        sessions ended longer ago than TRACT_SESSION_RETENTION_DAYS (operations/retention.py)."""
        with self._lock:
            result = collect.gc(self.repo, orphan_retention_days, archive_retention_days)
            retention.purge_ended_sessions(self.store)  # TRACT_SESSION_RETENTION_DAYS after they end
            self._compiler.clear()
            return result

    def check(self) -> CheckReport:
        """Verify the store and this tract: integrity, refs and parents, blobs, compiles (operations/check.py)."""
        with self._lock:
            return checking.check(self.repo, self._compiler)

    def _at_time(self, tx, head: str, when: datetime, branch: str | None) -> str:
        if not isinstance(when, datetime):
            raise InvalidOperationError("at_time must be a datetime")
        if when.tzinfo is None:
            raise InvalidOperationError("at_time must be timezone-aware (e.g. datetime.now(timezone.utc))")
        when_us = int(when.timestamp() * 1e6)
        if branch is not None:  # undo the branch's resets, merges and compressions made since
            head = tip_before_moves(tx.events(self.tract_id), branch, head, when_us)
        commits = {r.hash: r for r in tx.ancestors(self.tract_id, head)} if head else {}
        if head is not None and head not in commits:
            raise CommitNotFoundError(f"the branch as of {when.isoformat()} was garbage-collected")
        found = commit_at_time(commits, head, when_us) if head else None
        if found is None:
            raise CommitNotFoundError(f"the branch had no commits at {when.isoformat()}")
        return found
