"""How long a store call may wait, and the PostgreSQL connection that enforces it.

One setting, `timeout` (seconds): `Tract.open(..., timeout=)`, else `$TRACT_STORE_TIMEOUT`, else 30.
- SQLite: how long a call waits for another writer's lock (the busy timeout).
- PostgreSQL: how long connecting, and each round trip to the server, may take. The server enforces
  it too (statement_timeout, lock_timeout), and TCP keepalives and TCP_USER_TIMEOUT drop dead
  links; but a link that accepts bytes and never answers (a hung proxy, a black-holed route behind
  a load balancer) defeats all of those, so the client bounds every wait itself: a wait that runs
  out closes the connection, the call fails with StoreTimeoutError and the pool reconnects.
"""

from __future__ import annotations

import math
import os
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from tract_core.errors import StorageError

ENV = "TRACT_STORE_TIMEOUT"
DEFAULT_TIMEOUT = 30.0

# set by `Store.no_wait()`: fail at once (StoreBusyError) instead of waiting for a lock, until the
# call's first write has committed (after that a failure would leave half a call behind)
no_wait: ContextVar[bool] = ContextVar("tract_no_wait", default=False)


def resolve_timeout(timeout: float | None = None) -> float:
    """The timeout given, else `$TRACT_STORE_TIMEOUT`, else 30 s."""
    source = "timeout"
    if timeout is None:
        raw = os.environ.get(ENV, "").strip()
        if not raw:
            return DEFAULT_TIMEOUT
        source = f"${ENV}"
        try:
            timeout = float(raw)
        except ValueError:
            timeout = math.nan
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < 86_400:
        raise StorageError(f"{source} must be a number of seconds between 0 and 86400 (got {timeout!r}); "
                           "e.g. 30")
    return float(timeout)


def postgres_connect_params(timeout: float, params: dict[str, Any]) -> dict[str, Any]:
    """libpq settings that bound connecting and waiting (added to what the URL gives)."""
    ms = max(1, int(timeout * 1000))
    server = f"-c statement_timeout={ms} -c lock_timeout={ms}"
    return {**params,
            "connect_timeout": max(2, math.ceil(timeout)),  # libpq: whole seconds, at least 2
            "keepalives": 1, "keepalives_idle": max(1, math.ceil(timeout / 3)),
            "keepalives_interval": max(1, math.ceil(timeout / 9)), "keepalives_count": 3,
            "tcp_user_timeout": ms,
            "options": f"{params['options']} {server}" if params.get("options") else server}


@lru_cache(maxsize=1)
def bounded_connection_class():
    """A psycopg connection whose every wait on the server ends after `tract_timeout` seconds
    (psycopg is imported here: SQLite users never pay for it)."""
    import psycopg
    from psycopg import errors

    class BoundedConnection(psycopg.Connection):
        tract_timeout: float | None = DEFAULT_TIMEOUT  # None: no bound (a schema migration)

        def wait(self, gen, interval=0.1, timeout=None):  # psycopg 3.2+: every wait goes through here
            limit = self.tract_timeout if timeout is None else timeout
            try:
                return super().wait(gen, interval, limit)
            except errors._WaitTimeout:
                if timeout is not None:  # psycopg's own bounded wait (a cancel): its caller handles it
                    raise
                # the connection is mid-exchange and unusable: closing it tells the pool to reconnect
                self.close()
                raise psycopg.OperationalError(
                    f"the database server did not answer within {limit:g} s") from None

    return BoundedConnection
