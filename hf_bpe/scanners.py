"""UTF-8 bytes → piece boundaries: hand-written scanners for the OpenAI-style split patterns.

Compiled by mypyc. Each scanner reads a text's UTF-8 bytes once, classifies every
character with the tables of :mod:`hf_bpe.char_table` (tiktoken's Unicode classes) and
appends the byte offset where each piece ends. The pieces are exactly those the pattern's
regex would find (``tests/test_scanners.py`` proves it on every short string over one
character of each class the patterns tell apart)::

    >>> from hf_bpe.scanners import O200K, scan
    >>> data = "Hello world's 12345!!\\n".encode()
    >>> ends: list[int] = []
    >>> scan(O200K, data, ends)
    >>> [data[a:b].decode() for a, b in zip([0] + ends, ends)]
    ['Hello', " world's", ' ', '123', '45', '!!\\n']

Which pattern gets which scanner is decided by :func:`hf_bpe.pattern_syntax.family_of`,
by what the pattern means: the possessive and plain spellings of the same pattern get the
same scanner; any other pattern gets none and is split by ``regex``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .char_table import BLOCK_INDEX, BLOCKS

if TYPE_CHECKING:
    # Machine integers for mypyc; annotations only, so not needed at run time.
    from mypy_extensions import i64

# Pattern families (0: none, use regex).
NONE: Final = 0
#: GPT-2, r50k_base, p50k_base, p50k_edit (and GPT-2's original spelling).
R50K: Final = 1
#: cl100k_base.
CL100K: Final = 2
#: rustbpe's default: cl100k without the ``\s++$`` alternative.
RUSTBPE: Final = 3
#: nanochat: rustbpe's with numbers of at most two digits.
NANOCHAT: Final = 4
#: o200k_base and o200k_harmony.
O200K: Final = 5
#: Qwen2's: rustbpe's (as Llama 3 spells it) with numbers of one digit.
QWEN2: Final = 6
#: Mistral's Tekken: o200k's without the contractions, with numbers of one digit.
TEKKEN: Final = 7
#: Qwen3.5's: Qwen2's with marks (``\p{M}``) in words, not in punctuation.
QWEN35: Final = 8

# Character categories (see hf_bpe.char_table).
_OTHER: Final = 0
_UPPER: Final = 1
_LOWER: Final = 2
_BOTH: Final = 3
_MARK: Final = 4
_DIGIT: Final = 5
_SPACE: Final = 6
_NEWLINE: Final = 7
_BLANK: Final = 8
_APOS: Final = 9
_SLASH: Final = 10

# Sets of categories, as bit masks.
_IS_L: Final = (1 << _UPPER) | (1 << _LOWER) | (1 << _BOTH)
_IS_WS: Final = (1 << _SPACE) | (1 << _NEWLINE) | (1 << _BLANK)
#: [^\s\p{L}\p{N}]
_IS_P: Final = (1 << _OTHER) | (1 << _MARK) | (1 << _APOS) | (1 << _SLASH)
#: [^\r\n\p{L}\p{N}]
_IS_Q: Final = _IS_P | (1 << _SPACE) | (1 << _BLANK)
#: [\p{L}\p{M}] and [^\s\p{L}\p{M}\p{N}] (Qwen3.5's words and punctuation)
_IS_LM: Final = _IS_L | (1 << _MARK)
_IS_P_NOT_M: Final = _IS_P & ~(1 << _MARK)
#: [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
_IS_U: Final = (1 << _UPPER) | (1 << _BOTH) | (1 << _MARK)
#: [\p{Ll}\p{Lm}\p{Lo}\p{M}]
_IS_W: Final = (1 << _LOWER) | (1 << _BOTH) | (1 << _MARK)
#: Both of the above.
_IS_B: Final = (1 << _BOTH) | (1 << _MARK)

_INDEX: Final[bytes] = BLOCK_INDEX
#: ``BLOCKS`` with every category times 8, ready to take a UTF-8 width in its low bits.
_ROWS8: Final[bytes] = BLOCKS.translate(bytes((k << 3) & 0xFF for k in range(256)))


def _make_bmp() -> bytes:
    rows: list[bytes] = []
    for hi in range(256):
        row = _INDEX[2 * hi] | (_INDEX[2 * hi + 1] << 8)
        rows.append(_ROWS8[row << 8 : (row + 1) << 8])
    return b"".join(rows)


#: For each code point of the Basic Multilingual Plane: category * 8 (64 KB, one look-up).
_BMP8: Final[bytes] = _make_bmp()
#: For each ASCII byte: category * 8 + width 1.
_ASCII: Final[bytes] = bytes(k | 1 for k in _BMP8[:128])

# The scanners handle ASCII inline: a byte ``b < 0x80`` is one character, of category
# ``_ASCII[b] >> 3``; ASCII letters are tested by range (``0x61 <= (b | 0x20) <= 0x7A``
# for [A-Za-z]). Everything else goes through _cv. Values read from ``bytes`` are first
# stored in ``i64`` variables, so that mypyc does the arithmetic on machine integers.


def _cv(data: bytes, i: i64) -> i64:
    """Category * 8 + UTF-8 width of the character at byte ``i`` (valid UTF-8 assumed)."""
    b: i64 = data[i]
    if b < 0x80:
        return _ASCII[b]
    b1: i64 = data[i + 1]
    if b < 0xE0:
        two: i64 = _BMP8[((b & 0x1F) << 6) | (b1 & 0x3F)]
        return two | 2
    b2: i64 = data[i + 2]
    if b < 0xF0:
        three: i64 = _BMP8[((b & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F)]
        return three | 3
    b3: i64 = data[i + 3]
    point: i64 = ((b & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F)
    hi: i64 = point >> 8
    lo_row: i64 = _INDEX[2 * hi]
    hi_row: i64 = _INDEX[2 * hi + 1]
    four: i64 = _ROWS8[(((hi_row << 8) | lo_row) << 8) | (point & 0xFF)]
    return four | 4


def _run(data: bytes, i: i64, n: i64, mask: i64) -> i64:
    """End of the run of characters whose category is in ``mask``, starting at ``i``."""
    while i < n:
        b: i64 = data[i]
        v: i64
        if b < 0x80:
            v = _ASCII[b]
        else:
            v = _cv(data, i)
        if not (mask >> (v >> 3)) & 1:
            break
        i += v & 7
    return i


def _letters(data: bytes, i: i64, n: i64, word: i64) -> i64:
    """End of the run of letters (``\\p{L}``, or the categories in ``word``, which holds
    them) from ``i``: ASCII inline, the rest by _run."""
    while i < n:
        b: i64 = data[i]
        if 0x61 <= (b | 0x20) <= 0x7A:
            i += 1
        elif b < 0x80:
            return i
        else:
            return _run(data, i, n, word)
    return i


def _numbers(data: bytes, i: i64, n: i64, max_digits: i64) -> i64:
    """End of ``\\p{N}{1,max_digits}`` at ``i`` (a number character)."""
    digits: i64 = 0
    while i < n and digits < max_digits:
        b: i64 = data[i]
        if 0x30 <= b <= 0x39:
            i += 1
        elif b < 0x80:
            break
        else:
            v: i64 = _cv(data, i)
            if v >> 3 != _DIGIT:
                break
            i += v & 7
        digits += 1
    return i


def _newlines(data: bytes, i: i64, n: i64, slash: bool) -> i64:
    """End of the run of ``\\r``/``\\n`` (and ``/`` if ``slash``) bytes from ``i``."""
    while i < n:
        b: i64 = data[i]
        if b == 10 or b == 13 or (slash and b == 47):
            i += 1
        else:
            break
    return i


def _contraction(data: bytes, i: i64, n: i64, fold: bool) -> i64:
    """Length of the letters of a contraction at ``i`` (just after an apostrophe), or 0.

    ``s d m t`` (and ``ſ``, which folds to ``s``), ``ll ve re``; any case if ``fold``.
    """
    if i >= n:
        return 0
    b: i64 = data[i]
    if fold and 0x41 <= b <= 0x5A:
        b += 32
    if b == 0x73 or b == 0x64 or b == 0x6D or b == 0x74:  # s d m t
        return 1
    if fold and b == 0xC5 and i + 1 < n and data[i + 1] == 0xBF:  # ſ U+017F
        return 2
    if i + 1 >= n:
        return 0
    b2: i64 = data[i + 1]
    if fold and 0x41 <= b2 <= 0x5A:
        b2 += 32
    if (b == 0x6C and b2 == 0x6C) or (b == 0x76 and b2 == 0x65) or (b == 0x72 and b2 == 0x65):
        return 2
    return 0


def _ws_piece(data: bytes, i: i64, n: i64, end_alt: bool, nl_alt: bool) -> i64:
    """End of the whitespace piece at ``i``: ``\\s++$``, ``\\s*[\\r\\n]``, ``\\s+(?!\\S)``, ``\\s``."""
    j: i64 = i
    last: i64 = i
    nl_end: i64 = -1
    while j < n:
        b: i64 = data[j]
        if b == 0x20:
            last = j
            j += 1
            continue
        v: i64
        if b < 0x80:
            v = _ASCII[b]
        else:
            v = _cv(data, j)
        c: i64 = v >> 3
        if not (_IS_WS >> c) & 1:
            break
        last = j
        j += v & 7
        if c == _NEWLINE:
            nl_end = j
    if j == n and (end_alt or nl_end < 0):
        return n
    if nl_alt and nl_end >= 0:
        return nl_end
    if last > i:
        return last
    return j


# ----------------------------------------------------------------- r50k


def _scan_r50k(data: bytes, sink: Sink) -> None:
    n: i64 = len(data)
    i: i64 = 0
    while i < n:
        s0: i64 = i
        b: i64 = data[i]
        v: i64
        if b < 0x80:
            # `` ?\p{L}+`` starting with an ASCII letter, after an optional space.
            k: i64 = i
            if b == 0x20 and i + 1 < n:
                k = i + 1
            bk: i64 = data[k]
            if 0x61 <= (bk | 0x20) <= 0x7A:
                i = _letters(data, k + 1, n, _IS_L)
                sink.piece(data, s0, i)
                continue
            v = _ASCII[b]
        else:
            v = _cv(data, i)
        c: i64 = v >> 3
        j: i64 = i + (v & 7)
        if c == _APOS:
            k2: i64 = _contraction(data, j, n, False)
            if k2:
                i = j + k2
                sink.piece(data, s0, i)
                continue
        if c == _BLANK and j < n:
            v2: i64 = _cv(data, j)
            c2: i64 = v2 >> 3
            if not (_IS_WS >> c2) & 1:
                c = c2
                j += v2 & 7
        if (_IS_L >> c) & 1:
            i = _letters(data, j, n, _IS_L)
        elif c == _DIGIT:
            i = _run(data, j, n, 1 << _DIGIT)
        elif (_IS_P >> c) & 1:
            i = _run(data, j, n, _IS_P)
        else:
            i = _ws_piece(data, i, n, True, False)
        sink.piece(data, s0, i)


# ----------------------------------------------------------------- cl100k family


def _scan_cl100k(data: bytes, sink: Sink, max_digits: i64, end_alt: bool, word: i64, punct: i64) -> None:
    """cl100k's split, and its variants: ``max_digits`` a number, the ``\\s++$`` branch
    (``end_alt``), and the categories of words (``word``: ``\\p{L}``, or with marks) and of
    punctuation (``punct``: ``[^\\s\\p{L}\\p{N}]``, or without marks)."""
    n: i64 = len(data)
    i: i64 = 0
    while i < n:
        s0: i64 = i
        b: i64 = data[i]
        v: i64
        c: i64
        if b < 0x80:
            v = _ASCII[b]
            c = v >> 3
            if c != _APOS:  # (an apostrophe may start a contraction, which comes first)
                # ``[^\r\n\p{L}\p{N}]?\p{L}+`` starting with an ASCII letter, after an
                # optional one-byte prefix.
                k: i64 = i
                if (_IS_Q >> c) & 1 and i + 1 < n:
                    k = i + 1
                bk: i64 = data[k]
                if 0x61 <= (bk | 0x20) <= 0x7A:
                    i = _letters(data, k + 1, n, word)
                    sink.piece(data, s0, i)
                    continue
        else:
            v = _cv(data, i)
            c = v >> 3
        j: i64 = i + (v & 7)
        if c == _APOS:
            k2: i64 = _contraction(data, j, n, True)
            if k2:
                i = j + k2
                sink.piece(data, s0, i)
                continue
        if (word >> c) & 1:
            i = _letters(data, j, n, word)
            sink.piece(data, s0, i)
            continue
        if c == _DIGIT:
            i = _numbers(data, i, n, max_digits)
            sink.piece(data, s0, i)
            continue
        if (_IS_Q >> c) & 1 and j < n:
            v2: i64 = _cv(data, j)
            c2: i64 = v2 >> 3
            if (word >> c2) & 1:
                i = _letters(data, j + (v2 & 7), n, word)
                sink.piece(data, s0, i)
                continue
            if c == _BLANK and (punct >> c2) & 1:
                i = _newlines(data, _run(data, j + (v2 & 7), n, punct), n, False)
                sink.piece(data, s0, i)
                continue
        if (punct >> c) & 1:
            i = _newlines(data, _run(data, j, n, punct), n, False)
        else:
            i = _ws_piece(data, i, n, end_alt, True)
        sink.piece(data, s0, i)


# ----------------------------------------------------------------- o200k


def _with_contraction(data: bytes, i: i64, n: i64, contractions: bool) -> i64:
    if contractions and i < n and data[i] == 0x27:
        k: i64 = _contraction(data, i + 1, n, True)
        if k:
            return i + 1 + k
    return i


def _o200k_lower_first(data: bytes, s: i64, n: i64, contractions: bool) -> i64:
    """``[U]*[W]+(?i:'s|...)?`` at ``s`` (the contraction only if ``contractions``): end,
    or -1 if it does not match."""
    i: i64 = s
    last_b: i64 = -1  # end of the last character in U that is also in W
    while i < n:
        v: i64 = _cv(data, i)
        c: i64 = v >> 3
        if not (_IS_U >> c) & 1:
            if (_IS_W >> c) & 1:
                return _with_contraction(data, _run(data, i + (v & 7), n, _IS_W), n, contractions)
            break
        i += v & 7
        if (_IS_B >> c) & 1:
            last_b = i
    if last_b < 0:
        return -1
    return _with_contraction(data, last_b, n, contractions)


def _o200k_upper_first(data: bytes, s: i64, n: i64, contractions: bool) -> i64:
    """``[U]+[W]*(?i:'s|...)?`` at ``s`` (as :func:`_o200k_lower_first`): end, or -1."""
    i: i64 = _run(data, s, n, _IS_U)
    if i == s:
        return -1
    return _with_contraction(data, _run(data, i, n, _IS_W), n, contractions)


def _o200k_word(data: bytes, i: i64, j: i64, n: i64, c: i64, contractions: bool) -> i64:
    """The two word alternatives (each with an optional prefix) at ``i``, or -1."""
    e: i64
    if (_IS_Q >> c) & 1:
        e = _o200k_lower_first(data, j, n, contractions)
        if e >= 0:
            return e
        if c == _MARK:
            e = _o200k_lower_first(data, i, n, contractions)
            if e >= 0:
                return e
        e = _o200k_upper_first(data, j, n, contractions)
        if e >= 0:
            return e
        if c == _MARK:
            return _o200k_upper_first(data, i, n, contractions)
        return -1
    if ((_IS_U | _IS_W) >> c) & 1:
        e = _o200k_lower_first(data, i, n, contractions)
        if e >= 0:
            return e
        return _o200k_upper_first(data, i, n, contractions)
    return -1


#: The word alternatives are not decided by ASCII alone (see _scan_o200k).
_UNDECIDED: Final = -2


def _scan_o200k(data: bytes, sink: Sink, max_digits: i64, contractions: bool) -> None:
    """o200k's split, and Tekken's: ``max_digits`` a number, with or without the
    contractions after a word."""
    n: i64 = len(data)
    i: i64 = 0
    while i < n:
        s0: i64 = i
        b: i64 = data[i]
        v: i64
        c: i64
        e: i64 = _UNDECIDED  # end of the word alternatives' match, or -1 if none
        if b < 0x80:
            v = _ASCII[b]
            c = v >> 3
            # The word alternatives where ASCII decides them: after an optional one-byte
            # prefix, ``[A-Z]*[a-z]+`` or ``[A-Z]+[a-z]*``, then a contraction. Undecided
            # if the character after the prefix, or after the letters, is not ASCII: it
            # may be a letter or a mark that extends the word.
            k: i64 = i
            if (_IS_Q >> c) & 1:
                k = i + 1
            w: i64 = k
            while w < n:
                bu: i64 = data[w]
                if not 0x41 <= bu <= 0x5A:
                    break
                w += 1
            while w < n:
                bl: i64 = data[w]
                if not 0x61 <= bl <= 0x7A:
                    break
                w += 1
            after: i64 = data[w] if w < n else 0
            if after >= 0x80:
                e = _UNDECIDED
            elif w == k:
                e = -1
            elif after == 0x27:
                e = _with_contraction(data, w, n, contractions)
            else:
                e = w
        else:
            v = _cv(data, i)
            c = v >> 3
        j: i64 = i + (v & 7)
        if e == _UNDECIDED and c != _DIGIT and c != _NEWLINE:
            e = _o200k_word(data, i, j, n, c, contractions)
        if e >= 0:
            i = e
        elif c == _DIGIT:
            i = _numbers(data, i, n, max_digits)
        elif (_IS_P >> c) & 1 or (c == _BLANK and j < n and (_IS_P >> (_cv(data, j) >> 3)) & 1):
            # `` ?[^\s\p{L}\p{N}]+[\r\n/]*``
            i = _newlines(data, _run(data, j, n, _IS_P), n, True)
        else:
            i = _ws_piece(data, i, n, False, True)
        sink.piece(data, s0, i)


# ----------------------------------------------------------------- selection


class Sink:
    """Receives the pieces a scanner finds, in order, as byte spans of the scanned data."""

    def piece(self, data: bytes, start: i64, end: i64) -> None:
        """Called for each piece ``data[start:end]``."""
        raise NotImplementedError


class EndsSink(Sink):
    """Collects where each piece ends."""

    def __init__(self, ends: list[int]) -> None:
        self.ends = ends

    def piece(self, data: bytes, start: i64, end: i64) -> None:
        self.ends.append(end)


def scan(family: int, data: bytes, ends: list[int]) -> None:
    """Append to ``ends`` the byte offset where each piece of ``data`` (valid UTF-8) ends."""
    scan_into(family, data, EndsSink(ends))


def scan_into(family: int, data: bytes, sink: Sink) -> None:
    """Call ``sink.piece(data, start, end)`` for each piece of ``data`` (valid UTF-8)."""
    if family == O200K:
        _scan_o200k(data, sink, 3, True)
    elif family == CL100K:
        _scan_cl100k(data, sink, 3, True, _IS_L, _IS_P)
    elif family == RUSTBPE:
        _scan_cl100k(data, sink, 3, False, _IS_L, _IS_P)
    elif family == NANOCHAT:
        _scan_cl100k(data, sink, 2, False, _IS_L, _IS_P)
    elif family == QWEN2:
        _scan_cl100k(data, sink, 1, False, _IS_L, _IS_P)
    elif family == QWEN35:
        _scan_cl100k(data, sink, 1, False, _IS_LM, _IS_P_NOT_M)
    elif family == R50K:
        _scan_r50k(data, sink)
    elif family == TEKKEN:
        _scan_o200k(data, sink, 1, False)
    else:
        raise ValueError(f"no scanner for family {family}")
