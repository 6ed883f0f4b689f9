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
import os
import threading
from collections.abc import Iterable
from typing import Optional

import regex

from .char_classes_data import TIKTOKEN_CLASSES
from .char_table import N_POINTS, class_ranges, every_code_point

#: The classes the tables cover, in the order used for signatures.
CLASSES = tuple(TIKTOKEN_CLASSES)


def tiktoken_class_members(cls: str) -> frozenset[int]:
    """The code points tiktoken puts in class ``cls`` (``"L"``, ``"Lu"``, ..., ``"N"``).
    Not cached: all the classes' sets take about 100 MB."""
    return frozenset(point for start, stop in class_ranges(cls) for point in range(start, stop))


def _flags(spans: Iterable[tuple[int, int]]) -> bytearray:
    """One byte per code point: 1 inside the ``(start, stop)`` spans, else 0."""
    flags = bytearray(N_POINTS)
    for start, stop in spans:
        flags[start:stop] = b"\x01" * (stop - start)
    return flags


def _tiktoken_flags(cls: str) -> bytearray:
    return _flags(class_ranges(cls))


def regex_flags(cls: str, text: str) -> bytearray:
    """One byte per code point: 1 if the installed ``regex`` matches it with ``cls`` (one
    character's class: ``\\p{Lu}``, ``\\w``). ``text`` is
    :func:`~hf_bpe.char_table.every_code_point` (each code point at its own index, so a
    match's span is its code points)."""
    return _flags(m.span() for m in regex.finditer(f"(?:{cls})+", text))


_table: Optional[dict[int, str]] = None
_table_lock = threading.Lock()


def _new_lock_after_fork() -> None:
    """A child of ``os.fork()`` must not wait for a lock another thread held at the fork."""
    global _table_lock
    _table_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # (not on Windows, which has no fork)
    os.register_at_fork(after_in_child=_new_lock_after_fork)


def stand_ins() -> dict[int, str]:
    """``{code point: stand-in character}`` for the installed ``regex``; ``{}`` if it agrees.

    Computed once per process (threads wait for the first), the first time a non-ASCII
    text is split by ``regex`` (patterns without a compiled scanner): about a quarter of
    a second where regex disagrees; set ``HF_BPE_TRUST_REGEX_UNICODE=1`` to skip it.
    """
    global _table
    if _table is None:
        with _table_lock:
            if _table is None:
                _table = _find_stand_ins()
    return _table


def _find_stand_ins() -> dict[int, str]:
    if os.environ.get("HF_BPE_TRUST_REGEX_UNICODE") == "1":
        return {}
    # One byte per code point and class.
    text = every_code_point()
    ours = [_tiktoken_flags(cls) for cls in CLASSES]
    theirs = [regex_flags(rf"\p{{{cls}}}", text) for cls in CLASSES]
    del text
    differ = 0
    for mine, other in zip(ours, theirs):
        differ |= int.from_bytes(mine, "little") ^ int.from_bytes(other, "little")
    del theirs
    marks = differ.to_bytes(N_POINTS, "little")
    differing = [m.start() for m in regex.finditer(b"[^\x00]", marks) if not 0xD800 <= m.start() < 0xE000]
    if not differing:
        return {}

    def signature(point: int) -> bytes:
        return bytes(flags[point] for flags in ours)

    # For each class signature tiktoken gives a disagreeing character, pick an agreeing
    # character (not ASCII, so no pattern literal or case-folding touches it) with the
    # same signature under regex. Nearly all are characters tiktoken's Unicode does not
    # have yet (Cn is one of the classes): their stand-in is a code point unassigned in
    # both, so \p{Cn}, \p{So}, scripts, ... agree for them too.
    # A cased letter's stand-in is one without case mappings where there is one (ĸ for a
    # lowercase letter): µ, say, would match μ and Μ under (?i).
    cased = [CLASSES.index(c) for c in ("Lu", "Ll", "Lt")]
    wanted = {signature(p) for p in differing}
    representative: dict[bytes, str] = {}
    with_case: dict[bytes, str] = {}  # the fallback for a cased signature
    for point in range(0x80, N_POINTS):
        if len(representative) == len(wanted):
            break
        if marks[point] or 0xD800 <= point < 0xE000:
            continue
        sig = signature(point)
        if sig in wanted and sig not in representative:
            ch = chr(point)
            if ch.isspace() or regex.match(r"\s", ch):
                continue
            if ch.lower() == ch.upper() == ch.casefold():
                representative[sig] = ch
            elif any(sig[i] for i in cased):
                with_case.setdefault(sig, ch)
    representative = {**with_case, **representative}
    return {p: representative[signature(p)] for p in differing}


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
