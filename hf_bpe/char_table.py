"""Code point → character category, as tiktoken's split patterns see characters.

The compiled scanners (:mod:`hf_bpe.scanners`) classify each character of a text with
one of the categories below. Every code point gets exactly one; the tables are built once
at import from tiktoken's own classes (:mod:`hf_bpe.char_classes_data`), so they agree
with tiktoken whatever Unicode version the installed ``regex`` knows::

    >>> from hf_bpe.char_table import category, UPPER, LOWER, BOTH, MARK, DIGIT, SPACE
    >>> [category(ch) for ch in "Aa中\u0301٣\u3000"] == [UPPER, LOWER, BOTH, MARK, DIGIT, SPACE]
    True

Storage is two-level: ``BLOCK_INDEX`` gives, for each 256-code-point block, the number of
a distinct 256-byte row of ``BLOCKS`` (two bytes per block, little-endian); a code point's
category is ``BLOCKS[row * 256 + (cp & 0xFF)]``. About 45 KB in all.
"""

from __future__ import annotations

from typing import Final

from .char_classes_data import TIKTOKEN_CLASSES

#: Anything else: punctuation, symbols, controls, unassigned (not a space, letter, number or mark).
OTHER: Final = 0
#: Letters that are upper- or titlecase (``\p{Lu}``, ``\p{Lt}``).
UPPER: Final = 1
#: Lowercase letters (``\p{Ll}``).
LOWER: Final = 2
#: Letters without case (``\p{Lm}``, ``\p{Lo}``): o200k counts them as upper *and* lower.
BOTH: Final = 3
#: Marks (``\p{M}``): not letters, but o200k's word alternatives take them like BOTH.
MARK: Final = 4
#: Numbers (``\p{N}``).
DIGIT: Final = 5
#: White space (``\s``) other than the three below.
SPACE: Final = 6
#: ``\r`` and ``\n``.
NEWLINE: Final = 7
#: U+0020, the space the patterns' `` ?`` prefixes take.
BLANK: Final = 8
#: U+0027, the apostrophe that starts contractions.
APOS: Final = 9
#: U+002F, which o200k lets trail punctuation.
SLASH: Final = 10

#: Unicode ``White_Space`` (what ``\s`` means to tiktoken; the test suite checks every code point).
WHITE_SPACE: Final = (
    0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
    0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
)  # fmt: skip

#: The number of code points (U+0000 to U+10FFFF).
N_POINTS: Final = 0x110000


def every_code_point() -> str:
    """Every code point (surrogates too) at its own index: a text to ask a regex which
    code points it matches (4.4 MB, decoded from UTF-32: joining 1.1 million one-character
    strings took 100 MB).

        >>> text = every_code_point()
        >>> len(text) == N_POINTS and text[0x4E2D] == "\u4e2d"
        True
    """
    # Each code point's four bytes, least significant first, written one byte position at
    # a time by strided slices (10 ms, against 30 for an array made from 1.1 million ints).
    units = bytearray(4 * N_POINTS)
    units[0::4] = bytes(range(256)) * (N_POINTS >> 8)
    units[1::4] = b"".join(bytes([byte]) * 256 for byte in range(256)) * (N_POINTS >> 16)
    units[2::4] = b"".join(bytes([plane]) * 65536 for plane in range(N_POINTS >> 16))
    return units.decode("utf-32-le", "surrogatepass")


def class_ranges(cls: str) -> list[tuple[int, int]]:
    """The code points tiktoken puts in class ``cls``, as ``(start, stop)`` ranges.

        >>> class_ranges("Lt")[0]
        (453, 454)
    """
    out: list[tuple[int, int]] = []
    for item in TIKTOKEN_CLASSES[cls].split():
        first, _, last = item.partition("-")
        out.append((int(first, 16), int(last or first, 16) + 1))
    return out


#: The classes of tiktoken's tables that split patterns name, one per code point at most
#: (general categories, so they never overlap): in :func:`base_kinds`, class
#: ``BASE_CLASSES[k]`` is numbered ``k + 1``; 0 is any other code point.
BASE_CLASSES: Final = ("Lu", "Ll", "Lt", "Lm", "Lo", "M", "N", "Cn")
#: White space's number in :func:`base_kinds` (after the classes).
BASE_SPACE: Final = len(BASE_CLASSES) + 1


def base_kinds() -> bytes:
    """One byte per code point (1.1 MB): the number of its class among
    :data:`BASE_CLASSES`, :data:`BASE_SPACE` for white space, else 0. The scanners'
    categories and the compiled matcher's character kinds are both made from it.

        >>> kinds = base_kinds()
        >>> [BASE_CLASSES[kinds[ord(ch)] - 1] for ch in "Aa中٣"], kinds[0x3000] == BASE_SPACE
        (['Lu', 'Ll', 'Lo', 'N'], True)
    """
    flat = bytearray(N_POINTS)
    for number, cls in enumerate(BASE_CLASSES, 1):
        for start, stop in class_ranges(cls):
            flat[start:stop] = bytes([number]) * (stop - start)
    for point in WHITE_SPACE:
        flat[point] = BASE_SPACE
    return bytes(flat)


def two_level(flat: bytes | bytearray) -> tuple[bytes, bytes]:
    """``flat`` (one byte per code point) as a block index and its distinct rows: the
    byte of code point ``cp`` is ``rows[(row << 8) | (cp & 0xFF)]``, where ``row`` is
    ``index[2 * (cp >> 8)] | index[2 * (cp >> 8) + 1] << 8``."""
    rows: dict[bytes, int] = {}
    index = bytearray()
    for block in range(N_POINTS >> 8):
        row = bytes(flat[block << 8 : (block + 1) << 8])
        number = rows.setdefault(row, len(rows))
        index += number.to_bytes(2, "little")
    return bytes(index), b"".join(rows)


def _build() -> tuple[bytes, bytes]:
    category_of = {"Lu": UPPER, "Ll": LOWER, "Lt": UPPER, "Lm": BOTH, "Lo": BOTH, "M": MARK, "N": DIGIT, "Cn": OTHER}
    categories = bytearray(256)  # OTHER for 0 (any other code point)
    for number, cls in enumerate(BASE_CLASSES, 1):
        categories[number] = category_of[cls]
    categories[BASE_SPACE] = SPACE
    flat = bytearray(base_kinds().translate(categories))
    flat[0x0A] = flat[0x0D] = NEWLINE
    flat[0x20] = BLANK
    flat[0x27] = APOS
    flat[0x2F] = SLASH
    return two_level(flat)


BLOCK_INDEX, BLOCKS = _build()


def category(ch: str) -> int:
    """The category of one character (one of the constants above)."""
    point = ord(ch)
    hi = point >> 8
    row = BLOCK_INDEX[2 * hi] | (BLOCK_INDEX[2 * hi + 1] << 8)
    return BLOCKS[(row << 8) | (point & 0xFF)]
