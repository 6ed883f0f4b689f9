"""tiktoken split patterns in the dialect of Oniguruma, the regex engine of HF tokenizers.

:func:`hf_pattern` rewrites a pattern (or refuses, with a
:class:`~hf_bpe.errors.PatternError`, a construct the two engines read differently);
:func:`check_pattern_on_oniguruma` then checks, with ``tokenizers`` when it is installed
(imported lazily), that HF's ``Split`` cuts probe texts exactly as hf_bpe does::

    >>> from hf_bpe.patterns import PATTERNS
    >>> onig = hf_pattern(PATTERNS["cl100k_base"])
    >>> check_pattern_on_oniguruma(PATTERNS["cl100k_base"], onig)   # None: they agree
"""

from __future__ import annotations

import functools
import json
import random
from typing import TYPE_CHECKING, Any

from hf_bpe.errors import PatternError

if TYPE_CHECKING:
    from hf_bpe.pieces import Splitter

__all__ = [
    "END_OF_TEXT", "check_pattern_on_oniguruma", "check_pre_tokenizer", "checked_hf_pre_tokenizer", "hf_pattern",
    "hf_pre_tokenizer", "pattern_of_pre_tokenizer", "tiktoken_dialect",
]


#: How :func:`hf_pattern` writes a ``$`` that follows ``\\s++`` or ``\\s*+``: no character
#: follows. Oniguruma's ``$`` is the end of a line, but after a possessive run of white
#: space it can only be the end of the text, so ``$`` would do for HF tokenizers; not for
#: readers of ``tokenizer.json`` that drop possessive marks (transformers.js: its
#: ``\\s+$`` backtracks to the white space before a newline, and cl100k's ids differ
#: on text with blank lines).
END_OF_TEXT = r"(?![\s\S])"

_CLASS_ESCAPES = frozenset("sSdDwWrntfv")
_SAFE_GROUPS = ("(?:", "(?i:", "(?=", "(?!", "(?<=", "(?<!", "(?>")


def _read_escape(pat: str, i: int, in_class: bool) -> tuple[str, int]:
    """Read the escape starting at ``pat[i] == '\\\\'``; return (Oniguruma text, next index)."""
    if i + 1 >= len(pat):
        raise PatternError(f"pattern ends with a lone backslash: {pat!r}")
    c = pat[i + 1]
    if c in "pP":
        if i + 2 < len(pat) and pat[i + 2] == "{":
            end = pat.find("}", i + 3)
            if end < 0:
                raise PatternError(f"unterminated \\{c}{{...}} at offset {i} in {pat!r}")
            name = pat[i + 3 : end]
            if not name or not all(ch.isalnum() or ch in "_=" for ch in name):
                raise PatternError(f"unsupported property \\{c}{{{name}}} in {pat!r}")
            return pat[i:end + 1], end + 1
        if i + 2 < len(pat) and pat[i + 2].isalpha():
            return f"\\{c}{{{pat[i + 2]}}}", i + 3
        raise PatternError(f"malformed \\{c} at offset {i} in {pat!r}")
    if c in _CLASS_ESCAPES:
        return pat[i : i + 2], i + 2
    if c in "xu" and pat[i + 2 : i + 3] == "{":  # \x{HHHH}, and Rust's \u{HHHH}: \x{HHHH} in Oniguruma
        end = pat.find("}", i + 3)
        digits = pat[i + 3 : end] if end > 0 else ""
        if not digits or any(ch not in "0123456789abcdefABCDEF" for ch in digits):
            raise PatternError(f"malformed \\{c}{{...}} at offset {i} in {pat!r}")
        return f"\\x{{{digits}}}", end + 1
    if c == "x":
        digits = pat[i + 2 : i + 4]
        if len(digits) != 2 or any(ch not in "0123456789abcdefABCDEF" for ch in digits):
            raise PatternError(f"malformed \\x escape at offset {i} in {pat!r}")
        return pat[i : i + 4], i + 4
    if c == "u":
        digits = pat[i + 2 : i + 6]
        if len(digits) != 4 or any(ch not in "0123456789abcdefABCDEF" for ch in digits):
            raise PatternError(f"malformed \\u escape at offset {i} in {pat!r}")
        return pat[i : i + 6], i + 6
    if c.isalnum() or c == "_":
        where = "a character class" if in_class else "the pattern"
        raise PatternError(
            f"escape \\{c} in {where} of {pat!r} is not one that Oniguruma (HF tokenizers) "
            "and tiktoken read the same way; supported: \\p{..} \\P{..} \\s \\S \\d \\D \\w \\W "
            "\\r \\n \\t \\f \\v \\xHH \\x{..} \\uHHHH \\u{..} and escaped punctuation"
        )
    return pat[i : i + 2], i + 2


def _read_class(pat: str, i: int) -> tuple[str, int]:
    """Read ``[...]`` starting at ``pat[i] == '['``; return (text, next index)."""
    out = ["["]
    j = i + 1
    if pat[j : j + 1] == "^":
        out.append("^")
        j += 1
    if pat[j : j + 1] == "]":
        raise PatternError(f"write a leading ']' in a character class as '\\]' (offset {j} in {pat!r})")
    while True:
        if j >= len(pat):
            raise PatternError(f"unterminated character class at offset {i} in {pat!r}")
        c = pat[j]
        if c == "]":
            out.append("]")
            return "".join(out), j + 1
        if c == "\\":
            text, j = _read_escape(pat, j, in_class=True)
            out.append(text)
            continue
        if c == "[":
            raise PatternError(
                f"nested '[' in a character class (POSIX class or set operation) at offset {j} "
                f"in {pat!r}: Oniguruma and tiktoken disagree on these; escape it as '\\['"
            )
        if pat[j : j + 2] in ("&&", "--", "||", "~~"):
            raise PatternError(
                f"{pat[j:j + 2]!r} in a character class at offset {j} in {pat!r} is a set "
                "operation in one engine and literal text in another; escape it"
            )
        out.append(c)
        j += 1


def _read_interval(pat: str, i: int) -> tuple[str, int] | None:
    """Read ``{n}``, ``{n,}`` or ``{n,m}`` at ``pat[i] == '{'``; None if it is not one."""
    end = pat.find("}", i)
    if end < 0:
        return None
    body = pat[i + 1 : end]
    lo, comma, hi = body.partition(",")
    if not lo.isdigit() or (hi and not hi.isdigit()) or (not comma and hi):
        return None
    return pat[i : end + 1], end + 1


@functools.lru_cache(maxsize=64)
def hf_pattern(pat_str: str) -> str:
    """Rewrite a tiktoken split pattern for Oniguruma, or raise ``PatternError``.

    Oniguruma reads ``X{n,m}+`` as "repeat the interval", not as a possessive interval;
    it is rewritten as ``X{n,m}`` where nothing follows in its branch (the two are then
    the same) and as the atomic ``(?>X{n,m})`` elsewhere.  ``?+``, ``*+`` and ``++`` are
    possessive in both engines and stay.  ``$`` right after ``\\s++`` or ``\\s*+`` (the end
    of the text there, in both engines) is written :data:`END_OF_TEXT`.  Constructs the
    engines read differently (``^``, other ``$``, ``\\Z``, ``\\b``, POSIX classes, set
    operations, inline flags other than a scoped ``(?i:...)``, named groups, backreferences)
    are refused.

    >>> hf_pattern(r"\\p{N}{1,3}+| ?\\p{L}++|\\s++$")
    '\\\\p{N}{1,3}| ?\\\\p{L}++|\\\\s++(?![\\\\s\\\\S])'
    >>> hf_pattern(r"\\d{2}+x")
    '(?>\\\\d{2})x'
    >>> hf_pattern(r"^\\w+")
    Traceback (most recent call last):
    ...
    hf_bpe.errors.PatternError: '^' in '^\\\\w+' ...
    """
    if not isinstance(pat_str, str) or not pat_str:
        raise PatternError("the split pattern must be a non-empty str")
    # Each frame is the list of atoms of one group; an atom is (text, quantified_possessive_interval)
    frames: list[list[str]] = [[]]
    openers: list[str] = []
    i = 0
    n = len(pat_str)
    pat = pat_str

    def last_atom(what: str) -> str:
        atoms = frames[-1]
        if not atoms or atoms[-1] == "|":
            raise PatternError(f"{what} at offset {i} in {pat!r} has nothing to repeat")
        return atoms[-1]

    while i < n:
        c = pat[i]
        if c == "\\":
            text, i = _read_escape(pat, i, in_class=False)
            frames[-1].append(text)
        elif c == "[":
            text, i = _read_class(pat, i)
            frames[-1].append(text)
        elif c == "(":
            if pat.startswith("(?", i):
                opener = next((g for g in _SAFE_GROUPS if pat.startswith(g, i)), None)
                if opener is None:
                    raise PatternError(
                        f"group {pat[i:i + 4]!r}... at offset {i} in {pat!r} is not supported "
                        "(only (...), (?:...), (?i:...), (?=...), (?!...), (?<=...), (?<!...), "
                        "(?>...); inline flags must be scoped as (?i:...))"
                    )
            else:
                opener = "("
            openers.append(opener)
            frames.append([])
            i += len(opener)
        elif c == ")":
            if not openers:
                raise PatternError(f"unbalanced ')' at offset {i} in {pat!r}")
            body = "".join(frames.pop())
            frames[-1].append(openers.pop() + body + ")")
            i += 1
        elif c == "|":
            frames[-1].append("|")
            i += 1
        elif c in "*+?":
            atom = last_atom(repr(c))
            q = c
            if pat[i + 1 : i + 2] in ("?", "+"):
                q += pat[i + 1]
            frames[-1][-1] = atom + q
            i += len(q)
        elif c == "{":
            interval = _read_interval(pat, i)
            if interval is None:
                raise PatternError(
                    f"'{{' at offset {i} in {pat!r} is neither {{n}}, {{n,}} nor {{n,m}}; "
                    "escape a literal brace as '\\{'"
                )
            text, i = interval
            atom = last_atom(text)
            suffix = pat[i : i + 1]
            if suffix == "?":
                frames[-1][-1] = atom + text + "?"
                i += 1
            elif suffix == "+":
                i += 1
                ends_branch = len(frames) == 1 and (i >= n or pat[i] == "|")
                frames[-1][-1] = atom + text if ends_branch else f"(?>{atom}{text})"
            else:
                frames[-1][-1] = atom + text
        elif c == "^":
            raise PatternError(
                f"'^' in {pat!r} matches after every newline in Oniguruma but only at the start "
                "of the text in tiktoken; remove it"
            )
        elif c == "$":
            atoms = frames[-1]
            if not atoms or atoms[-1] not in ("\\s++", "\\s*+"):
                raise PatternError(
                    f"'$' in {pat!r} matches before every newline in Oniguruma but only at the "
                    "end of the text in tiktoken; it is only supported right after \\s++ or \\s*+"
                )
            atoms.append(END_OF_TEXT)
            i += 1
        else:
            frames[-1].append(c)
            i += 1
    if openers:
        raise PatternError(f"unbalanced '(' in {pat!r}")
    return "".join(frames[0])


def tiktoken_dialect(onig: str) -> str:
    """``onig`` with :data:`END_OF_TEXT` after ``\\s++``/``\\s*+`` read back as ``$``,
    as :func:`hf_pattern` writes it (and as files written before it did so hold it).

    >>> tiktoken_dialect(hf_pattern(r" ?\\p{L}++|\\s++$|\\s+(?!\\S)|\\s"))
    ' ?\\\\p{L}++|\\\\s++$|\\\\s+(?!\\\\S)|\\\\s'
    """
    for run in ("\\s++", "\\s*+"):
        onig = onig.replace(run + END_OF_TEXT, run + "$")
    return onig


# Probe strings: one or two representatives of each character class the known patterns
# distinguish, plus the characters where Oniguruma's case folding and anchors differ.
_PROBE_ALPHABET = (
    "aZsStTlLvVeErRdDmM"  # letters, incl. the contraction letters
    "0759\u0663\u2167\u00bd"  # digits, Arabic-Indic digit, Roman numeral (Nl), one half (No)
    " \t\n\r\x0b\x0c\u00a0\u3000\u2028\u0085"  # whitespace
    "'\u2019\".,/-!?_()#"  # punctuation
    "\u00e9\u4e2d\u0301\u01c5\u02b0\u017f\u212a\u00df\ufb06\ufb01\u0130"  # é 中 mark ǅ ʰ ſ K ß ﬆ ﬁ İ
    "\U0001f600\u200b\u200c\u200d"  # emoji, zero-width space, non-joiner, joiner (\w to tiktoken)
    "\u0345\u00ad\ue000\u2605\U000323b0"  # ypogegrammeni (folds to a letter), soft hyphen (Cf),
    # private use, a star (Extended_Pictographic), a CJK character newer than tiktoken's Unicode
    "\u03b1\u0434\u0628\u05d0\u0915\u0e01\ud55c\u3042\u30ab"  # letters of other scripts:
    # Greek, Cyrillic, Arabic, Hebrew, Devanagari, Thai, Hangul, Hiragana, Katakana
)
_PROBE_CORE = "aZs'0 \n\r\t.\u00e9\u0301\u01c5\u2019\ufb06"


@functools.lru_cache(maxsize=1)
def _probe_texts() -> tuple[str, ...]:
    alphabet = _PROBE_ALPHABET
    texts = [a + b for a in alphabet for b in alphabet]
    core = _PROBE_CORE
    texts += [a + b + c for a in core for b in core for c in core]
    rng = random.Random(20261129)
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(4, 24))) for _ in range(3000)]
    texts += [
        "I'm sure they'll say it's 12345 o'clock, isn't it?  Yes.\n\n   ",
        "HELLO World's THEY'RE we've   \r\n\r\n x  \t y\n",
        "def f(x):\n    return x**2  # 1000000\n\n\n",
        "don'T WE'LL 'S 's 'sa 'ſ \u212aelvin 2024-11-29 3.14159 1,234,567",
    ]
    return tuple(texts)


def _pattern_probes(pat_str: str) -> list[str]:
    """Probe texts of the characters ``pat_str`` names (the ends of its class ranges) and of
    their neighbours, alone and beside the core characters: a class such as
    ``[^\\x{2603}]`` leaves unmatched a character that the fixed probes need not hold.

        >>> "\u2603" in _pattern_probes(r"[^\\x{2603}]+")
        True
    """
    from hf_bpe.pattern_syntax import named_spans

    named: set[str] = set()
    for lo, hi in named_spans(pat_str):
        for p in (lo - 1, lo, hi, hi + 1):
            if 0 <= p <= 0x10FFFF and not 0xD800 <= p <= 0xDFFF:
                named.add(chr(p))
    extra = sorted(named - set(_PROBE_ALPHABET))
    return [*extra, *(c + c for c in extra), *(a + b for c in extra for k in _PROBE_CORE for a, b in ((c, k), (k, c)))]


@functools.lru_cache(maxsize=64)
def check_pattern_on_oniguruma(
    pat_str: str, onig_pattern: str, *, drops_unmatched: bool = False, reading: bool = False
) -> None:
    """Raise ``PatternError`` unless HF's ``Split`` with ``onig_pattern`` cuts probe texts
    exactly as hf_bpe (tiktoken) cuts them with ``pat_str``, and leaves no text unmatched
    (tiktoken drops such text, HF's ``Split`` of behavior ``Isolated`` keeps it; with
    ``drops_unmatched``, the ``Split`` is one that drops it too: behavior ``Removed``,
    ``invert``).  The probes hold one or two characters of
    each class the usual patterns tell apart, in all pairs, all triples of a core set, and
    random strings, and the characters the pattern names itself.  Needs ``tokenizers``;
    without it only the patterns hf_bpe knows by name (checked by its own tests) pass.
    The error's advice is for writing ``onig_pattern`` into a ``tokenizer.json``, or with
    ``reading``, for a file that holds it.
    """
    try:
        from tokenizers import Regex, pre_tokenizers
    except ImportError:
        from hf_bpe.patterns import PATTERNS

        if pat_str in PATTERNS.values():
            return
        raise PatternError(
            f"HF tokenizers is needed to check that tokenizer.json splits text as {pat_str!r} does "
            "(pip install 'hf_bpe[hf]')"
        ) from None
    from hf_bpe.pieces import Splitter

    reference = Splitter(pat_str)  # raises PatternError for an invalid pattern
    try:
        if drops_unmatched:
            split = pre_tokenizers.Split(Regex(onig_pattern), behavior="removed", invert=True)
        else:
            split = pre_tokenizers.Split(Regex(onig_pattern), behavior="isolated")
    except Exception as err:  # tokenizers raises a plain Exception for Oniguruma errors
        raise PatternError(f"Oniguruma (HF tokenizers) rejects {onig_pattern!r}: {err}") from None
    difference = _first_difference(reference, split, in_byte_alphabet=False, all_matched=not drops_unmatched)
    if difference is not None:
        text, ours, theirs = difference
        advice = (
            "so no tiktoken pattern gives this tokenizer.json's pieces (a Split regex written from a tiktoken "
            "pattern by hand? Oniguruma reads some syntax otherwise, X{n,m}+ for one; hf_bpe.save_tokenizer_json "
            "rewrites it)"
            if reading
            else "this pattern cannot be exported to tokenizer.json"
        )
        raise PatternError(
            f"Oniguruma splits {text!r} as {theirs!r} with {onig_pattern!r}, tiktoken as "
            f"{ours!r} with {pat_str!r}: {advice}"
        )


def _first_difference(
    reference: Splitter, pre_tokenizer: Any, *, in_byte_alphabet: bool, all_matched: bool
) -> tuple[str, list[str], list[str]] | None:
    """The first probe text that the tokenizers ``pre_tokenizer`` cuts otherwise than the
    hf_bpe splitter ``reference`` (text, hf_bpe's pieces, theirs), or None.  With
    ``in_byte_alphabet``, hf_bpe's pieces are spelled in GPT-2's byte alphabet, as a
    ``ByteLevel`` stage writes them; with ``all_matched``, a probe that ``pat_str`` leaves
    partly unmatched raises ``PatternError`` (tiktoken drops such text, a ``Split`` of
    behavior ``Isolated`` keeps it)."""
    from hf_bpe.hf_vocab import token_str

    pat_str = reference.pattern
    for text in (*_probe_texts(), *_pattern_probes(pat_str)):
        ours = reference.split(text)
        if all_matched and "".join(ours) != text:
            fix = _how_to_match_all(pat_str, text)
            raise PatternError(
                f"pattern {pat_str!r} leaves {text!r} partly unmatched: tiktoken drops such text "
                f"but HF tokenizers keeps it, so no tokenizer.json can reproduce it ({fix})"
            )
        if in_byte_alphabet:
            ours = [token_str(piece.encode("utf-8", "surrogatepass")) for piece in ours]
        theirs = [piece for piece, _ in pre_tokenizer.pre_tokenize_str(text)]
        if ours != theirs:
            return text, ours, theirs
    return None


def _how_to_match_all(pat_str: str, text: str) -> str:
    """What to change in ``pat_str`` so that its pieces of ``text`` cover it all."""
    import regex

    from hf_bpe.pattern_syntax import regex_pattern

    found = list(regex.finditer(regex_pattern(pat_str), text))  # regex retries after an empty match
    hints = []
    if "".join(m.group() for m in found) != text:
        hints.append("end the pattern with a catch-all such as |\\s+|\\S")
    if any(m.start() == m.end() for m in found):
        hints.append(
            "make every alternative match at least one character: after an empty match "
            "tiktoken goes on from the next character, leaving it out"
        )
    return "; ".join(hints)


#: The ``ByteLevel`` stage after a ``Split``: bytes to GPT-2's alphabet, no further split.
BYTE_LEVEL_STAGE: dict[str, Any] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}


def _split_stage(onig: str) -> dict[str, Any]:
    return {"type": "Split", "pattern": {"Regex": onig}, "behavior": "Isolated", "invert": False}


@functools.lru_cache(maxsize=1)
def _known_stages() -> dict[str, tuple[dict[str, Any], ...]]:
    """Named patterns that a ``tokenizer.json`` writes as other pre-tokenizer stages than
    one ``Split`` (see :func:`hf_pre_tokenizer`), and those stages."""
    from hf_bpe.patterns import DEEPSEEK_V3_PATTERN, DEEPSEEK_V3_SPLITS, STARCODER_PATTERN

    return {
        DEEPSEEK_V3_PATTERN: (*map(_split_stage, DEEPSEEK_V3_SPLITS), BYTE_LEVEL_STAGE),
        STARCODER_PATTERN: (
            {"type": "Digits", "individual_digits": True},
            {**BYTE_LEVEL_STAGE, "use_regex": True},  # GPT-2's regex
        ),
    }


def hf_pre_tokenizer(pat_str: str) -> dict[str, Any]:
    """The ``pre_tokenizer`` of a ``tokenizer.json`` that cuts text as ``pat_str`` does: a
    ``Split`` with :func:`hf_pattern`'s regex, then ``ByteLevel``; for a pattern that stands
    for other stages (DeepSeek-V3's three ``Split`` stages, StarCoder's ``Digits`` then
    GPT-2's ``ByteLevel``), those stages.

        >>> from hf_bpe.patterns import PATTERNS
        >>> [s["type"] for s in hf_pre_tokenizer(PATTERNS["cl100k_base"])["pretokenizers"]]
        ['Split', 'ByteLevel']
        >>> [s["type"] for s in hf_pre_tokenizer(PATTERNS["starcoder"])["pretokenizers"]]
        ['Digits', 'ByteLevel']
    """
    stages = _known_stages().get(pat_str) or (_split_stage(hf_pattern(pat_str)), BYTE_LEVEL_STAGE)
    return {"type": "Sequence", "pretokenizers": [json.loads(json.dumps(stage)) for stage in stages]}


def _stage_key(stage: Any) -> tuple[Any, ...]:
    """What a pre-tokenizer stage does, comparable (a carriage return or line feed in a
    regex may be written as itself or escaped; ``trim_offsets`` changes no piece)."""
    if not isinstance(stage, dict):
        return (repr(stage),)
    kind = stage.get("type")
    if kind == "Split":
        regex = (stage.get("pattern") or {}).get("Regex")
        spelled = regex.replace("\r", "\\r").replace("\n", "\\n") if isinstance(regex, str) else repr(regex)
        return (kind, spelled, stage.get("behavior"), bool(stage.get("invert")))
    if kind == "Digits":
        return (kind, bool(stage.get("individual_digits")))
    if kind == "ByteLevel":
        return (kind, bool(stage.get("add_prefix_space")), bool(stage.get("use_regex", True)))  # (as tokenizers reads them)
    return (kind, json.dumps(stage, sort_keys=True))


def pattern_of_pre_tokenizer(pre: Any) -> str | None:
    """The named pattern whose pre-tokenizer stages ``pre`` holds when they are not one
    ``Split`` then ``ByteLevel`` (see :func:`hf_pre_tokenizer`), or None."""
    if not isinstance(pre, dict) or pre.get("type") != "Sequence" or not isinstance(pre.get("pretokenizers"), list):
        return None
    wanted = [_stage_key(stage) for stage in pre["pretokenizers"]]
    return next((p for p, stages in _known_stages().items() if [_stage_key(s) for s in stages] == wanted), None)


@functools.lru_cache(maxsize=16)
def check_pre_tokenizer(pat_str: str, pre_json: str) -> None:
    """Raise ``PatternError`` unless the ``pre_tokenizer`` ``pre_json`` (JSON text, as in a
    ``tokenizer.json``) cuts probe texts as hf_bpe cuts them with ``pat_str`` (compared in
    GPT-2's byte alphabet, which its ``ByteLevel`` stage writes). Needs ``tokenizers``,
    as :func:`check_pattern_on_oniguruma` does."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        from hf_bpe.patterns import PATTERNS

        if pat_str in PATTERNS.values():
            return
        raise PatternError("checking a tokenizer.json's pre_tokenizer needs HF tokenizers (pip install 'hf_bpe[hf]')") from None
    from hf_bpe.pieces import Splitter

    shell = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
             "pre_tokenizer": json.loads(pre_json), "post_processor": None, "decoder": None,
             "model": {"type": "BPE", "vocab": {}, "merges": []}}
    try:
        theirs = Tokenizer.from_str(json.dumps(shell)).pre_tokenizer
    except Exception as err:  # tokenizers raises a plain Exception for what it cannot read
        raise PatternError(f"HF tokenizers rejects the pre_tokenizer {pre_json[:200]}: {err}") from None
    difference = _first_difference(Splitter(pat_str), theirs, in_byte_alphabet=True, all_matched=False)
    if difference is not None:
        text, ours, pieces = difference
        raise PatternError(
            f"HF tokenizers' pre_tokenizer cuts {text!r} as {pieces!r}, hf_bpe as {ours!r} with {pat_str!r}"
        )


def checked_hf_pre_tokenizer(pat_str: str) -> dict[str, Any]:
    """:func:`hf_pre_tokenizer` of ``pat_str``, checked to split as tiktoken does; a
    :class:`PatternError` says why not."""
    pre = hf_pre_tokenizer(pat_str)
    if pat_str in _known_stages():
        check_pre_tokenizer(pat_str, json.dumps(pre))
    else:
        check_pattern_on_oniguruma(pat_str, pre["pretokenizers"][0]["pattern"]["Regex"], drops_unmatched=False)
    return pre
