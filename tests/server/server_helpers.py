"""Helpers for the server tests: a word counter, content builders, call helpers."""

from __future__ import annotations

from mcp import Client


class WordCounter:
    def count(self, text: str) -> int:
        return len(text.split())




def user(text: str) -> dict:
    return {"content_type": "dialogue", "role": "user", "text": text}


def assistant(text: str) -> dict:
    return {"content_type": "dialogue", "role": "assistant", "text": text}


async def call(client: Client, tool: str, **arguments):
    """Call a tool that must succeed; return its structured result."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def fails(client: Client, tool: str, **arguments) -> str:
    """Call a tool that must fail with a tool error; return the message."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, f"{tool}({arguments}) should have failed: {result.structured_content}"
    return result.content[0].text
