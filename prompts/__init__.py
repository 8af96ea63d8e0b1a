"""Prompt text and prompt builders; nothing else lives here."""

from prompts.summarize import SUMMARIZE_SYSTEM, build_summarize_prompt

__all__ = ["SUMMARIZE_SYSTEM", "build_summarize_prompt"]
