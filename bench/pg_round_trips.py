"""PostgreSQL round trips (issue 14): how many times a commit and a compile wait for the server, and
what that costs when the server is across a network rather than on this machine's loopback.

Every connection goes through a proxy in this process that passes each chunk on after `rtt / 2`
(a delay line each way, order kept) and counts the round trips (an answer from the server after
something the client sent). Steps are bench/agent_loop.py's (user, assistant, tool call, tool
result, compile); the figures are medians over the steps.

    python bench/pg_round_trips.py                     # 300 steps, at 0 and 0.5 ms round trip
    python bench/pg_round_trips.py --steps 500 --rtt-ms 0 1

CPU is not reported: the proxy's threads run in this process.
"""

from __future__ import annotations

import argparse
import collections
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from tract_core import Tract  # noqa: E402


class DelayProxy:
    """127.0.0.1:<port> to `upstream`, each chunk delayed by `delay` seconds; counts round trips."""

    def __init__(self, upstream: tuple[str, int], delay: float) -> None:
        self.upstream, self.delay = upstream, delay
        self.round_trips = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self._listener.accept()
            server = socket.create_connection(self.upstream)
            asked = [False]  # the client sent something the server has not answered yet
            for src, dst, from_client in ((client, server, True), (server, client, False)):
                src.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                line: collections.deque = collections.deque()
                ready = threading.Condition()
                threading.Thread(target=self._read, args=(src, line, ready, from_client, asked), daemon=True).start()
                threading.Thread(target=self._send, args=(dst, line, ready), daemon=True).start()

    def _read(self, src, line, ready, from_client: bool, asked: list) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if from_client:
                asked[0] = True
            elif data and asked[0]:
                asked[0] = False
                self.round_trips += 1
            with ready:
                line.append((time.monotonic() + self.delay, data))
                ready.notify()
            if not data:
                return

    @staticmethod
    def _send(dst, line, ready) -> None:
        while True:
            with ready:
                while not line:
                    ready.wait()
                due, data = line.popleft()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
            except OSError:
                return


def measure(url: str, steps: int, rtt_ms: float) -> dict[str, tuple[float, float]]:
    """(p50 ms, round trips p50) of a commit (`user`), a compile and a whole step."""
    host, port = "127.0.0.1", 5432
    proxy = DelayProxy((host, port), rtt_ms / 2000)
    t = Tract.open(url.replace(f"{host}:{port}", f"127.0.0.1:{proxy.port}"), "trips")
    t.system("You are a careful coding agent.")
    turns = common.Turns(seed=7)
    found: dict[str, list[tuple[float, int]]] = {"commit": [], "compile": [], "step": []}
    for i in range(steps):
        s = turns.step(i)
        r0, t0 = proxy.round_trips, time.perf_counter()
        t.user(s["user"])
        r1, t1 = proxy.round_trips, time.perf_counter()
        t.assistant(s["assistant"])
        t.tool_call(s["tool"], s["arguments"], s["call_id"])
        t.tool_result(s["call_id"], s["result"])
        r2, t2 = proxy.round_trips, time.perf_counter()
        t.compile()
        r3, t3 = proxy.round_trips, time.perf_counter()
        found["commit"].append((t1 - t0, r1 - r0))
        found["compile"].append((t3 - t2, r3 - r2))
        found["step"].append((t3 - t0, r3 - r0))
    t.close()
    return {k: (common.median([x for x, _ in v]) * 1000, common.median([n for _, n in v])) for k, v in found.items()}


def main(argv: list[str] | None = None, out=print) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--rtt-ms", type=float, nargs="+", default=[0.0, 0.5], help="round trip times to add")
    args = ap.parse_args(argv)
    reason = common.pg_reason()
    if reason is not None:
        out(f"skipped: {reason}")
        return
    out(f"# PostgreSQL round trips ({common.machine()})")
    rows = []
    for rtt in args.rtt_ms:
        with common.pg_schema() as (url, _):
            found = measure(url, args.steps, rtt)
        for what, (p50, trips) in found.items():
            rows.append([f"{rtt:g}", what, f"{trips:g}", f"{p50:.3f}"])
    out(common.table(["added RTT ms", "call", "round trips", "p50 ms"], rows))


if __name__ == "__main__":
    main()
