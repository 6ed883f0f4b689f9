"""text → pieces: cut a text into the pieces that BPE encodes one by one.

Compiled by mypyc. A :class:`Splitter` applies a split pattern exactly as tiktoken does,
including tiktoken's Unicode version (see :mod:`hf_bpe.char_classes`)::

    >>> from hf_bpe.pieces import Splitter
    >>> Splitter(r"\\p{L}+|\\p{N}+|\\s+|[^\\s\\p{L}\\p{N}]+").split("Hello, world 42!")
    ['Hello', ',', ' ', 'world', ' ', '42', '!']

Text that no alternative of the pattern matches is skipped, as in tiktoken, and so are
empty matches (a pattern such as ``a*`` matches nothing between two ``b``). After an empty
match, the search goes on from the next character, as tiktoken's engine does: that
character may then be in no piece (see :func:`_spans_as_tiktoken`).

The OpenAI patterns (and rustbpe's, nanochat's, Llama 3's, Qwen2's, Qwen3.5's and Mistral's
Tekken) are split by the compiled scanners of :mod:`hf_bpe.scanners`, which give the same
pieces as the regex (``family`` tells which scanner, 0 for none); most other patterns by
the compiled matcher of :mod:`hf_bpe.pattern_matcher` (``program``; ``None`` for a
pattern outside its subset, which ``regex`` splits). ``use_scanner=False`` or
``HF_BPE_NO_SCANNERS=1`` forces the regex::

    >>> from hf_bpe.patterns import CL100K_PATTERN
    >>> s = Splitter(CL100K_PATTERN)
    >>> s.family > 0, s.split("Hello, world 12345") == Splitter(CL100K_PATTERN, use_scanner=False).split("Hello, world 12345")
    (True, True)
"""

from __future__ import annotations

import os
from typing import Any, Final, Optional

from mypy_extensions import i64

from .char_classes import stand_in_bitmap, stand_ins
from .normalization import normalize as _normalize
from .pattern_matcher import Program, match_into
from .pattern_program import program_for
from .pattern_syntax import compile_pattern, family_of, stand_ins_for
from .scanners import NONE, EndsSink, Sink, scan_into


def repair_surrogates(text: str) -> str:
    """``text`` if it encodes to UTF-8, else with surrogates paired up or replaced by
    U+FFFD, as tiktoken does before encoding.

        >>> repair_surrogates("a\\ud83d\\ude00b\\ud800")
        'a😀b�'
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` has a surrogate code point (such text has no UTF-8 bytes).

        >>> has_lone_surrogate("a\\ud800"), has_lone_surrogate("a😀")
        (True, False)
    """
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


class Splitter:
    """Splits texts with one pattern; cheap to call, safe to share between threads."""

    pattern: Final[str]
    #: The scanner family of :mod:`hf_bpe.scanners` that splits, or 0.
    family: Final[int]
    #: Without a scanner, the program of :mod:`hf_bpe.pattern_matcher` that splits, or
    #: ``None`` (``regex`` splits).
    program: Final[Optional[Program]]
    #: The Unicode form (``"NFC"``, ``"NFKC"``) encoding puts a text in before splitting
    #: it (see :meth:`normalize`), as the normalizer of a ``tokenizer.json`` of that name
    #: does (Qwen's NFC), or ``None``.
    normalization: Final[Optional[str]]

    def __init__(self, pattern: str, use_scanner: bool = True, normalization: Optional[str] = None) -> None:
        self.pattern = pattern
        self.normalization = normalization
        self._regex: Any = compile_pattern(pattern)
        self._has_groups: bool = self._regex.groups > 0
        # Characters whose classes the installed regex misjudges are matched through a
        # stand-in of tiktoken's classes, unless the pattern names them.
        # (Found on the first split of a non-ASCII text by regex: the scanners and the compiled
        # matcher, which read tiktoken's classes themselves, never need them.)
        self._stand_ins: Optional[dict[int, str]] = None
        self._use_scanner = use_scanner
        wanted = use_scanner and os.environ.get("HF_BPE_NO_SCANNERS") != "1"
        self.family = family_of(pattern) if wanted else NONE
        self.program = program_for(pattern) if wanted and self.family == NONE else None

    def __reduce__(self) -> tuple[Any, tuple[str, bool, Optional[str]]]:
        return (Splitter, (self.pattern, self._use_scanner, self.normalization))

    def normalize(self, text: str) -> str:
        """``text`` as it is split when encoding: in the Unicode form :attr:`normalization`
        names, as HF tokenizers' normalizer puts it (:func:`hf_bpe.normalization.normalize`;
        the same object if it already is), else as given. :meth:`split` and :meth:`feed`
        split what they are given.

            >>> Splitter(r"\\S+|\\s+", normalization="NFC").normalize("cafe\\u0301") == "caf\\u00e9"
            True
        """
        normalization = self.normalization
        return text if normalization is None else _normalize(text, normalization)

    @property
    def compiled(self) -> bool:
        """Whether a scanner or the compiled matcher splits (then :meth:`feed` works)."""
        return self.family != NONE or self.program is not None

    def feed(self, data: bytes, sink: Sink) -> None:
        """Call ``sink.piece(data, start, end)`` for each piece of ``data`` (UTF-8), found by
        the scanner or the compiled matcher (see :attr:`compiled`): the spans of the bytes
        themselves, no ``str`` per piece.

            >>> from hf_bpe.scanners import EndsSink
            >>> ends: list[int] = []
            >>> Splitter(r"\\p{L}+|\\s+").feed("héllo wörld".encode(), EndsSink(ends))
            >>> ends
            [6, 7, 13]
        """
        if self.program is not None:
            match_into(self.program, data, sink)
        else:
            scan_into(self.family, data, sink)

    def split(self, text: str) -> list[str]:
        """The pieces of ``text``, in order; their concatenation is the matched text."""
        if not self.compiled:
            return self.split_with_regex(text)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: leave them to regex
            return self.split_with_regex(text)
        if self.program is not None:  # its pieces need not tile the text
            sink = _PieceSink()
            self.feed(data, sink)
            return sink.pieces
        ends: list[int] = []
        self.feed(data, EndsSink(ends))
        pieces: list[str] = []
        start = 0
        if len(data) == len(text):  # ASCII: byte offsets are character offsets
            for end in ends:
                pieces.append(text[start:end])
                start = end
        else:
            for end in ends:
                pieces.append(data[start:end].decode("utf-8"))
                start = end
        return pieces

    def split_with_regex(self, text: str) -> list[str]:
        """:meth:`split` with the ``regex`` package, whatever scanner there is."""
        subject = text
        if not text.isascii():
            if self._stand_ins is None:
                self._stand_ins = stand_ins_for(self.pattern)
            if self._stand_ins and _has_stand_in(text):
                subject = text.translate(self._stand_ins)  # same length, same spans
        if subject is text and not self._has_groups:
            found: list[str] = self._regex.findall(text)
            if "" not in found:
                return found
            spans = _spans_as_tiktoken(self._regex, subject)  # an empty match: find them again
        else:
            spans = [m.span() for m in self._regex.finditer(subject)]
            if any(start == end for start, end in spans):
                spans = _spans_as_tiktoken(self._regex, subject)
        return [text[start:end] for start, end in spans if end > start]


class _PieceSink(Sink):
    """Collects each piece as a ``str``."""

    def __init__(self) -> None:
        self.pieces: list[str] = []

    def piece(self, data: bytes, start: i64, end: i64) -> None:
        self.pieces.append(data[start:end].decode("utf-8"))


def _spans_as_tiktoken(pattern: Any, text: str) -> list[tuple[int, int]]:
    """The spans of the non-empty matches of ``pattern`` in ``text``, found as tiktoken's
    engine (fancy-regex) finds them when a match is empty. After an empty match at ``p``
    it searches again from the next character, not from ``p``, and it skips an empty match
    where the last match ended: so with ``\\w*|\\s+`` the space of "a b" is in no piece
    (``regex`` would try ``\\s+`` at that position and match it).

        >>> import regex
        >>> import regex
        >>> _spans_as_tiktoken(regex.compile(r"\\w*|\\s+"), "a b  c")
        [(0, 1), (2, 3), (5, 6)]
    """
    spans: list[tuple[int, int]] = []
    position = 0
    last_end = -1
    while position <= len(text):
        found = pattern.search(text, position)
        if found is None:
            break
        start, end = found.span()
        if start < end:
            spans.append((start, end))
            position = end
        else:
            position = end + 1
            if end == last_end:
                continue
        last_end = end
    return spans


def _has_stand_in(text: str) -> bool:
    """Whether ``text`` holds a character whose class the installed regex misjudges."""
    if not stand_ins():
        return False
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (split() passes them on as they are)
        data = text.encode("utf-8", "surrogatepass")
    return first_flagged_char(data, stand_in_bitmap()) >= 0


def first_flagged_char(data: bytes, bitmap: bytes) -> int:
    """Byte offset of the first UTF-8 character of ``data`` whose bit is set, else -1."""
    n = len(data)
    i = 0
    while i < n:
        b = data[i]
        if b < 0x80:
            i += 1
            continue
        if b >= 0xF0:
            point = ((b & 0x07) << 18) | ((data[i + 1] & 0x3F) << 12) | ((data[i + 2] & 0x3F) << 6) | (data[i + 3] & 0x3F)
            width = 4
        elif b >= 0xE0:
            point = ((b & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F)
            width = 3
        else:
            point = ((b & 0x1F) << 6) | (data[i + 1] & 0x3F)
            width = 2
        if (bitmap[point >> 3] >> (point & 7)) & 1:
            return i
        i += width
    return -1
