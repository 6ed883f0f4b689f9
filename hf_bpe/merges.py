"""piece counts → merges: the BPE merge loop of the trainer.

Compiled by mypyc. Given every unique piece with its count, :func:`learn_merges` returns
the merges in the order BPE learns them, exactly as rustbpe does: at each step the pair
with the largest count wins, ties go to the smaller pair ``(left id, right id)``, and the
pair is merged left to right, without overlap, in every word that holds it::

    >>> learn_merges({b"aaaa": 1, b"ab": 3}, 3)   # (a, a) and (a, b) both count 3
    [(97, 97), (97, 98), (256, 256)]
    >>> merge_bytes([(97, 97), (97, 98), (256, 256)])
    [b'aa', b'ab', b'aaaa']

How it works: every unique piece becomes a *word* (its UTF-8 bytes as ids 0..255) with
its count. Each adjacent pair of ids holds the sum of the counts of the words it occurs
in, and the list of those words. A max-heap holds (count, pair) entries that may be stale
(counts only go down after a pair first appears, because every new adjacency involves the
id just created): a popped entry whose count is out of date is pushed back with its
current count; an up-to-date one is the next merge. Merging rewrites only the words in
the pair's list and moves pair counts by ± the word's count. Memory is bounded by the
unique pieces, not by the corpus. Counts are Python ints: they never overflow.
"""

from __future__ import annotations

import heapq
from typing import Callable, Final, Optional

#: A pair (a, b) of ids is the key ``a << _ID_BITS | b``: ordering keys orders pairs.
_ID_BITS: Final = 32
_ID_MASK: Final = (1 << 32) - 1
#: A heap entry is ``-count << _KEY_BITS | key``: the smallest entry has the largest
#: count, then the smallest pair.
_KEY_BITS: Final = 64
_KEY_MASK: Final = (1 << 64) - 1
#: Largest number of merges (ids must fit in _ID_BITS - 1 bits).
MAX_MERGES: Final = (1 << 31) - 257
#: Words between two calls of ``progress`` before the first merge (see :func:`learn_merges`).
CALL_EVERY: Final = 1 << 16


def learn_merges(
    counts: dict[bytes, int],
    num_merges: int,
    progress: Optional[Callable[[int], None]] = None,
) -> list[tuple[int, int]]:
    """The first ``num_merges`` merges of byte-level BPE over ``counts`` (piece bytes → count).

    Returns fewer merges when no pair is left. Merge ``i`` creates id ``256 + i``.
    ``progress``, if given, is called with the number of merges done after each merge, and
    with 0 every :data:`CALL_EVERY` words before the first. Compiled, this loop runs no
    Python code of its own, so Python sees a signal (Ctrl-C) only in such a call: the
    trainer always passes one, and whatever it raises ends the loop.

        >>> learn_merges({b"hello": 2, b"hell": 1}, 10)
        [(101, 108), (104, 256), (257, 108), (258, 111)]
    """
    words, word_counts = build_words(counts, progress)
    return merge_words(words, word_counts, num_merges, progress)


def build_words(
    counts: dict[bytes, int], progress: Optional[Callable[[int], None]] = None
) -> tuple[list[list[int]], list[int]]:
    """The words (bytes as ids) of the pieces that have a pair, with their counts.

        >>> build_words({b"ab": 2, b"c": 5})
        ([[97, 98]], [2])
    """
    words: list[list[int]] = []
    word_counts: list[int] = []
    for piece, count in counts.items():
        if len(piece) >= 2 and count > 0:
            words.append(list(piece))
            word_counts.append(count)
            if progress is not None and len(words) % CALL_EVERY == 0:
                progress(0)
    return words, word_counts


def merge_words(
    words: list[list[int]],
    word_counts: list[int],
    num_merges: int,
    progress: Optional[Callable[[int], None]] = None,
) -> list[tuple[int, int]]:
    """Run the merge loop over ``words`` (modified in place); see :func:`learn_merges`."""
    if num_merges > MAX_MERGES:
        raise ValueError(f"at most {MAX_MERGES} merges are supported, not {num_merges}")
    pair_counts: dict[int, int] = {}
    where: dict[int, list[int]] = {}
    n_words = len(words)
    for w in range(n_words):
        ids = words[w]
        c = word_counts[w]
        prev = ids[0]
        for i in range(1, len(ids)):
            cur = ids[i]
            key = (prev << _ID_BITS) | cur
            prev = cur
            pair_counts[key] = pair_counts.get(key, 0) + c
            found = where.get(key)
            if found is None:
                where[key] = [w]
            elif found[len(found) - 1] != w:
                found.append(w)
        if progress is not None and w % CALL_EVERY == 0:
            progress(0)

    heap: list[int] = [((-c) << _KEY_BITS) | key for key, c in pair_counts.items()]
    heapq.heapify(heap)

    merges: list[tuple[int, int]] = []
    while len(merges) < num_merges and heap:
        entry = heapq.heappop(heap)
        key = entry & _KEY_MASK
        stored = -(entry >> _KEY_BITS)
        current = pair_counts.get(key, 0)
        if stored != current:
            if current > 0:
                heapq.heappush(heap, ((-current) << _KEY_BITS) | key)
            continue
        if current <= 0:
            break
        a = key >> _ID_BITS
        b = key & _ID_MASK
        new_id = 256 + len(merges)
        merges.append((a, b))
        created: list[int] = []
        word_list = where.pop(key)
        for w in word_list:
            _merge_word(words[w], w, word_counts[w], a, b, new_id, pair_counts, where, created)
        del pair_counts[key]
        for new_key in created:
            c = pair_counts[new_key]
            if c > 0:
                heapq.heappush(heap, ((-c) << _KEY_BITS) | new_key)
        if progress is not None:
            progress(len(merges))
    return merges


def _merge_word(
    ids: list[int],
    w: int,
    c: int,
    a: int,
    b: int,
    new_id: int,
    pair_counts: dict[int, int],
    where: dict[int, list[int]],
    created: list[int],
) -> None:
    """Merge every (a, b) in ``ids`` left to right and move the pair counts by ±c.

    New pairs (all contain ``new_id``) get word ``w`` in their list; a key seen for the
    first time is appended to ``created``.
    """
    n = len(ids)
    i = 0
    # Find the first occurrence; a word may no longer hold the pair.
    while i < n - 1:
        if ids[i] == a and ids[i + 1] == b:
            break
        i += 1
    if i >= n - 1:
        return
    j = i
    while i < n:
        x = ids[i]
        if x == a and i + 1 < n and ids[i + 1] == b:
            if j > 0:
                left = ids[j - 1]
                old = (left << _ID_BITS) | a
                pair_counts[old] = pair_counts[old] - c
                _add_pair(
                    (left << _ID_BITS) | new_id, w, c, pair_counts, where, created
                )
            if i + 2 < n:
                right = ids[i + 2]
                old = (b << _ID_BITS) | right
                pair_counts[old] = pair_counts[old] - c
                _add_pair(
                    (new_id << _ID_BITS) | right, w, c, pair_counts, where, created
                )
            ids[j] = new_id
            i += 2
        else:
            ids[j] = x
            i += 1
        j += 1
    del ids[j:]


def _add_pair(
    key: int,
    w: int,
    c: int,
    pair_counts: dict[int, int],
    where: dict[int, list[int]],
    created: list[int],
) -> None:
    found = where.get(key)
    if found is None:
        where[key] = [w]
        created.append(key)
        pair_counts[key] = pair_counts.get(key, 0) + c
    else:
        if found[len(found) - 1] != w:
            found.append(w)
        pair_counts[key] = pair_counts[key] + c


def merge_bytes(merges: list[tuple[int, int]]) -> list[bytes]:
    """The bytes of the tokens the merges create, in id order (ids 256, 257, ...).

        >>> merge_bytes([(104, 105), (256, 33)])
        [b'hi', b'hi!']
    """
    table: list[bytes] = [bytes([i]) for i in range(256)]
    out: list[bytes] = []
    for a, b in merges:
        token = table[a] + table[b]
        table.append(token)
        out.append(token)
    return out
