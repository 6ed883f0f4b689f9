"""pieces → ranks → ids: byte pair merging, as tiktoken does it.

Compiled by mypyc. A piece's UTF-8 bytes start as single bytes; the adjacent pair whose
*concatenated bytes* have the lowest rank is merged (the leftmost one on ties), again and
again, until no adjacent pair forms a token. The ranks are the ids::

    >>> from hf_bpe.merge import byte_pair_encode
    >>> ranks = {bytes([i]): i for i in range(256)} | {b"ab": 256, b"abc": 257, b"bc": 258}
    >>> byte_pair_encode(b"abcab", ranks)
    [257, 256]

Short pieces use a simple rescan (fast for the few bytes most pieces have); long ones a
heap of candidate pairs over a linked list, so a megabyte with no split point still takes
time proportional to its length (times a log).
"""

from __future__ import annotations

import heapq
from typing import Final

#: Pieces longer than this (in bytes) use the heap algorithm.
LONG_PIECE: Final = 128
#: At most this many distinct pieces are remembered by a PieceEncoder's cache.
CACHE_LIMIT: Final = 1 << 16


def byte_pair_encode(piece: bytes, ranks: dict[bytes, int]) -> list[int]:
    """The ids of one piece (no whole-piece shortcut, no cache)."""
    if len(piece) > LONG_PIECE:
        return _merge_long(piece, ranks)
    return _merge_short(piece, ranks)


def _merge_short(piece: bytes, ranks: dict[bytes, int]) -> list[int]:
    # starts[i] is where part i begins; part i ends where part i + 1 begins.
    n = len(piece)
    if n == 1:
        return [ranks[piece]]
    starts: list[int] = list(range(n + 1))
    # pair_ranks[i]: rank of part i joined with part i + 1 (missing: -1).
    pair_ranks: list[int] = []
    for i in range(n - 1):
        pair_ranks.append(ranks.get(piece[i : i + 2], -1))
    while True:
        best = -1
        best_rank = -1
        for i in range(len(pair_ranks)):
            r = pair_ranks[i]
            if r >= 0 and (best_rank < 0 or r < best_rank):
                best_rank = r
                best = i
        if best < 0:
            break
        # Merge part best with part best + 1.
        del starts[best + 1]
        del pair_ranks[best]
        parts = len(starts) - 1
        if best < parts - 1:
            pair_ranks[best] = ranks.get(piece[starts[best] : starts[best + 2]], -1)
        if best > 0:
            pair_ranks[best - 1] = ranks.get(piece[starts[best - 1] : starts[best + 1]], -1)
    out: list[int] = []
    for i in range(len(starts) - 1):
        out.append(ranks[piece[starts[i] : starts[i + 1]]])
    return out


def _merge_long(piece: bytes, ranks: dict[bytes, int]) -> list[int]:
    # Parts form a doubly linked list over byte offsets: a part starts at offset s and
    # ends at nxt[s]. A heap holds candidate merges (rank, start, end of the right part);
    # a candidate is stale when its parts changed since it was pushed.
    n = len(piece)
    nxt: list[int] = list(range(1, n + 2))
    prv: list[int] = list(range(-1, n))
    alive: list[bool] = [True] * (n + 1)
    heap: list[tuple[int, int, int]] = []
    for s in range(n - 1):
        r = ranks.get(piece[s : s + 2], -1)
        if r >= 0:
            heap.append((r, s, s + 2))
    heapq.heapify(heap)
    while heap:
        r, s, end = heapq.heappop(heap)
        if not alive[s]:
            continue
        mid = nxt[s]
        if mid >= n or nxt[mid] != end:
            continue
        # Merge part [s, mid) with part [mid, end).
        alive[mid] = False
        nxt[s] = end
        if end <= n:
            prv[end] = s
        if end < n:
            r2 = ranks.get(piece[s : nxt[end]], -1)
            if r2 >= 0:
                heapq.heappush(heap, (r2, s, nxt[end]))
        p = prv[s]
        if p >= 0:
            r3 = ranks.get(piece[p:end], -1)
            if r3 >= 0:
                heapq.heappush(heap, (r3, p, end))
    out: list[int] = []
    s = 0
    while s < n:
        e = nxt[s]
        out.append(ranks[piece[s:e]])
        s = e
    return out


class PieceEncoder:
    """Turns pieces into ids: whole-piece lookup, then a cache, then byte pair merging.

    The cache maps a piece (as ``str``) to its ids; it holds at most :data:`CACHE_LIMIT`
    pieces (it is emptied when full) and never changes a result. It is not pickled.
    """

    def __init__(self, ranks: dict[bytes, int]) -> None:
        self.ranks: Final[dict[bytes, int]] = ranks
        self._cache: dict[str, list[int]] = {}

    def __reduce__(self) -> tuple[type[PieceEncoder], tuple[dict[bytes, int]]]:
        return (PieceEncoder, (self.ranks,))

    def encode_pieces(self, pieces: list[str], out: list[int]) -> None:
        """Append the ids of each piece to ``out``."""
        ranks = self.ranks
        cache = self._cache
        for piece in pieces:
            ids = cache.get(piece)
            if ids is not None:
                out.extend(ids)
                continue
            data = piece.encode("utf-8")
            rank = ranks.get(data, -1)
            if rank >= 0:
                ids = [rank]
            else:
                ids = byte_pair_encode(data, ranks)
            if len(cache) >= CACHE_LIMIT:
                cache.clear()
            cache[piece] = ids
            out.extend(ids)

    def count_pieces(self, pieces: list[str]) -> int:
        """How many ids :meth:`encode_pieces` would append, without keeping them."""
        ranks = self.ranks
        cache = self._cache
        total = 0
        for piece in pieces:
            ids = cache.get(piece)
            if ids is None:
                data = piece.encode("utf-8")
                if data in ranks:
                    total += 1
                    continue
                ids = byte_pair_encode(data, ranks)
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                cache[piece] = ids
            total += len(ids)
        return total

    def encode_bytes(self, data: bytes) -> list[int]:
        """The ids of one piece given as bytes (need not be valid UTF-8)."""
        rank = self.ranks.get(data, -1)
        if rank >= 0:
            return [rank]
        return byte_pair_encode(data, self.ranks)
