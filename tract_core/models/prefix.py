"""A read-only list that shares its items with the longer lists made from it.

Compile grows its output by a few messages per agent step; copying a 40,000-message list to hand
out each step would cost more than everything else a step does. A `Prefix` is the first `n` items
of a list that is only ever appended to, so the next step's `Prefix` appends to the same list and
this one still shows its own `n` items (a second extension of the same `Prefix`, e.g. on another
branch, finds the list grown past it and copies it first).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Prefix(Sequence, Generic[T]):
    """The first `n` items of `items`: a read-only sequence that compares equal to a list of the
    same items (`list(p)` gives a list of your own)."""

    __slots__ = ("items", "n")

    def __init__(self, items: list[T] | None = None, n: int | None = None) -> None:
        self.items: list[T] = [] if items is None else items
        self.n: int = len(self.items) if n is None else n

    # --- growing (the compiler's side) ---
    def _own(self) -> list[T]:
        """The list to append to: the shared one when nothing was appended past this prefix yet."""
        return self.items if len(self.items) == self.n else self.items[:self.n]

    def plus(self, *new: T) -> Prefix[T]:
        """This prefix with `new` after it (amortised O(len(new)))."""
        items = self._own()
        items.extend(new)
        return Prefix(items, len(items))

    def plus_all(self, new: Iterable[T]) -> Prefix[T]:
        return self.plus(*new)

    # --- reading ---
    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            start, stop, step = i.indices(self.n)
            if step == 1:
                return self.items[start:stop]
            return [self.items[j] for j in range(start, stop, step)]
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError("Prefix index out of range")
        return self.items[i]

    def __iter__(self) -> Iterator[T]:
        return islice(self.items, self.n)  # not the list's own iterator: it would run on past n

    def __reversed__(self) -> Iterator[T]:
        items = self.items
        return (items[i] for i in range(self.n - 1, -1, -1))

    def __contains__(self, value: object) -> bool:
        return any(x is value or x == value for x in self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Prefix):
            if self.n != other.n:
                return False
            if self.items is other.items:
                return True
            return all(a is b or a == b for a, b in zip(self, other))
        if isinstance(other, (list, tuple)):
            return len(other) == self.n and all(a is b or a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like a list

    def __add__(self, other: Iterable[T]) -> list[T]:
        return [*self, *other]

    def __radd__(self, other: Iterable[T]) -> list[T]:
        return [*other, *self]

    def __repr__(self) -> str:
        return repr(list(self))

    def __reduce__(self):
        return (Prefix, (list(self),))  # pickles and deep-copies its own items only


def as_list(value: Any) -> list:
    """A list of a field's items for serializing (a `Prefix` is one without being a `list`)."""
    return list(value) if isinstance(value, Prefix) else value


def prefix_of(items: Sequence[T]) -> Prefix[T]:
    return items if isinstance(items, Prefix) else Prefix(list(items))
