"""Prompt text and prompt builders; nothing else lives here."""

from prompts.summarize import SUMMARIZE_SYSTEM, build_summarize_prompt, must_keep_instructions, with_must_keep

__all__ = ["SUMMARIZE_SYSTEM", "build_summarize_prompt", "must_keep_instructions", "with_must_keep"]
