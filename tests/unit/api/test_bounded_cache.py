"""The cache of what clients send: least recently used out, within its entries and its bytes."""

from __future__ import annotations

from api.bounded_cache import BoundedCache


def test_the_least_recently_used_entries_go_first_when_the_bytes_run_out() -> None:
    cache: BoundedCache[str, int] = BoundedCache(max_entries=10, max_bytes=100)
    cache.put("a", 1, 40)
    cache.put("b", 2, 40)
    assert cache.get("a") == 1  # b is now the least recently used
    cache.put("c", 3, 40)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert cache.bytes == 80


def test_the_oldest_entry_goes_when_the_entries_run_out() -> None:
    cache: BoundedCache[str, int] = BoundedCache(max_entries=2, max_bytes=1000)
    for number, key in enumerate("abc"):
        cache.put(key, number, 1)
    assert (len(cache), cache.get("a"), cache.bytes) == (2, None, 2)


def test_an_entry_heavier_than_the_whole_budget_is_not_kept() -> None:
    cache: BoundedCache[str, int] = BoundedCache(max_entries=10, max_bytes=100)
    cache.put("small", 1, 10)
    cache.put("huge", 2, 101)
    assert (cache.get("small"), cache.get("huge"), cache.bytes) == (1, None, 10)


def test_putting_a_key_again_replaces_its_entry_and_its_weight() -> None:
    cache: BoundedCache[str, int] = BoundedCache(max_entries=10, max_bytes=100)
    cache.put("a", 1, 60)
    cache.put("a", 2, 30)
    assert (cache.get("a"), len(cache), cache.bytes) == (2, 1, 30)
