"""`tract-mcp`: serve tract over MCP (stdio by default; SSE or streamable HTTP on loopback)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys

from server.paths import default_db_path

DEFAULT_MAX_REQUEST_BYTES = 5 << 20  # as server.wire's (not imported here: start-up time)
DEFAULT_MAX_CONTENT_BYTES = 1 << 20

TRANSPORTS = ("stdio", "sse", "http")


def parser(prog: str = "tract-mcp") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog, description="Serve tract (version control for an agent's context window) over MCP.",
        epilog="With no arguments: stdio, and a SQLite store at "
               f"{default_db_path()} (created on first use).")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--db", metavar="PATH", help=f"SQLite file (default: {default_db_path()})")
    where.add_argument("--url", metavar="URL", help="database URL, e.g. postgresql+psycopg://user@host/db")
    p.add_argument("--store-timeout", type=float, default=None, metavar="SECONDS",
                   help="give up on a store call (a lock, an unreachable database) after this long "
                        "(default: $TRACT_STORE_TIMEOUT, else 30)")
    p.add_argument("--transport", choices=TRANSPORTS, default="stdio",
                   help="stdio (default), sse (GET /sse), or http (streamable HTTP at /mcp)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind for sse/http (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port for sse/http (default: 8000)")
    secret = p.add_mutually_exclusive_group()
    secret.add_argument("--token-file", metavar="PATH",
                        help="require 'Authorization: Bearer <token>' on sse/http, the token read from this "
                             "file (or set TRACT_MCP_TOKEN)")
    secret.add_argument("--token", help="the token itself (visible to other local users in the process "
                                        "list: prefer TRACT_MCP_TOKEN or --token-file)")
    p.add_argument("--insecure", action="store_true",
                   help="allow sse/http on a non-loopback --host without a token (anyone who can reach "
                        "the port can read and write every tract)")
    p.add_argument("--max-request-bytes", type=byte_size, metavar="BYTES",
                   default=os.environ.get("TRACT_MCP_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES),
                   help="refuse a request larger than this, e.g. 5M (default: $TRACT_MCP_MAX_REQUEST_BYTES "
                        "or 5M)")
    p.add_argument("--max-content-bytes", type=byte_size, metavar="BYTES",
                   default=os.environ.get("TRACT_MCP_MAX_CONTENT_BYTES", DEFAULT_MAX_CONTENT_BYTES),
                   help="refuse a commit whose content, message or metadata is larger than this, e.g. 1M "
                        "(default: $TRACT_MCP_MAX_CONTENT_BYTES or 1M)")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="also accept this browser Origin on sse/http (loopback origins always are)")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST:PORT",
                   help="also accept this Host header on sse/http (e.g. a name the server is reached by)")
    p.add_argument("--tools", default="core", metavar="SET",
                   help="toolsets to offer: core (default), all, or a comma-separated list of groups "
                        "(history, compression, admin, policies, agents) and tool names")
    p.add_argument("--log-level", default="WARNING",
                   choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], help="stderr log level")
    return p


def byte_size(text: str | int) -> int:
    """`5242880`, `5M`, `512K`, `1G` → bytes (binary multiples)."""
    if isinstance(text, int):
        return text
    raw = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(raw[-1:], 1)
    try:
        value = int(float(raw[:-1] if scale > 1 else raw) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (e.g. 5M, 512K, 1048576)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a size must be positive")
    return value


def http_token(p: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """The bearer token for sse/http, from --token-file, $TRACT_MCP_TOKEN or --token; an empty one, or
    none on a non-loopback address without --insecure, is refused (it would serve the network)."""
    if args.token_file is not None:
        try:
            with open(args.token_file, encoding="utf-8") as f:
                token: str | None = f.read().strip()
        except OSError as err:
            p.error(f"--token-file: cannot read {args.token_file}: {err.strerror}")
        if not token:
            p.error(f"--token-file: {args.token_file} is empty; put the token in it")
    elif args.token is not None:
        token = args.token
        if not token.strip():
            p.error("--token is empty: give a token, or leave it out")
        print("tract-mcp: warning: a --token on the command line is visible to other local users in the "
              "process list; prefer TRACT_MCP_TOKEN or --token-file", file=sys.stderr)
    else:
        token = os.environ.get("TRACT_MCP_TOKEN")
        if token is not None and not token.strip():
            p.error("TRACT_MCP_TOKEN is set but empty: set it to a token, or unset it")
    if args.transport != "stdio" and not token and not is_loopback(args.host) and not args.insecure:
        p.error(f"--host {args.host} serves other machines: require a token (TRACT_MCP_TOKEN or "
                "--token-file), or pass --insecure to serve without one")
    return token


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def store_location(args: argparse.Namespace) -> str:
    return args.url or args.db or str(default_db_path())


def serve(args: argparse.Namespace) -> None:
    # stdout carries the protocol: every log line goes to stderr
    logging.basicConfig(stream=sys.stderr, level=args.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.transport == "stdio" and sys.stdin.isatty():
        print("tract-mcp speaks MCP on stdio: start it from an MCP client, e.g. "
              "`claude mcp add tract -- tract-mcp --db PATH` (README: Connect an MCP client); Ctrl-C quits.",
              file=sys.stderr)
    logging.getLogger("tract.server").info("store: %s", store_location(args))
    if args.transport == "stdio":
        serve_stdio(args)
        return
    from server.app import build_server
    from server.http import http_app, serve_http

    pool = open_pool(args, run_inline=False)
    try:
        mcp = build(build_server, pool, args)
        prefetch_tokenizer()
        app = http_app(mcp, args.transport, args.host, args.token, args.allow_host, args.allow_origin,
                       max_request_bytes=args.max_request_bytes, store=pool.store)
        serve_http(app, args.host, args.port, args.log_level)
    finally:
        pool.close()


def serve_stdio(args: argparse.Namespace) -> None:
    """Serve on stdin/stdout. The server is built (the MCP SDK imported, ~0.7 s) on a thread while
    the main thread reads the first line: an `initialize` is answered at once (`server.handshake`),
    and the store opens on another thread after the build (`server.opening`)."""
    import threading

    from server.handshake import answer, is_pipe, read_first_line
    from server.toolset_names import surely_valid

    built: dict = {}

    def build_it() -> None:
        try:
            from server.app import build_server
            from server.opening import OpeningPool

            pool = OpeningPool(lambda: open_pool(args, run_inline=True))
            built["mcp"] = build(build_server, pool, args)
            built["pool"] = pool
            pool.start()
        except BaseException as err:  # raised on the main thread
            built["error"] = err

    builder = threading.Thread(target=build_it, name="build-server", daemon=True)
    builder.start()
    read, answered = b"", None
    if sys.platform != "win32" and is_pipe(0) and is_pipe(1) and surely_valid(args.tools):
        read = read_first_line(0)
        answered = None if "error" in built else answer(read)  # a build that failed answers nothing
        if answered is not None:
            write_all(1, answered.reply)
    builder.join()
    if "error" in built:
        raise built["error"]
    from server.stdio import run_stdio

    try:
        run_stdio(built["mcp"], args.max_request_bytes, read, answered)
    finally:
        built["pool"].close()


def open_pool(args: argparse.Namespace, run_inline: bool):
    from server.pool import TractPool  # the library's storage: SQLAlchemy and the schema check

    return TractPool.open(store_location(args), run_inline=run_inline, timeout=args.store_timeout,
                          max_content_bytes=args.max_content_bytes)


def build(build_server, pool, args: argparse.Namespace):
    try:
        return build_server(pool, log_level=args.log_level, tools=args.tools)
    except ValueError as err:  # an unknown toolset
        print(f"tract-mcp: {err}", file=sys.stderr)
        sys.exit(2)


def write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def parse_args(argv: list[str] | None, prog: str = "tract-mcp") -> argparse.Namespace:
    p = parser(prog)
    args = p.parse_args(argv)
    args.token = http_token(p, args)
    return args


def prefetch_tokenizer() -> None:
    """Load the tokenizer (~0.8 s) on a thread while the client connects, so the first commit does not
    wait for it; `initialize` never does."""
    import threading

    from tract_core.tokens import load_encoding

    threading.Thread(target=load_encoding, name="tokenizer", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        serve(args)
    except KeyboardInterrupt:
        pass
    except Exception as err:
        from tract_core import TractError  # not before: tract_core's models take ~0.15 s to import

        if not isinstance(err, TractError):
            raise
        print(f"tract-mcp: {err}", file=sys.stderr)  # e.g. a store that cannot be opened: no traceback
        sys.exit(1)
