"""Keep ``regex`` in step with tiktoken's Unicode version.

tiktoken decides what is a letter (``\\p{L}``), mark (``\\p{M}``) or number (``\\p{N}``), and
which code points are not assigned at all (``\\p{Cn}``), with the Unicode tables of its own
regex engine. Newer ``regex`` releases know newer Unicode
versions: regex 2026.11.19 calls 17,144 code points letters that tiktoken 0.14 treats as
unassigned. Splitting with such a ``regex`` would cut text differently from tiktoken.

The fix keeps ``regex`` (and its speed) and changes only the rare disagreeing characters:
before splitting, each one is replaced by a *stand-in*, an older character that ``regex``
classifies the way tiktoken classifies the original. One code point replaces one code
point, so the pieces' spans are the same in both strings, and the pieces are cut from the
original text::

    >>> from hf_bpe.char_classes import stand_ins
    >>> table = stand_ins()      # {} when the installed regex agrees with tiktoken
    >>> all(len(v) == 1 for v in table.values())
    True

The tables of tiktoken's classes live in ``char_classes_data.py`` (generated from tiktoken
by ``tests/tools/make_char_classes.py``); the test suite checks every code point.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

import regex

from .char_classes_data import TIKTOKEN_CLASSES

#: The classes the tables cover, in the order used for signatures.
CLASSES = tuple(TIKTOKEN_CLASSES)

#: Every code point but the surrogates (ranges: a list of them cost 23 ms and about 40 MB
#: of int objects at import).
_ALL_CODE_POINTS_EXCEPT_SURROGATES = (range(0xD800), range(0xE000, 0x110000))


def tiktoken_class_members(cls: str) -> frozenset[int]:
    """The code points tiktoken puts in class ``cls`` (``"L"``, ``"Lu"``, ..., ``"N"``)."""
    return _members(cls)


@functools.lru_cache(maxsize=None)
def _members(cls: str) -> frozenset[int]:
    points: set[int] = set()
    for item in TIKTOKEN_CLASSES[cls].split():
        first, _, last = item.partition("-")
        points.update(range(int(first, 16), int(last, 16) + 1))
    return frozenset(points)


def _regex_members(cls: str, text: str) -> set[int]:
    return {ord(ch) for ch in regex.findall(rf"\p{{{cls}}}", text)}


def _signature(point: int, membership: Mapping[str, AbstractSet[int]]) -> tuple[bool, ...]:
    return tuple(point in membership[cls] for cls in CLASSES)


@functools.lru_cache(maxsize=1)
def stand_ins() -> dict[int, str]:
    """``{code point: stand-in character}`` for the installed ``regex``; ``{}`` if it agrees.

    Computed once per process (about a second where regex disagrees, a few hundred
    milliseconds where it agrees); set ``HF_BPE_TRUST_REGEX_UNICODE=1`` to skip it.
    """
    if os.environ.get("HF_BPE_TRUST_REGEX_UNICODE") == "1":
        return {}
    text = "".join(map(chr, itertools.chain(*_ALL_CODE_POINTS_EXCEPT_SURROGATES)))
    ours = {cls: _members(cls) for cls in CLASSES}
    theirs = {cls: _regex_members(cls, text) for cls in CLASSES}
    differing = sorted(set().union(*(ours[c] ^ theirs[c] for c in CLASSES)))
    if not differing:
        return {}
    # For each class signature tiktoken gives a disagreeing character, pick an agreeing
    # character (not ASCII, so no pattern literal or case-folding touches it) with the
    # same signature under regex. Nearly all are characters tiktoken's Unicode does not
    # have yet (Cn is one of the classes): their stand-in is a code point unassigned in
    # both, so \p{Cn}, \p{So}, scripts, ... agree for them too.
    differing_set = set(differing)
    wanted = {_signature(p, ours) for p in differing}
    representative: dict[tuple[bool, ...], str] = {}
    for point in range(0x80, 0x110000):
        if len(representative) == len(wanted):
            break
        if point in differing_set or 0xD800 <= point < 0xE000:
            continue
        sig = _signature(point, ours)
        if sig in wanted and sig not in representative:
            ch = chr(point)
            if ch.isspace() or regex.match(r"\s", ch):
                continue
            if ch.lower() == ch.upper() or any(sig[CLASSES.index(c)] for c in ("Lu", "Ll", "Lt")):
                representative[sig] = ch
    return {p: representative[_signature(p, ours)] for p in differing}


@functools.lru_cache(maxsize=1)
def stand_in_bitmap() -> bytes:
    """One bit per code point, set for the characters :func:`stand_ins` replaces."""
    bits = bytearray(0x110000 // 8)
    for point in stand_ins():
        bits[point >> 3] |= 1 << (point & 7)
    return bytes(bits)


def _main() -> None:  # pragma: no cover - a diagnostic command
    table = stand_ins()
    print(f"regex {regex.__version__}: {len(table)} code points replaced by stand-ins")
    if table:
        print(f"first {min(table):#x}, last {max(table):#x}")


if __name__ == "__main__":  # pragma: no cover
    _main()
