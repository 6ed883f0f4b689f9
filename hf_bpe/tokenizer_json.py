"""Hugging Face ``tokenizer.json`` to and from an hf_bpe :class:`~hf_bpe.Encoding`.

A byte-level BPE encoding (tiktoken's model: one split regex, ranks over byte strings,
special tokens) is written as a ``tokenizers`` file that the stock fast tokenizers read
and that gives the same ids: the vocabulary maps each token's bytes, spelled with GPT-2's
byte-to-character table, to its rank; the merges are derived from the ranks; the pattern
goes into a ``Split`` pre-tokenizer in the dialect of Oniguruma (HF's regex engine).

    >>> from hf_bpe.tokenizer_json import derive_merges, token_str
    >>> ranks = {bytes([i]): i for i in range(256)}
    >>> ranks.update({b"ab": 256, b"abc": 257})
    >>> derive_merges(ranks)
    [(b'a', b'b'), (b'ab', b'c')]
    >>> token_str(b" hello")
    'Ġhello'

Going the other way, :func:`load_tokenizer_json` reads such a file back (checking that it
is one regex + byte-level BPE whose merges agree with its ids) and refuses, with a
:class:`~hf_bpe.errors.VocabularyError` or :class:`~hf_bpe.errors.PatternError`, what this
model cannot represent exactly.

This module never imports ``transformers``; ``tokenizers`` is imported lazily, only to
check that Oniguruma splits a pattern the way tiktoken does.
"""

from __future__ import annotations

import functools
import json
import os
import random
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from hf_bpe.errors import PatternError, TokenizerJsonWarning, VocabularyError
from hf_bpe.vocab_files import bytes_to_unicode, write_atomic

__all__ = [
    "BpeParts",
    "bytes_to_unicode",
    "check_pattern_on_oniguruma",
    "derive_merges",
    "dumps_tokenizer_json",
    "encoding_to_tokenizer_json",
    "hf_files",
    "hf_pattern",
    "load_gpt2_files",
    "load_tokenizer_json",
    "parse_tokenizer_json",
    "save_tokenizer_json",
    "special_token_roles",
    "token_bytes",
    "token_str",
    "tokenizer_json_or_warn",
    "TokenizerJsonWarning",
]

FORMAT_NOTE = "written by hf_bpe"


class EncodingLike(Protocol):
    """What this module reads from an encoding (hf_bpe's or tiktoken's)."""

    name: str
    _pat_str: str
    _mergeable_ranks: dict[bytes, int]
    _special_tokens: dict[str, int]


class BpeParts(NamedTuple):
    """The pieces of a byte-level BPE encoding, as read from a Hugging Face file."""

    name: str
    pat_str: str
    mergeable_ranks: dict[bytes, int]
    special_tokens: dict[str, int]


# --------------------------------------------------------------------------- bytes <-> str


@functools.lru_cache(maxsize=1)
def _spell_table() -> dict[int, str]:
    # latin-1 code point (= byte value) -> spelling character, for str.translate
    return dict(enumerate(bytes_to_unicode()))


@functools.lru_cache(maxsize=1)
def _unspell_table() -> dict[int, int | str]:
    table: dict[int, int | str] = {cp: "\U0010ffff" for cp in range(256)}  # not in the alphabet
    table.update({ord(ch): b for b, ch in enumerate(bytes_to_unicode())})
    return table


def token_str(token: bytes) -> str:
    """Spell token bytes the way byte-level vocab files do (``b" hi"`` -> ``'Ġhi'``)."""
    return token.decode("latin-1").translate(_spell_table())


def token_bytes(spelled: str) -> bytes:
    """Undo :func:`token_str`; a character outside GPT-2's table is a ``VocabularyError``.

    >>> token_bytes("Ġhi")
    b' hi'
    """
    try:
        return spelled.translate(_unspell_table()).encode("latin-1")
    except UnicodeEncodeError:
        alphabet = set(bytes_to_unicode())
        bad = next(ch for ch in spelled if ch not in alphabet)
        raise VocabularyError(
            f"token {spelled!r} is not spelled in GPT-2's byte-level alphabet "
            f"(character {bad!r}): not a byte-level BPE vocabulary"
        ) from None


# --------------------------------------------------------------------------- merges


def _last_merge(token: bytes, ranks: Mapping[bytes, int]) -> tuple[bytes, bytes] | None:
    """BPE ``token``'s own bytes as tiktoken does (lowest-rank pair first, leftmost on
    ties, no whole-piece shortcut); return the merge that produced the whole token, or
    None when the merging gets stuck before reaching it.  (Reference version of what
    :func:`derive_merges` computes with the compiled core.)"""
    parts = [token[i : i + 1] for i in range(len(token))]
    last: tuple[bytes, bytes] | None = None
    while len(parts) > 1:
        best = -1
        best_at = -1
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and (best_at < 0 or r < best):
                best = r
                best_at = i
        if best_at < 0:
            return None
        last = (parts[best_at], parts[best_at + 1])
        parts[best_at : best_at + 2] = [last[0] + last[1]]
    return last


def derive_merges(ranks: Mapping[bytes, int]) -> list[tuple[bytes, bytes]]:
    """The merge list that makes HF's BPE give tiktoken's ids, in rank order.

    tiktoken may merge any two adjacent parts whose bytes form a token, but wherever a
    token is formed inside a piece, the parts inside its span evolve exactly as when its
    own bytes are encoded alone (a merge crossing its edges would have prevented it), so
    the last merge of that lone encoding is the only way it is ever formed.  That pair is
    its merge, at the token's rank.  A token the lone encoding never reaches gets no merge
    (tiktoken only emits it when a whole piece equals it, as HF does with
    ``ignore_merges``).

    >>> ranks = {bytes([i]): i for i in range(256)}
    >>> ranks.update({b"bc": 256, b"abc": 257, b"ab": 258})
    >>> derive_merges(ranks)
    [(b'b', b'c'), (b'a', b'bc'), (b'a', b'b')]
    """
    from hf_bpe.merge import byte_table, merge_piece, pair_table

    # Encoding a token's bytes with the token itself left out stops exactly before its
    # last merge: two parts if the token is reachable (more if not).
    others = dict(ranks)
    by_rank = {rank: token for token, rank in ranks.items()}
    pairs = pair_table(others)
    singles = byte_table(others)
    merges: list[tuple[bytes, bytes]] = []
    for token, rank in sorted(ranks.items(), key=lambda item: item[1]):
        if len(token) < 2:
            continue
        if len(token) == 2:
            merges.append((token[:1], token[1:]))
            continue
        del others[token]
        parts = merge_piece(token, others, pairs, singles)
        others[token] = rank
        if len(parts) == 2:
            merges.append((by_rank[parts[0]], by_rank[parts[1]]))
    return merges


# --------------------------------------------------------------------------- patterns

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
    if c == "x":
        if pat[i + 2 : i + 3] == "{":
            end = pat.find("}", i + 3)
            digits = pat[i + 3 : end] if end > 0 else ""
            if not digits or any(ch not in "0123456789abcdefABCDEF" for ch in digits):
                raise PatternError(f"malformed \\x{{...}} at offset {i} in {pat!r}")
            return pat[i : end + 1], end + 1
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
            "\\r \\n \\t \\f \\v \\xHH \\x{..} \\uHHHH and escaped punctuation"
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
    possessive in both engines and stay.  Constructs the engines read differently (``^``,
    ``$`` other than after ``\\s++``, ``\\Z``, ``\\b``, POSIX classes, set operations,
    inline flags other than a scoped ``(?i:...)``, named groups, backreferences) are
    refused.

    >>> hf_pattern(r"\\p{N}{1,3}+| ?\\p{L}++|\\s++$")
    '\\\\p{N}{1,3}| ?\\\\p{L}++|\\\\s++$'
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
            atoms.append("$")
            i += 1
        else:
            frames[-1].append(c)
            i += 1
    if openers:
        raise PatternError(f"unbalanced '(' in {pat!r}")
    return "".join(frames[0])


# Probe strings: one or two representatives of each character class the known patterns
# distinguish, plus the characters where Oniguruma's case folding and anchors differ.
_PROBE_ALPHABET = (
    "aZsStTlLvVeErRdDmM"  # letters, incl. the contraction letters
    "0759\u0663\u2167\u00bd"  # digits, Arabic-Indic digit, Roman numeral (Nl), one half (No)
    " \t\n\r\x0b\x0c\u00a0\u3000\u2028\u0085"  # whitespace
    "'\u2019\".,/-!?_()#"  # punctuation
    "\u00e9\u4e2d\u0301\u01c5\u02b0\u017f\u212a\u00df\ufb06\ufb01\u0130"  # é 中 mark ǅ ʰ ſ K ß ﬆ ﬁ İ
    "\U0001f600\u200b"  # emoji, zero-width space
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


@functools.lru_cache(maxsize=64)
def check_pattern_on_oniguruma(pat_str: str, onig_pattern: str) -> None:
    """Raise ``PatternError`` unless HF's ``Split`` with ``onig_pattern`` cuts probe texts
    exactly as hf_bpe (tiktoken) cuts them with ``pat_str``, and leaves no text unmatched
    (tiktoken drops such text, HF keeps it).  The probes hold one or two characters of
    each class the usual patterns tell apart, in all pairs, all triples of a core set, and
    random strings.  Needs ``tokenizers``; without it only :func:`hf_pattern`'s syntax
    check applies.
    """
    try:
        from tokenizers import Regex, pre_tokenizers
    except ImportError:
        return
    from hf_bpe.pieces import Splitter

    reference = Splitter(pat_str)  # raises PatternError for an invalid pattern
    try:
        split = pre_tokenizers.Split(Regex(onig_pattern), behavior="isolated")
    except Exception as err:  # tokenizers raises a plain Exception for Oniguruma errors
        raise PatternError(f"Oniguruma (HF tokenizers) rejects {onig_pattern!r}: {err}") from None
    for text in _probe_texts():
        ours = reference.split(text)
        if "".join(ours) != text:
            raise PatternError(
                f"pattern {pat_str!r} leaves {text!r} partly unmatched: tiktoken drops such text "
                "but HF tokenizers keeps it, so no tokenizer.json can reproduce it (end the "
                "pattern with a catch-all such as |\\s+|\\S)"
            )
        theirs = [piece for piece, _ in split.pre_tokenize_str(text)]
        if ours != theirs:
            raise PatternError(
                f"Oniguruma splits {text!r} as {theirs!r} with {onig_pattern!r}, tiktoken as "
                f"{ours!r} with {pat_str!r}: this pattern cannot be exported to tokenizer.json"
            )


def _onig_checked(pat_str: str) -> str:
    onig = hf_pattern(pat_str)
    check_pattern_on_oniguruma(pat_str, onig)
    return onig


# --------------------------------------------------------------------------- export


def special_token_roles(special_tokens: Iterable[str]) -> dict[str, str]:
    """Default transformers roles for well-known special tokens (``eos_token`` ...).

    >>> special_token_roles(["<|endoftext|>", "<|fim_prefix|>"])
    {'eos_token': '<|endoftext|>'}
    >>> special_token_roles(["<|bos|>", "<|user_start|>"])
    {'bos_token': '<|bos|>'}
    """
    present = set(special_tokens)
    roles: dict[str, str] = {}
    for role, candidates in (
        ("bos_token", ("<|bos|>", "<|startoftext|>", "<|begin_of_text|>")),
        ("eos_token", ("<|endoftext|>", "<|eos|>", "<|end_of_text|>")),
        ("pad_token", ("<|pad|>",)),
    ):
        for candidate in candidates:
            if candidate in present:
                roles[role] = candidate
                break
    return roles


def _added_token(content: str, token_id: int, *, special: bool = True) -> dict[str, Any]:
    return {
        "id": token_id,
        "content": content,
        "single_word": False,
        "lstrip": False,
        "rstrip": False,
        "normalized": not special,
        "special": special,
    }


def _template(bos: tuple[str, int] | None, eos: tuple[str, int] | None) -> dict[str, Any] | None:
    if bos is None and eos is None:
        return None

    def seq(name: str, type_id: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        if bos is not None:
            items.append({"SpecialToken": {"id": bos[0], "type_id": type_id}})
        items.append({"Sequence": {"id": name, "type_id": type_id}})
        if eos is not None:
            items.append({"SpecialToken": {"id": eos[0], "type_id": type_id}})
        return items

    specials = {pair[0]: {"id": pair[0], "ids": [pair[1]], "tokens": [pair[0]]} for pair in (bos, eos) if pair}
    return {
        "type": "TemplateProcessing",
        "single": seq("A", 0),
        "pair": seq("A", 0) + seq("B", 1),
        "special_tokens": specials,
    }


def _check_vocabulary(ranks: Mapping[bytes, int], specials: Mapping[str, int]) -> None:
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        raise VocabularyError(
            f"{len(missing)} single bytes are not tokens (first: {missing[0]}): a byte-level "
            "BPE file needs all 256 (HF would silently drop those bytes)"
        )
    ids = set(ranks.values())
    if len(ids) != len(ranks):
        raise VocabularyError("two tokens share a rank: ranks must be unique")
    for text, tid in specials.items():
        if tid in ids:
            raise VocabularyError(f"special token {text!r} has id {tid}, which is also a rank")


def encoding_to_tokenizer_json(
    enc: EncodingLike,
    *,
    bos_token: str | None = None,
    eos_token: str | None = None,
    add_bos: bool = False,
    add_eos: bool = False,
    extra_added_tokens: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Build the ``tokenizer.json`` content for ``enc`` as a dict.

    ``add_bos``/``add_eos`` write a post-processor that adds ``bos_token``/``eos_token``
    around each sequence when transformers encodes with ``add_special_tokens=True``.
    ``extra_added_tokens`` (id -> AddedToken fields) adds tokens beyond the encoding's
    specials, as a transformers tokenizer may hold.

    >>> import hf_bpe
    >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\s+|\\S+",
    ...     mergeable_ranks={**{bytes([i]): i for i in range(256)}, b"hi": 256},
    ...     special_tokens={"<|endoftext|>": 257})
    >>> data = encoding_to_tokenizer_json(enc, eos_token="<|endoftext|>", add_eos=True)
    >>> data["model"]["merges"], data["model"]["vocab"]["hi"]
    ([['h', 'i']], 256)
    >>> data["post_processor"]["single"][-1]
    {'SpecialToken': {'id': '<|endoftext|>', 'type_id': 0}}
    """
    ranks = enc._mergeable_ranks
    specials = dict(enc._special_tokens)
    _check_vocabulary(ranks, specials)
    onig = _onig_checked(enc._pat_str)

    added: dict[int, dict[str, Any]] = {tid: _added_token(text, tid) for text, tid in specials.items()}
    for tid, fields in (extra_added_tokens or {}).items():
        if tid in added:
            continue
        if tid in ranks.values():
            raise VocabularyError(f"added token {fields.get('content')!r} reuses rank {tid}")
        entry = _added_token(str(fields["content"]), int(tid), special=bool(fields.get("special", False)))
        for key in ("single_word", "lstrip", "rstrip", "normalized"):
            if key in fields:
                entry[key] = bool(fields[key])
        added[int(tid)] = entry
    by_content = {entry["content"]: tid for tid, entry in added.items()}

    def role(name: str, token: str | None, wanted: bool) -> tuple[str, int] | None:
        if not wanted:
            return None
        if token is None:
            raise VocabularyError(f"add_{name}=True needs a {name}_token")
        if token not in by_content:
            raise VocabularyError(f"{name}_token {token!r} is not a special or added token")
        return token, by_content[token]

    post = _template(role("bos", bos_token, add_bos), role("eos", eos_token, add_eos))
    vocab = {token_str(tok): rank for tok, rank in sorted(ranks.items(), key=lambda kv: kv[1])}
    # tokenizers gives an added token its id only if the model vocab holds it; otherwise
    # it numbers added tokens after the vocab's size, which is wrong when ids have gaps.
    for tid in sorted(added):
        content = added[tid]["content"]
        if content in vocab:
            raise VocabularyError(
                f"added token {content!r} (id {tid}) is spelled like the mergeable token with "
                f"id {vocab[content]}: tokenizer.json cannot hold both"
            )
        vocab[content] = tid
    merges = [[token_str(a), token_str(b)] for a, b in derive_merges(ranks)]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added[tid] for tid in sorted(added)],
        "normalizer": None,
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": onig}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
            ],
        },
        "post_processor": post,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": True,
            "vocab": vocab,
            "merges": merges,
        },
    }


def dumps_tokenizer_json(data: Mapping[str, Any]) -> str:
    """Serialize tokenizer.json content compactly (UTF-8 text, one line)."""
    return json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":")) + "\n"


def save_tokenizer_json(enc: EncodingLike, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write ``enc`` as a ``tokenizer.json`` file (atomically); options as for
    :func:`encoding_to_tokenizer_json`.  Returns the path written."""
    out = Path(path)
    write_atomic(out, dumps_tokenizer_json(encoding_to_tokenizer_json(enc, **options)).encode())
    return out


def tokenizer_config(enc: EncodingLike, *, model_max_length: int | None = None) -> dict[str, Any]:
    """The ``tokenizer_config.json`` content for a folder holding ``enc`` (no ``auto_map``:
    stock transformers falls back to ``tokenizer.json`` when hf_bpe is absent)."""
    config: dict[str, Any] = {
        "tokenizer_class": "HfBpeTokenizer",
        "added_tokens_decoder": {
            str(tid): {k: v for k, v in _added_token(text, tid).items() if k != "id"}
            for text, tid in sorted(enc._special_tokens.items(), key=lambda kv: kv[1])
        },
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        "hf_bpe_format": 1,
    }
    if model_max_length is not None:
        config["model_max_length"] = model_max_length
    config.update(special_token_roles(enc._special_tokens))
    return config


def tokenizer_json_or_warn(enc: EncodingLike, **options: Any) -> dict[str, Any] | None:
    """:func:`encoding_to_tokenizer_json`, or None with a :class:`TokenizerJsonWarning`
    when the encoding cannot be written as one (its pattern, say): the hf_bpe files of a
    folder stay complete, only the HF fast-tokenizer file is left out."""
    try:
        return encoding_to_tokenizer_json(enc, **options)
    except (PatternError, VocabularyError) as err:
        warnings.warn(
            f"no tokenizer.json written for {enc.name!r}: {err}. The folder loads with hf_bpe "
            "(and AutoTokenizer where hf_bpe is installed) but not with stock transformers.",
            TokenizerJsonWarning,
            stacklevel=3,
        )
        return None


def hf_files(enc: EncodingLike) -> dict[str, str]:
    """File name -> text of the Hugging Face files of a folder holding ``enc``.

    ``hf_bpe.folder.save_encoding`` writes these next to ``vocab.tiktoken`` and
    ``encoding.json``, so the folder loads with ``AutoTokenizer`` with or without hf_bpe.
    (``tokenizer.json`` is left out, with a warning, for an encoding it cannot represent.)
    """
    files = {"tokenizer_config.json": json.dumps(tokenizer_config(enc), indent=2, sort_keys=True) + "\n"}
    data = tokenizer_json_or_warn(enc)
    if data is not None:
        files["tokenizer.json"] = dumps_tokenizer_json(data)
    return files


# --------------------------------------------------------------------------- import


def _refuse(what: str) -> VocabularyError:
    return VocabularyError(f"{what}: hf_bpe represents one regex + byte-level BPE only")


def _pattern_from_pre_tokenizer(pre: Any) -> str:
    if not isinstance(pre, dict):
        raise _refuse("tokenizer.json has no pre_tokenizer")
    kind = pre.get("type")
    if kind == "ByteLevel":
        if pre.get("add_prefix_space"):
            raise _refuse("ByteLevel with add_prefix_space=True adds a space tiktoken never adds")
        if not pre.get("use_regex", True):
            raise _refuse("a ByteLevel pre-tokenizer without any split regex")
        # tokenizers' built-in GPT-2 regex (read as r50k's pattern, probe-checked below)
        return _GPT2_BYTE_LEVEL_REGEX
    if kind != "Sequence":
        raise _refuse(f"pre_tokenizer {kind!r}")
    stages = pre.get("pretokenizers") or []
    if (
        len(stages) != 2
        or stages[0].get("type") != "Split"
        or stages[1].get("type") != "ByteLevel"
    ):
        names = [s.get("type") for s in stages]
        raise _refuse(f"pre_tokenizer stages {names} (expected exactly [Split, ByteLevel])")
    split, byte_level = stages
    if byte_level.get("add_prefix_space") or byte_level.get("use_regex"):
        raise _refuse("a ByteLevel stage that adds a prefix space or splits again")
    if split.get("behavior") != "Isolated" or split.get("invert"):
        raise _refuse(f"Split behavior {split.get('behavior')!r} (invert={split.get('invert')})")
    pattern = split.get("pattern") or {}
    if "Regex" not in pattern:
        raise _refuse("a Split on a literal string rather than a regex")
    onig = pattern["Regex"]
    if not isinstance(onig, str):
        raise _refuse("a Split pattern that is not a string")
    return onig


#: The regex of tokenizers' ``ByteLevel(use_regex=True)`` pre-tokenizer (GPT-2's original).
_GPT2_BYTE_LEVEL_REGEX = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def _canonical_pattern(onig: str) -> str:
    """The tiktoken-dialect pattern whose Oniguruma rewrite is ``onig`` (named ones first)."""
    from hf_bpe.patterns import PATTERNS, R50K_PATTERN

    if onig == _GPT2_BYTE_LEVEL_REGEX:
        return R50K_PATTERN
    for named in PATTERNS.values():
        try:
            if hf_pattern(named) == onig:
                return named
        except PatternError:
            continue
    return onig


def parse_tokenizer_json(data: Mapping[str, Any], *, name: str = "tokenizer") -> BpeParts:
    """Check a parsed ``tokenizer.json`` and return its ranks, specials and pattern."""
    if data.get("normalizer") is not None:
        raise _refuse(f"a normalizer ({data['normalizer'].get('type')!r})")
    model = data.get("model")
    if not isinstance(model, dict) or model.get("type", "BPE") != "BPE" or "merges" not in model:
        raise _refuse(f"model type {model.get('type') if isinstance(model, dict) else None!r}")
    if model.get("unk_token") is not None:
        raise _refuse(f"an unk token ({model['unk_token']!r})")
    for key in ("continuing_subword_prefix", "end_of_word_suffix", "dropout"):
        if model.get(key):
            raise _refuse(f"BPE option {key}={model[key]!r}")
    if model.get("byte_fallback"):
        raise _refuse("byte_fallback (a sentencepiece-style model)")
    decoder = data.get("decoder")
    if decoder is not None and decoder.get("type") != "ByteLevel":
        raise _refuse(f"decoder {decoder.get('type')!r} (expected ByteLevel)")
    onig = _pattern_from_pre_tokenizer(data.get("pre_tokenizer"))
    pat_str = _canonical_pattern(onig)
    if _onig_checked(pat_str) != onig:
        # The file's own regex must be what we would write for the pattern we return.
        check_pattern_on_oniguruma(pat_str, onig)

    added = {entry["content"]: int(entry["id"]) for entry in data.get("added_tokens") or []}
    for entry in data.get("added_tokens") or []:
        if entry.get("lstrip") or entry.get("rstrip") or entry.get("single_word"):
            raise _refuse(f"added token {entry['content']!r} with lstrip/rstrip/single_word")
    vocab = model.get("vocab") or {}
    ranks: dict[bytes, int] = {}
    for spelled, tid in vocab.items():
        if spelled in added:
            if added[spelled] != tid:
                raise VocabularyError(
                    f"token {spelled!r} has id {tid} in the vocab but {added[spelled]} as added token"
                )
            continue
        ranks[token_bytes(spelled)] = int(tid)
    specials = dict(added)
    merges = [
        tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model.get("merges") or []
    ]
    _check_vocabulary(ranks, specials)
    _check_merges(ranks, [(token_bytes(a), token_bytes(b)) for a, b in merges], bool(model.get("ignore_merges")))
    return BpeParts(name, pat_str, ranks, specials)


def _check_merges(ranks: Mapping[bytes, int], merges: list[tuple[bytes, bytes]], ignore_merges: bool) -> None:
    """Refuse merges that would not give tiktoken's ids for these ranks."""
    expected = derive_merges(ranks)
    if merges == expected:
        if not ignore_merges and len(expected) != sum(1 for t in ranks if len(t) > 1):
            raise VocabularyError(
                "some multi-byte tokens cannot be formed by any merge and the file has "
                "ignore_merges=false: HF would never emit them, tiktoken would"
            )
        return
    for at, (got, want) in enumerate(zip(merges, expected)):
        if got != want:
            raise VocabularyError(
                f"merge #{at} is {got!r} but the ids imply {want!r}: merge order disagrees with "
                "token ids, so id = rank would not reproduce this tokenizer"
            )
    raise VocabularyError(
        f"the file has {len(merges)} merges but its ids imply {len(expected)}: "
        "merge order disagrees with token ids"
    )


def _make_encoding(parts: BpeParts) -> Any:
    from hf_bpe.encoding import Encoding

    return Encoding(
        parts.name,
        pat_str=parts.pat_str,
        mergeable_ranks=parts.mergeable_ranks,
        special_tokens=parts.special_tokens,
    )


def load_tokenizer_json(path: str | os.PathLike[str], *, name: str | None = None) -> Any:
    """Read a byte-level BPE ``tokenizer.json`` (a file, or a folder holding one) into an
    :class:`hf_bpe.Encoding`; ``VocabularyError``/``PatternError`` for what it cannot be.

    >>> import hf_bpe, tempfile, os
    >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\s+|\\S+",
    ...     mergeable_ranks={**{bytes([i]): i for i in range(256)}, b"hi": 256},
    ...     special_tokens={"<|endoftext|>": 257})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = save_tokenizer_json(enc, os.path.join(d, "tokenizer.json"))
    ...     back = load_tokenizer_json(d)
    >>> back.encode("hi hi<|endoftext|>", allowed_special="all")
    [256, 32, 256, 257]
    """
    p = Path(path)
    if p.is_dir():
        if not (p / "tokenizer.json").exists() and (p / "vocab.json").exists():
            return load_gpt2_files(p / "vocab.json", p / "merges.txt", name=name or p.name)
        p = p / "tokenizer.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise VocabularyError(f"cannot read {p}: {err}") from None
    if not isinstance(data, dict):
        raise VocabularyError(f"{p} is not a tokenizer.json object")
    return _make_encoding(parse_tokenizer_json(data, name=name or p.parent.name or "tokenizer"))


def load_gpt2_files(
    vocab_json: str | os.PathLike[str],
    merges_txt: str | os.PathLike[str],
    *,
    name: str = "gpt2-style",
    pat_str: str | None = None,
) -> Any:
    """Read a GPT-2 style ``vocab.json`` + ``merges.txt`` pair into an Encoding.

    Vocab entries that are neither single bytes nor produced by a merge (such as
    ``<|endoftext|>``) become special tokens; the pattern defaults to GPT-2's.
    """
    from hf_bpe.patterns import R50K_PATTERN

    try:
        vocab = json.loads(Path(vocab_json).read_text(encoding="utf-8"))
        lines = Path(merges_txt).read_text(encoding="utf-8").split("\n")
    except (OSError, ValueError) as err:
        raise VocabularyError(f"cannot read GPT-2 style files: {err}") from None
    merges: list[tuple[str, str]] = []
    for lineno, line in enumerate(lines, 1):
        if not line or line.startswith("#version"):
            continue
        pair = line.split(" ")
        if len(pair) != 2:
            raise VocabularyError(f"{merges_txt}:{lineno}: expected two tokens, got {line!r}")
        merges.append((pair[0], pair[1]))
    merged = {a + b for a, b in merges}
    singles = set(bytes_to_unicode())
    ranks: dict[bytes, int] = {}
    specials: dict[str, int] = {}
    for spelled, tid in vocab.items():
        if spelled in singles or spelled in merged:
            ranks[token_bytes(spelled)] = int(tid)
        else:
            specials[spelled] = int(tid)
    _check_vocabulary(ranks, specials)
    _check_merges(ranks, [(token_bytes(a), token_bytes(b)) for a, b in merges], ignore_merges=False)
    return _make_encoding(BpeParts(name, pat_str or R50K_PATTERN, ranks, specials))
