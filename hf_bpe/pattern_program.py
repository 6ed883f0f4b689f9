"""Split pattern → :class:`~hf_bpe.pattern_matcher.Program`, for patterns without a scanner.

:func:`program_for` reads a pattern in tiktoken's syntax and returns a program for the
compiled matcher (:mod:`hf_bpe.pattern_matcher`), or ``None`` when the pattern uses
anything outside the subset below; such a pattern is split by ``regex``, as before::

    >>> program_for(r"\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++|\\s+(?!\\S)|\\s+") is not None
    True
    >>> program_for(r"\\w+|\\bx") is None       # \\b: not in the subset
    True

The subset: literal characters and escapes of one character (``\\n``, ``\\x41``,
``\\x{1F600}``, ``\\.``), ``.``, ``\\s``, ``\\d``, ``\\w`` (and ``\\S``, ...), ``\\p{..}``/``\\P{..}``
of a general category (``L``, ``Lu``, ``N``, ``P``, ``Sm``, ``gc=Punctuation``, ...) or a
script (``Han``, ``sc=Cyrillic``, ...), character classes ``[...]`` of those (negated or
not, with ranges), groups
``(...)`` and ``(?:...)``, ``(?i:...)`` around ASCII text (a letter then matches its
simple case folding orbit: ``s`` also ``ſ``, ``k`` also the Kelvin sign), alternation,
the quantifiers ``? * + {n} {n,} {n,m}`` greedy or possessive (``++``), lookahead
``(?=...)``/``(?!...)``, and ``$`` (the end of the text, as tiktoken reads it). A pattern
that can match the empty string is left to ``regex`` too, and so is a group repeated more
than once whose body can match in several ways, unless the match ends right after it
(``(?:a+)+$``, ``(?:a|aa)+b``): backtracking over it takes time exponential in the length
of a run that fails. Which code point is a letter (of which case), mark, number, white
space or unassigned comes from tiktoken's own tables (:mod:`hf_bpe.char_classes_data`), so
no stand-ins are needed; ``\\w``, the other categories and the scripts from ``regex``, for
the code points tiktoken's Unicode has (see :func:`_from_regex`).
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from typing import Optional, Union

import regex

from .char_classes import regex_flags
from .char_table import BASE_CLASSES, BASE_SPACE, N_POINTS, base_kinds, class_ranges, every_code_point, two_level
from .pattern_matcher import ATOMIC, CLASS, END, JUMP, LOOK, MATCH, NOT_AHEAD, REPEAT, SPLIT, SPLIT_IF, Program
from .pattern_properties import CATEGORIES, KEYS, SCRIPTS, loose, read_otherwise, tiktoken_knows

__all__ = ["program_for"]

#: The base kinds (see char_table.base_kinds): every code point has exactly one.
_BASES = {name: frozenset([i + 1]) for i, name in enumerate(BASE_CLASSES)}
_BASES["L"] = frozenset(i + 1 for i, name in enumerate(BASE_CLASSES) if name.startswith("L"))  # Lu ... Lo
_BASE_WS = frozenset([BASE_SPACE])
_BASE_UNASSIGNED = frozenset([BASE_CLASSES.index("Cn") + 1])
#: Categories made of base kinds, by their loose names (see pattern_properties.loose):
#: tiktoken's tables answer them, not ``regex`` (whose newer Unicode calls ʕ Lo, not Ll).
_BASE_CATEGORIES = {
    **{name: _BASES["L"] for name in ("l", "letter")},
    **{name: _BASES["Lu"] | _BASES["Ll"] | _BASES["Lt"] for name in ("lc", "l&", "casedletter")},
    **{name: _BASES[short] for short, long in (
        ("Lu", "uppercaseletter"), ("Ll", "lowercaseletter"), ("Lt", "titlecaseletter"),
        ("Lm", "modifierletter"), ("Lo", "otherletter"), ("M", "mark"), ("M", "combiningmark"),
        ("N", "number"), ("Cn", "unassigned"),
    ) for name in (short.lower(), long)},
}
_ALL_BASES = frozenset(range(BASE_SPACE + 1))
#: The base kinds, kept once made (about 7 ms; one byte per code point).
_base_kinds = functools.lru_cache(maxsize=1)(base_kinds)
#: Simple case folding orbits of the ASCII letters beyond their two cases (Rust's ``(?i)``).
_EXTRA_ORBIT = {"k": "\u212a", "s": "\u017f"}
_MAX_CLASSES = 62
_MAX_CODE = 4096


class _Unsupported(Exception):
    """The pattern is outside the subset (it is then split by ``regex``)."""


@dataclass(frozen=True)
class _Set:
    """A set of code points: base kinds plus explicit ranges (inclusive), maybe negated."""

    bases: frozenset[int] = frozenset()
    ranges: tuple[tuple[int, int], ...] = ()
    negated: bool = False


@dataclass
class _Class:
    set: _Set


@dataclass
class _Seq:
    items: list[_Node] = field(default_factory=list)


@dataclass
class _Alt:
    options: list[_Node]


@dataclass
class _Repeat:
    node: _Node
    lo: int
    hi: int  # -1: no limit
    possessive: bool


@dataclass
class _Look:
    node: _Node
    negative: bool


@dataclass
class _End:
    pass


_Node = Union[_Class, _Seq, _Alt, _Repeat, _Look, _End]
#: What follows the last item of an alternative of the pattern (or of a lookahead's or
#: atomic group's own program): the match ends there.
_BRANCH_END = _End()


@functools.lru_cache(maxsize=32)
def program_for(pattern: str) -> Optional[Program]:
    """A program that splits as ``pattern`` does, or ``None`` (see the module's text).
    Programs are never changed, so the recent ones are shared (building one takes about
    15 ms)."""
    try:
        tree = _Parser(pattern).parse()
        return _Compiler(tree).program()
    except _Unsupported:
        return None


# ------------------------------------------------------------------------- reading


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.i = 0

    def parse(self) -> _Node:
        node = self._alternation(fold=False)
        if self.i != len(self.text):
            raise _Unsupported
        return node

    def _peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def _take(self) -> str:
        if self.i >= len(self.text):
            raise _Unsupported
        ch = self.text[self.i]
        self.i += 1
        return ch

    def _alternation(self, fold: bool) -> _Node:
        options = [self._sequence(fold)]
        while self._peek() == "|":
            self.i += 1
            options.append(self._sequence(fold))
        return options[0] if len(options) == 1 else _Alt(options)

    def _sequence(self, fold: bool) -> _Node:
        seq = _Seq()
        while self._peek() not in ("", "|", ")"):
            seq.items.append(self._quantified(fold))
        return seq.items[0] if len(seq.items) == 1 else seq  # an empty one matches ""

    def _quantified(self, fold: bool) -> _Node:
        node = self._atom(fold)
        ch = self._peek()
        if ch in ("?", "*", "+"):
            self.i += 1
            lo, hi = {"?": (0, 1), "*": (0, -1), "+": (1, -1)}[ch]
        elif ch == "{" and self._counted():
            lo, hi = self._bounds()
        else:
            return node
        if isinstance(node, (_Look, _End)):
            raise _Unsupported
        possessive = self._peek() == "+"
        if possessive:
            self.i += 1
        elif self._peek() == "?":  # lazy
            raise _Unsupported
        if self._peek() in ("?", "*", "+") or (self._peek() == "{" and self._counted()):
            raise _Unsupported  # a quantifier of a quantifier
        return _Repeat(node, lo, hi, possessive)

    def _counted(self) -> bool:
        end = self.text.find("}", self.i)
        body = self.text[self.i + 1 : end] if end > 0 else ""
        lo, _, hi = body.partition(",")
        return _ascii_digits(lo) and (hi == "" or _ascii_digits(hi))  # (a{٣}: the text "a{٣}")

    def _bounds(self) -> tuple[int, int]:
        end = self.text.index("}", self.i)
        body = self.text[self.i + 1 : end]
        self.i = end + 1
        lo, comma, hi = body.partition(",")
        low = int(lo)
        high = int(hi) if hi else (-1 if comma else low)
        if low > 100 or high > 100 or (high >= 0 and high < low):
            raise _Unsupported
        return low, high

    def _atom(self, fold: bool) -> _Node:
        ch = self._take()
        if ch == "(":
            return self._group(fold)
        if ch == "[":
            return _Class(self._class(fold))
        if ch == ".":
            if fold:
                raise _Unsupported
            return _Class(_Set(ranges=((0x0A, 0x0A),), negated=True))
        if ch == "$":
            return _End()
        if ch in "^*+?{}])":
            raise _Unsupported
        if ch == "\\":
            return _Class(self._escape(fold))
        return _Class(_literal(ch, fold))

    def _group(self, fold: bool) -> _Node:
        if self._peek() != "?":
            inner = self._alternation(fold)  # a capturing group: the same for splitting
        else:
            self.i += 1
            kind = self._take()
            if kind == ":":
                inner = self._alternation(fold)
            elif kind in "=!":
                inner = _Look(self._alternation(fold), negative=kind == "!")
            elif kind == "i" and self._peek() == ":":
                self.i += 1
                inner = self._alternation(fold=True)
            else:
                raise _Unsupported
        if self._take() != ")":
            raise _Unsupported
        return inner

    def _escape(self, fold: bool) -> _Set:
        ch = self._take()
        if ch in "sSdDwWpP":
            if fold:
                raise _Unsupported
            if ch in "sS":
                return _Set(bases=_BASE_WS, negated=ch == "S")
            if ch in "dD":  # \d is \p{Nd} in both engines
                named = _named_property("Nd")
            elif ch in "wW":
                named = _from_regex(r"\w")
            else:
                named = self._property()
            return _Set(named.bases, named.ranges, negated=ch in "DWP")
        return _literal(chr(self._escaped_point(ch)), fold)

    def _escaped_point(self, ch: str) -> int:
        """The code point of a one-character escape whose letter ``ch`` was just read."""
        simple = {"n": 0x0A, "r": 0x0D, "t": 0x09, "f": 0x0C, "v": 0x0B, "a": 0x07}
        if ch in simple:
            return simple[ch]
        if ch in "xuU":
            if self._peek() == "{":
                end = self.text.find("}", self.i)
                digits = self.text[self.i + 1 : end] if end > 0 else ""
                self.i = end + 1
            else:
                width = {"x": 2, "u": 4, "U": 8}[ch]
                digits = self.text[self.i : self.i + width]
                self.i += width
                if len(digits) != width:
                    raise _Unsupported
            if not digits or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise _Unsupported
            point = int(digits, 16)
            if point >= N_POINTS or 0xD800 <= point < 0xE000:
                raise _Unsupported
            return point
        if ch.isascii() and not ch.isalnum() and ch not in "<>":  # an escaped symbol: itself
            return ord(ch)
        raise _Unsupported  # \b, \<, \h, \Z, \1, ...

    def _property(self) -> _Set:
        if self._peek() == "{":
            end = self.text.find("}", self.i)
            name = self.text[self.i + 1 : end] if end > 0 else ""
            self.i = end + 1
        else:
            name = self._take()
        return _named_property(name)

    def _class(self, fold: bool) -> _Set:
        negated = self._peek() == "^"
        if negated:
            if fold:
                raise _Unsupported
            self.i += 1
        bases: set[int] = set()
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            ch = self._take()
            if ch == "]" and not first:
                break
            first = False
            if ch == "[" or (ch in "&-~" and self._peek() == ch):
                raise _Unsupported  # nested classes, set operations
            if ch == "\\":
                item = self._escape(fold) if self._peek() in "sSdDwWpP" else None
                if item is not None:
                    if item.negated:  # [\S...], [\P{L}...], [\P{Han}...]: what the set leaves out
                        if item.bases and item.ranges:
                            raise _Unsupported  # (\P{C}: no union of bases and ranges)
                        if item.ranges:
                            ranges.extend(_complement(item.ranges))
                        else:
                            bases |= _ALL_BASES - item.bases
                    else:
                        bases |= item.bases
                        ranges.extend(item.ranges)
                    continue
                low = self._escaped_point(self._take())
            else:
                low = ord(ch)
            high = low
            if self._peek() == "-" and self.text[self.i + 1 : self.i + 2] not in ("]", ""):
                self.i += 1
                end_ch = self._take()
                if end_ch == "\\":
                    high = self._escaped_point(self._take())
                elif end_ch == "[":
                    raise _Unsupported
                else:
                    high = ord(end_ch)
                if high < low:
                    raise _Unsupported
            if fold:
                if high > 0x7F:
                    raise _Unsupported
                for point in range(low, high + 1):
                    ranges.extend(_literal(chr(point), True).ranges)
            else:
                ranges.append((low, high))
        return _Set(frozenset(bases), tuple(ranges), negated)


@functools.lru_cache(maxsize=64)
def _named_property(name: str) -> _Set:
    """The code points of ``\\p{name}``, a general category or a script (other properties
    are outside the subset), as tiktoken's engine reads it.

    Letters, marks, numbers and unassigned code points (by any of their names) are base
    kinds; the other categories and the scripts come from ``regex`` (:func:`_from_regex`)::

        >>> unassigned = _named_property("C").bases       # (C holds Cn)
        >>> _named_property("Han").ranges[0], unassigned == _BASE_UNASSIGNED
        ((11904, 11929), True)
    """
    if "^" in name:  # \p{^Greek}: negated (loose names drop the mark)
        raise _Unsupported
    key, equals, value = loose(name).partition("=")
    if equals:
        if KEYS.get(key) not in ("gc", "sc") or key in ("scx", "scriptextensions"):
            raise _Unsupported
        bare = value
    else:
        bare = key[2:] if key.startswith("is") and key not in CATEGORIES | SCRIPTS else key
    if bare not in CATEGORIES | SCRIPTS or not tiktoken_knows(name) or read_otherwise(name):
        raise _Unsupported
    if bare in _BASE_CATEGORIES:
        return _Set(_BASE_CATEGORIES[bare])
    return _from_regex(f"\\p{{{name}}}")


@functools.lru_cache(maxsize=64)
def _from_regex(cls: str) -> _Set:
    """The code points of ``cls`` (``\\w``, or ``\\p{..}`` of a category or script) as
    tiktoken's engine reads them: ``regex`` says which code points it matches, for every
    code point tiktoken's Unicode has (there these classes agree in both:
    ``tests/test_pattern_matcher.py`` tries every code point); a code point tiktoken's
    Unicode does not have yet is unassigned there (category ``Cn``, script ``Unknown``),
    so it is in the class if an unassigned character is, in ``regex``. About 50 ms a
    class, once per process."""
    if regex.match(r"\p{Cn}", _NEVER_ASSIGNED) is None:  # (a regex of a Unicode that assigns it)
        raise _Unsupported
    try:
        flags = regex_flags(cls, every_code_point())
    except regex.error:
        raise _Unsupported from None
    unassigned = _BASE_UNASSIGNED if flags[ord(_NEVER_ASSIGNED)] else frozenset()
    for start, stop in class_ranges("Cn"):  # unassigned in tiktoken's Unicode
        flags[start:stop] = bytes(stop - start)
    ranges = tuple((m.start(), m.end() - 1) for m in regex.finditer(b"\x01+", flags))
    return _Set(unassigned, ranges)


#: A code point no Unicode version has assigned (the Greek block's first gap).
_NEVER_ASSIGNED = "\u0378"


def _complement(ranges: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """The code points outside ``ranges`` (inclusive, in order, not overlapping)."""
    out: list[tuple[int, int]] = []
    start = 0
    for low, high in ranges:
        if low > start:
            out.append((start, low - 1))
        start = max(start, high + 1)
    if start < N_POINTS:
        out.append((start, N_POINTS - 1))
    return out


def _literal(ch: str, fold: bool) -> _Set:
    if fold and not ch.isascii():
        raise _Unsupported
    points = {ch}
    if fold and ch.isalpha():
        points |= {ch.lower(), ch.upper(), *_EXTRA_ORBIT.get(ch.lower(), "")}
    return _Set(ranges=tuple((ord(c), ord(c)) for c in sorted(points)))


# ------------------------------------------------------------------------- compiling


class _Compiler:
    def __init__(self, tree: _Node) -> None:
        self.tree = tree
        self.sets: list[_Set] = []
        self.code: list[int] = []
        #: Classes made of others (what an alternative can begin with), numbered after ``sets``.
        self.unions: list[frozenset[int]] = []
        #: Each kind's class bits (set by :meth:`program`).
        self.masks: list[int] = []

    def program(self) -> Program:
        options = self.tree.options if isinstance(self.tree, _Alt) else [self.tree]
        if len(options) > 63 or any(_min_length(o) == 0 for o in options):
            raise _Unsupported
        self._collect(self.tree)
        if len(self.sets) > _MAX_CLASSES:
            raise _Unsupported
        masks, index, rows = self._kinds()
        self.masks = masks
        branches = []
        subs: list[tuple[int, _Node]] = []
        for option in options:
            branches.append(len(self.code))
            self._emit(option, subs, _BRANCH_END)
            self.code.append(MATCH)
        while subs:  # sub-programs of lookaheads and atomic groups, after the branches
            at, node = subs.pop()
            self.code[at] = len(self.code)
            self._emit(node, subs, _BRANCH_END)
            self.code.append(MATCH)
        if len(self.code) > _MAX_CODE:
            raise _Unsupported
        for number, members in enumerate(self.unions, len(self.sets)):
            for kind, mask in enumerate(masks):
                if any((mask >> member) & 1 for member in members):
                    masks[kind] |= 1 << number
        firsts = [0] * len(masks)
        for number, option in enumerate(options):
            starts = _first(option)
            for kind in range(len(masks)):
                if any((masks[kind] >> self.sets.index(s)) & 1 for s in starts):
                    firsts[kind] |= 1 << number
        return Program(self.code, branches, firsts, masks, index, rows)

    def _collect(self, node: _Node) -> None:
        if isinstance(node, _Class):
            if node.set not in self.sets:
                self.sets.append(node.set)
        elif isinstance(node, _Seq):
            for item in node.items:
                self._collect(item)
        elif isinstance(node, _Alt):
            for option in node.options:
                self._collect(option)
        elif isinstance(node, (_Repeat, _Look)):
            self._collect(node.node)

    def _kinds(self) -> tuple[list[int], bytes, bytes]:
        """Per code point a kind: its base kind and which explicit ranges hold it. Returns
        each kind's class bits and the table in two levels (see :class:`Program`)."""
        flat = bytearray(_base_kinds())
        pairs: dict[tuple[int, int], int] = {(base, 0): base for base in _ALL_BASES}
        # The ranges' edges cut the code points into spans; each span's sets (a bit each).
        cuts = sorted({p for s in self.sets for lo, hi in s.ranges for p in (lo, hi + 1)})
        insides = [0] * len(cuts)
        for number, s in enumerate(self.sets):
            for low, high in s.ranges:
                first, stop = bisect.bisect_left(cuts, low), bisect.bisect_left(cuts, high + 1)
                for span in range(first, stop):
                    insides[span] |= 1 << number
        for start, stop, inside in zip(cuts, cuts[1:], insides):
            if not inside:
                continue
            table = bytearray(range(256))
            for base in set(flat[start:stop]):  # (the span's kinds are still its bases)
                kind = pairs.setdefault((base, inside), len(pairs))
                if kind > 255:  # kinds are bytes
                    raise _Unsupported
                table[base] = kind
            flat[start:stop] = flat[start:stop].translate(table)
        masks = [0] * len(pairs)
        for (base, inside), kind in pairs.items():
            for number, s in enumerate(self.sets):
                member = base in s.bases or bool((inside >> number) & 1)
                if member != s.negated:
                    masks[kind] |= 1 << number
        index, rows = two_level(flat)
        return masks, index, rows

    def _split(self, first: _Node) -> None:
        """Emit a choice: ``first`` (emitted next), else the place :meth:`_patch` sets. A
        ``first`` that must consume a character is passed over at once (no backtracking
        entry) when the next character cannot begin it."""
        code = self.code
        if _min_length(first) > 0:
            members = frozenset(self.sets.index(s) for s in _first(first))
            if members not in self.unions and len(self.sets) + len(self.unions) < 63:
                self.unions.append(members)
            if members in self.unions:
                code += [SPLIT_IF, len(code) + 4, 0, len(self.sets) + self.unions.index(members)]
                return
        code += [SPLIT, len(code) + 3, 0]

    def _patch(self, split: int) -> None:
        """Point the choice emitted at ``split`` at the end of the code."""
        self.code[split + 2] = len(self.code)

    def _emit(self, node: _Node, subs: list[tuple[int, _Node]], tail: Optional[_Node] = None) -> None:
        """Emit ``node``; ``tail`` is what follows it (:data:`_BRANCH_END`: the match ends
        there; ``None``: unknown)."""
        code = self.code
        if len(code) > _MAX_CODE:  # checked as it grows: counted repeats multiply
            raise _Unsupported
        if isinstance(node, _Class):
            code += [CLASS, self.sets.index(node.set)]
        elif isinstance(node, _Seq):
            for number, item in enumerate(node.items):
                self._emit(item, subs, node.items[number + 1] if number + 1 < len(node.items) else tail)
        elif isinstance(node, _Alt):
            jumps = []
            for number, option in enumerate(node.options):
                last = number == len(node.options) - 1
                split = len(code)
                if not last:
                    self._split(option)
                self._emit(option, subs, tail)
                if not last:
                    jumps.append(len(code))
                    code += [JUMP, 0]
                    self._patch(split)
            for at in jumps:
                code[at + 1] = len(code)
        elif isinstance(node, _End):
            code.append(END)
        elif isinstance(node, _Look):
            if isinstance(node.node, _Class) and node.negative:
                code += [NOT_AHEAD, self.sets.index(node.node.set)]
            else:
                subs.append((len(code) + 1, node.node))
                code += [LOOK, 0, len(code) + 4, int(node.negative)]
        elif isinstance(node, _Repeat):
            if isinstance(node.node, _Class):
                keeps = node.possessive or self._never_gives_back(node.node.set, tail)
                code += [REPEAT, self.sets.index(node.node.set), node.lo, node.hi, int(keeps)]
            elif node.possessive:
                subs.append((len(code) + 1, _Repeat(node.node, node.lo, node.hi, False)))
                code += [ATOMIC, 0, len(code) + 3]
            else:
                self._emit_repeat(node, subs, tail)

    def _never_gives_back(self, repeated: _Set, tail: Optional[_Node]) -> bool:
        """Whether a greedy run of ``repeated`` followed by ``tail`` may be possessive: the
        match ends right after it, or ``tail`` must begin with a character the run
        cannot hold (so a shorter run could never let it match)."""
        if tail is _BRANCH_END:
            return True
        if isinstance(tail, _Repeat) and tail.lo > 0:
            tail = tail.node
        if not isinstance(tail, _Class):
            return False
        run, first = self.sets.index(repeated), self.sets.index(tail.set)
        return not any((mask >> run) & 1 and (mask >> first) & 1 for mask in self.masks)

    def _emit_repeat(self, node: _Repeat, subs: list[tuple[int, _Node]], tail: Optional[_Node]) -> None:
        """A greedy repeat of more than one character class: the body ``lo`` times, then
        optional copies (``hi`` finite) or a loop (no limit); ``tail`` follows it."""
        if _min_length(node.node) == 0:
            raise _Unsupported  # a loop that can go round without moving
        if tail is not _BRANCH_END and (node.hi < 0 or node.hi - node.lo > 1) and _has_choices(node.node):
            # (?:a+)+$ or (?:a|aa)+$: when what follows fails, backtracking tries every way
            # of cutting the run into rounds, twice as many for each character more (28
            # characters took 11 s). At the end of a match (or of a possessive group:
            # (?:a+)++) the first way the loop ends is the match.
            raise _Unsupported
        code = self.code
        for _ in range(node.lo):
            self._emit(node.node, subs)
        if node.hi < 0:
            loop = len(code)
            self._split(node.node)
            self._emit(node.node, subs)
            code += [JUMP, loop]
            self._patch(loop)
            return
        splits = []
        for _ in range(node.hi - node.lo):
            splits.append(len(code))
            self._split(node.node)
            self._emit(node.node, subs)
        for at in splits:
            self._patch(at)


def _ascii_digits(text: str) -> bool:
    """Whether ``text`` is a count (``"12"``; ``"٣"`` and ``"²"`` are digits to ``str.isdigit``)."""
    return text.isascii() and text.isdigit()


def _has_choices(node: _Node) -> bool:
    """Whether ``node`` can match in more than one way (it holds a quantifier or an
    alternation outside lookaheads)."""
    if isinstance(node, (_Alt, _Repeat)):
        return True
    if isinstance(node, _Seq):
        return any(_has_choices(item) for item in node.items)
    return False


def _min_length(node: _Node) -> int:
    """The fewest characters ``node`` can match."""
    if isinstance(node, _Class):
        return 1
    if isinstance(node, _Seq):
        return sum(_min_length(item) for item in node.items)
    if isinstance(node, _Alt):
        return min(_min_length(option) for option in node.options)
    if isinstance(node, _Repeat):
        return node.lo * _min_length(node.node)
    return 0  # lookahead, end


def _first(node: _Node) -> list[_Set]:
    """The classes a match of ``node`` (which must consume) can begin with."""
    if isinstance(node, _Class):
        return [node.set]
    if isinstance(node, _Seq):
        out: list[_Set] = []
        for item in node.items:
            out += _first(item)
            if _min_length(item) > 0:
                break
        return out
    if isinstance(node, _Alt):
        return [s for option in node.options for s in _first(option)]
    if isinstance(node, _Repeat):
        return _first(node.node)
    return []  # zero width
