"""bytes → rank without bytes objects: short byte strings packed into two machine words.

Compiled by mypyc. Nearly every piece of text, and nearly every token, is at most
:data:`SHORT` (15) bytes long. Such a byte string packs into two 64-bit words: the first 8
bytes little-endian in ``low``, the rest and the length in ``high`` (so ``high`` is never
0). Packing reads the bytes straight out of a larger ``bytes`` (the text, or a piece),
so looking a span up costs no slice, no ``bytes`` object and no dict probe::

    >>> from hf_bpe.token_table import PAD, TokenTable, pack
    >>> table = TokenTable({bytes([i]): i for i in range(256)} | {b"ab": 256, b" the": 257})
    >>> data = b"xx the" + PAD
    >>> low, high = pack(data, 2, 6)
    >>> table.get(low, high), table.get(*pack(data, 0, 2))
    (257, -1)

:class:`TokenTable` holds every token of up to :data:`SHORT` bytes (open addressing,
linear probing, behind a filter) and a key for each longer one (:func:`pack_long`).
:class:`hf_bpe.piece_encoder.PieceEncoder` keys its piece table the same way.
"""

from __future__ import annotations

from typing import Final

from librt.strings import read_i64_le
from librt.vecs import vec
from mypy_extensions import i64

#: Byte strings of up to this many bytes pack into two words.
SHORT: Final = 15
#: Appended to a standalone piece so that :func:`pack` may always read 16 bytes.
PAD: Final = bytes(16)
#: Odd multipliers that mix a packed key into a hash. Both are below 2 ** 62: mypyc
#: compiles a larger constant as a boxed int, converted on every use.
MIX_LOW: Final = 0x27BB2EE687B0B0FD
MIX_HIGH: Final = 0x2545F4914F6CDD1D
#: ``_LOW_BYTES[k]`` keeps the low k bytes of a word (k < 8). A table, because mypyc
#: compiles ``i64(1) << n`` to a shift of a 32-bit C ``1``, which is wrong for n >= 31.
_LOW_BYTES: Final = vec[i64]([(1 << (8 * k)) - 1 for k in range(8)])
#: The data bits of ``high`` (below the length byte).
_HIGH_DATA: Final = 0x00FFFFFFFFFFFFFF
#: What :meth:`TokenTable.get` answers for the key of a long token's first bytes.
MAYBE_LONG: Final = -2
#: Tokens of up to NARROW bytes leave bits 32-55 of their key's ``high`` word free (their
#: bytes beyond the eighth take at most four bytes of it); a :class:`TokenTable` keeps
#: their rank there, if every rank is below NARROW_RANKS.
NARROW: Final = 12
NARROW_RANKS: Final = 1 << 24
_NOT_RANK: Final = -1 - ((NARROW_RANKS - 1) << 32)
#: ``_BIT[k]`` is the word with bit k set (k < 64; a table for the same reason).
_BIT: Final = vec[i64]([(1 << k) - (1 << 64 if k == 63 else 0) for k in range(64)])


def pack(data: bytes, start: i64, end: i64) -> tuple[i64, i64]:
    """``data[start:end]`` (at most :data:`SHORT` bytes) as ``(low, high)``.

    Fastest when 16 bytes can be read from ``start`` (pad standalone pieces with :data:`PAD`).
    """
    size: i64 = end - start
    low: i64
    high: i64
    if start + 16 <= len(data):
        low = read_i64_le(data, start)
        high = read_i64_le(data, start + 8)
    else:
        low = _word(data, start, min(size, 8))
        high = _word(data, start + 8, size - 8)
    if size < 8:
        return low & _LOW_BYTES[size], size << 56
    return low, (high & _LOW_BYTES[size - 8]) | (size << 56)


def pack_long(data: bytes, start: i64, end: i64) -> tuple[i64, i64]:
    """A key for ``data[start:end]`` (more than :data:`SHORT` bytes): its first 15 bytes
    and its length (127 for 127 bytes or more). Long tokens are few; such a key in a
    :class:`TokenTable` tells whether one might match, before any slice is made."""
    low, high = pack(data, start, start + SHORT)
    return low, (high & _HIGH_DATA) | (min(end - start, 127) << 56)  # 127: stays positive


def _word(data: bytes, start: i64, count: i64) -> i64:
    """``data[start:start + count]`` (at most 8 bytes) as a little-endian word."""
    word: i64 = 0
    for k in range(count):
        byte: i64 = data[start + k]
        if k == 7 and byte >= 128:
            byte -= 256  # the top byte carries the sign, as in read_i64_le
        word |= byte << (k << 3)
    return word


def mix(low: i64, high: i64) -> i64:
    """A hash of a packed key; its top bits are the best mixed."""
    return (low * MIX_LOW) ^ (high * MIX_HIGH)


def _filter_bits(hashed: i64) -> i64:
    """The three filter bits of a key (see :class:`TokenTable`), from its :func:`mix`."""
    g: i64 = (hashed ^ (hashed >> 32)) * MIX_LOW  # remix: mix's middle bits miss the key's last bytes
    return _BIT[(g >> 42) & 63] | _BIT[(g >> 36) & 63] | _BIT[(g >> 30) & 63]


class TokenTable:
    """The rank of every token of up to :data:`SHORT` bytes, by packed key.

    Most lookups while merging ask about byte strings that are not tokens. A filter of
    one word per about three tokens (a blocked Bloom filter: three bits per token, all in
    one word) answers most of those from a table small enough to stay in the CPU's
    cache; the slots themselves (megabytes, for a large vocabulary) are read only when
    the filter lets the key through. Longer tokens are keyed by :func:`pack_long` and
    answer :data:`MAYBE_LONG`: the caller then looks the bytes up in the vocabulary.

    Tokens of up to :data:`NARROW` bytes (nine in ten) sit in slots of two words, the
    rank in bits of ``high`` the key leaves free (if every rank is below
    :data:`NARROW_RANKS`), the others in slots of three: o200k_base's table takes 5.5 MB,
    not 13, in every process that encodes.

        >>> TokenTable({b"a": 0, b"b": 1, b"ab": 2}).get(*pack(b"ab" + PAD, 0, 2))
        2
    """

    def __init__(self, ranks: dict[bytes, int]) -> None:
        narrow_count: i64 = 0
        wide_count: i64 = 0
        narrow_ranks = all(0 <= rank < NARROW_RANKS for rank in ranks.values())
        for token in ranks:
            if narrow_ranks and 0 < len(token) <= NARROW:
                narrow_count += 1
            elif len(token) > 0:
                wide_count += 1
        # high is below narrow_below exactly when the key is of a narrow token's length.
        self._narrow_below: Final[i64] = (NARROW + 1) << 56 if narrow_ranks else 0
        # Narrow slots (_narrow[2k], _narrow[2k + 1]; high 0: empty) at most three
        # quarters full; wide ones (_wide[3k], _wide[3k + 1], rank _wide[3k + 2]) half.
        bits = _bits_for(4 * narrow_count // 3)
        self._narrow_shift: Final[i64] = 64 - bits
        self._narrow_mask: Final[i64] = (1 << bits) - 1
        self._narrow: Final[vec[i64]] = vec[i64]([0] * (2 << bits))
        bits = _bits_for(2 * wide_count)
        self._wide_shift: Final[i64] = 64 - bits
        self._wide_mask: Final[i64] = (1 << bits) - 1
        self._wide: Final[vec[i64]] = vec[i64]([0] * (3 << bits))
        filter_bits: i64 = _bits_for(len(ranks) // 4)
        self._filter_shift: Final[i64] = 64 - filter_bits
        self._filter_mask: Final[i64] = (1 << filter_bits) - 1
        self._filter: Final[vec[i64]] = vec[i64]([0] * (1 << filter_bits))
        for token, rank in ranks.items():
            if 0 < len(token) <= SHORT:
                low, high = pack(token + PAD, 0, len(token))
                self._put(low, high, rank)
            elif len(token) > SHORT:
                low, high = pack_long(token + PAD, 0, len(token))
                if self.get(low, high) != MAYBE_LONG:
                    self._put(low, high, MAYBE_LONG)

    def _put(self, low: i64, high: i64, rank: i64) -> None:
        hashed = mix(low, high)
        word: i64 = (hashed >> self._filter_shift) & self._filter_mask
        self._filter[word] |= _filter_bits(hashed)
        if high < self._narrow_below:
            narrow = self._narrow
            slot: i64 = (hashed >> self._narrow_shift) & self._narrow_mask
            while narrow[2 * slot + 1] != 0:
                slot = (slot + 1) & self._narrow_mask
            narrow[2 * slot] = low
            narrow[2 * slot + 1] = high | (rank << 32)
            return
        wide = self._wide
        slot = (hashed >> self._wide_shift) & self._wide_mask
        while wide[3 * slot + 1] != 0:
            slot = (slot + 1) & self._wide_mask
        wide[3 * slot] = low
        wide[3 * slot + 1] = high
        wide[3 * slot + 2] = rank

    def get(self, low: i64, high: i64) -> i64:
        """The rank of the token packed as ``(low, high)``, or -1 if there is none."""
        # mix() and _filter_bits() written out: mypyc does not inline, and this is the
        # lookup merging makes for every candidate pair.
        hashed: i64 = (low * MIX_LOW) ^ (high * MIX_HIGH)
        g: i64 = (hashed ^ (hashed >> 32)) * MIX_LOW
        bits: i64 = _BIT[(g >> 42) & 63] | _BIT[(g >> 36) & 63] | _BIT[(g >> 30) & 63]
        if self._filter[(hashed >> self._filter_shift) & self._filter_mask] & bits != bits:
            return -1
        i: i64
        end: i64
        if high < self._narrow_below:
            narrow = self._narrow
            i = 2 * ((hashed >> self._narrow_shift) & self._narrow_mask)
            end = len(narrow)
            while True:
                stored: i64 = narrow[i + 1]
                if narrow[i] == low and stored & _NOT_RANK == high:
                    return (stored >> 32) & (NARROW_RANKS - 1)
                if stored == 0:
                    return -1
                i += 2
                if i == end:
                    i = 0
        wide = self._wide
        i = 3 * ((hashed >> self._wide_shift) & self._wide_mask)
        end = len(wide)
        while True:
            if wide[i] == low and wide[i + 1] == high:
                return wide[i + 2]
            if wide[i + 1] == 0:
                return -1
            i += 3
            if i == end:
                i = 0


def _bits_for(count: i64) -> i64:
    """The bits of a power-of-two table size of at least ``count`` (from 16 up to 2 ** 30)."""
    bits: i64 = 4
    while (1 << bits) < count and bits < 30:
        bits += 1
    return bits
