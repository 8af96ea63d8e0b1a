#!/usr/bin/env bash
# Install the MCP Inspector CLI (a real third-party MCP client) into .ci/node/ for the end-to-end test.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p node
cd node
[ -f package.json ] || echo '{"name": "tract-ci-node", "private": true}' > package.json
npm install --no-audit --no-fund --loglevel=error @modelcontextprotocol/inspector@2.12.0
