"""`python -m server` is `tract-mcp`."""

from server.main import main

main()
