"""SSE and streamable HTTP: loopback by default, Host/Origin validation against DNS rebinding, and
an optional bearer token (401 without it)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence

import uvicorn
from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
LOOPBACK_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]


class BearerAuth:
    """Refuse every HTTP request that lacks `Authorization: Bearer <token>`."""

    def __init__(self, app: ASGIApp, token: str | None, store=None) -> None:
        self.app = app
        self.expected = token.encode() if token else None
        self.store = store  # holds scoped tokens (`tract token add`), checked per call by server.scopes

    def authorized(self, header: bytes) -> bool:
        scheme, _, given = header.strip().partition(b" ")
        # the scheme is case-insensitive (RFC 7235), the token is compared exactly
        if scheme.lower() != b"bearer" or not given.strip():
            return False
        if self.expected is not None and hmac.compare_digest(given.strip(), self.expected):
            return True
        if self.store is None:
            return False
        from tract_core.operations.access import scope_for
        return scope_for(self.store, given.strip().decode("utf-8", "replace")) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if not self.authorized(dict(scope["headers"]).get(b"authorization", b"")):
                body = json.dumps({"error": "unauthorized",
                                   "error_description": "send Authorization: Bearer <token> "
                                                        "(the token tract-mcp was given)"}).encode()
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"), (b"www-authenticate", b'Bearer realm="tract"'),
                    (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def security(host: str, allow_hosts: Sequence[str] = (), allow_origins: Sequence[str] = ()
             ) -> TransportSecuritySettings:
    """Accept the loopback names, the bound host, and whatever the user allowed explicitly."""
    hosts = [*LOOPBACK_HOSTS, f"{host}:*", *allow_hosts]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts,
                                     allowed_origins=[*LOOPBACK_ORIGINS, *allow_origins])


def http_app(mcp: MCPServer, transport: str, host: str = "127.0.0.1", token: str | None = None,
             allow_hosts: Sequence[str] = (), allow_origins: Sequence[str] = (),
             max_request_bytes: int | None = None, store=None) -> ASGIApp:
    """The ASGI app for `transport` ("sse" or "http"; the latter serves streamable HTTP at /mcp).
    A request body over `max_request_bytes` is answered 413 (default: the SDK's 4 MiB). With a
    `store`, scoped tokens (`tract token add`) are honoured beside `token`."""
    settings = security(host, allow_hosts, allow_origins)
    limit = {"max_request_body_size": max_request_bytes} if max_request_bytes else {}
    if transport == "sse":
        app: ASGIApp = mcp.sse_app(transport_security=settings, host=host, **limit)
    else:
        app = mcp.streamable_http_app(transport_security=settings, host=host, **limit)
    if store is not None:
        from tract_core.operations.access import list_tokens
        if token or list_tokens(store):  # scoped tokens may be added while the server runs
            from server.scopes import guard
            guard(mcp, store, token)
            return BearerAuth(app, token, store)
    return BearerAuth(app, token) if token else app


def serve_http(app: ASGIApp, host: str, port: int, log_level: str = "warning") -> None:
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level.lower())).run()
