"""pieces → ranks → ids: byte pair merging, as tiktoken does it.

Compiled by mypyc. A piece's UTF-8 bytes start as single bytes; the adjacent pair whose
*concatenated bytes* have the lowest rank is merged (the leftmost one on ties), again and
again, until no adjacent pair forms a token. The ranks are the ids::

    >>> from hf_bpe.merge import byte_pair_encode
    >>> ranks = {bytes([i]): i for i in range(256)} | {b"ab": 256, b"abc": 257, b"bc": 258}
    >>> byte_pair_encode(b"abcab", ranks)
    [257, 256]

Short pieces use a rescan of the candidate pairs (fast for the few bytes most pieces
have); longer ones a heap of candidate pairs over a linked list, so a megabyte with no
split point still takes time proportional to its length (times a log). Both start from a
table of the two-byte tokens, so the first round needs no byte slicing, and both keep the
rank of each merged part, so the result needs no final lookups.

A :class:`PieceEncoder` puts it together: whole-piece lookup, then a bounded cache, then
merging. With a scanner (:mod:`hf_bpe.scanners`) the text is never cut into ``str``
pieces: the scanner's byte offsets index the text's UTF-8 bytes directly.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any, Final, Optional

from .pieces import Splitter
from .scanners import Sink, scan_into

if TYPE_CHECKING:
    # Machine integers for mypyc; annotations only, so not needed at run time.
    from mypy_extensions import i64

#: Pieces longer than this (in bytes) use the heap algorithm.
LONG_PIECE: Final = 48
#: Slots of a PieceEncoder's piece table (the cache of pieces seen lately).
TABLE_SLOTS: Final = 1 << 16
#: At most this many merged pieces (pieces that are not one token) are remembered
#: behind the piece table; the dict is emptied when full.
CACHE_LIMIT: Final = 1 << 17


def pair_table(ranks: dict[bytes, int]) -> list[Any]:
    """``table[a * 256 + b]``: the rank of the two bytes ``a b``, or -1 if not a token."""
    table: list[Any] = [-1] * 65536
    for token, rank in ranks.items():
        if len(token) == 2:
            table[(token[0] << 8) | token[1]] = rank
    return table


def byte_table(ranks: dict[bytes, int]) -> list[Any]:
    """``table[b]``: the rank of the single byte ``b`` (every byte must be a token)."""
    return [ranks[bytes([b])] for b in range(256)]


#: Bits of the Bloom filter that rules out most byte strings that are not tokens.
BLOOM_BITS: Final = 1 << 21


def _fnv(data: bytes, start: i64, end: i64) -> i64:
    """32-bit FNV-1a of ``data[start:end]``."""
    h: i64 = 0x811C9DC5
    for k in range(start, end):
        h = ((h ^ data[k]) * 0x01000193) & 0xFFFFFFFF
    return h


def _bloom_bits(h: i64) -> tuple[i64, i64]:
    second: i64 = (((h ^ (h >> 15)) * 0x2C1B3C6D) & 0xFFFFFFFF) >> 7
    return h & (BLOOM_BITS - 1), second & (BLOOM_BITS - 1)


class MergeTables:
    """What merging needs from a vocabulary, in the forms that make it fast.

    ``ranks`` (the dict), ``pairs`` and ``singles`` (see :func:`pair_table`,
    :func:`byte_table`), and a Bloom filter of every token's bytes: a byte string it
    rules out is no token, so most failed lookups cost no slice and no dict probe. The
    filter never rules out a token, so results are those of the dict alone.

        >>> tables = MergeTables({bytes([i]): i for i in range(256)} | {b"ab": 256})
        >>> tables.rank(b"xaby", 1, 3), tables.rank(b"xaby", 0, 3)
        (256, -1)
    """

    def __init__(
        self,
        ranks: dict[bytes, int],
        pairs: Optional[list[Any]] = None,
        singles: Optional[list[Any]] = None,
        use_bloom: bool = True,
    ) -> None:
        self.ranks: Final[dict[bytes, int]] = ranks
        self.pairs: Final[list[Any]] = pair_table(ranks) if pairs is None else pairs
        self.singles: Final[list[Any]] = byte_table(ranks) if singles is None else singles
        self.use_bloom: Final[bool] = use_bloom
        bloom = bytearray(BLOOM_BITS >> 3 if use_bloom else 0)
        if use_bloom:
            for token in ranks:
                first, second = _bloom_bits(_fnv(token, 0, len(token)))
                bloom[first >> 3] |= 1 << (first & 7)
                bloom[second >> 3] |= 1 << (second & 7)
        self.bloom: Final[bytes] = bytes(bloom)

    def rank(self, data: bytes, start: i64, end: i64) -> Any:
        """The rank of ``data[start:end]`` (the dict's own int object), or -1."""
        if self.use_bloom:
            first, second = _bloom_bits(_fnv(data, start, end))
            bloom = self.bloom
            if not (bloom[first >> 3] >> (first & 7)) & 1 or not (bloom[second >> 3] >> (second & 7)) & 1:
                return -1
        return self.ranks.get(data[start:end], -1)


def byte_pair_encode(piece: bytes, ranks: dict[bytes, int]) -> list[int]:
    """The ids of one piece (no whole-piece shortcut, no cache)."""
    return merge_piece(piece, ranks, pair_table(ranks), byte_table(ranks))


def merge_piece(piece: bytes, ranks: dict[bytes, int], pairs: list[Any], singles: list[Any]) -> list[int]:
    """The ids of one piece, given the tables of :func:`pair_table` and :func:`byte_table`.

    ``ranks`` is looked up afresh each time (no Bloom filter), so it may change between
    calls as long as ``pairs`` and ``singles`` still describe it.
    """
    return merge_with(piece, MergeTables(ranks, pairs, singles, False))


def merge_with(piece: bytes, tables: MergeTables) -> list[int]:
    """The ids of one piece (given the vocabulary's :class:`MergeTables`)."""
    n: i64 = len(piece)
    if n == 1:
        return [tables.singles[piece[0]]]
    if n > LONG_PIECE:
        return _merge_long(piece, tables)
    return _merge_short(piece, tables)


# The rank lists below hold the very int objects of the ranks dict and tables (typed Any),
# so storing a rank allocates nothing; ranks are read into machine ints to compare them.


def _merge_short(piece: bytes, tables: MergeTables) -> list[int]:
    # Parts form a linked list over byte offsets: a part starts at s and ends at nxt[s];
    # its rank is part[s]; joined[s] is the rank of the part at s joined with the next
    # part (-1: not a token). Each round merges the lowest-ranked join, leftmost on ties.
    n: i64 = len(piece)
    pairs = tables.pairs
    singles = tables.singles
    nxt: list[int] = [i + 1 for i in range(n)]
    part: list[Any] = [singles[b] for b in piece]
    joined: list[Any] = [pairs[(piece[i] << 8) | piece[i + 1]] for i in range(n - 1)]
    joined.append(-1)
    while True:
        best: i64 = -1
        best_rank: i64 = -1
        before_best: i64 = -1
        prev: i64 = -1
        s: i64 = 0
        while s < n:
            r: i64 = joined[s]
            if r >= 0 and (best_rank < 0 or r < best_rank):
                best_rank = r
                best = s
                before_best = prev
            prev = s
            s = nxt[s]
        if best < 0:
            break
        # Merge the part at best with the next one.
        end: i64 = nxt[nxt[best]]
        part[best] = joined[best]
        nxt[best] = end
        if end < n:
            joined[best] = tables.rank(piece, best, nxt[end])
        else:
            joined[best] = -1
        if before_best >= 0:
            joined[before_best] = tables.rank(piece, before_best, end)
    out: list[Any] = []
    s = 0
    while s < n:
        out.append(part[s])
        s = nxt[s]
    return out


def _heap_key(rank: int, start: int, end: int, shift: int) -> int:
    """One int ordered as ``(rank, start, end)`` (Python ints: no overflow for huge pieces)."""
    return (((rank << shift) | start) << shift) | end


def _merge_long(piece: bytes, tables: MergeTables) -> list[int]:
    # Parts form a doubly linked list over byte offsets: a part starts at offset s, ends at
    # nxt[s] and has rank part[s] (None once merged away). The heap holds candidate merges
    # as one int each, (rank, start of the left part, end of the right part) packed so
    # that int order is tuple order: the lowest rank first, the leftmost on ties. A
    # candidate is stale when its parts changed since it was pushed.
    n: i64 = len(piece)
    shift: i64 = (len(piece) + 1).bit_length()
    mask: i64 = (1 << shift) - 1
    pairs = tables.pairs
    nxt: list[int] = list(range(1, n + 2))
    prv: list[int] = list(range(-1, n))
    part: list[Any] = [tables.singles[b] for b in piece]
    heap: list[int] = []
    for s in range(n - 1):
        r: i64 = pairs[(piece[s] << 8) | piece[s + 1]]
        if r >= 0:
            heap.append(_heap_key(r, s, s + 2, shift))
    heapq.heapify(heap)
    while heap:
        key: int = heapq.heappop(heap)
        end: i64 = key & mask
        start: i64 = (key >> shift) & mask
        if part[start] is None:  # merged away
            continue
        mid: i64 = nxt[start]
        if mid >= n or nxt[mid] != end:
            continue
        # Merge part [start, mid) with part [mid, end).
        merged: int = key >> (2 * shift)
        part[start] = merged
        part[mid] = None
        nxt[start] = end
        if end < n:
            prv[end] = start
            after: i64 = nxt[end]
            r2: i64 = tables.rank(piece, start, after)
            if r2 >= 0:
                heapq.heappush(heap, _heap_key(r2, start, after, shift))
        p: i64 = prv[start]
        if p >= 0:
            r3: i64 = tables.rank(piece, p, end)
            if r3 >= 0:
                heapq.heappush(heap, _heap_key(r3, p, end, shift))
    out: list[Any] = []
    i: i64 = 0
    while i < n:
        out.append(part[i])
        i = nxt[i]
    return out


class PieceEncoder:
    """Turns pieces into ids: a table of recent pieces, whole-piece lookup, byte pair merging.

    The piece table is a direct-mapped cache of :data:`TABLE_SLOTS` recent pieces (bytes
    and ids), hashed straight from the text's bytes, so a piece seen before costs no byte
    slicing and no dict lookup. Behind it a dict keeps up to :data:`CACHE_LIMIT` merged
    pieces (emptied when full). Both bound their memory, never change a result and are
    not pickled. Readers of the table re-check the key after reading the value, and dict
    operations are atomic, so threads may share an encoder.

        >>> enc = PieceEncoder({bytes([i]): i for i in range(256)} | {b"ab": 256})
        >>> enc.encode_bytes(b"abcab")
        [256, 99, 256]
    """

    def __init__(self, ranks: dict[bytes, int]) -> None:
        self.ranks: Final[dict[bytes, int]] = ranks
        self._tables: Final[MergeTables] = MergeTables(ranks)
        self._singles: Final[list[Any]] = self._tables.singles
        self._keys: Final[list[Any]] = [None] * TABLE_SLOTS
        self._values: Final[list[Any]] = [None] * TABLE_SLOTS
        self._merged: Final[dict[bytes, list[int]]] = {}

    def __reduce__(self) -> tuple[type[PieceEncoder], tuple[dict[bytes, int]]]:
        return (PieceEncoder, (self.ranks,))

    def clear_cache(self) -> None:
        """Forget the remembered pieces (results never depend on them)."""
        keys = self._keys
        for i in range(len(keys)):
            keys[i] = None
            self._values[i] = None
        self._merged.clear()

    def encode_span(self, data: bytes, start: i64, end: i64, out: list[Any]) -> None:
        """Append the ids of the piece ``data[start:end]`` to ``out``."""
        size: i64 = end - start
        if size == 1:
            out.append(self._singles[data[start]])
            return
        h: i64 = size
        for k in range(start, end):
            h = ((h << 5) + h + data[k]) & 0xFFFFFF
        slot: i64 = (h ^ (h >> 16)) & (TABLE_SLOTS - 1)
        keys = self._keys
        key: Any = keys[slot]
        if key is not None:
            seen: bytes = key
            if len(seen) == size and _same(seen, data, start, size):
                ids: Any = self._values[slot]
                if keys[slot] is key:  # not replaced meanwhile (see _remember)
                    if isinstance(ids, list):
                        for x in ids:
                            out.append(x)
                    else:
                        out.append(ids)
                    return
        piece = data[start:end]
        rank: Any = self.ranks.get(piece)
        if rank is not None:
            self._remember(slot, piece, rank)
            out.append(rank)
            return
        cache = self._merged
        merged = cache.get(piece)
        if merged is None:
            merged = merge_with(piece, self._tables)
            if len(cache) >= CACHE_LIMIT:
                cache.clear()
            cache[piece] = merged
        self._remember(slot, piece, merged)
        for x in merged:
            out.append(x)

    def _remember(self, slot: i64, piece: bytes, ids: Any) -> None:
        # Readers check that the key is the same object before and after reading the
        # value; clearing the key first makes any interleaving read miss, never mismatch.
        self._keys[slot] = None
        self._values[slot] = ids
        self._keys[slot] = piece

    def encode_text(self, splitter: Splitter, text: str, out: list[int]) -> None:
        """Append the ids of ``text`` split by ``splitter``.

        Raises ``UnicodeEncodeError`` for lone surrogates (the caller repairs them).
        """
        if splitter.family:
            scan_into(splitter.family, text.encode("utf-8"), _IdSink(self, out))
        else:
            self.encode_pieces(splitter.split(text), out)

    def count_text(self, splitter: Splitter, text: str) -> int:
        """How many ids :meth:`encode_text` would append."""
        out: list[int] = []
        self.encode_text(splitter, text, out)
        return len(out)

    def encode_pieces(self, pieces: list[str], out: list[int]) -> None:
        """Append the ids of each piece to ``out``."""
        for piece in pieces:
            data = piece.encode("utf-8")
            self.encode_span(data, 0, len(data), out)

    def encode_bytes(self, data: bytes) -> list[int]:
        """The ids of one piece given as bytes (need not be valid UTF-8)."""
        if not data:
            return []
        rank = self.ranks.get(data, -1)
        if rank >= 0:
            return [rank]
        return merge_with(data, self._tables)


def _same(key: bytes, data: bytes, start: i64, size: i64) -> bool:
    for k in range(size):
        if key[k] != data[start + k]:
            return False
    return True


class _IdSink(Sink):
    """Appends the ids of each piece a scanner finds to ``out``."""

    def __init__(self, encoder: PieceEncoder, out: list[int]) -> None:
        self.encoder = encoder
        self.out = out

    def piece(self, data: bytes, start: i64, end: i64) -> None:
        self.encoder.encode_span(data, start, end, self.out)
