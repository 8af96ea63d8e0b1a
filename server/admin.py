"""The `admin` group: gc, operations (the audit trail), tracts (what the store holds)."""

from typing import Annotated

import anyio.to_thread
from mcp.server.mcpserver import Context
from pydantic import Field

from server.lines import event_line
from server.models import READ, REMOVES, GCView, IdempotencyKey, Lines, TractName
from tract_core.models.ids import short_id


def register(ts) -> None:
    pool = ts.pool

    @ts.tool("Garbage-collect", REMOVES)
    async def gc(ctx: Context,
                 orphan_retention_days: Annotated[float, Field(ge=0, description="Keep unreachable commits "
                                                                                 "this long")] = 7,
                 archive_retention_days: Annotated[float | None, Field(
                     ge=0, description="Also drop compression sources older than this")] = None,
                 tract: TractName = "default", idempotency_key: IdempotencyKey = None) -> GCView:
        """Remove commits nothing reaches any more and blobs no commit uses."""
        await ctx.report_progress(0, 1, "collecting garbage")
        request = dict(orphan_retention_days=orphan_retention_days, archive_retention_days=archive_retention_days)

        def run() -> GCView:
            r = pool.read(tract).gc(orphan_retention_days, archive_retention_days)
            return GCView(commits_removed=r.commits_removed, blobs_removed=r.blobs_removed,
                          tokens_freed=r.tokens_freed, records_removed=r.records_removed,
                          event_id=short_id(r.event_id))

        result = await anyio.to_thread.run_sync(lambda: pool.once(tract, idempotency_key, "gc", request, GCView, run))
        await ctx.report_progress(1, 1, "done")
        return result

    @ts.tool("Operations", READ)
    def operations(limit: Annotated[int, Field(ge=0, description="At most")] = 20,
                   before: Annotated[str | None, Field(description="Older than this event (paging: `more`)")] = None,
                   kind: Annotated[str | None, Field(description="Only this kind; 'commit' or 'all' "
                                                                 "to see commits")] = None,
                   tract: TractName = "default") -> Lines:
        """The audit trail (compress, approve, undo, merge, reset, gc), newest first, one line each."""
        found = pool.read(tract).operations(limit + 1, before=before, kind=kind)
        more = found[limit - 1].id if limit and len(found) > limit else None
        return Lines(lines=[event_line(e) for e in found[:limit]], more=short_id(more))

    @ts.tool("List tracts", READ)
    def tracts() -> Lines:
        """The tracts in this store: branches with heads, commits, tokens, bytes."""
        from tract_core import list_tracts  # the store's modules load after start-up

        return Lines(lines=[f"{s.tract_id}: {s.commit_count} commits, {s.token_count} tokens, {s.size_bytes} B; "
                            + " ".join(f"{b.name}={short_id(b.head) or '-'}" for b in s.branches)
                            for s in list_tracts(pool.store)])
