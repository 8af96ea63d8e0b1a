"""The commit graph's reads inside a transaction: commits with their blob and parents, a branch's
ancestors (a recursive query, or on SQLite a walk among the tract's newest commits), edits and
counts. A part of `Txn` (storage/store.py), kept apart because it is one idea and most of the reads.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, func, literal, literal_column, select, true

from tract_core.storage import schema as s
from tract_core.storage import hot, hot_reads
from tract_core.storage.rows import CommitRow

SCAN_SLACK = 2  # see HistoryQueries._ancestors_by_scan


class HistoryQueries:
    """Commit-graph reads; the class `Txn` gives them `conn`, `dialect`, `driver`, `_rows` and `_stmt`."""

    def _commit_query(self, driver=None, tract_id=None):
        """Commits with their blob and parents; `driver` (a set of hashes) leads the join, so the
        database walks it and looks each commit up by key instead of scanning the tract (on
        PostgreSQL through a fenced LATERAL lookup: see `_parents_of`)."""
        c, b, p = s.commits, s.blobs, s.commit_parents
        if driver is None:
            base, cc = c, c.c
        elif self.dialect != "postgresql":
            base, cc = driver.join(c, c.c.hash == driver.c.h), c.c
        else:
            found = select(c).where(c.c.hash == driver.c.h).offset(literal_column("0")).lateral("c")
            base, cc = driver.join(found, true()), found.c
        q = (select(cc.hash, cc.tract_id, cc.operation, cc.edit_target, cc.content_hash,
                    cc.message, cc.meta, cc.created_us, cc.generation, b.c.content_type, b.c.body,
                    b.c.token_count, p.c.parent, p.c.position)
             .select_from(base.outerjoin(b, b.c.hash == cc.content_hash)
                          .outerjoin(p, p.c.child == cc.hash)))
        return q if tract_id is None else q.where(cc.tract_id == tract_id)

    @staticmethod
    def _rows_to_commits(rows) -> list[CommitRow]:
        # plain tuples in the column order of _commit_query: attribute access on rows is the
        # slow part of reading a long history
        by_hash: dict[str, CommitRow] = {}
        for (h, tract_id, operation, edit_target, content_hash, message, meta, created_us, generation,
             content_type, body, token_count, parent, position) in rows:
            row = by_hash.get(h)
            if row is None:
                row = by_hash[h] = CommitRow(h, tract_id, [], operation, edit_target, content_hash,
                                             message, meta, created_us, generation, content_type, body,
                                             token_count or 0)
            if parent is not None:
                row.parents.append((position, parent))
        for row in by_hash.values():
            row.parents = [p for _, p in sorted(row.parents)] if len(row.parents) > 1 else [
                p for _, p in row.parents]
        return list(by_hash.values())

    def get_commit(self, tract_id: str, commit_hash: str) -> CommitRow | None:
        found = self._rows_to_commits(self._rows(hot_reads.GET_COMMIT, (tract_id, commit_hash)))
        return found[0] if found else None

    def generation(self, tract_id: str, commit_hash: str) -> int | None:
        """A commit's generation alone (what a new child needs), without its content."""
        known = self._generations.get(commit_hash)
        if known is not None:
            return known
        found = self._rows(hot.GENERATION, (commit_hash, tract_id))
        return found[0][0] if found else None

    def get_commits(self, tract_id: str, hashes: Iterable[str]) -> dict[str, CommitRow]:
        hashes = list(set(hashes))
        out: dict[str, CommitRow] = {}
        for i in range(0, len(hashes), 500):
            q = self._commit_query().where(s.commits.c.hash.in_(hashes[i:i + 500]),
                                           s.commits.c.tract_id == tract_id)
            out.update((r.hash, r) for r in self._rows_to_commits(self.conn.execute(q)))
        return out

    def find_prefix(self, tract_id: str, prefix: str, limit: int = 6) -> list[str]:
        c = s.commits.c
        q = (select(c.hash).where(c.tract_id == tract_id, c.hash >= prefix, c.hash < prefix + "g")
             .order_by(c.hash).limit(limit))
        return list(self.conn.scalars(q))

    def _ancestor_cte(self, depth: bool = False):
        """Commits reachable from the `b_head` parameter (within `b_depth` steps when `depth`)."""
        head = bindparam("b_head", type_=s.H)
        if not depth:
            anc = select(head.label("h")).cte("anc", recursive=True)
            joined, parent = self._parents_of(anc)
            return anc.union(select(parent).select_from(joined))
        anc = select(head.label("h"), literal(0).label("d")).cte("anc", recursive=True)
        joined, parent = self._parents_of(anc)
        return anc.union(select(parent, anc.c.d + 1).select_from(joined)
                         .where(anc.c.d < bindparam("b_depth")))

    def _parents_of(self, anc):
        """The recursive step: `anc` joined to the parents of each of its commits.

        PostgreSQL plans a plain join here as a hash join over a scan of all of commit_parents,
        repeated at every step of the walk (quadratic: 17 s for 6,000 commits in a fresh schema);
        a LATERAL subquery fenced by OFFSET 0 makes it one index lookup per step (80 ms)."""
        p = s.commit_parents
        if self.dialect != "postgresql":
            return anc.join(p, p.c.child == anc.c.h), p.c.parent
        step = select(p.c.parent).where(p.c.child == anc.c.h).offset(literal_column("0")).lateral("p")
        return anc.join(step, true()), step.c.parent

    def ancestors(self, tract_id: str, head: str, depth: int | None = None) -> list[CommitRow]:
        """Every commit reachable from `head` (or within `depth` steps), with content, in one query."""
        if depth is None:
            found = self._ancestors_by_scan(tract_id, head)
            if found is not None:
                return found
            return self._rows_to_commits(self._rows(hot_reads.ANCESTORS, (head, tract_id)))
        # SQLite: fewer page reads; PostgreSQL keeps its one round trip (the walk here needs two)
        found = self._ancestors_among_newest(tract_id, head, depth) if self.dialect != "postgresql" else None
        if found is not None:
            return found
        return self._rows_to_commits(self._rows(hot_reads.ANCESTORS_WITHIN, (head, depth, tract_id)))

    def _ancestors_among_newest(self, tract_id: str, head: str, depth: int) -> list[CommitRow] | None:
        """`ancestors(tract_id, head, depth)` from the tract's SCAN_SLACK * (depth + 1) newest commits,
        walked here, when every commit the walk reaches is among them (a head being written to is
        the tract's newest, and its recent history next); else None (the recursive query)."""
        n = SCAN_SLACK * (depth + 1)
        rows = self._with_parents(self._rows(hot_reads.NEWEST_COMMITS, (tract_id, n)),
                                  self._rows(hot_reads.NEWEST_PARENTS, (tract_id, n)))
        return _walk(rows, head, depth) if head in rows else None

    def _ancestors_by_scan(self, tract_id: str, head: str) -> list[CommitRow] | None:
        """`ancestors(tract_id, head)` from one read of the tract's commits, walked here, when the tract
        holds at most SCAN_SLACK times what the walk reads at least (a recursive query costs about
        three times a plain read per commit); None when it does not, or when the walk leaves the
        tract (the recursive query follows it)."""
        (generation, count), = self._rows(hot_reads.REACH, (head, tract_id, tract_id))
        if generation is None or count > SCAN_SLACK * (generation + 1):
            return None
        return _walk(self._tract_commits(tract_id), head)

    def _tract_commits(self, tract_id: str) -> dict[str, CommitRow]:
        """Every commit of a tract with its content, by hash (parents in their order)."""
        return self._with_parents(self._rows(hot_reads.TRACT_COMMITS, (tract_id,)),
                                  self._rows(hot_reads.TRACT_PARENTS, (tract_id,)))

    @staticmethod
    def _with_parents(commit_rows: list[tuple], parent_rows: list[tuple]) -> dict[str, CommitRow]:
        """Commits (rows of hot_reads._ROW_COLUMNS) by hash, with their parents (child, position,
        parent) in order."""
        rows = {h: CommitRow(h, tract, [], op, target, content, message, meta, created, generation, kind,
                             body, tokens or 0)
                for h, tract, op, target, content, message, meta, created, generation, kind, body, tokens
                in commit_rows}
        merges = set()
        for child, _, parent in parent_rows:
            parents = rows[child].parents
            parents.append(parent)
            if len(parents) > 1:
                merges.add(child)
        if merges:  # put a merge's parents in their order
            position = {(child, parent): i for child, i, parent in parent_rows if child in merges}
            for child in merges:
                rows[child].parents.sort(key=lambda parent, c=child: position[c, parent])
        return rows

    def ancestor_hashes(self, head: str) -> set[str]:
        q = self._stmt("ancestor_hashes", lambda: select(self._ancestor_cte().c.h))
        return set(self.conn.scalars(q, {"b_head": head}))

    def is_ancestor(self, maybe_ancestor: str, head: str) -> bool:
        def build():
            anc = self._ancestor_cte()
            return select(func.count()).select_from(anc).where(anc.c.h == bindparam("b_maybe", type_=s.H))

        return self.conn.scalar(self._stmt("is_ancestor", build), {"b_head": head, "b_maybe": maybe_ancestor}) > 0

    def edits_of(self, tract_id: str, target: str) -> list[CommitRow]:
        q = self._commit_query().where(s.commits.c.tract_id == tract_id, s.commits.c.edit_target == target)
        return sorted(self._rows_to_commits(self.conn.execute(q)), key=lambda r: (r.created_us, r.hash))

    def count_commits(self, tract_id: str) -> int:
        return self.conn.scalar(select(func.count()).select_from(s.commits).where(
            s.commits.c.tract_id == tract_id))


def _walk(rows: dict[str, CommitRow], head: str, depth: int | None = None) -> list[CommitRow] | None:
    """The commits reachable from `head` in `rows` (within `depth` steps), breadth first, in the
    order the recursive query gives them; None when the walk reaches a commit `rows` lacks."""
    out, level, seen, d = [], [head], {head}, 0
    while level:
        below = []
        for h in level:
            row = rows.get(h)
            if row is None:
                return None
            out.append(row)
            if depth is None or d < depth:
                for p in row.parents:
                    if p not in seen:
                        seen.add(p)
                        below.append(p)
        level, d = below, d + 1
    return out
