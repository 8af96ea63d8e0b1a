"""Storage: the only package that imports SQLAlchemy."""

from tract_core.storage.rows import AnnotationRow, BlobRow, CommitRow, EventRow, RefRow
from tract_core.storage.store import Store, Txn, now_us

__all__ = ["AnnotationRow", "BlobRow", "CommitRow", "EventRow", "RefRow", "Store", "Txn", "now_us"]
