"""Hugging Face files → :class:`~hf_bpe.Encoding`: ``tokenizer.json``, or GPT-2's pair.

:func:`load_tokenizer_json` reads a ``tokenizer.json`` (or a folder holding one, or
GPT-2's ``vocab.json`` + ``merges.txt``), checking that it is one regex + byte-level BPE
whose merges agree with its ids; what this model cannot represent exactly is refused
with a :class:`~hf_bpe.errors.VocabularyError` or :class:`~hf_bpe.errors.PatternError`::

    >>> import hf_bpe
    >>> from hf_bpe.tokenizer_json import encoding_to_tokenizer_json
    >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\s+|\\S+",
    ...     mergeable_ranks={**{bytes([i]): i for i in range(256)}, b"hi": 256}, special_tokens={})
    >>> parts = parse_tokenizer_json(encoding_to_tokenizer_json(enc))
    >>> parts.name, parts.mergeable_ranks[b"hi"]
    ('tokenizer', 256)
"""

from __future__ import annotations

import itertools
import json
import operator
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from hf_bpe.atomic_files import read_whole, refuse_empty_path
from hf_bpe.errors import MissingFileError, PatternError, TokenizerJsonWarning, VocabFileError, VocabularyError, _outside_stacklevel
from hf_bpe.hf_pattern import (
    check_pattern_on_oniguruma,
    check_pre_tokenizer,
    hf_pattern,
    pattern_of_pre_tokenizer,
    tiktoken_dialect,
)
from hf_bpe.hf_vocab import _check_vocabulary, derive_merge_ranks, merge_parts, token_bytes, token_bytes_many
from hf_bpe.normalization import FORMS
from hf_bpe.piece_merge import MergeTables, every_split
from hf_bpe.patterns import GPT2_ORIGINAL_PATTERN
from hf_bpe.atomic_files import read_file
from hf_bpe.vocab_files import bytes_to_unicode, parse_json, read_gpt2_merges, read_gpt2_vocab

if TYPE_CHECKING:
    from hf_bpe.encoding import Encoding

__all__ = ["BpeParts", "load_gpt2_files", "load_tokenizer_json", "parse_tokenizer_json"]


class BpeParts(NamedTuple):
    """The pieces of a byte-level BPE encoding, as read from a Hugging Face file."""

    name: str
    pat_str: str
    mergeable_ranks: dict[bytes, int]
    special_tokens: dict[str, int]
    #: ``"NFC"`` or ``"NFKC"`` for a file whose normalizer puts text in that form (Qwen's:
    #: NFC), else None.
    normalization: str | None = None


#: The flags of an added token that only transformers' Python rules apply (the stock fast
#: tokenizer and an Encoding apply other ones, or none): hf_bpe refuses to carry a token
#: with one of them into a format that would encode it otherwise.
STRIP_FLAGS = ("lstrip", "rstrip", "single_word")


def _refuse(what: str) -> VocabularyError:
    return VocabularyError(f"{what}: hf_bpe represents one regex + byte-level BPE only")


def _flag(settings: Mapping[str, Any], key: str, default: bool, *, nullable: bool = False) -> bool:
    """The true/false setting ``key`` of a part of the file; anything else there (``1``,
    ``""``, ``null`` unless ``nullable``: the BPE model's settings) is refused, as
    ``tokenizers`` refuses it, rather than read as truthy."""
    value = settings.get(key, default)
    if value is None and nullable:
        return default
    if not isinstance(value, bool):
        raise VocabularyError(f"a malformed tokenizer.json: {key!r} must be true or false, not {json.dumps(value)}")
    return value


def _pattern_from_pre_tokenizer(pre: Any) -> tuple[str, bool]:
    """The split regex of a ``pre_tokenizer``, and whether its ``Split`` drops the text no
    alternative matches (``behavior: Removed`` with ``invert: true``, as in the files of
    ``Xenova/gpt-4o``): that is what tiktoken does. ``Isolated`` keeps such text as
    pieces of its own, so the pattern must match all text (checked with the pattern)."""
    if not isinstance(pre, dict):
        raise _refuse("tokenizer.json has no pre_tokenizer")
    kind = pre.get("type")
    if kind == "ByteLevel":
        if _flag(pre, "add_prefix_space", False):
            raise _refuse("ByteLevel with add_prefix_space=True adds a space tiktoken never adds")
        if not _flag(pre, "use_regex", True):
            raise _refuse("a ByteLevel pre-tokenizer without any split regex")
        # tokenizers' built-in GPT-2 regex (read as r50k's pattern, probe-checked below)
        return _GPT2_BYTE_LEVEL_REGEX, False
    if kind != "Sequence":
        raise _refuse(f"pre_tokenizer {kind!r}")
    stages = pre.get("pretokenizers") or []
    if (
        len(stages) != 2
        or not all(isinstance(stage, dict) for stage in stages)
        or stages[0].get("type") != "Split"
        or stages[1].get("type") != "ByteLevel"
    ):
        names = [s.get("type") if isinstance(s, dict) else s for s in stages]
        raise _refuse(
            f"pre_tokenizer stages {names} (expected [Split, ByteLevel], or the stages of a "
            "pattern hf_bpe names: DeepSeek-V3's, StarCoder's)"
        )
    split, byte_level = stages
    if _flag(byte_level, "add_prefix_space", False) or _flag(byte_level, "use_regex", True):  # tokenizers' default
        raise _refuse("a ByteLevel stage that adds a prefix space or splits again")
    behavior = (split.get("behavior"), _flag(split, "invert", False))
    if behavior not in (("Isolated", False), ("Removed", True)):
        raise _refuse(f"Split behavior {behavior[0]!r} (invert={split.get('invert')})")
    pattern = split.get("pattern") or {}
    if "Regex" not in pattern:
        raise _refuse("a Split on a literal string rather than a regex")
    onig = pattern["Regex"]
    if not isinstance(onig, str):
        raise _refuse("a Split pattern that is not a string")
    return onig, behavior == ("Removed", True)


def _pattern_of(pre: Any) -> str:
    """The pattern that cuts text as the ``pre_tokenizer`` ``pre`` does, checked with
    tokenizers on probe texts (see :mod:`hf_bpe.hf_pattern`): a named one for the stages
    hf_bpe knows (DeepSeek-V3's three ``Split`` stages, StarCoder's ``Digits``), else the
    one ``Split``'s."""
    known = pattern_of_pre_tokenizer(pre)
    if known is not None:
        check_pre_tokenizer(known, json.dumps(pre))
        return known
    onig, drops_unmatched = _pattern_from_pre_tokenizer(pre)
    pat_str = _canonical_pattern(onig)
    if not drops_unmatched:
        hf_pattern(pat_str)  # refuses, saying why, a construct Oniguruma reads otherwise than tiktoken
    check_pattern_on_oniguruma(pat_str, onig, drops_unmatched=drops_unmatched, reading=True)
    return pat_str


def _normalization(normalizer: Any) -> str | None:
    """What a ``normalizer`` does, as an :class:`~hf_bpe.Encoding`'s ``normalization``:
    ``None`` for none or a ``Sequence`` that does nothing (``DeepSeek-V3``'s file has an
    empty one), ``"NFC"`` for ``NFC`` (Qwen's) and ``"NFKC"`` for ``NFKC``
    (``Xenova/claude-tokenizer``'s), alone or in such a ``Sequence``; any other is
    refused."""
    if normalizer is None:
        return None
    kind = normalizer.get("type")
    if kind in FORMS:
        return str(kind)
    if kind == "Sequence":
        steps = [step for step in (_normalization(n) for n in normalizer.get("normalizers") or []) if step is not None]
        if len(steps) <= 1:
            return steps[0] if steps else None
    raise _refuse(f"a normalizer ({kind!r})")


#: The regex of tokenizers' ``ByteLevel(use_regex=True)`` pre-tokenizer: GPT-2's original.
_GPT2_BYTE_LEVEL_REGEX = GPT2_ORIGINAL_PATTERN


def _canonical_pattern(onig: str) -> str:
    """The tiktoken-dialect pattern whose Oniguruma rewrite is ``onig`` (named ones first)."""
    from hf_bpe.patterns import PATTERNS, R50K_PATTERN

    if onig == _GPT2_BYTE_LEVEL_REGEX:
        return R50K_PATTERN
    onig = tiktoken_dialect(onig)
    for named in PATTERNS.values():
        try:
            if tiktoken_dialect(hf_pattern(named)) == onig:
                return named
        except PatternError:
            continue
    return onig


def parse_tokenizer_json(data: Mapping[str, Any], *, name: str = "tokenizer") -> BpeParts:
    """Check a parsed ``tokenizer.json`` and return its ranks, specials and pattern:
    :class:`VocabularyError` for what it cannot be (a field of the wrong shape too),
    :class:`PatternError` for a split pattern hf_bpe cannot reproduce.

        >>> parse_tokenizer_json({"model": {}, "normalizer": "NFC"})
        Traceback (most recent call last):
        ...
        hf_bpe.errors.VocabularyError: a malformed tokenizer.json (AttributeError: 'str' object has no attribute 'get')
    """
    try:
        return _parse_tokenizer_json(data, name)
    except (AttributeError, KeyError, TypeError, IndexError) as err:  # a field of the wrong shape
        raise VocabularyError(f"a malformed tokenizer.json ({type(err).__name__}: {err})") from None


def _parse_tokenizer_json(data: Mapping[str, Any], name: str) -> BpeParts:
    model = data.get("model")
    if not isinstance(model, dict):
        # GPT-2's encoder.json is a JSON object too: {token: id}, with no model in it.
        raise VocabularyError(
            "not a tokenizer.json: it has no \"model\" object (GPT-2's encoder.json goes with "
            "its vocab.bpe: hf_bpe.load_data_gym, or a folder of vocab.json + merges.txt)"
        )
    if model.get("type", "BPE") != "BPE":  # (named first: a WordPiece file's normalizer is refused too)
        raise _refuse(f"model type {model.get('type')!r}")
    normalization = _normalization(data.get("normalizer"))
    if "merges" not in model:
        raise VocabularyError("the BPE model has no merges: a tokenizer.json of a BPE model lists them")
    if model.get("unk_token") is not None:
        raise _refuse(f"an unk token ({model['unk_token']!r})")
    for key in ("continuing_subword_prefix", "end_of_word_suffix", "dropout"):
        if model.get(key):
            raise _refuse(f"BPE option {key}={model[key]!r}")
    if _flag(model, "byte_fallback", False, nullable=True):
        raise _refuse("byte_fallback (a sentencepiece-style model)")
    decoder = data.get("decoder")
    if decoder is not None and decoder.get("type") != "ByteLevel":
        raise _refuse(f"decoder {decoder.get('type')!r} (expected ByteLevel)")
    pat_str = _pattern_of(data.get("pre_tokenizer"))

    post = data.get("post_processor")
    if isinstance(post, dict) and post.get("type") not in (None, "ByteLevel") and not _adds_nothing(data):
        warnings.warn(
            f"{name}: the post_processor ({post.get('type')}) is not kept: an Encoding adds no "
            "special tokens around a text by itself (HfBpeTokenizer's add_bos_token/add_eos_token do)",
            TokenizerJsonWarning,
            stacklevel=_outside_stacklevel(),
        )
    for setting in ("truncation", "padding"):
        if data.get(setting):
            warnings.warn(
                f"{name}: the file's {setting} is not kept: an Encoding returns every id of a "
                f"text (HfBpeTokenizer.from_pretrained takes its side from the file, as transformers "
                f"does, and {'pads' if setting == 'padding' else 'truncates'} as a call's arguments say)",
                TokenizerJsonWarning,
                stacklevel=_outside_stacklevel(),
            )
    if any(isinstance(step, dict) and step.get("type") == "ByteLevel" and step.get("trim_offsets") for step in _post_stages(data)):
        warnings.warn(
            f"{name}: the ByteLevel post_processor trims spaces off offsets (trim_offsets); "
            "HfBpeTokenizer's offset mappings keep them (the ids are the same)",
            TokenizerJsonWarning,
            stacklevel=_outside_stacklevel(),
        )
    for entry in data.get("added_tokens") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("content"), str):
            raise VocabularyError(f"an added token that is not {{\"content\": text, \"id\": ...}}: {entry!r}")
        if not _is_id(entry.get("id")):
            raise VocabularyError(f"the added token {entry['content']!r} has the id {entry.get('id')!r}, not an integer of 0 or more")
        flags = {key: _flag(entry, key, False) for key in (*STRIP_FLAGS, "normalized", "special")}
        if any(flags[key] for key in STRIP_FLAGS):
            raise _refuse(f"added token {entry['content']!r} with lstrip/rstrip/single_word")
    check_added_tokens(data.get("added_tokens") or [])
    added = {entry["content"]: int(entry["id"]) for entry in data.get("added_tokens") or []}
    ignore_merges = _flag(model, "ignore_merges", False, nullable=True)
    vocab = model.get("vocab") or {}
    quick = _ranks_if_merges_implied(vocab, added, model.get("merges"), ignore_merges)
    if quick is not None:
        _check_added_ids(data.get("added_tokens") or [], vocab)
        return BpeParts(name, pat_str, *quick, normalization)
    merges = [
        tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model.get("merges") or []
    ]
    bad = next((m for m in merges if len(m) != 2), None)
    if bad is not None:
        raise VocabularyError(f"a merge of {len(bad)} parts, {bad!r}: a merge joins two tokens")
    wrong = next(((t, i) for t, i in vocab.items() if not _is_id(i)), None)
    if wrong is not None:
        raise VocabularyError(f"the vocab gives token {wrong[0]!r} the id {wrong[1]!r}, not an integer of 0 or more")
    _check_added_ids(data.get("added_tokens") or [], vocab)
    merge_ids = _merge_ids(merges, vocab)
    spellings: list[str] = []  # of the mergeable tokens, and their ids
    ids: list[int] = []
    specials = dict(added)
    merged: set[str] | None = None  # spellings that merges make
    for spelled, tid in vocab.items():
        if spelled in added:
            if added[spelled] != tid:
                raise VocabularyError(
                    f"token {spelled!r} has id {tid} in the vocab but {added[spelled]} as added token"
                )
            if merged is None:
                merged = {a + b for a, b in merges}
            if spelled not in merged and spelled not in bytes_to_unicode():
                continue  # a special token listed in the vocab too (GPT-2's <|endoftext|>)
            if token_bytes(spelled) != spelled.encode("utf-8", "surrogatepass"):
                raise VocabularyError(
                    f"the added token {spelled!r} has the id of the vocabulary token spelled "
                    f"{spelled!r}, whose bytes are {token_bytes(spelled)!r}, not that text: "
                    "tokenizers would encode the text as those bytes"
                )
            # An added token over a vocabulary token ("hello" added to gpt2): the Encoding
            # keeps the token and encodes its text by BPE; tokenizers splits it out first.
            del specials[spelled]
            warnings.warn(
                f"{name}: the added token {spelled!r} is also a vocabulary token: the Encoding "
                "encodes its text by BPE (HfBpeTokenizer still splits it out first)",
                TokenizerJsonWarning,
                stacklevel=_outside_stacklevel(),
            )
        spellings.append(spelled)
        ids.append(int(tid))
    ranks = dict(zip(token_bytes_many(spellings), ids))
    _check_vocabulary(ranks, specials)
    _check_merges(ranks, merges, merge_ids, ignore_merges)
    return BpeParts(name, pat_str, ranks, specials, normalization)


def _ranks_if_merges_implied(
    vocab: Any, added: Mapping[str, int], merges: Any, ignore_merges: bool
) -> tuple[dict[bytes, int], dict[str, int]] | None:
    """The ranks and special tokens of a file whose merges are exactly the ones its ids
    imply (as in every file hf_bpe writes, and most others), or every split of every
    token (transformers' ``TikTokenConverter``: see :func:`_lists_every_split`), with
    every added token a special one; None for any other file, which the full check then
    reads, naming what is wrong or warning of what it changes. (The ids of added tokens
    that are not in the vocab are checked after it, as for any file.)

    The merges are compared as the file spells them, in one comparison of flat lists,
    not pair by pair: making an object per merge (200,000 for o200k_base) woke Python's
    garbage collector, which then went through the whole parsed file again and again.
    An added token that is also in the vocab is taken as special: were it a token some
    merge forms, the merges derived without it would lack that merge and differ from
    the file's.
    """
    if not isinstance(vocab, dict) or not isinstance(merges, list) or not merges:
        return None
    ids = list(vocab.values())
    if not set(map(type, ids)) <= {int} or min(ids, default=0) < 0:
        return None
    if any(vocab.get(text, tid) != tid or len(text) == 1 for text, tid in added.items() if text in vocab):
        return None  # an added token with two ids, or over a single byte's token
    spellings = [spelled for spelled in vocab if spelled not in added]
    try:
        ranks = dict(zip(token_bytes_many(spellings), map(vocab.__getitem__, spellings)))
        if len(ranks) != len(spellings):
            return None  # two spellings of one token
        _check_vocabulary(ranks, added)
        if len(merges) > len(spellings) - 256:  # more merges than tokens to make: TikTokenConverter's list?
            parts = _flat_merge_parts(merges)
            made = None if parts is None else _lists_every_split(ranks, list(map(vocab.get, parts)))
            if made is None or not ignore_merges and len(set(made)) != sum(len(token) > 1 for token in ranks):
                return None  # (some tokens no merge forms: the full check says why that is refused)
            return ranks, dict(added)
        implied = merge_parts(ranks)  # a flat list: no object per merge to make
    except VocabularyError:
        return None
    if len(implied) != 2 * len(merges) or not ignore_merges and len(merges) != len(spellings) - 256:
        return None  # (some tokens no merge forms: the full check says why that is refused)
    spelling = {tid: spelled for spelled, tid in vocab.items()}
    parts = _flat_merge_parts(merges)
    return (ranks, dict(added)) if parts == list(map(spelling.__getitem__, implied)) else None


def _is_id(value: Any) -> bool:
    """Whether a JSON value can be a token id: an integer of 0 or more (not a float such
    as 5.0, which json reads as one, nor true/false)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_added_tokens(entries: Sequence[Mapping[str, Any]]) -> None:
    """Refuse added tokens that ``tokenizers`` would find otherwise than hf_bpe does: two
    with one id (it finds one of them), or one it looks for first (``normalized`` false:
    in the whole text, before anything else) overlapping one it looks for after it (hf_bpe
    takes the longest match from the left among all of them)."""
    by_id: dict[Any, str] = {}
    for entry in entries:
        other = by_id.setdefault(entry["id"], entry["content"])
        if other != entry["content"]:
            raise VocabularyError(
                f"the added tokens {other!r} and {entry['content']!r} share id {entry['id']}: "
                "tokenizer.json gives each id one added token"
            )
    first = [e["content"] for e in entries if not e.get("normalized")]
    after = [e["content"] for e in entries if e.get("normalized")]
    pair = _overlapping(first, after)
    if pair is not None:
        raise VocabularyError(
            f"the added tokens {pair[0]!r} (matched first) and {pair[1]!r} (matched after it) "
            "overlap: tokenizers and hf_bpe would cut such text differently"
        )


def _check_added_ids(entries: Sequence[Mapping[str, Any]], vocab: Mapping[str, int]) -> None:
    """Refuse an added token that is not in the vocab and whose id in the file is not the
    one ``tokenizers`` gives it: it numbers such tokens itself, in the file's order, after
    the vocab's size and the added tokens before them (warning that the file expected
    another id), so hf_bpe, which read the file's id, gave other ids."""
    size = len(vocab)
    taken: set[str] = set()
    top: int | None = None  # the largest id of the added tokens so far
    for entry in entries:
        content, tid = entry["content"], entry["id"]
        if content in taken:
            continue
        taken.add(content)
        if content in vocab:  # its id is checked against the file's later
            top = vocab[content] if top is None else max(top, vocab[content])
            continue
        expected = size if top is None or (top < size and size > 0) else top + 1
        if tid != expected:
            raise VocabularyError(
                f"the added token {content!r} has id {tid} in the file, but tokenizers numbers it "
                f"{expected} (after the vocab's {size} tokens and the added tokens before it): "
                "the file's ids are not the ones Hugging Face uses"
            )
        top = expected if top is None else max(top, expected)


#: Added tokens up to this long are compared through tables (see :func:`_overlapping`);
#: the few longer ones one pair at a time.
_TABLED = 64


def _overlapping(first: Sequence[str], after: Sequence[str]) -> tuple[str, str] | None:
    """A token of ``first`` and one of ``after`` that some text holds at overlapping places
    (one inside the other, or an end of one that begins the other), or None.

        >>> _overlapping(["<|end|>"], ["end", "x"]), _overlapping(["ab"], ["bc"]), _overlapping(["ab"], ["ca"])
        (('<|end|>', 'end'), ('ab', 'bc'), ('ab', 'ca'))
        >>> _overlapping(["<a>"], ["b", "a b"]) is None
        True

    Tokens of up to :data:`_TABLED` characters (nearly all) are looked up in tables of the
    other side's tokens, their proper beginnings and ends, not compared with each of them
    (3,000 special and 7,000 other added tokens took half a minute to save); a longer
    token is compared with each token of the other side (tables of its beginnings would
    grow with the square of its length)."""
    short_first = [a for a in first if len(a) <= _TABLED]
    short_after = [b for b in after if len(b) <= _TABLED]
    pair = _overlapping_short(short_first, short_after)
    if pair is not None:
        return pair
    pairs = [(a, after) for a in first if len(a) > _TABLED]
    pairs += [(a, [b for b in after if len(b) > _TABLED]) for a in short_first]
    for a, others in pairs:
        for b in others:
            if _overlap(a, b):
                return a, b
    return None


def _overlapping_short(first: Sequence[str], after: Sequence[str]) -> tuple[str, str] | None:
    """:func:`_overlapping` for tokens of up to :data:`_TABLED` characters, through tables."""
    if not first or not after:
        return None
    starting: dict[str, str] = {}  # a proper beginning of a token of after -> that token
    ending: dict[str, str] = {}
    for b in after:
        for k in range(1, len(b)):
            starting.setdefault(b[:k], b)
            ending.setdefault(b[-k:], b)
    whole = set(after)
    longest = max(map(len, after))
    used = set("".join(after))
    sep = next(chr(c) for c in range(0x110000) if chr(c) not in used)
    joined = sep + sep.join(after) + sep  # a token of first inside one of after: found here
    for a in first:
        for k in range(1, len(a)):
            if a[-k:] in starting:  # a's end begins a token of after
                return a, starting[a[-k:]]
            if a[:k] in ending:  # a's beginning ends one
                return a, ending[a[:k]]
        for i in range(len(a)):  # a token of after inside a
            for j in range(i + 1, min(len(a), i + longest) + 1):
                if a[i:j] in whole:
                    return a, a[i:j]
        if sep not in a:
            at = joined.find(a)
            if at >= 0:  # a inside a token of after: the one around position at
                return a, joined[joined.rfind(sep, 0, at) + 1 : joined.find(sep, at)]
    return None


def _overlap(a: str, b: str) -> bool:
    """Whether some text holds ``a`` and ``b`` at overlapping places."""
    if a in b or b in a:
        return True
    return any(a.endswith(b[:k]) or b.endswith(a[:k]) for k in range(1, min(len(a), len(b))))


def _merge_ids(merges: Sequence[Sequence[str]], vocab: Mapping[str, int]) -> list[tuple[int | None, int | None]]:
    """Each merge (two spellings) as the ids ``vocab`` gives its parts; a part it lacks is
    a VocabularyError."""
    get = vocab.get
    ids = [(get(a), get(b)) for a, b in merges]
    if None in itertools.chain.from_iterable(ids):
        at = next(at for at, pair in enumerate(ids) if None in pair)
        a, b = merges[at]
        part = a if ids[at][0] is None else b
        raise VocabularyError(f"merge #{at} joins {a!r} and {b!r}, but the vocab has no token {part!r}")
    return ids


def _check_merges(
    ranks: Mapping[bytes, int],
    merges: Sequence[Sequence[str]],
    ids: Sequence[tuple[int | None, int | None]],
    ignore_merges: bool,
) -> None:
    """Refuse merges that would not give tiktoken's ids for these ranks: ``merges`` as the
    file spells them, ``ids`` as :func:`_merge_ids` gives them (compared so: no bytes are
    made)."""
    expected = derive_merge_ranks(ranks)  # (often kept from before: no tables made)
    if ids == expected or len(ids) > len(expected) and _lists_every_split(ranks, list(itertools.chain.from_iterable(ids))) is not None:
        if not ignore_merges and len(expected) != sum(1 for t in ranks if len(t) > 1):
            raise VocabularyError(
                "some multi-byte tokens cannot be formed by any merge and the file has "
                "ignore_merges=false: HF would never emit them, tiktoken would"
            )
        return
    mergeable = set(ranks.values())
    special = next((at for at, pair in enumerate(ids) if not mergeable.issuperset(pair)), None)
    if special is not None:
        a, b = merges[special]
        part = a if ids[special][0] not in mergeable else b
        raise VocabularyError(
            f"merge #{special} joins {a!r} and {b!r}, but {part!r} is a special (added) token, "
            "which merges neither make nor take"
        )
    if len(ids) > len(expected) and set(expected) <= set(ids):
        raise VocabularyError(
            f"the file lists {len(ids)} merges for {len(expected)} merged tokens, several "
            "splits of some tokens but not every split of every token in the order of the "
            "tokens' ids (the list transformers' TikTokenConverter writes, which hf_bpe "
            "reads): tokenizers would merge some texts otherwise than tiktoken"
        )
    for at, (got, want) in enumerate(zip(ids, expected)):
        if got != want:
            by_rank = {rank: token for token, rank in ranks.items()}
            a, b = merges[at]
            raise VocabularyError(
                f"merge #{at} is {(token_bytes(a), token_bytes(b))!r} but the ids imply "
                f"{(by_rank[want[0]], by_rank[want[1]])!r}: merge order disagrees with "
                "token ids, so id = rank would not reproduce this tokenizer"
            )
    raise VocabularyError(
        f"the file has {len(ids)} merges but its ids imply {len(expected)}: "
        "merge order disagrees with token ids"
    )


def _flat_merge_parts(merges: list[Any]) -> list[str] | None:
    """The two parts of each merge (``"a b"`` or ``["a", "b"]``) in one flat list, or None
    if some merge is not two parts."""
    if set(map(type, merges)) == {str}:
        if set(map(str.count, merges, itertools.repeat(" "))) != {1}:
            return None
        return " ".join(merges).split(" ")
    if set(map(type, merges)) != {list} or set(map(len, merges)) != {2}:
        return None
    parts = list(itertools.chain.from_iterable(merges))
    return parts if set(map(type, parts)) == {str} else None


def _lists_every_split(ranks: Mapping[bytes, int], ids: Sequence[int | None]) -> list[int] | None:
    """The ids of the tokens the merges make, in the merges' order, if the merges (given by
    the ids of their parts, ``ids``, flat: two per merge) are every split of every token
    into two tokens, each once, in the order of the ids of the tokens they make (ties in
    any order): the lists of transformers' ``TikTokenConverter`` (Llama 3's, Mistral
    Nemo's), with which tokenizers gives tiktoken's ids; else None.

    Why: both merge, again and again, an adjacent pair of parts that makes the
    lowest-ranked token; they differ only in which of several such pairs goes first
    (tiktoken: the leftmost; tokenizers: the earliest merge in the list, then the
    leftmost), and only where those pairs split the token differently. That never
    happens. While two parts x, y lie side by side, no merge has joined them to anything
    outside their span, so each merge made inside the span was the lowest-ranked pair
    there, the leftmost on ties: the span went through the first steps of one fixed
    run, tiktoken's merging of the token's bytes alone, which reaches its two-part state
    (its last split) at one step only. Any two spans x y of one token are split alike.

        >>> ranks = {**{bytes([i]): i for i in range(256)}, b"ab": 256, b"bc": 257, b"abc": 258}
        >>> _lists_every_split(ranks, [97, 98, 98, 99, 256, 99, 97, 257])
        [256, 257, 258, 258]
        >>> _lists_every_split(ranks, [97, 98, 98, 99, 256, 99]) is None
        True

    (Each pair is one int, ``a * n + b``: a few hundred thousand tuples would wake Python's
    garbage collector, which then goes through the whole parsed file again and again.)
    """
    from hf_bpe.encoding import _checked_ranks

    flat = every_split(list(ranks), MergeTables(_checked_ranks(ranks)))
    if len(ids) != 2 * (len(flat) // 3) or None in ids:
        return None
    known = cast("list[int]", ids)
    n = max(max(ranks.values()), max(known, default=0)) + 1  # (a part's id may be a special token's, above the ranks)

    def pairs(parts: list[int], step: int) -> list[int]:
        return list(map(operator.add, map(operator.mul, parts[::step], itertools.repeat(n)), parts[1::step]))

    listed = pairs(known, 2)
    made = dict(zip(pairs(flat, 3), flat[2::3]))
    order = list(map(made.get, listed, itertools.repeat(-1)))
    return order if -1 not in order and len(set(listed)) == len(listed) and order == sorted(order) else None


def _make_encoding(parts: BpeParts) -> Encoding:
    from hf_bpe.encoding import Encoding

    return Encoding(
        parts.name,
        pat_str=parts.pat_str,
        mergeable_ranks=parts.mergeable_ranks,
        special_tokens=parts.special_tokens,
        normalization=parts.normalization,
    )


def load_tokenizer_json(path: str | os.PathLike[str], *, name: str | None = None) -> Encoding:
    """Read a byte-level BPE ``tokenizer.json`` (a file, or a folder holding one, or a
    folder of GPT-2's ``vocab.json`` + ``merges.txt``) into an :class:`hf_bpe.Encoding`;
    ``VocabularyError``/``PatternError`` for what it cannot be. ``tokenizer.json`` holds
    no name: the encoding is called ``name``, by default the name of the file's folder
    (:func:`hf_bpe.load_encoding` reads the name a saved folder's ``encoding.json`` keeps).

    >>> import hf_bpe, tempfile, os
    >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\s+|\\S+",
    ...     mergeable_ranks={**{bytes([i]): i for i in range(256)}, b"hi": 256},
    ...     special_tokens={"<|endoftext|>": 257})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = hf_bpe.save_tokenizer_json(enc, os.path.join(d, "tokenizer.json"))
    ...     back = load_tokenizer_json(d)
    >>> back.encode("hi hi<|endoftext|>", allowed_special="all")
    [256, 32, 256, 257]
    """
    refuse_empty_path(path)
    p = Path(path)
    # (a save killed midway, in the folder or the file's, is completed first; one made meanwhile: read again)
    where = p if p.is_dir() else p.parent if p.is_file() else None
    if where is None:
        return _read_tokenizer_json(p, name)
    from hf_bpe.folder import saved_file  # (folder.py builds on this module's neighbours)

    return read_whole(where, lambda: _read_tokenizer_json(p, name), saved_file)


def _read_tokenizer_json(p: Path, name: str | None) -> Encoding:
    of_a_folder = p.is_dir()
    if of_a_folder:
        if not (p / "tokenizer.json").exists() and (p / "vocab.json").exists():
            _check_gpt2_class(p / "tokenizer_config.json")
            return load_gpt2_files(p / "vocab.json", p / "merges.txt", name=name or p.name)
        if not (p / "tokenizer.json").exists():
            raise MissingFileError(f"{p}: no tokenizer.json (nor GPT-2's vocab.json + merges.txt) in this folder")
        p = p / "tokenizer.json"
    elif not p.exists():
        raise MissingFileError(f"{p}: no such file or folder")
    # (a folder's file that is a pipe or device: a VocabFileError; a file the user names is
    # read as it is, a pipe too; an OSError, no permission say, is raised as it is)
    raw = read_file(p) if of_a_folder else p.read_bytes()
    try:
        data = parse_json(raw.decode("utf-8"))
    except ValueError as err:  # not UTF-8, not JSON
        raise VocabFileError(f"cannot read {p}: {err}") from None
    return tokenizer_json_encoding(data, p, name=name)


def tokenizer_json_encoding(data: Any, path: Path, *, name: str | None = None, plain_added: bool = True) -> Encoding:
    """The Encoding of ``data``, the parsed JSON read from ``path`` (named in errors):
    :func:`load_tokenizer_json` after reading the file. Every added token is a special
    token of the Encoding (tiktoken knows no other kind), unless ``plain_added`` is False:
    then the ones the file does not mark special are left out (a transformers tokenizer
    keeps them as its own added tokens)."""
    if not isinstance(data, dict):
        raise VocabFileError(f"{path} is not a tokenizer.json object")
    if "model" not in data:
        hint = " (GPT-2's vocab.json: pass its folder, with merges.txt)" if path.name == "vocab.json" else ""
        raise VocabFileError(f"{path} is not a tokenizer.json: it has no 'model'{hint}")
    try:
        parts = parse_tokenizer_json(data, name=name or path.parent.name or "tokenizer")
    except (PatternError, VocabularyError) as err:
        raise type(err)(f"{path}: {err}") from None
    except ValueError as err:
        raise VocabularyError(f"{path} is a malformed tokenizer.json ({err})") from None
    if not plain_added:
        plain = {entry["content"] for entry in plain_added_tokens(data)}
        parts = parts._replace(special_tokens={t: i for t, i in parts.special_tokens.items() if t not in plain})
    return _make_encoding(parts)


def plain_added_tokens(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The entries of ``added_tokens`` that the file does not mark special (read after
    :func:`parse_tokenizer_json` checked them)."""
    return [entry for entry in data.get("added_tokens") or [] if not entry.get("special")]


def template_processor(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``TemplateProcessing`` post-processor of ``data``, if it is the only one (beside
    ``ByteLevel`` stages); None otherwise."""
    stages = _post_stages(data)
    templates = [p for p in stages if isinstance(p, dict) and p.get("type") == "TemplateProcessing"]
    others = [p for p in stages if not (isinstance(p, dict) and p.get("type") in ("TemplateProcessing", "ByteLevel"))]
    return templates[0] if len(templates) == 1 and not others else None


def _post_stages(data: Mapping[str, Any]) -> list[Any]:
    """The stages of the post-processor of ``data``: a ``Sequence``'s processors, or the
    one post-processor (none: an empty list)."""
    post = data.get("post_processor")
    if isinstance(post, dict) and post.get("type") == "Sequence":
        return list(post.get("processors") or [])
    return [] if post is None else [post]


def _adds_nothing(data: Mapping[str, Any]) -> bool:
    """Whether the post-processor is a template with no special token in it (``$A``, and
    ``$A $B`` for pairs): what an Encoding does, so nothing of it is lost."""
    template = template_processor(data)
    return template is not None and template_specials(data) == (None, None) and not any(
        isinstance(item, dict) and "SpecialToken" in item for item in template.get("pair") or ()
    )


def template_specials(data: Mapping[str, Any]) -> tuple[str | None, str | None] | None:
    """The (bos, eos) texts a ``TemplateProcessing`` post-processor puts around one text
    (``[bos] $A``, ``$A [eos]`` or ``[bos] $A [eos]``; ``$A`` alone gives neither), or None
    for any other post-processor: what HfBpeTokenizer's add_bos_token/add_eos_token do.

        >>> template_specials({"post_processor": {"type": "TemplateProcessing", "single": [
        ...     {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]}})
        ('<s>', None)
    """
    template = template_processor(data)
    if template is None:
        return None
    items = template.get("single")
    if not isinstance(items, list) or not all(isinstance(item, dict) and len(item) == 1 for item in items):
        return None
    kinds = ["A" if "Sequence" in item else "S" if "SpecialToken" in item else "?" for item in items]
    texts = [item.get("SpecialToken", {}).get("id") for item in items]
    if not all(_template_adds_its_own_id(template, data, text) for text in texts if text is not None):
        return None  # (ids of other tokens, or several: not what add_bos_token/add_eos_token add)
    if kinds == ["A"]:  # as stock transformers saves a tokenizer that adds nothing
        return None, None
    if kinds == ["S", "A"]:
        return texts[0], None
    if kinds == ["A", "S"]:
        return None, texts[1]
    if kinds == ["S", "A", "S"]:
        return texts[0], texts[2]
    return None


def _template_adds_its_own_id(template: Mapping[str, Any], data: Mapping[str, Any], text: Any) -> bool:
    """Whether the ids a template adds for the special token ``text`` (its
    ``special_tokens`` entry, which tokenizers adds as it stands) are that token's own id
    in the file, as transformers writes them."""
    entry = (template.get("special_tokens") or {}).get(text) if isinstance(template.get("special_tokens"), dict) else None
    if not isinstance(entry, dict) or "ids" not in entry:
        return True  # (no ids to add: tokenizers refuses such a template)
    added = {t.get("content"): t.get("id") for t in data.get("added_tokens") or [] if isinstance(t, dict)}
    model = data.get("model")
    vocab = model.get("vocab") if isinstance(model, dict) else None
    own = added[text] if text in added else vocab.get(text) if isinstance(vocab, dict) else None
    return own is not None and entry["ids"] == [own]


#: Tokenizer classes whose vocab.json + merges.txt split text with GPT-2's pattern.
_GPT2_CLASSES = frozenset({"GPT2Tokenizer", "GPT2TokenizerFast"})


def _check_gpt2_class(config_path: Path) -> None:
    """A vocab.json + merges.txt pair holds no split pattern: it is GPT-2's only for GPT-2's
    tokenizer classes (Qwen2's, say, splits otherwise), so another class is refused."""
    try:
        config = parse_json(read_file(config_path).decode("utf-8"))
    except (OSError, ValueError):
        return  # no (readable) config: GPT-2's files, as they were published
    cls = config.get("tokenizer_class") if isinstance(config, dict) else None
    if cls is not None and cls not in _GPT2_CLASSES:
        raise VocabularyError(
            f"{config_path.parent}: vocab.json + merges.txt of a {cls}, whose split pattern is "
            "not GPT-2's and is not in these files: load its tokenizer.json instead"
        )


def _looks_special(spelled: str) -> bool:
    """Whether a vocab.json entry that no merge makes reads as a special token: ``<|endoftext|>``,
    ``<s>``, ``[PAD]``."""
    return len(spelled) > 2 and (spelled[0], spelled[-1]) in (("<", ">"), ("[", "]"))


def load_gpt2_files(
    vocab_json: str | os.PathLike[str],
    merges_txt: str | os.PathLike[str],
    *,
    name: str = "gpt2-style",
    pat_str: str | None = None,
) -> Encoding:
    """Read a GPT-2 style ``vocab.json`` + ``merges.txt`` pair into an Encoding.

    Vocab entries that are neither single bytes nor produced by a merge (such as
    ``<|endoftext|>``) become special tokens, if they look like one (``<...>`` or
    ``[...]``): others mean a ``merges.txt`` that lacks merges (cut short, say), a
    VocabularyError. The pattern defaults to GPT-2's.
    """
    from hf_bpe.patterns import R50K_PATTERN

    merges = read_gpt2_merges(merges_txt)
    vocab = read_gpt2_vocab(vocab_json)
    merged = {a + b for a, b in merges}
    singles = set(bytes_to_unicode())
    mergeable = {spelled: tid for spelled, tid in vocab.items() if spelled in singles or spelled in merged}
    specials = {spelled: tid for spelled, tid in vocab.items() if spelled not in mergeable}
    # (a VocabularyError for a character outside GPT-2's alphabet)
    ranks = dict(zip(token_bytes_many(mergeable), mergeable.values()))
    _check_vocabulary(ranks, specials)
    _check_merges(ranks, merges, _merge_ids(merges, vocab), ignore_merges=False)
    unmade = sorted((tid, spelled) for spelled, tid in specials.items() if not _looks_special(spelled))
    if unmade:
        shown = ", ".join(f"{spelled!r} (id {tid})" for tid, spelled in unmade[:5])
        raise VocabularyError(
            f"{os.fspath(vocab_json)}: {len(unmade)} of its tokens are made by no merge of "
            f"{os.fspath(merges_txt)} ({shown}{', ...' if len(unmade) > 5 else ''}) and do not look "
            "like special tokens (<...> or [...]): is merges.txt cut short?"
        )
    return _make_encoding(BpeParts(name, pat_str or R50K_PATTERN, ranks, specials))
