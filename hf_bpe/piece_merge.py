"""pieces → ranks → ids: byte pair merging, as tiktoken does it.

Compiled by mypyc. A piece's UTF-8 bytes start as single bytes; the adjacent pair whose
*concatenated bytes* have the lowest rank is merged (the leftmost one on ties), again and
again, until no adjacent pair forms a token. The ranks are the ids::

    >>> from hf_bpe.piece_merge import byte_pair_encode
    >>> ranks = {bytes([i]): i for i in range(256)} | {b"ab": 256, b"abc": 257, b"bc": 258}
    >>> byte_pair_encode(b"abcab", ranks)
    [257, 256]

Short pieces use a rescan of the candidate pairs (fast for the few bytes most pieces
have); longer ones a heap of candidate pairs over a linked list, so a megabyte with no
split point still takes time proportional to its length (times a log). A piece of
more than :data:`SEGMENT` bytes is first cut where no token of the vocabulary spans the
cut (exact: no part can ever cross it), so that each segment's merge stays in the CPU's
caches. Both start from a
table of the two-byte tokens; later pairs are looked up by their bytes, packed straight
from the piece (:class:`MergeTables`), so merging makes no byte slices; both keep the
rank of each merged part, so the result needs no final lookups.

:class:`hf_bpe.piece_encoder.PieceEncoder` puts it to use: a bounded table of recent
pieces, then whole-piece lookup, then merging (:func:`merge_short`, where the piece lies
in the text).
"""

from __future__ import annotations

from typing import Final, Optional

from librt.vecs import append, vec
from mypy_extensions import i32, i64

from .token_table import MAYBE_LONG, PAD, SHORT, TokenTable, pack, pack_long

#: Pieces longer than this (in bytes) use the heap algorithm.
LONG_PIECE: Final = 24
#: A piece longer than this (in bytes) is merged in segments of about this size, cut
#: where no token spans the cut (see :func:`_merge_segments`).
SEGMENT: Final = 4096
#: How many positions from a segment's planned end are tried for a cut.
CUT_TRIES: Final = 64
#: Steps one look for a cut may take (a step per position and per long token tried, and
#: one per byte compared); past them the position counts as spanned (never wrong: a cut
#: not made only costs locality). Real vocabularies take a few hundred; a crafted one (a
#: 100 KB token, thousands of long tokens sharing their first 15 bytes) made each look
#: take seconds.
CUT_LOOK_STEPS: Final = 4096
#: A join that is not a token, in :func:`merge_short`: above every rank (-1 & NO_JOIN
#: is NO_JOIN). Below 2 ** 62, so that mypyc keeps it a C constant.
NO_JOIN: Final = 0x3FFFFFFFFFFFFFFF


def pair_table(ranks: dict[bytes, int]) -> vec[i64]:
    """``table[a * 256 + b]``: the rank of the two bytes ``a b``, or -1 if not a token."""
    table = vec[i64]([-1] * 65536)
    for token, rank in ranks.items():
        if len(token) == 2:
            table[(token[0] << 8) | token[1]] = rank
    return table


def byte_table(ranks: dict[bytes, int]) -> vec[i64]:
    """``table[b]``: the rank of the single byte ``b`` (every byte must be a token)."""
    return vec[i64]([ranks[bytes([b])] for b in range(256)])


class MergeTables:
    """What merging needs from a vocabulary, in the forms that make it fast.

    ``ranks`` (the dict), ``pairs`` and ``singles`` (see :func:`pair_table`,
    :func:`byte_table`). If the vocabulary is ``fixed`` (it will not change), also its
    tokens in a :class:`~hf_bpe.token_table.TokenTable`, so a span of the piece is looked
    up without slicing it (a long span is sliced only if a long token may match). It
    only answers what the dict would.

        >>> tables = MergeTables({bytes([i]): i for i in range(256)} | {b"ab": 256})
        >>> tables.rank(b"xaby", 1, 3), tables.rank(b"xaby", 0, 3)
        (256, -1)
    """

    def __init__(
        self,
        ranks: dict[bytes, int],
        pairs: Optional[vec[i64]] = None,
        singles: Optional[vec[i64]] = None,
        fixed: bool = True,
    ) -> None:
        self.ranks: Final[dict[bytes, int]] = ranks
        self.pairs: Final[vec[i64]] = pair_table(ranks) if pairs is None else pairs
        self.singles: Final[vec[i64]] = byte_table(ranks) if singles is None else singles
        self.tokens: Final[Optional[TokenTable]] = TokenTable(ranks) if fixed else None
        self._long_index: Optional[tuple[TokenTable, list[list[bytes]], i64]] = None

    def long_tokens(self) -> tuple[TokenTable, list[list[bytes]], i64]:
        """The tokens longer than :data:`~hf_bpe.token_table.SHORT` bytes, by their first
        ``SHORT`` bytes: a table of those prefixes (each gives an index into the list of
        groups) and the length of the longest token. Made on first use (only very long
        pieces need it)."""
        index = self._long_index
        if index is None:
            by_prefix: dict[bytes, int] = {}
            groups: list[list[bytes]] = []
            longest: i64 = 1
            for token in self.ranks:
                longest = max(longest, len(token))
                if len(token) > SHORT:
                    k = by_prefix.setdefault(token[:SHORT], len(groups))
                    if k == len(groups):
                        groups.append([])
                    groups[k].append(token)
            index = (TokenTable(by_prefix), groups, longest)
            self._long_index = index
        return index

    def rank(self, data: bytes, start: i64, end: i64) -> i64:
        """The rank of ``data[start:end]``, or -1 if it is not a token."""
        tokens = self.tokens
        if tokens is not None:
            if end - start <= SHORT:
                low, high = pack(data, start, end)
                return tokens.get(low, high)
            low, high = pack_long(data, start, end)
            if tokens.get(low, high) != MAYBE_LONG:
                return -1
        rank: int = self.ranks.get(data[start:end], -1)
        return rank


def byte_pair_encode(piece: bytes, ranks: dict[bytes, int]) -> list[int]:
    """The ids of one piece (no whole-piece shortcut, no cache)."""
    return merge_piece(piece, ranks, pair_table(ranks), byte_table(ranks))


def merge_piece(piece: bytes, ranks: dict[bytes, int], pairs: vec[i64], singles: vec[i64]) -> list[int]:
    """The ids of one piece, given the tables of :func:`pair_table` and :func:`byte_table`.

    ``ranks`` is looked up afresh each time (nothing derived from it is kept), so it may
    change between calls as long as ``pairs`` and ``singles`` still describe it.
    """
    return merge_with(piece, MergeTables(ranks, pairs, singles, fixed=False))


def merge_with(piece: bytes, tables: MergeTables, segment: i64 = SEGMENT) -> list[int]:
    """The ids of one piece (given the vocabulary's :class:`MergeTables`).

    A piece of more than ``segment`` bytes is merged in segments (see :func:`_merge_segments`).
    """
    n: i64 = len(piece)
    if n == 1:
        return [tables.singles[piece[0]]]
    padded = piece + PAD  # so that spans pack fast (see hf_bpe.token_table.pack)
    if n > segment and tables.tokens is not None:
        return _merge_segments(padded, n, tables, segment)
    return _merge_span(padded, n, tables)


def _merge_span(padded: bytes, n: i64, tables: MergeTables) -> list[int]:
    """The ids of ``padded[:n]`` (followed by :data:`PAD`), merged whole."""
    if n > LONG_PIECE:
        return _merge_long(padded, n, tables)
    return merge_short(padded, 0, n, tables)


def merge_without_itself(token: bytes, tables: MergeTables) -> list[int]:
    """The ids of a token's own bytes (two or more) merged as if the token were not in the
    vocabulary: merging stops where it would form the token, so two parts if it can be
    formed at all (see :func:`hf_bpe.hf_vocab.derive_merges`). Only the whole span is
    left out, as no other span of the token has its bytes: the same as merging with the
    token deleted from the vocabulary, without changing the tables.

        >>> tables = MergeTables({bytes([i]): i for i in range(256)} | {b"ab": 256, b"abc": 257})
        >>> merge_without_itself(b"abc", tables)
        [256, 99]
    """
    n: i64 = len(token)
    if n == 2:  # the table of two-byte tokens would join them
        return [tables.singles[token[0]], tables.singles[token[1]]]
    padded = token + PAD
    if n > LONG_PIECE:
        return _merge_long(padded, n, tables, False)
    return merge_short(padded, 0, n, tables, False)


def last_merges(tokens: list[bytes], tables: MergeTables) -> list[int]:
    """:func:`merge_without_itself` of each token of two or more bytes, in the order given,
    kept where it gives two parts (the token's last merge; a token no merge forms has
    none), all in one flat list: one call for a whole vocabulary, and no object per merge
    (see :func:`hf_bpe.hf_vocab.derive_merge_ranks`).

        >>> tables = MergeTables({bytes([i]): i for i in range(256)} | {b"ab": 256, b"abc": 257})
        >>> last_merges([b"a", b"ab", b"abc"], tables)
        [97, 98, 256, 99]
    """
    flat: list[int] = []
    for token in tokens:
        if len(token) > 1:
            parts = merge_without_itself(token, tables)
            if len(parts) == 2:
                flat.append(parts[0])
                flat.append(parts[1])
    return flat


def every_split(tokens: list[bytes], tables: MergeTables) -> list[int]:
    """Every split of each token into two tokens of the vocabulary, as one flat list: the
    left part's rank, the right part's and the token's, in turn (spans looked up where
    they lie, no slice made; see :func:`hf_bpe.tokenizer_json_load._lists_every_split`).

        >>> tables = MergeTables({bytes([i]): i for i in range(256)} | {b"ab": 256, b"bc": 257, b"abc": 258})
        >>> every_split([b"a", b"ab", b"abc"], tables)
        [97, 98, 256, 97, 257, 258, 256, 99, 258]
    """
    flat: list[int] = []
    for token in tokens:
        n: i64 = len(token)
        if n < 2:
            continue
        padded = token + PAD
        whole = tables.rank(padded, 0, n)
        for cut in range(1, n):
            left = tables.rank(padded, 0, cut)
            if left >= 0:
                right = tables.rank(padded, cut, n)
                if right >= 0:
                    flat.append(left)
                    flat.append(right)
                    flat.append(whole)
    return flat


def _merge_segments(padded: bytes, n: i64, tables: MergeTables, segment: i64) -> list[int]:
    # Merging only ever joins two parts into a token, so where no token of the
    # vocabulary occurs across a position, no part will ever cross it: the bytes on its
    # two sides merge independently, and the piece can be cut there without changing a
    # result. Cutting a long piece (a megabyte of CJK without a space) into segments of
    # about ``segment`` bytes keeps each merge's arrays in the CPU's caches. A piece
    # with no such position near a segment's end (one letter repeated) is merged whole
    # from there.
    out: list[int] = []
    start: i64 = 0
    while n - start > segment:
        cut: i64 = start + segment
        last: i64 = min(cut + CUT_TRIES, n - 1)
        while cut <= last and _spanned(padded, n, cut, tables):
            cut += 1
        if cut > last:
            break
        out.extend(_merge_span(padded[start:cut] + PAD, cut - start, tables))
        start = cut
    out.extend(_merge_span(padded[start:n] + PAD, n - start, tables))
    return out


def _spanned(padded: bytes, n: i64, p: i64, tables: MergeTables) -> bool:
    """Whether some token occurs in ``padded[:n]`` across position ``p`` (starting before
    ``p`` and ending after it). The vocabulary must be fixed (``tables.tokens``)."""
    for a in range(max(0, p - SHORT + 1), p):
        for b in range(p + 1, min(n, a + SHORT) + 1):
            if tables.rank(padded, a, b) >= 0:
                return True
    prefixes, groups, longest = tables.long_tokens()
    steps: i64 = 0
    for a in range(max(0, p - longest + 1), p):
        if a + SHORT >= n:
            break
        low, high = pack(padded, a, a + SHORT)
        group: i64 = prefixes.get(low, high)
        steps += 1
        if group >= 0:
            for token in groups[group]:
                size: i64 = len(token)
                steps += 1
                if p < a + size <= n:
                    steps += size  # the bytes startswith may compare
                    if steps > CUT_LOOK_STEPS:
                        return True
                    if padded.startswith(token, a):
                        return True
        if steps > CUT_LOOK_STEPS:
            return True
    return False


def merge_short(data: bytes, start: i64, n: i64, tables: MergeTables, whole: bool = True) -> list[int]:
    """The ids of the piece ``data[start:start + n]``, merged where it lies (``data`` must
    hold 16 bytes from ``start``, or be padded with :data:`~hf_bpe.token_table.PAD`), by
    rescans: fastest for pieces of up to :data:`LONG_PIECE` bytes. ``whole=False``: as if
    the piece's own bytes were not a token (see :func:`merge_without_itself`)."""
    # The piece is data[start:start + n]. Parts form a linked list over offsets in the
    # piece: a part starts at s and ends at nxt[s]; its rank is part[s]; joined[s] is
    # the rank of the part at s joined with the next part (NO_JOIN: not a token, so the
    # search for the lowest is one comparison per part). Each round merges the
    # lowest-ranked join, leftmost on ties.
    pairs = tables.pairs
    singles = tables.singles
    nxt = vec[i64]([0] * n)
    part = vec[i64]([0] * n)
    joined = vec[i64]([NO_JOIN] * n)
    for i in range(n):
        byte: i64 = data[start + i]
        nxt[i] = i + 1
        part[i] = singles[byte]
        if i + 1 < n:
            joined[i] = pairs[(byte << 8) | data[start + i + 1]] & NO_JOIN
    while True:
        best: i64 = -1
        best_rank: i64 = NO_JOIN
        before_best: i64 = -1
        prev: i64 = -1
        s: i64 = 0
        while s < n:
            # Without branches (which part wins is unpredictable): lower is -1 if
            # joined[s] < best_rank (both are below 2 ** 62), else 0.
            gap: i64 = joined[s] - best_rank
            lower: i64 = gap >> 63
            best_rank += gap & lower
            best ^= (best ^ s) & lower
            before_best ^= (before_best ^ prev) & lower
            prev = s
            s = nxt[s]
        if best < 0:
            break
        # Merge the part at best with the next one.
        end: i64 = nxt[nxt[best]]
        part[best] = best_rank
        nxt[best] = end
        if end < n and (whole or best > 0 or nxt[end] < n):
            joined[best] = tables.rank(data, start + best, start + nxt[end]) & NO_JOIN
        else:
            joined[best] = NO_JOIN
        if before_best >= 0:
            if whole or before_best > 0 or end < n:
                joined[before_best] = tables.rank(data, start + before_best, start + end) & NO_JOIN
            else:
                joined[before_best] = NO_JOIN
    out: list[int] = []
    s = 0
    while s < n:
        out.append(part[s])
        s = nxt[s]
    return out


def _merge_long(piece: bytes, n: i64, tables: MergeTables, whole: bool = True) -> list[int]:
    # Parts form a doubly linked list over byte offsets: a part starts at offset s, ends at
    # nxt[s] and has rank part[s] (-1 once merged away); joined[s] is the rank of the part
    # at s joined with the next one (-1: not a token). A 4-ary heap holds candidate
    # merges as rank << 32 | s, so the lowest rank comes first, the leftmost on ties. A
    # candidate is stale once joined[s] has changed (a rank names one token's bytes, so
    # an equal rank at s is the same merge). The piece is piece[:n] (then padding).
    if n >= 1 << 31:
        raise ValueError(f"a piece of {n} bytes is too long to merge (the limit is 2 GiB)")
    # Offsets and ranks (both below 2 ** 31) are kept as 32-bit integers: 16 bytes of
    # arrays per byte of the piece, half as much memory traffic as 64-bit ones (pieces
    # of more than SEGMENT bytes come here in segments where they can be cut: see
    # _merge_segments).
    pairs = tables.pairs
    singles = tables.singles
    nxt = vec[i32]([0] * n)
    prv = vec[i32]([0] * n)
    part = vec[i32]([0] * n)
    joined = vec[i32]([-1] * n)
    heap = vec[i64](capacity=n)
    for s in range(n):
        nxt[s] = i32(s + 1)
        prv[s] = i32(s - 1)
        part[s] = i32(singles[piece[s]])
        if s + 1 < n:
            r: i64 = pairs[(piece[s] << 8) | piece[s + 1]]
            if r >= 0:
                joined[s] = i32(r)
                heap = append(heap, (r << 32) | s)
    size: i64 = len(heap)
    for k in range((size - 2) // 4, -1, -1):
        _sift_down(heap, k, size)
    while size > 0:
        key: i64 = heap[0]
        size -= 1
        heap[0] = heap[size]
        _sift_down(heap, 0, size)
        start: i64 = key & 0xFFFFFFFF
        merged: i64 = key >> 32
        if part[start] < 0 or joined[start] != merged:  # stale
            continue
        # Merge the part at start with the next one.
        mid: i64 = i64(nxt[start])
        end: i64 = i64(nxt[mid])
        part[start] = i32(merged)
        part[mid] = -1
        nxt[start] = i32(end)
        if end < n:
            prv[end] = i32(start)
            after: i64 = i64(nxt[end])
            r2: i64 = -1
            if whole or start > 0 or after < n:  # whole=False: never the piece itself
                r2 = tables.rank(piece, start, after)
            joined[start] = i32(r2)
            if r2 >= 0:
                if size == len(heap):
                    heap = append(heap, 0)
                size = _push(heap, size, (r2 << 32) | start)
        else:
            joined[start] = -1
        p: i64 = i64(prv[start])
        if p >= 0:
            r3: i64 = -1
            if whole or p > 0 or end < n:
                r3 = tables.rank(piece, p, end)
            joined[p] = i32(r3)
            if r3 >= 0:
                if size == len(heap):
                    heap = append(heap, 0)
                size = _push(heap, size, (r3 << 32) | p)
    out: list[int] = []
    i: i64 = 0
    while i < n:
        out.append(part[i])
        i = i64(nxt[i])
    return out


def _sift_down(heap: vec[i64], k: i64, size: i64) -> None:
    # A 4-ary heap: item k's children are 4k + 1 to 4k + 4 (half the levels of a binary
    # heap, and the four children share a cache line or two).
    item: i64 = heap[k]
    while True:
        first: i64 = 4 * k + 1
        if first >= size:
            break
        child: i64 = first
        least: i64 = heap[first]
        last: i64 = min(first + 4, size)
        c: i64 = first + 1
        while c < last:
            if heap[c] < least:
                least = heap[c]
                child = c
            c += 1
        if least >= item:
            break
        heap[k] = least
        k = child
    heap[k] = item


def _push(heap: vec[i64], size: i64, item: i64) -> i64:
    """Add ``item`` to the heap of ``size`` items in ``heap`` (which has room); the new size."""
    k: i64 = size
    while k > 0:
        parent: i64 = (k - 1) >> 2
        if heap[parent] <= item:
            break
        heap[k] = heap[parent]
        k = parent
    heap[k] = item
    return size + 1
