"""A TCP proxy a test controls, to simulate a database outage without touching the shared server.

`exchanges` counts round trips: answers from the server that follow something the client sent.
`blackhole()` makes it behave as a hung link: connections are still accepted and bytes are still
taken in (so the client's kernel sees them acknowledged, and TCP timeouts never fire), but nothing
goes through and nothing comes back. `restore()` lets new connections through again.
"""

from __future__ import annotations

import select
import socket
import threading


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.holes = threading.Event()  # set: black-holed
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self.exchanges = 0
        self._sockets: list[socket.socket] = []

    def __enter__(self) -> TcpProxy:
        self._spawn(self._accept)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(5)
        for s in [self._listener, *self._sockets]:
            s.close()

    def url(self, url: str) -> str:
        """`url` with its host:port replaced by this proxy's."""
        host, port = self.upstream
        return url.replace(f"{host}:{port}", f"127.0.0.1:{self.port}")

    def blackhole(self) -> None:
        self.holes.set()

    def restore(self) -> None:
        self.holes.clear()

    def _spawn(self, target, *args) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._sockets.append(client)
            if self.holes.is_set():
                self._spawn(self._swallow, client)
                continue
            server = socket.create_connection(self.upstream)
            self._sockets.append(server)
            self._spawn(self._pump, client, server)

    def _swallow(self, client: socket.socket) -> None:
        """A connection made during the outage: read everything, answer nothing."""
        while not self._stop.is_set():
            if select.select([client], [], [], 0.1)[0] and not client.recv(65536):
                return

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        """Both directions of one connection; while black-holed, bytes are read and dropped."""
        peer = {client: server, server: client}
        asked = False  # the client has sent something the server has not answered yet
        while not self._stop.is_set():
            ready = select.select(list(peer), [], [], 0.1)[0]
            for sock in ready:
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:
                    peer[sock].close()
                    return
                if sock is client:
                    asked = True
                elif asked:
                    asked = False
                    self.exchanges += 1
                if not self.holes.is_set():
                    try:
                        peer[sock].sendall(data)
                    except OSError:
                        return
