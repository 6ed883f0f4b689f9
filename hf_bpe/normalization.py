"""text → normalized text: Unicode's NFC or NFKC form as HF tokenizers makes it, and
which characters of the text each of its characters stands for (for offsets).

An :class:`~hf_bpe.Encoding` with ``normalization="NFC"`` (read from a ``tokenizer.json``
whose normalizer is ``NFC``, as Qwen's are) or ``"NFKC"`` (``Xenova/claude-tokenizer``'s)
encodes :func:`normalize` of each text (see :meth:`hf_bpe.pieces.Splitter.normalize`);
offsets are positions in the text as given. :func:`normalize_with_spans` gives both::

    >>> normalize_with_spans("cafe\\u0301!", "NFC")
    ('café!', [(0, 1), (1, 2), (2, 3), (3, 4), (5, 6)])
    >>> normalize_with_spans("\\ufb01x", "NFKC")  # the ligature fi: two characters, one place
    ('fix', [(0, 1), (0, 1), (1, 2)])

**Unicode versions.** Python's ``unicodedata`` (Unicode 14 in Python 3.11) is newer than
the tables of ``tokenizers``' NFC (version 0.23, older than Unicode 10): those know
neither the combining classes of the 98 marks added since (:data:`_NEWER_MARKS`, which
they treat as starters, so they are not reordered and block compositions) nor the
composition (nor the decomposition) of Dives Akuru's vowel sign O. A text with none of
those characters gets the same NFC form from both (checked on every code point, and on
every pair of marks, in the tests); one with any of them is normalized here by those
older rules. NFKC also differs on the 72 characters whose compatibility decomposition
came after those tables (:data:`_NEWER_COMPATIBILITY`: the square era name Reiwa,
superscript modifier letters, segmented digits, ...), which ``tokenizers`` keeps as they
are.

**Places.** Each character of the result *takes* the next character of the text, and
*skips* one more for each it absorbed; a character that decomposing added *shares* the
place of the one before it. The places follow the result's order, not where a reordered
mark came from. These are the alignments of ``tokenizers``' NFC and NFKC normalizers,
worked out from what they give, not from their source: decompose (a character's first
part keeps its place, the others are added), put marks in canonical order (each with its
tag), compose (the composite absorbs the character it joins with, tags summed), then a
composite that absorbed characters gives one back to the mark right after it if that
mark was added.
``tests/test_normalization.py`` compares them with the stock fast tokenizer's offsets.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal

__all__ = ["FORMS", "normalize", "normalize_with_spans"]

#: The marks whose combining class ``tokenizers``' NFC does not know (added to Unicode
#: after its tables, 98 of them): first and last code point of each run.
_NEWER_MARKS = (
    (0x7FD, 0x7FD), (0x898, 0x89F), (0x8CA, 0x8D3), (0x9FE, 0x9FE), (0xC3C, 0xC3C), (0xD3B, 0xD3C), (0xEBA, 0xEBA),
    (0x1715, 0x1715), (0x1ABF, 0x1ACE), (0x1DF6, 0x1DFA), (0xA82C, 0xA82C), (0x10D24, 0x10D27), (0x10EAB, 0x10EAC),
    (0x10F46, 0x10F50), (0x10F82, 0x10F85), (0x11070, 0x11070), (0x1133B, 0x1133B), (0x1145E, 0x1145E),
    (0x11839, 0x1183A), (0x1193D, 0x1193E), (0x11943, 0x11943), (0x119E0, 0x119E0), (0x11A34, 0x11A34),
    (0x11A47, 0x11A47), (0x11A99, 0x11A99), (0x11D42, 0x11D42), (0x11D44, 0x11D45), (0x11D97, 0x11D97),
    (0x16FF0, 0x16FF1), (0x1E130, 0x1E136), (0x1E2AE, 0x1E2AE), (0x1E2EC, 0x1E2EF),
)
#: Compositions that ``tokenizers``' NFC does not make: Dives Akuru's vowel sign O.
_NEWER_COMPOSITES = {("\U00011935", "\U00011930")}
#: Their composites, which ``tokenizers`` does not decompose either.
_UNDECOMPOSED = frozenset(unicodedata.normalize("NFC", first + second) for first, second in _NEWER_COMPOSITES)
#: The characters whose compatibility decomposition ``tokenizers``' NFKC does not know
#: (added to Unicode after its tables, 72 of them): first and last code point of each run.
_NEWER_COMPATIBILITY = (
    (0x32FF, 0x32FF), (0xA7F2, 0xA7F4), (0xAB69, 0xAB69), (0x10781, 0x10785), (0x10787, 0x107B0),
    (0x107B2, 0x107BA), (0x1F16C, 0x1F16C), (0x1FBF0, 0x1FBF9),
)


def _class_of(runs: tuple[tuple[int, int], ...], chars: str = "") -> str:
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in runs) + chars + "]"


_NEWER_CHARS = "".join({c for pair in _NEWER_COMPOSITES for c in pair})
#: By form, a character that may get another normal form from ``tokenizers`` than from
#: ``unicodedata``.
_NEWER = {
    "NFC": re.compile(_class_of(_NEWER_MARKS, _NEWER_CHARS)),
    "NFKC": re.compile(_class_of(_NEWER_MARKS + _NEWER_COMPATIBILITY, _NEWER_CHARS)),
}
_NEWER_COMPATIBLE = re.compile(_class_of(_NEWER_COMPATIBILITY))
#: The forms of ``tokenizers``' normalizers that hf_bpe makes, as ``unicodedata`` names
#: them and the decomposition each starts with.
_UNICODE_FORMS: dict[str, tuple[Literal["NFC", "NFKC"], Literal["NFD", "NFKD"]]] = {
    "NFC": ("NFC", "NFD"),
    "NFKC": ("NFKC", "NFKD"),
}
FORMS = tuple(_UNICODE_FORMS)


def normalize(text: str, form: str) -> str:
    """``text`` in ``form`` (``"NFC"`` or ``"NFKC"``), as ``tokenizers``' normalizer of that
    name puts it (the same object if it already is).

        >>> normalize("cafe\\u0301", "NFC") == "caf\\u00e9", normalize("\\u2460\\u00bd", "NFKC")
        (True, '11⁄2')
    """
    unicode_form = _UNICODE_FORMS[form][0]
    if unicodedata.is_normalized(unicode_form, text):  # (also by tokenizers' older rules: see the tests)
        return text
    if _NEWER[form].search(text) is None:
        return unicodedata.normalize(unicode_form, text)
    return normalize_with_spans(text, form)[0]


def _combining(char: str) -> int:
    """The combining class ``tokenizers``' NFC and NFKC give ``char`` (0 for a newer mark)."""
    klass = unicodedata.combining(char)
    if klass and _NEWER["NFC"].match(char):
        return 0
    return klass


_S_BASE, _L_BASE, _V_BASE, _T_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7
_L_COUNT, _V_COUNT, _T_COUNT = 19, 21, 28


def normalize_with_spans(text: str, form: str) -> tuple[str, list[tuple[int, int]]]:
    """:func:`normalize` of ``text``, and for each of its characters the span ``(start,
    end)`` of ``text`` it stands for (see the module)."""
    unicode_form, decomposed = _UNICODE_FORMS[form]
    if unicodedata.is_normalized(unicode_form, text):
        return text, [(i, i + 1) for i in range(len(text))]
    # Decompose (NFKC: compatibly, but for the characters tokenizers' tables have no such
    # decomposition of); a tag of 0 takes a place of the text, 1 is added.
    chars: list[tuple[str, int]] = []
    for c in text:
        if c in _UNDECOMPOSED:
            parts = c
        elif decomposed == "NFKD" and _NEWER_COMPATIBLE.match(c):
            parts = unicodedata.normalize("NFD", c)
        else:
            parts = unicodedata.normalize(decomposed, c)
        chars.append((parts[0], 0))
        chars.extend((p, 1) for p in parts[1:])
    # Canonical order: each run of marks sorted by combining class (stable), with the tags.
    i = 0
    while i < len(chars):
        j = i
        while j < len(chars) and _combining(chars[j][0]):
            j += 1
        if j > i:
            chars[i:j] = sorted(chars[i:j], key=lambda item: _combining(item[0]))
        i = j + 1
    # Compose: a character joins the last starter unless a character between them has a
    # combining class of 0 or not below its own; a tag below 0 counts characters absorbed.
    out: list[str] = []
    tags: list[int] = []
    starter = -1
    last_class = -1  # of the last character kept after the starter (-1: none)
    for char, tag in chars:
        klass = _combining(char)
        if starter >= 0 and last_class < klass:
            composite = _composite(out[starter], char)
            if composite is not None:
                out[starter] = composite
                tags[starter] += tag - 1
                continue
        if klass == 0:
            _give_back(tags, starter)
            starter, last_class = len(out), -1
        else:
            last_class = klass
        out.append(char)
        tags.append(tag)
    _give_back(tags, starter)
    # Places
    spans: list[tuple[int, int]] = []
    at = 0
    for tag in tags:
        if tag > 0:
            spans.append(spans[-1] if spans else (0, 0))
        else:
            spans.append((at, at + 1))
            at += 1 - tag
    return "".join(out), spans


def _give_back(tags: list[int], starter: int) -> None:
    """A composite (at ``starter``) that absorbed characters gives one back to the mark
    right after it, if decomposing added that mark (as ``tokenizers`` tags them)."""
    if starter >= 0 and tags[starter] < 0 and starter + 1 < len(tags) and tags[starter + 1] > 0:
        tags[starter] += 1
        tags[starter + 1] -= 1


def _composite(first: str, second: str) -> str | None:
    """The primary composite of two characters (Hangul's by its formula), or None."""
    a, b = ord(first), ord(second)
    if _L_BASE <= a < _L_BASE + _L_COUNT and _V_BASE <= b < _V_BASE + _V_COUNT:
        return chr(_S_BASE + ((a - _L_BASE) * _V_COUNT + b - _V_BASE) * _T_COUNT)
    if _S_BASE <= a < _S_BASE + _L_COUNT * _V_COUNT * _T_COUNT and (a - _S_BASE) % _T_COUNT == 0 and _T_BASE < b < _T_BASE + _T_COUNT:
        return chr(a + b - _T_BASE)
    return _composites().get((first, second))


@functools.cache
def _composites() -> dict[tuple[str, str], str]:
    """Unicode's primary composites (Python's Unicode), by the two characters they join:
    every character whose canonical decomposition is two characters, the first a starter,
    that NFC keeps (not excluded from composition). About half a second, once."""
    table: dict[tuple[str, str], str] = {}
    for code in range(0x110000):
        mapping = unicodedata.decomposition(chr(code))
        if not mapping or mapping.startswith("<") or mapping.count(" ") != 1:
            continue
        first, second = (chr(int(part, 16)) for part in mapping.split())
        if unicodedata.combining(first) == 0 and unicodedata.normalize("NFC", first + second) == chr(code):
            table[(first, second)] = chr(code)
    for pair in _NEWER_COMPOSITES:
        del table[pair]
    return table
