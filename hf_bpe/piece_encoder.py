"""pieces → ids: a table of recent pieces, whole-piece lookup, then byte pair merging.

Compiled by mypyc. :class:`PieceEncoder` is what an :class:`hf_bpe.Encoding` encodes
with: most pieces of real text were seen lately, so their ids come from a table keyed by
the piece's bytes packed into two machine words (:mod:`hf_bpe.token_table`); a new piece
is looked up whole, and only a piece that is not one token is merged
(:mod:`hf_bpe.merge`). With a scanner (:mod:`hf_bpe.scanners`) the text is never cut
into ``str`` pieces: the scanner's byte offsets index the text's UTF-8 bytes directly,
and a short piece is merged where it lies in the text (an example: :class:`PieceEncoder`).
"""

from __future__ import annotations

from typing import Any, Final

from librt.vecs import vec
from mypy_extensions import i64

from .merge import MergeTables, merge_short, merge_with
from .pieces import Splitter
from .scanners import Sink, scan_into
from .token_table import SHORT, TokenTable, mix, pack

#: A PieceEncoder's piece table (the cache of pieces seen lately) has 2 ** TABLE_BITS
#: slots, in sets of WAYS (a piece may sit in any slot of one set: 64 bytes of keys).
TABLE_BITS: Final = 18
WAYS: Final = 4
#: At most this many pieces longer than :data:`~hf_bpe.token_table.SHORT` bytes are
#: remembered in a dict (emptied when full), holding about LONG_CACHE_BYTES of memory in
#: all (the piece, its ids and their int objects: see _entry_bytes); a piece longer than
#: LONG_PIECE_BYTES is not remembered (text such as DNA or base64 is one long piece after
#: another, each met once: remembering them only held memory).
CACHE_LIMIT: Final = 1 << 17
LONG_CACHE_BYTES: Final = 1 << 24
LONG_PIECE_BYTES: Final = 4096


class PieceEncoder:
    """Turns pieces into ids: a table of recent pieces, whole-piece lookup, byte pair merging.

    The piece table remembers recent pieces of up to :data:`~hf_bpe.token_table.SHORT`
    bytes (nearly all of them) with their ids, keyed like a
    :class:`~hf_bpe.token_table.TokenTable` by the piece's bytes packed into two machine
    words read straight from the text: a piece seen before costs no byte slicing, no
    object and no dict lookup. It has ``2 ** table_bits`` slots in sets of :data:`WAYS`
    (the newest entry first). Longer pieces (up to :data:`LONG_PIECE_BYTES`) are
    remembered in a dict of at most :data:`CACHE_LIMIT` entries and about
    :data:`LONG_CACHE_BYTES` of memory (emptied when full). None of it changes a result, all of
    it bounds its memory, and none of it is pickled. Readers re-check a slot's key after
    reading its ids and writers blank the key first, so threads may share an encoder.

        >>> enc = PieceEncoder({bytes([i]): i for i in range(256)} | {b"ab": 256})
        >>> enc.encode_bytes(b"abcab")
        [256, 99, 256]
    """

    def __init__(self, ranks: dict[bytes, int], table_bits: i64 = TABLE_BITS) -> None:
        if not 2 <= table_bits <= 30:
            raise ValueError(f"table_bits must be 2 to 30, not {table_bits}")
        self.ranks: Final[dict[bytes, int]] = ranks
        self.table_bits: Final[i64] = table_bits
        self._tables: Final[MergeTables] = MergeTables(ranks)
        tokens = self._tables.tokens
        assert tokens is not None
        self._tokens: Final[TokenTable] = tokens
        self._singles: Final[list[Any]] = list(self._tables.singles)  # shared int objects
        slots: i64 = 1 << table_bits
        self._shift: Final[i64] = 64 - table_bits
        self._set_mask: Final[i64] = slots - WAYS
        # Slot k holds a piece packed as _keys[2k], _keys[2k + 1] (0: empty) and its
        # ids _ids[k]: an int, or a tuple for a merged piece (the garbage collector
        # stops tracking tuples of ints; lists it would traverse on every collection).
        self._keys: Final[vec[i64]] = vec[i64]([0] * (2 * slots))
        self._ids: Final[list[Any]] = [None] * slots
        self._long: Final[dict[bytes, Any]] = {}
        self._long_bytes: i64 = 0  # the memory _long holds, about (see _entry_bytes)

    def __reduce__(self) -> tuple[type[PieceEncoder], tuple[dict[bytes, int], i64]]:
        return (PieceEncoder, (self.ranks, self.table_bits))

    def clear_cache(self) -> None:
        """Forget the remembered pieces (results never depend on them)."""
        for k in range(len(self._ids)):
            self._keys[2 * k + 1] = 0
            self._ids[k] = None
        self._long.clear()
        self._long_bytes = 0

    def encode_span(self, data: bytes, start: i64, end: i64, out: list[Any]) -> None:
        """Append the ids of the piece ``data[start:end]`` to ``out``."""
        size: i64 = end - start
        ids: Any
        if size == 1:
            out.append(self._singles[data[start]])
            return
        if size > SHORT:
            ids = self._long_ids(data[start:end])
        else:
            ids = self._short_ids(data, start, end)
        if isinstance(ids, tuple):
            out.extend(ids)
        else:
            out.append(ids)

    def _short_ids(self, data: bytes, start: i64, end: i64) -> Any:
        low, high = pack(data, start, end)
        slot: i64 = (mix(low, high) >> self._shift) & self._set_mask
        keys = self._keys
        k: i64 = 2 * slot
        while keys[k] != low or keys[k + 1] != high:
            k += 2
            if k == 2 * (slot + WAYS):
                return self._remember(slot, low, high, data, start, end)
        ids: Any = self._ids[k >> 1]
        if keys[k + 1] == high and keys[k] == low:  # not replaced meanwhile
            return ids
        return self._short_lookup(low, high, data, start, end)

    def _remember(self, slot: i64, low: i64, high: i64, data: bytes, start: i64, end: i64) -> Any:
        # A new piece goes first in its set (the one at ``slot``); the others move one
        # down and the last leaves. Blanking a key before its ids change makes a reader
        # in another thread miss, never mismatch.
        ids = self._short_lookup(low, high, data, start, end)
        keys = self._keys
        table = self._ids
        to: i64 = slot + WAYS - 1
        while to > slot:
            keys[2 * to + 1] = 0
            table[to] = table[to - 1]
            keys[2 * to] = keys[2 * to - 2]
            keys[2 * to + 1] = keys[2 * to - 1]
            to -= 1
        keys[2 * slot + 1] = 0
        table[slot] = ids
        keys[2 * slot] = low
        keys[2 * slot + 1] = high
        return ids

    def _short_lookup(self, low: i64, high: i64, data: bytes, start: i64, end: i64) -> Any:
        rank: i64 = self._tokens.get(low, high)
        if rank >= 0:
            return rank
        return tuple(merge_short(data, start, end - start, self._tables))

    def _long_ids(self, piece: bytes) -> Any:
        cache = self._long
        ids: Any = cache.get(piece)
        if ids is None:
            ids = self.ranks.get(piece)
            if ids is None:
                ids = tuple(merge_with(piece, self._tables))
            if len(piece) <= LONG_PIECE_BYTES:
                size = _entry_bytes(piece, ids)
                if len(cache) >= CACHE_LIMIT or self._long_bytes + size > LONG_CACHE_BYTES:
                    cache.clear()
                    self._long_bytes = 0
                cache[piece] = ids
                self._long_bytes += size
        return ids

    def encode_text(self, splitter: Splitter, text: str, out: list[int]) -> None:
        """Append the ids of ``text`` split by ``splitter``.

        Raises ``UnicodeEncodeError`` for lone surrogates (the caller repairs them).
        """
        _feed(splitter, text, _IdSink(self, out))

    def count_text(self, splitter: Splitter, text: str) -> int:
        """How many ids :meth:`encode_text` would append (counted a few thousand at a time:
        the ids of a long text are never all held at once)."""
        sink = _CountSink(self)
        _feed(splitter, text, sink)
        return sink.count + len(sink.out)

    def merge_bytes(self, data: bytes) -> list[int]:
        """The ids byte pair merging gives ``data`` (no whole-piece shortcut, no cache:
        tiktoken's ``byte_pair_encode``)."""
        if not data:
            return []
        return merge_with(data, self._tables)

    def encode_bytes(self, data: bytes) -> list[int]:
        """The ids of one piece given as bytes (need not be valid UTF-8)."""
        if not data:
            return []
        rank = self.ranks.get(data, -1)
        if rank >= 0:
            return [rank]
        return merge_with(data, self._tables)


def _feed(splitter: Splitter, text: str, sink: Sink) -> None:
    """Hand ``sink`` each piece of ``text``: found by a scanner, or by ``splitter``'s regex."""
    if splitter.family:
        scan_into(splitter.family, text.encode("utf-8"), sink)
    else:
        for piece in splitter.split(text):
            data = piece.encode("utf-8")
            sink.piece(data, 0, len(data))


def _entry_bytes(piece: bytes, ids: Any) -> i64:
    """About the memory one entry of the long-piece dict holds: the bytes object and its
    dict slot, and per id a tuple slot and an int object (ids above 256 are not shared)."""
    count: i64 = len(ids) if isinstance(ids, tuple) else 1
    return len(piece) + 100 + 40 * count


class _CountSink(Sink):
    """Counts the ids of each piece a scanner finds, holding a few thousand at most."""

    def __init__(self, encoder: PieceEncoder) -> None:
        self.encoder = encoder
        self.out: list[Any] = []
        self.count: i64 = 0

    def piece(self, data: bytes, start: i64, end: i64) -> None:
        out = self.out
        self.encoder.encode_span(data, start, end, out)
        if len(out) >= 4096:
            self.count += len(out)
            out.clear()


class _IdSink(Sink):
    """Appends the ids of each piece a scanner finds to ``out``."""

    def __init__(self, encoder: PieceEncoder, out: list[int]) -> None:
        self.encoder = encoder
        self.out = out

    def piece(self, data: bytes, start: i64, end: i64) -> None:
        self.encoder.encode_span(data, start, end, self.out)
