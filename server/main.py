"""`tract-mcp`: serve tract over MCP (stdio by default; SSE or streamable HTTP on loopback)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from server.paths import default_db_path

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
    p.add_argument("--token", default=os.environ.get("TRACT_MCP_TOKEN"),
                   help="require 'Authorization: Bearer TOKEN' on sse/http (default: $TRACT_MCP_TOKEN)")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="also accept this browser Origin on sse/http (loopback origins always are)")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST:PORT",
                   help="also accept this Host header on sse/http (e.g. a name the server is reached by)")
    p.add_argument("--tools", default="core", metavar="SET",
                   help="toolsets: core (default), or core,agents for spawn/collapse/tasks/approvals/audit")
    p.add_argument("--log-level", default="WARNING",
                   choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], help="stderr log level")
    return p


def store_location(args: argparse.Namespace) -> str:
    return args.url or args.db or str(default_db_path())


def serve(args: argparse.Namespace) -> None:
    # stdout carries the protocol: every log line goes to stderr
    logging.basicConfig(stream=sys.stderr, level=args.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from server.app import build_server
    from server.pool import TractPool

    location = store_location(args)
    pool = TractPool.open(location, run_inline=args.transport == "stdio", timeout=args.store_timeout)
    logging.getLogger("tract.server").info("store: %s", location)
    mcp = build_server(pool, log_level=args.log_level, tools=args.tools)
    try:
        if args.transport == "stdio":
            from server.stdio import run_stdio

            run_stdio(mcp)
        else:
            from server.http import http_app, serve_http

            app = http_app(mcp, args.transport, args.host, args.token, args.allow_host, args.allow_origin,
                           store=pool.store)
            serve_http(app, args.host, args.port, args.log_level)
    finally:
        pool.close()


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    from tract_core import TractError

    try:
        serve(args)
    except KeyboardInterrupt:
        pass
    except TractError as err:  # e.g. a store that cannot be opened: say so, without a traceback
        print(f"tract-mcp: {err}", file=sys.stderr)
        sys.exit(1)
