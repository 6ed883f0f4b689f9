"""Split patterns by name: the regexes that cut text into pieces before BPE.

    >>> from hf_bpe.patterns import get_pattern
    >>> get_pattern("cl100k_base") == CL100K_PATTERN
    True
    >>> get_pattern(r"\\w+|\\s+")        # anything else is taken as a regex itself
    '\\\\w+|\\\\s+'
    >>> get_pattern("cl100k")              # but not a name misspelled
    Traceback (most recent call last):
    hf_bpe.errors.PatternError: unknown pattern name 'cl100k' (did you mean 'cl100k_base'?); ...
"""

from __future__ import annotations

import difflib
import re
from typing import Final

from .errors import PatternError

R50K_PATTERN: Final = (
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
)
"""GPT-2, r50k_base, p50k_base and p50k_edit."""

GPT2_ORIGINAL_PATTERN: Final = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
r"""GPT-2's original spelling of the same split (no possessive quantifiers, no ``\s++$``);
it cuts every text as :data:`R50K_PATTERN` does."""

CL100K_PATTERN: Final = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
"""cl100k_base (GPT-4, GPT-3.5)."""

O200K_PATTERN: Final = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
"""o200k_base and o200k_harmony (GPT-4o and later)."""

RUSTBPE_PATTERN: Final = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"""
)
"""rustbpe's default: the cl100k pattern as rewritten for fancy-regex (Feb 2024)."""

NANOCHAT_PATTERN: Final = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"""
)
"""nanochat's SPLIT_PATTERN: rustbpe's default with numbers of at most two digits."""

LLAMA3_PATTERN: Final = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
"""The split of Llama 3's ``tokenizer.json``: another spelling of :data:`RUSTBPE_PATTERN`
(it cuts every text alike, so it gets the same scanner)."""

QWEN2_PATTERN: Final = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
"""The split of Qwen2's (and Qwen2.5's, Qwen3's) ``tokenizer.json``: :data:`LLAMA3_PATTERN`
with one digit per number."""

QWEN35_PATTERN: Final = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
"""The split of Qwen3.5's ``tokenizer.json``: :data:`QWEN2_PATTERN` with marks (``\\p{M}``) in
words rather than in punctuation."""

TEKKEN_PATTERN: Final = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*""",
        r"""\p{N}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
"""Mistral's Tekken split (``tekken.json``; Mistral NeMo, Small 3, Pixtral): :data:`O200K_PATTERN`
without the contractions, with one digit per number."""

#: The characters of DeepSeek-V3's second Split: CJK ideographs up to U+9FA5, hiragana and
#: katakana (as ranges of a character class).
_DEEPSEEK_CJK = "\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff"
_DEEPSEEK_PUNCT = r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"""
DEEPSEEK_V3_PATTERN: Final = "|".join(
    [
        # 1. runs of digits, three at a time (the first Split: no later one cuts them)
        r"""\p{N}{1,3}""",
        # 2. within a run of CJK characters (the second Split), the third one's word,
        #    punctuation and what it leaves unmatched (U+3040, U+3097, U+3098, unassigned)
        rf"""(?:(?![\p{{L}}\p{{P}}\p{{S}}])[{_DEEPSEEK_CJK}])?(?:(?=[\p{{L}}\p{{M}}])[{_DEEPSEEK_CJK}])+""",
        rf"""(?:(?=[\p{{P}}\p{{S}}])[{_DEEPSEEK_CJK}])+""",
        rf"""(?:(?![\p{{L}}\p{{M}}\p{{P}}\p{{S}}])[{_DEEPSEEK_CJK}](?!(?=[\p{{L}}\p{{M}}])[{_DEEPSEEK_CJK}]))+""",
        # 3. within the rest (neither digit nor CJK), the third Split's own alternatives,
        #    each kept to those characters, a piece's end being where they stop ...
        rf"""{_DEEPSEEK_PUNCT}[A-Za-z]+""",
        rf"""[^\r\n\p{{L}}\p{{P}}\p{{S}}\p{{N}}{_DEEPSEEK_CJK}]?(?:(?![{_DEEPSEEK_CJK}])[\p{{L}}\p{{M}}])+""",
        rf""" ?(?:(?![{_DEEPSEEK_CJK}])[\p{{P}}\p{{S}}])+[\r\n]*""",
        r"""\s*[\r\n]+""",
        rf"""\s+(?![^\s\p{{N}}{_DEEPSEEK_CJK}])""",
        r"""\s+""",
        # ... and the runs it leaves unmatched (controls, format characters, private use
        # and unassigned code points not followed by a letter), which tokenizers keeps
        rf"""(?:[^\s\p{{L}}\p{{M}}\p{{P}}\p{{S}}\p{{N}}{_DEEPSEEK_CJK}](?!(?![{_DEEPSEEK_CJK}])[\p{{L}}\p{{M}}]))+""",
    ]
)
"""The split of DeepSeek-V3's (and DeepSeek-R1's) ``tokenizer.json`` as one regex: that
file cuts text with three ``Split`` stages in a row, each cutting the pieces of the one
before (up to three digits at a time; then runs of CJK ideographs, hiragana and
katakana; then a word pattern, :data:`DEEPSEEK_V3_SPLITS`), keeping the text a stage
leaves unmatched as pieces. Here each alternative of the last stage is kept to the
characters of one kind of piece, and what it leaves unmatched is matched too: the same
pieces, in one pass (no scanner: hf_bpe's compiled matcher splits it)."""

DEEPSEEK_V3_SPLITS: Final[tuple[str, ...]] = (
    r"""\p{N}{1,3}""",
    f"[{_DEEPSEEK_CJK}]+",
    r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
)
"""The regexes (Oniguruma's dialect) of the three ``Split`` stages of DeepSeek-V3's
``tokenizer.json``, which :data:`DEEPSEEK_V3_PATTERN` reproduces."""

#: The code points Rust's ``char::is_numeric`` (Unicode 17, in the tokenizers here) takes
#: for numbers and tiktoken's tables (and Oniguruma's) do not know: Tolong Siki's digits
#: and three Tangut-era numerals, added to Unicode since.
_RUST_NEWER_NUMBERS = "\U00011de0-\U00011de9\U00016ff4-\U00016ff6"
STARCODER_PATTERN: Final = "|".join(
    [
        rf"""[\p{{N}}{_RUST_NEWER_NUMBERS}]""",
        r"""'s|'t|'re|'ve|'m|'ll|'d""",
        r""" ?\p{L}+""",
        rf""" ?[^\s\p{{L}}\p{{N}}{_RUST_NEWER_NUMBERS}]+""",
        rf"""\s+(?![^\s\p{{N}}{_RUST_NEWER_NUMBERS}])""",
        r"""\s+""",
    ]
)
"""The split of a ``tokenizer.json`` whose pre-tokenizer cuts each digit off as a piece
of its own (a ``Digits`` stage with ``individual_digits``; Rust's idea of a digit), then
cuts the text between with GPT-2's regex (:data:`R50K_PATTERN`, its ``ByteLevel`` stage),
as StarCoder's does, in one regex. Here that regex's alternatives leave digits out, and a run
of spaces before a digit ends a piece, as the end of the text between does."""

NANOCHAT_SPECIAL_TOKENS: Final[tuple[str, ...]] = (
    "<|bos|>",
    "<|user_start|>",
    "<|user_end|>",
    "<|assistant_start|>",
    "<|assistant_end|>",
    "<|python_start|>",
    "<|python_end|>",
    "<|output_start|>",
    "<|output_end|>",
)
"""nanochat's special tokens, in its order: it trains ``vocab_size - 9`` ranks and puts
these right after them."""

PATTERNS: Final[dict[str, str]] = {
    "gpt2": R50K_PATTERN,
    "r50k_base": R50K_PATTERN,
    "p50k_base": R50K_PATTERN,
    "p50k_edit": R50K_PATTERN,
    "cl100k_base": CL100K_PATTERN,
    "o200k_base": O200K_PATTERN,
    "o200k_harmony": O200K_PATTERN,
    "rustbpe": RUSTBPE_PATTERN,
    "gpt4": RUSTBPE_PATTERN,
    "nanochat": NANOCHAT_PATTERN,
    "llama3": LLAMA3_PATTERN,
    "qwen2": QWEN2_PATTERN,
    "qwen3.5": QWEN35_PATTERN,
    "tekken": TEKKEN_PATTERN,
    "deepseek_v3": DEEPSEEK_V3_PATTERN,
    "starcoder": STARCODER_PATTERN,
}
"""The names every ``pattern=`` argument and :func:`get_pattern` accept."""


def pattern_names(pattern: str) -> list[str]:
    """The names :data:`PATTERNS` has for the regex ``pattern`` (none for another regex).

        >>> pattern_names(PATTERNS["rustbpe"])
        ['rustbpe', 'gpt4']
    """
    return [name for name, regex in PATTERNS.items() if regex == pattern]


def get_pattern(name_or_regex: str) -> str:
    """Return the pattern registered under ``name_or_regex``, or the string itself.

    A string that looks like a name (letters, digits, ``_``, ``.``, ``-``; at least one
    letter) and is not one raises :class:`~hf_bpe.PatternError`: as a regex it would match
    only itself, so a misspelled name would otherwise drop all other text unnoticed.

        >>> get_pattern("gpt2") == get_pattern("r50k_base") == R50K_PATTERN
        True
    """
    pattern = PATTERNS.get(name_or_regex)
    if pattern is not None:
        return pattern
    if isinstance(name_or_regex, str) and re.fullmatch(r"[\w.\-]*[A-Za-z][\w.\-]*", name_or_regex, re.ASCII):
        raise PatternError(
            f"unknown pattern name {name_or_regex!r}{_name_hint(name_or_regex)}; the names are "
            f"{', '.join(PATTERNS)}, anything else must be a split regex"
        )
    return name_or_regex


#: Models whose split is a named pattern under another name (keys as :func:`_name_key`
#: writes them), for the hint of a name that is no pattern's; OpenAI's models are found as
#: :func:`hf_bpe.encoding_for_model` finds them.
_PATTERN_OF_MODEL: Final[dict[str, str]] = {
    **dict.fromkeys(("qwen1.5", "qwen2.5", "qwen3"), "qwen2"),
    **dict.fromkeys(("llama3.1", "llama3.2", "llama3.3"), "llama3"),
    **dict.fromkeys(("mistralnemo", "nemo", "pixtral", "mistralsmall3"), "tekken"),
    "deepseekr1": "deepseek_v3",
    "gpt4o": "o200k_base",
    "gptoss": "o200k_harmony",
}


def _name_key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.lower())


def _name_hint(name: str) -> str:
    """What an unknown pattern name may have meant: the pattern of a model of that name, a
    name in other case or punctuation, or a name spelled alike.

        >>> _name_hint("CL100K-BASE"), _name_hint("Qwen3"), _name_hint("gpt-4o-mini"), _name_hint("cl100k")
        (" (did you mean 'cl100k_base'?)", " (did you mean 'qwen2', the split of Qwen3?)", " (did you mean 'o200k_base', the split of gpt-4o-mini?)", " (did you mean 'cl100k_base'?)")
    """
    from .registry import encoding_name_for_model

    key = _name_key(name)
    model = _PATTERN_OF_MODEL.get(key)
    if model is None:
        try:
            model = encoding_name_for_model(name.lower())
        except KeyError:
            pass
    if model is not None:
        return f" (did you mean {model!r}, the split of {name}?)"
    same = [known for known in PATTERNS if _name_key(known) == key]
    if same:
        return f" (did you mean {same[0]!r}?)"
    close = difflib.get_close_matches(name.lower(), PATTERNS, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
