"""Summaries for compression: who writes them (summarizers) and what they lost (facts)."""

from tract_core.compression.facts import lost_facts
from tract_core.compression.summarizers import (DEFAULT_MODEL, AnthropicSummarizer, CallableSummarizer,
                                                ManualSummarizer, Summarizer, resolve_summarizer)

__all__ = ["DEFAULT_MODEL", "AnthropicSummarizer", "CallableSummarizer", "ManualSummarizer", "Summarizer",
           "lost_facts", "resolve_summarizer"]
