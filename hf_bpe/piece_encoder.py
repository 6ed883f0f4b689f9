"""pieces → ids: a table of recent pieces, whole-piece lookup, then byte pair merging.

Compiled by mypyc. :class:`PieceEncoder` is what an :class:`hf_bpe.Encoding` encodes
with: most pieces of real text were seen lately, so their ids come from a table keyed by
the piece's bytes packed into two machine words (:mod:`hf_bpe.token_table`); a new piece
is looked up whole, and only a piece that is not one token is merged
(:mod:`hf_bpe.piece_merge`). With a scanner (:mod:`hf_bpe.scanners`) the text is never cut
into ``str`` pieces: the scanner's byte offsets index the text's UTF-8 bytes directly,
and a short piece is merged where it lies in the text (an example: :class:`PieceEncoder`).
"""

from __future__ import annotations

from typing import Any, Final, Optional

from librt.threading import Lock
from librt.vecs import vec
from mypy_extensions import i32, i64

from .piece_merge import MergeTables, merge_short, merge_with
from .pieces import Splitter
from .scanners import Sink
from .token_table import SHORT, TokenTable, mix, pack

#: A PieceEncoder's piece table (the cache of pieces seen lately) grows to at most
#: 2 ** TABLE_BITS slots, in sets of WAYS (a piece may sit in any slot of one set: 64
#: bytes of keys). It starts with 2 ** START_BITS slots (24 KB, not the 4 MB of keys, or
#: about 100 MB with the ids' pool and int objects, of a full one: an Encoding that encodes
#: little costs little) and grows fourfold each time it has taken in a
#: quarter as many new pieces as it has slots (so it is full-sized after about 22,000
#: distinct pieces, before it would evict many).
TABLE_BITS: Final = 18
START_BITS: Final = 10
WAYS: Final = 4
#: At most this many pieces longer than :data:`~hf_bpe.token_table.SHORT` bytes are
#: remembered (a LongPieces, emptied when full), holding about LONG_CACHE_BYTES of memory in
#: all (the piece, its ids and their int objects: see _entry_bytes; PieceEncoder's
#: ``long_cache_bytes`` sets another budget); a piece longer than
#: LONG_PIECE_BYTES is not remembered (text such as DNA or base64 is one long piece after
#: another, each met once: remembering them only held memory).
CACHE_LIMIT: Final = 1 << 17
LONG_CACHE_BYTES: Final = 1 << 24
LONG_PIECE_BYTES: Final = 4096
#: Set in a piece table key's ``high`` word (above the bits :func:`pack` uses) when the
#: piece has more than one id: they lie in the table's pool (see :class:`PieceTable`).
MANY: Final = 1 << 61
_KEY_BITS: Final = MANY - 1
#: A span of :class:`LongPieces`: ``first << _COUNT_BITS | count`` (a remembered piece has
#: at most LONG_PIECE_BYTES ids).
_COUNT_BITS: Final = 16
_COUNT_MASK: Final = (1 << _COUNT_BITS) - 1


class PieceEncoder:
    """Turns pieces into ids: a table of recent pieces, whole-piece lookup, byte pair merging.

    The piece table (:class:`PieceTable`) remembers recent pieces of up to
    :data:`~hf_bpe.token_table.SHORT` bytes (nearly all of them) with their ids, keyed like
    a :class:`~hf_bpe.token_table.TokenTable` by the piece's bytes packed into two machine
    words read straight from the text: a piece seen before costs no byte slicing, no
    object and no dict lookup. It grows up to ``2 ** table_bits`` slots. Longer pieces
    (up to :data:`LONG_PIECE_BYTES`) are remembered in a :class:`LongPieces` of at most
    :data:`CACHE_LIMIT` entries and about ``long_cache_bytes`` of memory (emptied when
    full). None of it changes a result, all of it bounds its memory, and none of it is
    pickled. Threads may share an encoder: writers of the piece table take turns (a lock)
    and blank a key before they change its ids; readers take no lock but re-check the
    key after reading the ids.

        >>> enc = PieceEncoder({bytes([i]): i for i in range(256)} | {b"ab": 256})
        >>> enc.encode_bytes(b"abcab")
        [256, 99, 256]
    """

    def __init__(self, ranks: dict[bytes, int], table_bits: i64 = TABLE_BITS,
                 long_cache_bytes: i64 = LONG_CACHE_BYTES) -> None:
        if not 2 <= table_bits <= 30:
            raise ValueError(f"table_bits must be 2 to 30, not {table_bits}")
        if long_cache_bytes < 0:
            raise ValueError(f"long_cache_bytes must be at least 0, not {long_cache_bytes}")
        self.ranks: Final[dict[bytes, int]] = ranks
        self.table_bits: Final[i64] = table_bits
        self.long_cache_bytes: Final[i64] = long_cache_bytes
        self._tables: Final[MergeTables] = MergeTables(ranks)
        tokens = self._tables.tokens
        assert tokens is not None
        self._tokens: Final[TokenTable] = tokens
        self._singles: Final[list[Any]] = list(self._tables.singles)  # shared int objects
        self._lock: Lock = Lock()  # held by writers of the piece table (readers need none); see after_fork
        self._table: PieceTable = PieceTable(min(table_bits, START_BITS))
        self._taken: i64 = 0  # new pieces the table has taken in since it last grew
        self._long: LongPieces = LongPieces()  # replaced whole when emptied (see LongPieces)

    def __reduce__(self) -> tuple[type[PieceEncoder], tuple[dict[bytes, int], i64, i64]]:
        return (PieceEncoder, (self.ranks, self.table_bits, self.long_cache_bytes))

    def after_fork(self) -> None:
        """In the child of a fork: a new writers' lock. Another thread of the parent may
        have held this one at the fork (a batch's workers start by fork while threads
        encode), and in the child nobody would release it: the first new piece waited
        for good."""
        self._lock = Lock()

    def clear_cache(self) -> None:
        """Forget the remembered pieces (results never depend on them)."""
        with self._lock:
            self._table = PieceTable(min(self.table_bits, START_BITS))
            self._taken = 0
            self._long = LongPieces()

    def _remember(self, table: PieceTable, slot: i64, low: i64, high: i64, data: bytes, start: i64, end: i64,
                  out: list[Any]) -> None:
        """Append the ids of a piece the table does not hold to ``out``, and put them in it
        (unless another thread has replaced the table meanwhile)."""
        ids = self._short_lookup(low, high, data, start, end)
        with self._lock:  # a write takes several steps: two writers must not mix theirs
            if table is self._table:
                if isinstance(ids, list):
                    table.put_many(slot, low, high, ids)
                else:
                    table.put(slot, low, high, ids)
                self._taken += 1
                # A new table, filled from this one, replaces it whole: a reader in
                # another thread sees the old table or the new one, never a mix. It is
                # larger, or holds in its pool only the ids of the pieces it holds.
                if 4 * self._taken > len(table.ids) and table.bits < self.table_bits:
                    self._table = table.rebuilt(min(table.bits + 2, self.table_bits))
                    self._taken = 0
                elif len(table.pool) > 2 * table.pooled + len(table.ids):
                    self._table = table.rebuilt(table.bits)
        if isinstance(ids, list):
            out.extend(ids)
        else:
            out.append(ids)

    def _short_lookup(self, low: i64, high: i64, data: bytes, start: i64, end: i64) -> Any:
        """The id of a piece of up to SHORT bytes (an int), or its ids (a list)."""
        rank: i64 = self._tokens.get(low, high)
        if rank >= 0:
            return rank
        return merge_short(data, start, end - start, self._tables)

    def _long_piece(self, piece: bytes, out: list[Any]) -> None:
        """Append the ids of a piece longer than SHORT bytes to ``out``, and remember them
        (see :class:`LongPieces`) if it is at most LONG_PIECE_BYTES long."""
        cache = self._long  # read once: another thread may replace it
        span: Optional[int] = cache.spans.get(piece)
        if span is not None:
            where: i64 = span
            pool = cache.pool  # its ids never change
            first: i64 = where >> _COUNT_BITS
            for j in range(first, first + (where & _COUNT_MASK)):
                out.append(pool[j])
            return
        rank: Optional[int] = self.ranks.get(piece)
        ids: list[Any] = [rank] if rank is not None else merge_with(piece, self._tables)
        size = _entry_bytes(piece, len(ids))
        # An entry larger than the whole budget is not remembered (a budget of 0
        # remembers none), and does not empty the cache.
        if len(piece) <= LONG_PIECE_BYTES and size <= self.long_cache_bytes:
            with self._lock:  # a write takes several steps: two writers must not mix theirs
                cache = self._long
                if len(cache.spans) >= CACHE_LIMIT or cache.size + size > self.long_cache_bytes:
                    cache = LongPieces()
                    self._long = cache
                cache.put(piece, ids, size)
        out.extend(ids)

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

    def byte_pair_encode(self, data: bytes) -> list[int]:
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
    """Hand ``sink`` each piece of ``text`` (a span of its UTF-8 bytes, or of the piece's
    own when the regex's pieces leave characters out): found by a scanner, the compiled
    matcher, or ``splitter``'s regex.

    The whole text is encoded first, on every path: a lone surrogate raises here even where
    no piece holds it, so the caller repairs the text as tiktoken does (U+FFFD may then be
    in a piece). A splitter that normalizes (NFC) is handed the normalized text."""
    text = splitter.normalize(text)
    data = text.encode("utf-8")
    if splitter.compiled:
        splitter.feed(data, sink)
        return
    pieces = splitter.split(text)
    covered: i64 = 0
    for piece in pieces:
        covered += len(piece)
    if covered != len(text):  # the pattern passed over some characters: piece by piece
        for piece in pieces:
            part = piece.encode("utf-8")
            sink.piece(part, 0, len(part))
        return
    # The pieces tile the text, so each ends where the characters before it end: no
    # piece is encoded on its own (that cost a tenth of the time of a regex split).
    start: i64 = 0
    end: i64
    if len(data) == len(text):  # ASCII: a character is a byte
        for piece in pieces:
            end = start + len(piece)
            sink.piece(data, start, end)
            start = end
        return
    offsets = _char_offsets(data, len(text))
    chars: i64 = 0
    for piece in pieces:
        chars += len(piece)
        end = offsets[chars]
        sink.piece(data, start, end)
        start = end


def _char_offsets(data: bytes, n_chars: i64) -> vec[i64]:
    """Byte offset in ``data`` (UTF-8) where each of its ``n_chars`` characters starts,
    and its length last."""
    offsets = vec[i64]([0] * (n_chars + 1))
    k: i64 = 0
    for i in range(len(data)):
        if (data[i] & 0xC0) != 0x80:
            offsets[k] = i
            k += 1
    offsets[k] = len(data)
    return offsets


def _entry_bytes(piece: bytes, count: i64) -> i64:
    """About the memory a piece longer than SHORT bytes holds in :class:`LongPieces`: the
    bytes object, its dict slot and the int saying where its ids are, and per id a slot
    of the pool and an int object (ids above 256 are not shared)."""
    return len(piece) + 100 + 40 * count


class LongPieces:
    """Pieces longer than :data:`~hf_bpe.token_table.SHORT` bytes (too long for a piece
    table key) and their ids, holding about ``size`` bytes of memory (see
    :func:`_entry_bytes`).

    The ids lie in ``pool``, a list of int objects that only grows; ``spans`` maps each
    piece to ``first << 16 | count``, where its ids start in the pool and how many there
    are. So remembering a piece makes no object the garbage collector tracks (a tuple
    per piece did: on new multilingual text, where one piece in 25 is this long, a
    collection every 700 of them). A :class:`PieceEncoder` empties its cache by
    replacing this object, so a reader holding it always finds the ids a span names.

        >>> cache = LongPieces()
        >>> cache.put(b"a" * 20, [7, 8], 160)
        >>> cache.ids_of(b"a" * 20), cache.size
        ([7, 8], 160)
    """

    def __init__(self) -> None:
        self.spans: Final[dict[bytes, int]] = {}
        self.pool: Final[list[Any]] = []
        self.size: i64 = 0

    def put(self, piece: bytes, ids: list[Any], size: i64) -> None:
        """Remember ``piece``'s ids (at most ``2 ** 16 - 1`` of them), counted as ``size`` bytes."""
        pool = self.pool
        first: i64 = len(pool)
        pool.extend(ids)  # before the span: a reader in another thread may find it at once
        self.spans[piece] = (first << _COUNT_BITS) | len(ids)
        self.size += size

    def ids_of(self, piece: bytes) -> Optional[list[Any]]:
        """The ids remembered for ``piece``, or None (for tests; encoding reads them in place)."""
        span: Optional[int] = self.spans.get(piece)
        if span is None:
            return None
        where: i64 = span
        return self.pool[where >> _COUNT_BITS:(where >> _COUNT_BITS) + (where & _COUNT_MASK)]


class PieceTable:
    """Pieces of up to :data:`~hf_bpe.token_table.SHORT` bytes and their ids: ``2 ** bits``
    slots in sets of :data:`WAYS`; a new piece takes an empty slot of its set, or the
    place of one of the set's entries (in turn).

    Slot k holds a piece packed as ``keys[2k], keys[2k + 1]`` (0: empty) and its id in
    ``ids[k]`` (an int object, the one encoding appends) or, for a piece of several ids,
    where they lie in ``pool`` (a list of int objects) in ``spans[k]``: ``first << 4 |
    count`` (a piece of up to 15 bytes has up to 15 ids). The key of such a piece has
    :data:`MANY` set in its ``high`` word, so a reader knows where to look. A merged piece thus
    costs no object the garbage collector tracks: a tuple each made a collection of the
    young objects (the lists of ids being encoded among them) every 700 new pieces,
    15% of the time of encoding text whose pieces were new. The pool only grows: ids
    once written there never change, until a :meth:`rebuilt` table replaces this one.

        >>> table = PieceTable(4)
        >>> low, high = pack(b"ab" + bytes(16), 0, 2)
        >>> slot = table.set_of(low, high)
        >>> table.put_many(slot, low, high, [1, 2])
        >>> table.ids_at(slot), table.keys[2 * slot + 1] == high | MANY
        ([1, 2], True)
    """

    def __init__(self, bits: i64) -> None:
        self.bits: Final[i64] = bits
        self.shift: Final[i64] = 64 - bits
        self.set_mask: Final[i64] = (1 << bits) - WAYS
        self.keys: Final[vec[i64]] = vec[i64]([0] * (2 << bits))
        self.ids: Final[list[Any]] = [None] * (1 << bits)
        self.spans: Final[vec[i32]] = vec[i32]([0] * (1 << bits))
        self.pool: Final[list[Any]] = []
        self.pooled: i64 = 0  # how many of the pool's ids the held pieces use
        self._clock: i64 = 0  # which way of a full set put replaces next

    def set_of(self, low: i64, high: i64) -> i64:
        """The first slot of the set where the piece packed as ``(low, high)`` belongs."""
        return (mix(low, high) >> self.shift) & self.set_mask

    def put(self, slot: i64, low: i64, high: i64, rank: Any) -> None:
        """Put the piece of one id (``rank``, an int) in the set at ``slot`` (see :meth:`_vacate`)."""
        k = self._vacate(slot)
        self.ids[k] = rank
        self.keys[2 * k] = low
        self.keys[2 * k + 1] = high

    def put_many(self, slot: i64, low: i64, high: i64, ids: list[Any], start: i64 = 0, count: i64 = -1) -> None:
        """Put the piece of several ids, ``ids[start:start + count]`` (all of ``ids`` by
        default), in the set at ``slot`` (see :meth:`_vacate`)."""
        if count < 0:
            count = len(ids)
        k = self._vacate(slot)
        pool = self.pool
        first: i64 = len(pool)
        for j in range(start, start + count):
            pool.append(ids[j])
        self.pooled += count
        self.ids[k] = None
        self.spans[k] = i32((first << 4) | count)
        self.keys[2 * k] = low
        self.keys[2 * k + 1] = high | MANY

    def _vacate(self, slot: i64) -> i64:
        """The slot of the set at ``slot`` that a new entry takes, emptied: the first empty
        one, or else the one the table's clock points at (the ways in turn). No other
        entry moves: moving one touches its ids object, which is rarely in the CPU's
        cache. A key is blanked before its ids change, so a reader in another thread
        misses, never mismatches."""
        keys = self.keys
        way: i64 = 0
        while way < WAYS and keys[2 * (slot + way) + 1] != 0:
            way += 1
        if way == WAYS:
            way = self._clock & (WAYS - 1)
            self._clock += 1
        k: i64 = slot + way
        if keys[2 * k + 1] & MANY:
            self.pooled -= i64(self.spans[k]) & 15
        keys[2 * k + 1] = 0
        return k

    def ids_at(self, k: i64) -> list[Any]:
        """The ids held in slot ``k`` (for tests; encoding reads them in place)."""
        if self.keys[2 * k + 1] & MANY:
            span: i64 = i64(self.spans[k])
            return self.pool[span >> 4:(span >> 4) + (span & 15)]
        return [self.ids[k]]

    def rebuilt(self, bits: i64) -> PieceTable:
        """A table of ``2 ** bits`` slots (``bits`` at least this one's) holding this one's
        entries, its pool only their ids: a set of the new table takes entries from one
        set of this one only, so none is lost."""
        table = PieceTable(bits)
        keys = self.keys
        for k in range(len(self.ids)):
            high: i64 = keys[2 * k + 1]
            if high == 0:
                continue
            low: i64 = keys[2 * k]
            rank: Any = self.ids[k]
            span: i64 = i64(self.spans[k])
            if keys[2 * k + 1] == high and keys[2 * k] == low:  # not being replaced
                bare: i64 = high & _KEY_BITS
                if high & MANY:
                    table.put_many(table.set_of(low, bare), low, bare, self.pool, span >> 4, span & 15)
                else:
                    table.put(table.set_of(low, bare), low, bare, rank)
        return table


class _IdSink(Sink):
    """Appends the ids of each piece a scanner finds to ``out``: a single byte's from the
    shared int objects, a short piece's from the piece table, a longer one's from
    :class:`LongPieces` (see :class:`PieceEncoder`).

    The choice, and the piece table's lookup, are made here rather than in a method of
    the encoder that this would call: one call fewer per piece made warm encoding 3-5%
    faster. The key's :data:`MANY` bit, not the type of the ids object, says whether to
    append or extend: a branch on the object's type waits for the object to come from
    memory (a megabyte or more of them, in the order the text first met them), and
    mispredicted, throws away the work begun meanwhile. That made warm encoding 6-8%
    faster, cold 4-9%."""

    def __init__(self, encoder: PieceEncoder, out: list[Any]) -> None:
        self.encoder = encoder
        self.singles = encoder._singles
        self.out = out

    def piece(self, data: bytes, start: i64, end: i64) -> None:
        size: i64 = end - start
        out = self.out
        if size == 1:
            out.append(self.singles[data[start]])
            return
        encoder = self.encoder
        if size > SHORT:
            encoder._long_piece(data[start:end], out)
            return
        ids: Any
        low, high = pack(data, start, end)
        table = encoder._table  # read once: another thread may replace it (see _remember)
        slot: i64 = (mix(low, high) >> table.shift) & table.set_mask
        keys = table.keys
        k: i64 = 2 * slot
        while True:
            if k == 2 * (slot + WAYS):  # not in the table
                encoder._remember(table, slot, low, high, data, start, end, out)
                return
            stored: i64 = keys[k + 1]
            if keys[k] == low and (stored | MANY) == (high | MANY):
                # The key tells where the ids are: testing the type of an object
                # would wait for the object to come from memory.
                if stored == high:
                    ids = table.ids[k >> 1]
                    if keys[k + 1] != stored or keys[k] != low:  # replaced meanwhile
                        ids = encoder._short_lookup(low, high, data, start, end)
                        break
                    out.append(ids)
                else:
                    span: i64 = i64(table.spans[k >> 1])
                    if keys[k + 1] != stored or keys[k] != low:  # replaced meanwhile
                        ids = encoder._short_lookup(low, high, data, start, end)
                        break
                    pool = table.pool  # the pool of the table read: ids there never change
                    first: i64 = span >> 4
                    for j in range(first, first + (span & 15)):
                        out.append(pool[j])
                return
            k += 2
        if isinstance(ids, int):
            out.append(ids)
        else:
            out.extend(ids)


class _CountSink(_IdSink):
    """Counts the ids of each piece a scanner finds, holding a few thousand at most."""

    def __init__(self, encoder: PieceEncoder) -> None:
        super().__init__(encoder, [])
        self.count: i64 = 0

    def piece(self, data: bytes, start: i64, end: i64) -> None:
        super().piece(data, start, end)
        out = self.out
        if len(out) >= 4096:
            self.count += len(out)
            out.clear()
