"""text → normalized text: Unicode's NFC form, and which characters of the text each of
its characters stands for, as HF tokenizers tells them (for offsets).

An :class:`~hf_bpe.Encoding` with ``normalization="NFC"`` (read from a ``tokenizer.json``
whose normalizer is ``NFC``, as Qwen's are) encodes a text's NFC form (see
:meth:`hf_bpe.pieces.Splitter.normalize`); offsets are positions in the text as given.
:func:`nfc_with_spans` gives both::

    >>> nfc_with_spans("cafe\\u0301!")
    ('café!', [(0, 1), (1, 2), (2, 3), (3, 4), (5, 6)])

Each character of the result *takes* the next character of the text, and *skips* one
more for each it absorbed; a character that decomposing added *shares* the place of the
one before it. The places follow the result's order, not where a reordered mark came
from. These are the alignments of ``tokenizers``' NFC normalizer (version 0.23), worked
out from what it gives, not from its source: decompose (a character's first part keeps
its place, the others are added), put marks in canonical order (each with its tag),
compose (the composite absorbs the character it joins with, tags summed), then a
composite that absorbed characters gives one back to the mark right after it if that
mark was added. ``tests/test_normalization.py`` compares the offsets with the stock fast
tokenizer's, for real text and random mixes of marks.
"""

from __future__ import annotations

import functools
import unicodedata

__all__ = ["nfc_with_spans"]

_S_BASE, _L_BASE, _V_BASE, _T_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7
_L_COUNT, _V_COUNT, _T_COUNT = 19, 21, 28


def nfc_with_spans(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` in NFC form, and for each of its characters the span ``(start, end)`` of
    ``text`` it stands for (see the module)."""
    if unicodedata.is_normalized("NFC", text):
        return text, [(i, i + 1) for i in range(len(text))]
    # Decompose; a tag of 0 takes a place of the text, 1 is added.
    chars: list[tuple[str, int]] = []
    for c in text:
        parts = unicodedata.normalize("NFD", c)
        chars.append((parts[0], 0))
        chars.extend((p, 1) for p in parts[1:])
    # Canonical order: each run of marks sorted by combining class (stable), with the tags.
    i = 0
    while i < len(chars):
        j = i
        while j < len(chars) and unicodedata.combining(chars[j][0]):
            j += 1
        if j > i:
            chars[i:j] = sorted(chars[i:j], key=lambda item: unicodedata.combining(item[0]))
        i = j + 1
    # Compose: a character joins the last starter unless a character between them has a
    # combining class of 0 or not below its own; a tag below 0 counts characters absorbed.
    out: list[str] = []
    tags: list[int] = []
    starter = -1
    last_class = -1  # of the last character kept after the starter (-1: none)
    for char, tag in chars:
        klass = unicodedata.combining(char)
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
    return table
