#!/bin/sh
# Install what the benchmarks compare tract with, next to a development install of tract:
#   LangGraph + langgraph-checkpoint-sqlite (the `bench` extra) into the active Python environment,
#   the reference MCP memory server (@modelcontextprotocol/server-memory) into bench/node_modules (gitignored).
# Usage, from the repository root:  sh bench/install_peers.sh   (PYTHON=.venv/bin/python by default)
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
"$PYTHON" -m pip install -q -e ".[bench]"
npm install --silent --no-audit --no-fund --prefix bench   # bench/package.json pins server-memory
echo "peers installed: $("$PYTHON" -c 'import importlib.metadata as m; print("langgraph", m.version("langgraph"), "/ langgraph-checkpoint-sqlite", m.version("langgraph-checkpoint-sqlite"))'), server-memory $(node -p 'require("./bench/node_modules/@modelcontextprotocol/server-memory/package.json").version')"
