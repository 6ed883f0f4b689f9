"""Split patterns as tiktoken reads them, for Python's ``regex``.

tiktoken compiles a split pattern with Rust's ``fancy-regex``; hf_bpe splits with the
``regex`` package (or a compiled scanner, for the known patterns). The two read nearly
every pattern alike. :func:`regex_pattern` rewrites the constructs they read differently
and refuses, with a :class:`~hf_bpe.errors.PatternError`, those it cannot rewrite:

==========================  ================================  ==========================
construct                   tiktoken                          rewritten as
==========================  ================================  ==========================
``$`` (no ``m`` flag)       end of text                       ``\\Z`` (regex's ``$`` also
                                                              matches before a final \\n)
``\\Z``                      end, or before final \\n's         ``(?=\\n*\\Z)``
``\\z``                      end of text                       ``\\Z``
``\\x{1F600}``, ``\\u{..}``   a code point                      ``\\U0001F600``
``\\h``, ``\\H``               a hex digit, or not one           ``[0-9A-Fa-f]``, ``[^...]``
``\\e``                      U+001B                            ``\\x1b``
``\\N``                      any character but \\n (also         ``[^\\n]`` (regex: ``N``, or
                            before ``{...}``)                 a named character)
``\\<``, ``\\>``               the start, the end of a word      ``\\b(?=\\w)``, ``\\b(?<=\\w)``
``\\b{start}``, ``\\b{end}``   the same                          the same
``\\b{start-half}``,          no word before, no word after     ``(?<!\\w)``, ``(?!\\w)``
``\\b{end-half}``
``i``, ``I``, ``İ``, ``ı``  with ``(?i)``: simple case        the same, minus the Turkic
                            folding (``i`` ~ ``I`` only)      pairs regex adds (``i`` ~
                                                              ``İ``, ``I`` ~ ``ı``)
``[[:alpha:]]``              ASCII letters (POSIX classes      ``[A-Za-z]`` (regex: all
                            are ASCII)                        letters); ``[:^alpha:]``
                                                              refused
``[a[b]]``, ``[\\w--\\d]``    nested classes, set operations    refused (regex reads them
                                                              as literal text)
``[A&&[B]]``                a character of A and of B         ``(?:(?=[B])[A])``
``[A&&[^B]]``               one of A, not of B (both          ``(?:(?![B])[A])``
                            outside ``(?i)``)
``[\\d-z]``, ``[a-\\p{L}]``  refused: a range from or to a      refused (regex reads the
                            set of characters                 hyphen as itself)
``\\X``, ``\\m``, ``\\0``,      refused by tiktoken; other        refused
``(?R)``, ``(?1)``, ``(?f)``,  constructs (or literal text) in
``\\p{L&}``, ``x{e<=1}``,      regex
``\\p{XDigit}``, ``(*SKIP)``,  (:mod:`~hf_bpe.pattern_properties`)
``[\\1]``
``\\1``, ``\\g1``, ``\\k<n>``    a back-reference                  refused (matched through
                                                              stand-ins, two characters
                                                              could compare equal)
``(?(q)a)``                 a condition other than a group    refused (regex: whether
                            number: read otherwise            group ``q`` matched)
``(?U)``, ``\\p{Age=6.0}``     swapped greed; a Unicode age      refused (regex has no such
                                                              flag; newer Unicode data)
``(?:b?|c)*``               after an empty round, ``c``       refused (regex ends the
                            (:class:`_EmptyLoops`)            loop there)
``(?i)\\p{L}``               letters and U+0345 (classes are   ``[\\p{L}\\u0345]``;
                            widened by simple case folding)   ``(?i)\\p{Lu}``, ``\\p{M}``,
                                                              ``\\P{..}`` refused
``[^a-z]``, ``\\P{Ll}`` with  the class, case-sensitive         ``(?:(?![a-z])[\\s\\S])``
``(?i)`` elsewhere          (regex drops ``A``: a bug)        (:func:`_negation_outside_i`)
==========================  ================================  ==========================

    >>> regex_pattern(r"\\w+$|\\x{1F600}")
    '\\\\w+\\\\Z|\\\\U0001F600'
    >>> regex_pattern(r"[\\w--\\d]")
    Traceback (most recent call last):
    ...
    hf_bpe.errors.PatternError: the character class at offset 0 of '[\\\\w--\\\\d]' uses a set operation (--): tiktoken's engine and regex read it differently; write the class without it

A construct regex does not know at all (a conditional on a group the pattern does not
have) is left for :func:`compile_pattern` to refuse.
"""

from __future__ import annotations

import functools
from typing import Any

import regex

from .errors import PatternError, PatternTypeError
from .pattern_properties import CATEGORIES, loose, read_otherwise, tiktoken_knows
from .patterns import (
    CL100K_PATTERN,
    GPT2_ORIGINAL_PATTERN,
    LLAMA3_PATTERN,
    NANOCHAT_PATTERN,
    O200K_PATTERN,
    QWEN2_PATTERN,
    QWEN35_PATTERN,
    R50K_PATTERN,
    RUSTBPE_PATTERN,
    TEKKEN_PATTERN,
)
from .scanners import CL100K, NANOCHAT, NONE, O200K, QWEN2, QWEN35, R50K, RUSTBPE, TEKKEN

__all__ = ["family_of", "regex_pattern", "stand_ins_for"]

#: The characters whose case-insensitive matches differ: regex adds Turkic case pairs.
_TURKIC = ("i", "I", "\u0130", "\u0131")
#: Each one's simple case folding orbit (what Rust's ``(?i)`` matches it with).
_ORBIT = {"i": "iI", "I": "iI", "\u0130": "\u0130", "\u0131": "\u0131"}
_HEX = frozenset("0123456789abcdefABCDEF")
#: How many hex digits ``\x``, ``\u`` and ``\U`` take without braces.
_HEX_WIDTH = {"x": 2, "u": 4, "U": 8}
#: Escapes that stand for a set of characters (``\h``, hex digits in a class, is left out:
#: tiktoken takes ``[\h-z]``).
_SET_ESCAPES = frozenset("dDsSwWpP")
_NEGATED = {"W": "w", "S": "s", "D": "d", "P": "p", "H": "h"}
#: tiktoken's engine's word edges (``\b{start}``...), in regex's terms (as ``\<`` and
#: ``\>``): a word begins or ends here, or only its half that looks at one side.
#: Each one group, so that a quantifier after it applies to all of it (``\\b{start}?``).
_WORD_EDGES = {
    "{start}": "(?:\\b(?=\\w))",
    "{end}": "(?:\\b(?<=\\w))",
    "{start-half}": "(?<!\\w)",
    "{end-half}": "(?!\\w)",
}
#: A counted repeat (``\D{2}``, ``\w{1,3}``): braces after an escape that do not belong to it.
_REPEAT = regex.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
#: POSIX classes (``[[:alpha:]]``): ASCII only in tiktoken's engine, Unicode in regex.
_POSIX_CLASSES = {
    "alnum": r"0-9A-Za-z",
    "alpha": r"A-Za-z",
    "ascii": r"\x00-\x7F",
    "blank": r"\t ",
    "cntrl": r"\x00-\x1F\x7F",
    "digit": r"0-9",
    "graph": r"\x21-\x7E",
    "lower": r"a-z",
    "print": r"\x20-\x7E",
    "punct": r"\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E",
    "space": r"\t\n\x0B\f\r ",
    "upper": r"A-Z",
    "word": r"0-9A-Za-z_",
    "xdigit": r"0-9A-Fa-f",
}


def regex_pattern(pattern: str) -> str:
    """``pattern`` (tiktoken's syntax) rewritten for ``regex`` to split text the same way."""
    return _read(pattern).out_text


def compile_pattern(pattern: str) -> Any:
    """Compile ``pattern`` (tiktoken's syntax) with the ``regex`` package, or raise
    :class:`PatternError`.

        >>> compile_pattern(r"\\p{L}+|\\s+").findall("hi there")
        ['hi', ' ', 'there']
    """
    if not isinstance(pattern, str):
        raise PatternTypeError(f"a split pattern is a str, not {type(pattern).__name__}: {pattern!r}")
    if pattern == "":  # regex takes it, and every text would then give no ids at all
        raise PatternError("the split pattern is empty: it matches no text")
    try:
        return regex.compile(regex_pattern(pattern))
    except (regex.error, TypeError, ValueError, OverflowError) as err:
        raise PatternError(f"invalid split pattern {pattern!r}: {err}") from None


def can_match_empty(pattern: str) -> bool:
    """Whether some alternative of ``pattern`` (tiktoken's syntax) can match the empty
    string (``\\w*``, ``a?``, a look-around or ``\\b`` alone), as :class:`_EmptyLoops`
    reads it; a verbose pattern (``(?x)``), which it does not follow, is taken to.

        >>> can_match_empty(r"\\w*|\\s+"), can_match_empty(r"\\w+|\\s+(?!\\S)|\\s+")
        (True, False)
    """
    rx = regex_pattern(pattern)
    if regex.search(r"\(\?[a-zA-Z]*x", rx):
        return True
    try:
        return _EmptyLoops(rx, pattern)._alternation()[0]
    except IndexError:  # a syntax error: regex reports it
        return True


def named_spans(pattern: str) -> list[tuple[int, int]]:
    """The code points ``pattern`` (tiktoken's syntax) names, by literals, escapes and class
    ranges, as inclusive spans.

        >>> named_spans(r"[a-c]|\\x{2603}")
        [(97, 97), (97, 99), (124, 124), (9731, 9731)]
    """
    return list(_read(pattern).named)


@functools.lru_cache(maxsize=256)
def _read(pattern: str) -> _Rewriter:
    """``pattern`` read once: its rewriting, and the characters and properties it names."""
    if not isinstance(pattern, str):
        raise TypeError(f"a split pattern is a str, not {type(pattern).__name__}")
    try:
        pattern.encode("utf-8")
    except UnicodeEncodeError as err:  # tiktoken's engine reads UTF-8: it refuses such a pattern too
        raise PatternError(f"the lone surrogate {pattern[err.start]!r} at offset {err.start} of {pattern!r} is not text") from None
    rewriter = _Rewriter(pattern)
    rewriter.run()
    _EmptyLoops(rewriter.out_text, pattern).check()
    return rewriter


class _EmptyLoops:
    r"""Refuses a repeated group (``*``, ``+``, ``{n,}``, or a count of two or more:
    ``{0,2}``) whose round can end up empty where a later branch would match something, such
    as ``(?:b?|c)*`` on ``bc``: after ``b``, the next round's ``b?`` matches nothing at
    ``c``; regex then ends the loop, tiktoken's engine (without a look-around in the
    pattern) tries the branch ``c``. Or whose round tries nothing first (a lazy ``b??``,
    ``.*?``): ``(?:a|b??)*[a-z]`` takes ``aba`` whole in tiktoken, ``ab`` in regex.
    Written without the empty match (``(?:b|c)*``, ``(?:a|b)*[a-z]``), both agree. (A
    lazy round reads alike in some places, ``a(?:b??)*|.``; it is refused all the same.)

    Reads regex's syntax (the rewritten pattern) for that only. Each reader returns
    ``(empty, full, falls_back, mixed)``: the item can match nothing; it can match
    something; it tries something first and can end with nothing (``b?``, ``(?:b|)``; not
    ``b??`` or ``(?:|b)``, which try nothing first); it holds such a branch before a branch
    that can match something, or an optional item that tries nothing first. Checked against
    tiktoken on every string of up to 5 characters over ``abcdx \n``: loops of ``b?|c``,
    ``b*|c``, ``(?:b|)|c``, ``b?|c|``, ``.*|\n`` differ; of ``(?:|b)|c``, ``b|c?``,
    ``b?|(?=c)``, ``b?c?``, ``\s*`` they agree. Checked once on every string of up to 4
    over ``ab1\n`` for 18,000 loops of bodies of up to three items (lazy or not, counted
    or not, before several endings): every loop that splits otherwise is refused, and so are
    8,209 that read alike (tests/test_pattern_syntax.py keeps examples). A pattern it
    cannot follow (``(?x)``, with comments) is left as it is."""

    def __init__(self, rx: str, original: str) -> None:
        self.rx, self.original, self.i = rx, original, 0

    def check(self) -> None:
        if regex.search(r"\(\?[a-zA-Z]*x", self.rx):  # verbose: spaces and comments are not atoms
            return
        try:
            self._alternation()
        except IndexError:  # a syntax error: regex reports it
            pass

    def _alternation(self) -> tuple[bool, bool, bool, bool]:
        branches = [self._sequence()]
        while self.rx[self.i : self.i + 1] == "|":
            self.i += 1
            branches.append(self._sequence())
        # branch j ends empty after trying something: by itself, or after an earlier branch
        after_trying = [b[2] or (b[0] and any(a[1] for a in branches[:j])) for j, b in enumerate(branches)]
        mixed = any(b[3] for b in branches) or any(
            tried and any(later[1] for later in branches[j + 1 :]) for j, tried in enumerate(after_trying)
        )
        return any(b[0] for b in branches), any(b[1] for b in branches), any(after_trying), mixed

    def _sequence(self) -> tuple[bool, bool, bool, bool]:
        empty, full, falls_back, mixed = True, False, False, False
        while self.i < len(self.rx) and self.rx[self.i] not in "|)":
            start = self.i
            item = self._atom()
            lo, repeats, lazy = self._quantifier()
            if repeats and item[0] and item[3]:
                raise PatternError(
                    f"{self.rx[start : self.i]!r} in {self.original!r} repeats a group whose round can "
                    "match nothing before it tries something: tiktoken's engine and regex can repeat it "
                    "differently; leave the empty match out ((?:b?|c)* as (?:b|c)*, (?:a|b??){0,2} as "
                    "(?:a|b){0,2})"
                )
            if lo == 0:  # optional: greedy tries the item first, lazy tries nothing first
                item = (True, item[1], item[2] or (item[1] and not lazy), item[3] or (item[1] and lazy))
            empty, full = empty and item[0], full or item[1]
            falls_back, mixed = falls_back or item[2], mixed or item[3]
        return empty, full, falls_back and empty, mixed

    def _quantifier(self) -> tuple[int, bool, bool]:
        """(least count, more than one round, lazy) of the quantifier at ``i``; (1, False,
        False) if none. A count of two or more (``{0,2}``) is checked as ``*`` is: such
        loops split otherwise too."""
        rx, i = self.rx, self.i
        counted = regex.match(r"\{(\d*)(,?)(\d*)\}", rx[i:])
        if rx[i : i + 1] in ("?", "*", "+"):
            lo, repeats = {"?": (0, False), "*": (0, True), "+": (1, True)}[rx[i]]
            self.i += 1
        elif counted and (counted.group(1) or counted.group(3)):
            lo = int(counted.group(1) or 0)
            most = counted.group(3) if counted.group(2) else counted.group(1)
            repeats = not most or int(most) >= 2
            self.i += counted.end()
        else:
            return 1, False, False
        lazy = rx[self.i : self.i + 1] == "?"
        if rx[self.i : self.i + 1] in ("?", "+"):  # lazy, possessive
            self.i += 1
        return lo, repeats, lazy

    def _atom(self) -> tuple[bool, bool, bool, bool]:
        c = self.rx[self.i]
        if c == "(":
            return self._group()
        if c == "[":
            self._skip_class()
            return False, True, False, False
        if c == "\\":
            return self._escape()
        self.i += 1
        return (True, False, False, False) if c in "^$" else (False, True, False, False)

    def _group(self) -> tuple[bool, bool, bool, bool]:
        opener = regex.match(
            r"\(\?(?:[=!:>]|<[=!]|P?<\w+>|'\w+'|[a-zA-Z]*(?:-[a-zA-Z]*)?[:)]|#[^)]*\))|\(", self.rx[self.i :]
        )
        head = opener.group() if opener else "("
        self.i += len(head)
        if head.endswith(")"):  # a flag setting, a comment: nothing (back-references are refused)
            return True, False, False, False
        inner = self._alternation()
        self.i += 1  # the ")"
        if head in ("(?=", "(?!", "(?<=", "(?<!"):
            return True, False, False, False  # a look-around matches nothing
        return inner

    def _skip_class(self) -> None:
        rx = self.rx
        j = self.i + 1
        if rx[j : j + 1] == "^":
            j += 1
        if rx[j : j + 1] == "]":  # a first ] is a literal
            j += 1
        while rx[j] != "]":
            j += 2 if rx[j] == "\\" else 1
        self.i = j + 1

    def _escape(self) -> tuple[bool, bool, bool, bool]:
        rx, i = self.rx, self.i
        c = rx[i + 1]
        # \p{..}, \x{..}: one character (back-references are refused before this reads them)
        longer = regex.match(r"[pPxN]\{[^}]*\}", rx[i + 1 :])
        if longer is not None:
            self.i += 1 + longer.end()
            return False, True, False, False
        self.i += 2 + _HEX_WIDTH.get(c, 0) + (1 if c in "pP" else 0)
        return (True, False, False, False) if c in "bBAZzG" else (False, True, False, False)


class _Rewriter:
    """One walk over a pattern: writes it in regex's syntax (:attr:`out_text`) and notes
    what it names, for :func:`stand_ins_for`."""

    def __init__(self, pattern: str) -> None:
        self.pat = pattern
        self.i = 0
        self.out: list[str] = []
        self.out_text = ""
        # Flags in force (i: ignore case, m: multi-line, x: verbose), one entry per open group.
        self.flags: list[frozenset[str]] = [frozenset()]
        #: The code points named by literals, escapes and class ranges, as inclusive spans.
        self.named: list[tuple[int, int]] = []
        #: Whether a property other than a general category (a script, say) is used.
        self.other_properties = False
        # The properties of the atom being read: (key, negated by \P or ^).
        self._properties: list[tuple[str, bool]] = []
        # Whether (?i) is in force anywhere, and the negated classes read case-sensitively:
        # where each is in out, and its rewriting (see _negation_outside_i).
        self.ignores_case = False
        self._negations: list[tuple[int, str | None, str]] = []

    def run(self) -> str:
        pat = self.pat
        while self.i < len(pat):
            c = pat[self.i]
            flags = self.flags[-1]
            if c == "\\":
                self._escape_outside()
            elif c == "[":
                self._atom(self._read_class())
            elif c == "(":
                self._open_group()
            elif c == ")":
                if len(self.flags) > 1:
                    self.flags.pop()
                self.out.append(c)
                self.i += 1
            elif c == "$":
                self.out.append("$" if "m" in flags else "\\Z")
                self.i += 1
            elif c == "{" and _FUZZY.fullmatch(pat[self.i + 1 : pat.find("}", self.i)]) and "}" in pat[self.i :]:
                raise PatternError(
                    f"{pat[self.i : pat.find('}', self.i) + 1]} at offset {self.i} of {pat!r}: regex "
                    "reads it as fuzzy matching, tiktoken's engine as literal text; escape the {"
                )
            elif c == "#" and "x" in flags:  # a comment, to the end of the line
                end = pat.find("\n", self.i)
                end = len(pat) if end < 0 else end
                self.out.append(pat[self.i : end])
                self.i = end
            else:
                self.named.append((ord(c), ord(c)))
                if c in _TURKIC and "i" in flags:
                    self._atom(c)
                else:
                    self.out.append(c)
                self.i += 1
        if self.ignores_case:
            for index, rewritten, atom in self._negations:
                if rewritten is None:
                    raise PatternError(
                        f"the class {atom} in {self.pat!r}, which has (?i) elsewhere: regex then reads "
                        "a negated class as if case-insensitive (regex.findall(r'(?i:x)|[^a-z]+', "
                        "'AB') finds nothing); write the class without \\P or \\p{^...}"
                    )
                self.out[index] = rewritten
        self.out_text = "".join(self.out)
        return self.out_text

    # ------------------------------------------------------------------ pieces

    def _escape_outside(self) -> None:
        pat, i = self.pat, self.i
        c = pat[i + 1 : i + 2]
        if c == "Z":
            self.out.append("(?=\\n*\\Z)")
            self.i += 2
        elif c == "z":  # regex's own \z is new (2026.2) and older releases read it otherwise
            self.out.append("\\Z")
            self.i += 2
        elif c in ("h", "H"):
            self._atom("[0-9A-Fa-f]" if c == "h" else "[^0-9A-Fa-f]")
            self.i += 2
        elif c == "N":  # regex: the letter N, or with {name} a named character
            self._atom("[^\\n]")
            self.i += 2
        elif c in ("<", ">"):  # the start or end of a word (regex: a literal < or >)
            self.out.append(_WORD_EDGES["{start}" if c == "<" else "{end}"])
            self.i += 2
        elif c == "G":
            raise PatternError(
                f"\\G at offset {i} of {pat!r}: after an empty match tiktoken's engine and regex "
                "place it differently (a split pattern does not need it)"
            )
        elif c and c in "gk123456789":  # a back-reference
            _refuse_back_reference(pat, i)
        elif c == "b" and pat.startswith(tuple(_WORD_EDGES), i + 2):  # \b{start} and the like
            edge = next(e for e in _WORD_EDGES if pat.startswith(e, i + 2))
            self.out.append(_WORD_EDGES[edge])
            self.i += 2 + len(edge)
        elif c in ("X", "m", "M", "0") or (c in ("b", "B") and pat[i + 2 : i + 3] == "{"):
            if c in ("b", "B"):  # \b{wb} and the like: regex's Unicode boundaries
                c = pat[i + 1 : pat.find("}", i) + 1 or len(pat)]
            raise PatternError(
                f"\\{c} at offset {i} of {pat!r}: tiktoken's engine refuses it, regex reads it "
                "as its own construct"
            )
        else:
            text, self.i, point = self._read_escape(in_class=False)
            if point is not None:
                self.named.append((point, point))
            self._atom(text)

    def _read_escape(self, in_class: bool) -> tuple[str, int, int | None]:
        """The escape at ``self.i`` in regex's syntax, where it ends, and the code point it
        names (None for a class such as ``\\w``; a property is noted in ``_properties``)."""
        pat, i = self.pat, self.i
        c = pat[i + 1 : i + 2]
        braced = pat[i + 2 : i + 3] == "{"
        if in_class and c and c in "123456789":
            raise PatternError(
                f"\\{c} in the character class at offset {i} of {pat!r}: tiktoken's engine refuses it, "
                "regex reads an octal escape; write the character as \\x{...}"
            )
        if c in ("x", "u", "U") and braced:  # \x{61}, \u{61}, \U{61}
            end = pat.find("}", i + 3)
            digits = pat[i + 3 : end] if end > 0 else ""
            if not digits or not set(digits) <= _HEX or int(digits, 16) > 0x10FFFF:
                raise PatternError(f"malformed \\{c}{{...}} at offset {i} of {pat!r}")
            return f"\\U{int(digits, 16):08X}", end + 1, int(digits, 16)
        if c in _HEX_WIDTH:  # \x61, \u0061, \U00000061 (a malformed one: left to regex)
            end = i + 2 + _HEX_WIDTH[c]
            digits = pat[i + 2 : end]
            if len(digits) == _HEX_WIDTH[c] and set(digits) <= _HEX:
                return pat[i:end], end, int(digits, 16)
            return pat[i : i + 2], i + 2, None
        if c == "e":
            return "\\x1b", i + 2, 0x1B
        if c == "h" and in_class:
            return "0-9A-Fa-f", i + 2, None
        if c == "H" and in_class:
            raise PatternError(
                f"\\H inside a character class (offset {i} of {pat!r}) has no regex equivalent: "
                "write the class without it"
            )
        if c in ("p", "P") and (braced or pat[i + 2 : i + 3].isalpha()):  # \p{Lu}, \pL
            end = (pat.find("}", i + 3) + 1 or len(pat)) if braced else i + 3
            name = pat[i + 3 : end - 1] if braced else pat[i + 2 : end]
            if "&" in name:
                raise PatternError(f"\\{c}{{{name}}} at offset {i} of {pat!r}: tiktoken's engine refuses it (write \\p{{LC}})")
            if regex.match(r"age\s*(?:!?=|:)", loose(name)):
                raise PatternError(
                    f"{pat[i:end]} at offset {i} of {pat!r}: hf_bpe does not take the Age property "
                    "(regex's newer Unicode data gives some characters other ages)"
                )
            if not tiktoken_knows(name):
                raise PatternError(
                    f"{pat[i:end]} at offset {i} of {pat!r}: tiktoken's engine knows no such property "
                    "(regex reads blocks, POSIX names, numeric values and others it does not have)"
                )
            if read_otherwise(name):
                raise PatternError(
                    f"{pat[i:end]} at offset {i} of {pat!r}: regex and tiktoken's engine give this "
                    "property to different characters (another meaning of the name, or newer Unicode data)"
                )
            key = _category_key(name)
            self.other_properties |= key not in CATEGORIES
            self._properties.append((key, c == "P" or name.lstrip().startswith("^")))
            return pat[i:end], end, None
        if c == "N" and braced:  # (outside a class, \N is any character but \n: see above)
            raise PatternError(
                f"\\N{{...}} in the character class at offset {i} of {pat!r}: regex reads a named "
                "character, tiktoken's engine does not; write the character itself, or \\x{...}"
            )
        if c.isalpha() and braced and not in_class and not _REPEAT.match(pat, i + 2):  # \b{start}
            end = pat.find("}", i + 3) + 1 or len(pat)
            return pat[i:end], end, None
        if c in ("k", "g") and pat[i + 2 : i + 3] == "<":  # \k<name>
            end = pat.find(">", i + 3) + 1 or len(pat)
            return pat[i:end], end, None
        return pat[i : i + 2], i + 2, (None if c.isascii() else ord(c))  # \w, \n, \., \é

    def _read_class(self) -> str:
        """The class starting at ``self.i`` (``[``), in regex's syntax; moves past it."""
        pat, start = self.pat, self.i
        out = ["["]
        j = start + 1
        if pat[j : j + 1] == "^":
            out.append("^")
            j += 1
        if pat[j : j + 1] == "]":  # a leading ] is literal in both
            out.append("\\]")
            j += 1
        last: int | None = None  # the code point of the last member (a range may follow)
        range_from: int | None = None
        after_set = False  # the last member was a set escape (\d, \p{..}), not a character
        while j < len(pat) and pat[j] != "]":
            c = pat[j]
            point: int | None = None
            is_set = c == "\\" and pat[j + 1 : j + 2] in _SET_ESCAPES
            if c == "-" and after_set and pat[j + 1 : j + 2] not in ("]", "", "-"):  # (--: below)
                self._refuse_class(start, "a range from a set of characters (as [\\d-z]; tiktoken's engine refuses it)")
            if is_set and range_from is not None:
                self._refuse_class(start, "a range to a set of characters (as [a-\\d]; tiktoken's engine refuses it)")
            after_set = is_set
            if c == "\\":
                self.i = j
                text, j, point = self._read_escape(in_class=True)
                out.append(text)
            elif c == "[":
                if pat[j + 1 : j + 2] != ":" or pat.find(":]", j + 2) < 0:
                    self._refuse_class(start, "a nested class ([...] inside [...])")
                end = pat.find(":]", j + 2)  # [:alpha:]
                out.append(self._posix_class(pat[j + 2 : end], start))
                j = end + 2
            elif pat[j : j + 2] == "&&" and pat[j + 2 : j + 3] == "[":
                return self._intersection(start, out, j + 2)
            elif pat[j : j + 2] in ("--", "&&", "~~"):
                self._refuse_class(start, f"a set operation ({pat[j : j + 2]})")
            elif c == "-" and last is not None and pat[j + 1 : j + 2] not in ("]", ""):
                range_from, last = last, None
                out.append(c)
                j += 1
                continue
            else:
                point = ord(c)
                out.append(c)
                j += 1
            if point is None:
                last = range_from = None
            else:
                self.named.append((point, point) if range_from is None else (range_from, point))
                last = point if range_from is None else None
                range_from = None
        if j >= len(pat):
            raise PatternError(f"unterminated character class at offset {start} of {pat!r}")
        out.append("]")
        self.i = j + 1
        return "".join(out)

    def _intersection(self, start: int, left: list[str], j: int) -> str:
        """``[A&&[B]]`` or ``[A&&[^B]]`` (Kimi's pattern: ``[\\p{Lu}...\\p{M}&&[^\\p{Han}]]``,
        letters but Han), the class ``left`` (``[A``, read up to ``&&``) and the class at
        ``j``, which ends the class begun at ``start``: one character of both, written as a
        look-ahead at the class ``[B]`` (or past ``[^B]``, not read as a negated class:
        see :func:`_negation_outside_i`) before ``[A]``. Other set operations are refused."""
        pat = self.pat
        if left[1:2] == ["^"] or len(left) == 1 or "i" in self.flags[-1]:
            self._refuse_class(start, "a set operation (&&) other than [...&&[...]] or [...&&[^...]], without (?i)")
        self.i = j
        right = self._read_class()
        if pat[self.i : self.i + 1] != "]" or any(negated for _, negated in self._properties):
            self._refuse_class(start, "a set operation (&&) other than [...&&[...]] or [...&&[^...]], without \\P")
        self.i += 1
        look = "(?![" + right[2:] + ")" if right.startswith("[^") else "(?=" + right + ")"
        return "(?:" + look + "".join(left) + "])"

    def _posix_class(self, name: str, start: int) -> str:
        """``[:name:]``, which is ASCII only in tiktoken's engine (Unicode in regex)."""
        if name.startswith("^"):
            self._refuse_class(start, f"a negated POSIX class ([:{name}:])")
        ranges = _POSIX_CLASSES.get(name)
        if ranges is None:
            raise PatternError(f"unknown POSIX class [:{name}:] at offset {start} of {self.pat!r}")
        return ranges

    def _refuse_class(self, start: int, what: str) -> None:
        raise PatternError(
            f"the character class at offset {start} of {self.pat!r} uses {what}: tiktoken's "
            "engine and regex read it differently; write the class without it"
        )

    def _open_group(self) -> None:
        pat, i = self.pat, self.i
        flags = self.flags[-1]
        if pat.startswith("(*", i) and not pat.startswith(("(*F)", "(*FAIL)"), i):
            raise PatternError(
                f"{pat[i : pat.find(')', i) + 1 or len(pat)]} at offset {i} of {pat!r}: tiktoken's engine "
                "refuses it; regex reads a backtracking verb ((*F) and (*FAIL) both engines read alike)"
            )
        if not pat.startswith("(?", i):
            self._copy(i + 1, push=flags)
            return
        rest = pat[i + 2 :]
        if rest.startswith("P="):
            _refuse_back_reference(pat, i)
        if rest.startswith("#"):  # a comment: no group opens
            self._copy(self._end_of(")", i + 2) + 1, push=None)
        elif rest.startswith(("P<", "'")) or (rest.startswith("<") and not rest.startswith(("<=", "<!"))):
            self._copy(self._end_of(">'" if rest[0] == "'" else ">", i + 2) + 1, push=flags)
        elif rest.startswith("|"):
            raise PatternError(
                f"the branch reset group (?| at offset {i} of {pat!r}: tiktoken's engine has none"
            )
        elif rest.startswith("(") and not regex.match(r"\([0-9]+\)", rest):
            raise PatternError(
                f"the conditional {pat[i : self._end_of(')', i + 3) + 1]} at offset {i} of {pat!r}: "
                "its condition is not a group number, which tiktoken's engine and regex read "
                "differently (regex: whether that group matched)"
            )
        elif rest[:1].isdigit() or rest.startswith(("R)", "&", "P>", "+", "-1", "-2", "-3")):
            raise PatternError(
                f"the recursion or subroutine call at offset {i} of {pat!r}: tiktoken's engine "
                "has none (it reads (?R) as a flag)"
            )
        elif rest[:1].isalpha() or rest[:1] == "-":  # (?i) or (?i-m:...)
            end = i + 2
            while end < len(pat) and (pat[end].isalnum() or pat[end] == "-"):
                end += 1
            on, _, off = pat[i + 2 : end].partition("-")
            if "U" in on + off:
                raise PatternError(
                    f"the flag U (swapping greedy and lazy repeats) at offset {i} of {pat!r}: "
                    "regex has no such flag; write the lazy repeats as such (*?, +?)"
                )
            unknown = (set(on) - set("imsxu")) | (set(off) - set("imsx"))
            if unknown:
                raise PatternError(
                    f"the flag(s) {''.join(sorted(unknown))} at offset {i} of {pat!r}: tiktoken's "
                    "engine and regex read them differently (or one of them not at all)"
                )
            changed = (flags | set(on)) - set(off)
            self.ignores_case |= "i" in changed
            if pat[end : end + 1] == ")":  # to the end of the enclosing group
                self.flags[-1] = changed
                self._copy(end + 1, push=None)
            else:
                self._copy(end + 1, push=changed)
        else:  # (?:  (?=  (?!  (?<=  (?<!  (?>
            self._copy(i + (4 if rest.startswith(("<=", "<!")) else 3), push=flags)

    def _end_of(self, closers: str, start: int) -> int:
        ends = [k for k in (self.pat.find(c, start) for c in closers) if k >= 0]
        return min(ends) if ends else len(self.pat) - 1

    def _copy(self, end: int, push: frozenset[str] | None) -> None:
        """Copy the pattern up to ``end`` as it is (opening a group with flags ``push``)."""
        self.out.append(self.pat[self.i : end])
        self.i = end
        if push is not None:
            self.flags.append(push)

    def _atom(self, text: str) -> None:
        """Append ``text`` (one character's worth of pattern), made exact under ``(?i)``."""
        properties, self._properties = self._properties, []
        if "i" in self.flags[-1]:
            text = _turkic_exact(self._folded_properties(text, properties))
        elif text.startswith("[^") or any(negated for _, negated in properties):
            self._negations.append((len(self.out), _negation_outside_i(text, properties), text))
        self.out.append(text)

    def _folded_properties(self, atom: str, properties: list[tuple[str, bool]]) -> str:
        """``atom`` with its property classes (``properties``: each one's key and whether it
        is negated) as tiktoken's engine reads them under ``(?i)``: widened by simple case
        folding. For letters that adds one character, U+0345 (a mark that folds to ι), which
        regex leaves out of a positive class; the cased classes (``\\p{Lu}``...) without the
        others, and marks, widen in ways regex does not follow: refused, as are the scripts
        and other properties not checked to read alike."""
        if not properties:
            return atom
        keys = {key for key, _ in properties}
        letters = bool(keys & {"l", "letter"}) or {"lu", "ll", "lt"} <= keys
        negated = any(negated for _, negated in properties)
        unverified = keys - CATEGORIES - _FOLDS_ALIKE
        if (keys & (_CASED | _MARKS) and not letters) or unverified or (negated and keys & (_CASED | _MARKS | {"l", "letter"})):
            raise PatternError(
                f"the property class {atom} under (?i) in {self.pat!r}: tiktoken's engine widens it "
                "by case folding ((?i)\\p{Lu} matches lowercase letters too), regex otherwise; "
                "scope (?i) to the letters it is for, as in (?i:'s|'t)"
            )
        if not letters:
            return atom
        if atom.startswith("[^"):  # U+0345 is in the widened class, so not in its complement
            return f"(?:(?!\u0345){atom})"
        return atom[:-1] + "\u0345]" if atom.startswith("[") else f"[{atom}\u0345]"


def _refuse_back_reference(pat: str, i: int) -> None:
    """A back-reference (``\\1``, ``\\g1``, ``\\k<name>``, ``(?P=name)``) at offset ``i``:
    refused. Characters whose class tiktoken's Unicode data and regex's give otherwise are
    matched through stand-ins (:mod:`hf_bpe.char_classes`), several of them through the
    same one, so a back-reference would take two different characters for the same (and
    regex reads ``\\g1`` as literal text, where tiktoken's engine reads group 1)."""
    end = regex.match(r"\\(?:[1-9][0-9]*|[gk](?:\{[^}]*\}|<[^>]*>|'[^']*'|-?[0-9]+)?)|\(\?P=[^)]*\)", pat[i:])
    what = end.group() if end else pat[i : i + 2]
    raise PatternError(
        f"the back-reference {what} at offset {i} of {pat!r}: refused, as hf_bpe cannot match it "
        "as tiktoken's engine does for every text (a split pattern does not need it)"
    )


def _negation_outside_i(atom: str, properties: list[tuple[str, bool]]) -> str | None:
    """A negated class read case-sensitively (``[^a-z]``, ``\\P{Ll}``, ``\\p{^Ll}``) as
    regex reads it right in a pattern that has ``(?i)`` elsewhere: regex 2026.11.19 then
    leaves out of such a class the characters whose case partner the class excludes
    (``A`` from ``[^a-z]``, U+0345 from ``[^\\p{L}]``), so it is written as a lookahead
    of the class it negates and any character: ``(?:(?![a-z])[\\s\\S])``. None for a
    class that also has negated members (``[^\\P{L}]``, ``[a\\P{L}]``): refused."""
    if atom.startswith("[^"):
        if any(negated for _, negated in properties):
            return None
        body = atom[2:]
        positive = "[\\^" + body[1:] if body.startswith("^") else "[" + body
    elif atom.startswith("\\P") and "{^" not in atom:
        positive = "\\p" + atom[2:]
    elif atom.startswith("\\p{^"):
        positive = "\\p{" + atom[4:]
    else:
        return None
    return f"(?:(?!{positive})[\\s\\S])"


@functools.lru_cache(maxsize=1024)
def _turkic_exact(atom: str) -> str:
    """``atom`` (a character, escape or class), case-insensitive, matching ``i``, ``I``,
    ``İ`` and ``ı`` as Rust's simple case folding does, not as regex's Turkic pairs do."""
    try:
        folded = regex.compile(f"(?i:{atom})")
        negated = atom.startswith("[^") or (atom[:1] == "\\" and atom[1:2] in _NEGATED)
        positive = ("[" + atom[2:]) if atom.startswith("[^") else (
            "\\" + _NEGATED[atom[1]] + atom[2:] if negated else atom
        )
        exact = regex.compile(f"(?-i:{positive})")
    except regex.error:
        return atom  # not a one-character atom (a back-reference, say): nothing to do
    extra, missing = [], []
    for ch in _TURKIC:
        rust = any(exact.fullmatch(v) for v in _ORBIT[ch]) != negated
        ours = folded.fullmatch(ch) is not None
        if ours and not rust:
            extra.append(ch)
        elif rust and not ours:
            missing.append(ch)
    if not extra and not missing:
        return atom
    out = "(?:"
    if extra:
        out += "(?!(?-i:[" + "".join(extra) + "]))"
    out += atom
    if missing:
        out += "|(?-i:[" + "".join(missing) + "])"
    return out + ")"


#: What regex reads as a fuzzy constraint inside braces ({e}, {e<=1}, {1<=e<=3},
#: {2i+2d+1s<=4}, {e<=1:[a-z]}); tiktoken's engine reads such braces as literal text.
_FUZZY = regex.compile(r"(?:\s*\d*\s*(?:<=?|=)?\s*[eids]\s*(?:<=?|=)?\s*\d*\s*[+,]?)+(?::.*)?", regex.DOTALL)
#: Under (?i), regex widens these otherwise than tiktoken's engine (checked on every code
#: point): the cased letters (unless all three are there, making the letters) and marks.
_CASED = frozenset("lu ll lt lc l& casedletter uppercaseletter lowercaseletter titlecaseletter".split())
_MARKS = frozenset("m mn mark nonspacingmark combiningmark".split())
#: Other properties checked alike under (?i) on every code point (Greek, Common, Inherited,
#: Cased, Lowercase, Emoji... differ: refused, as is any property not checked).
_FOLDS_ALIKE = frozenset(
    "latin latn han hani alphabetic alpha cyrillic cyrl armenian armn georgian geor cherokee cher coptic copt".split()
)


def _category_key(name: str) -> str:
    """A property name as a key of CATEGORIES (lowercase, no "gc=", spaces, "_" or "-")."""
    key = loose(name)
    for prefix in ("generalcategory=", "gc="):
        key = key.removeprefix(prefix)
    return key


@functools.lru_cache(maxsize=256)
def stand_ins_for(pattern: str) -> dict[int, str]:
    r"""The stand-ins (:func:`hf_bpe.char_classes.stand_ins`: characters the installed regex
    classifies otherwise than tiktoken, each with a character regex classifies as tiktoken
    does the original) that may be matched in place of the originals with ``pattern``.

    A stand-in has the original's classes, not its identity: a character the pattern names
    (a literal, an escape, a class range) keeps its own, and so does one whose stand-in it
    names. With a script or other non-category property, only stand-ins that are unassigned
    in both engines (so "Unknown" to every property) are used.

        >>> from hf_bpe.char_classes import stand_ins
        >>> table = stand_ins()
        >>> all(point not in stand_ins_for(r"[\u0100-\U0003FFFF]") for point in table)
        True
        >>> stand_ins_for(r"\p{L}+|\s+") == table
        True
    """
    from .char_classes import stand_ins

    table = stand_ins()
    if not table:
        return {}
    read = _read(pattern)
    spans = [(lo, hi) for lo, hi in read.named if hi >= 0x80]

    def named(point: int) -> bool:
        return any(lo <= point <= hi for lo, hi in spans)

    return {
        point: stand_in
        for point, stand_in in table.items()
        if not named(point)
        and not named(ord(stand_in))
        and not (read.other_properties and regex.match(r"\p{Cn}", stand_in) is None)
    }


# ----------------------------------------------------------- which scanner splits


def canonical(pattern: str) -> str:
    """``pattern`` with possessive quantifier marks removed (``++`` → ``+``, ``?+`` → ``?``...).

        >>> canonical(r"\\p{L}++|\\p{N}{1,3}+|x?+")
        '\\\\p{L}+|\\\\p{N}{1,3}|x?'
    """
    return _without_marks(pattern)[0]


def _without_marks(pattern: str) -> tuple[str, frozenset[int]]:
    """:func:`canonical` of ``pattern``, and where in it possessive marks were (each as the
    offset in the canonical text where its mark stood)."""
    out: list[str] = []
    marks: set[int] = set()
    size = 0  # the length of "".join(out)
    i = 0
    n = len(pattern)
    in_class = False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            end = i + 2
            if pattern[i + 1] in "pPx" and end < n and pattern[end] == "{":
                close = pattern.find("}", end)
                end = n if close < 0 else close + 1
            out.append(pattern[i:end])
            size += end - i
            i = end
            continue
        out.append(ch)
        size += 1
        i += 1
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if i < n and pattern[i] == "^":
                out.append("^")
                size += 1
                i += 1
            if i < n and pattern[i] == "]":  # a literal ] first in a class
                out.append("]")
                size += 1
                i += 1
        elif ch in "+*?}" and i < n and pattern[i] == "+":
            marks.add(size)
            i += 1  # the possessive mark
    return "".join(out), frozenset(marks)


# Each family's spellings: the named patterns, plus GPT-2's original spelling of the r50k
# pattern and the spellings of Hugging Face tokenizer.json files (Llama 3's, Qwen2's,
# Qwen3.5's, Mistral's). A pattern stands for one if it is that spelling with possessive
# marks where the spelling has them, or fewer: a mark there never changes what is matched
# (the scanner tests prove the possessive and the plain spelling alike). Elsewhere a mark
# can change the split (\s++(?!\S) never matches before a word, \s+(?!\S) does): no
# scanner then.
_R50K_SPELLINGS = (R50K_PATTERN, GPT2_ORIGINAL_PATTERN)
_CL100K_SPELLINGS = (CL100K_PATTERN,)
_RUSTBPE_SPELLINGS = (RUSTBPE_PATTERN, LLAMA3_PATTERN)
_NANOCHAT_SPELLINGS = (NANOCHAT_PATTERN,)
_O200K_SPELLINGS = (O200K_PATTERN,)
# Ling's (BailingMoE's) tokenizer.json spells Qwen2's split as rustbpe's, one digit a number.
_QWEN2_SPELLINGS = (QWEN2_PATTERN, RUSTBPE_PATTERN.replace(r"\p{N}{1,3}", r"\p{N}"))
_QWEN35_SPELLINGS = (QWEN35_PATTERN,)
_TEKKEN_SPELLINGS = (TEKKEN_PATTERN,)


_SPELLINGS = (
    (R50K, _R50K_SPELLINGS),
    (CL100K, _CL100K_SPELLINGS),
    (RUSTBPE, _RUSTBPE_SPELLINGS),
    (NANOCHAT, _NANOCHAT_SPELLINGS),
    (O200K, _O200K_SPELLINGS),
    (QWEN2, _QWEN2_SPELLINGS),
    (QWEN35, _QWEN35_SPELLINGS),
    (TEKKEN, _TEKKEN_SPELLINGS),
)


def _known() -> dict[str, tuple[int, frozenset[int]]]:
    known: dict[str, tuple[int, frozenset[int]]] = {}
    for family, spellings in _SPELLINGS:
        for spelling in spellings:
            known[canonical(spelling)] = (family, _without_marks(spelling)[1])
    return known


_KNOWN: dict[str, tuple[int, frozenset[int]]] = _known()


def known_spellings() -> dict[str, int]:
    """``{pattern: family}`` for every pattern spelling a scanner stands in for, as written
    and without its possessive marks (the scanner tests prove each)."""
    known = {spelling: family for family, spellings in _SPELLINGS for spelling in spellings}
    known.update((spelling, family) for spelling, (family, _) in _KNOWN.items())
    return known


def family_of(pattern: str) -> int:
    """The scanner family for ``pattern`` (:data:`NONE` if it has no scanner)."""
    plain, marks = _without_marks(pattern)
    family, allowed = _KNOWN.get(plain, (NONE, frozenset()))
    return family if marks <= allowed else NONE
