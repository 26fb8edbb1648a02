"""The bounded cache that searches keep their parsed facet keys, word expansions and word queries
in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def kept(cache: dict[K, V], key: K, limit: int, make: Callable[..., V], *args: Any) -> V:
    """``cache[key]``, made by ``make(*args)`` on first use; a cache that reaches ``limit``
    entries is emptied first, so it stays bounded."""
    found = cache.get(key)
    if found is None:
        if len(cache) >= limit:
            cache.clear()
        found = cache[key] = make(*args)
    return found
