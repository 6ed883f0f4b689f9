"""Hugging Face ``tokenizer.json`` to and from an hf_bpe :class:`~hf_bpe.Encoding`.

A byte-level BPE encoding (tiktoken's model: one split regex, ranks over byte strings,
special tokens) is written as a ``tokenizers`` file that the stock fast tokenizers read
and that gives the same ids: the vocabulary maps each token's bytes, spelled with GPT-2's
byte-to-character table, to its rank; the merges are derived from the ranks; the pattern
goes into a ``Split`` pre-tokenizer in the dialect of Oniguruma (HF's regex engine).

    >>> from hf_bpe.hf_vocab import derive_merges, token_str
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

This module writes the files; the stages it builds on have modules of their own, and
everything they hold is importable from here too: :mod:`hf_bpe.hf_vocab` (token
spelling, :func:`derive_merges`), :mod:`hf_bpe.hf_pattern` (the pattern in Oniguruma's
dialect, checked on probe texts) and :mod:`hf_bpe.tokenizer_json_load` (reading files
back).

This module never imports ``transformers``; ``tokenizers`` is imported lazily, only to
check that Oniguruma splits a pattern the way tiktoken does.
"""

from __future__ import annotations

import json
import operator
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from hf_bpe.errors import (
    PatternError,
    SpecialTokenTextError,
    TokenizerJsonWarning,
    VocabularyError,
    VocabularyOverflowError,
    VocabularyTypeError,
    _outside_stacklevel,
)
from hf_bpe.folder import HF_CONFIG_FORMAT
from hf_bpe.hf_pattern import checked_hf_pre_tokenizer
from hf_bpe.encoding import MAX_RANK, Encoding
from hf_bpe.hf_vocab import _check_vocabulary, merge_parts, spellings_by_id, token_bytes
from hf_bpe.normalization import normalize
from hf_bpe.registry import not_an_encoding
from hf_bpe.tokenizer_json_load import (
    STRIP_FLAGS,
    check_added_tokens,
    load_tokenizer_json,
    parse_tokenizer_json,
    template_processor,
)
from hf_bpe.atomic_files import write_atomic

# The tokenizer.json format's API (reading lives in tokenizer_json_load, the spellings in
# hf_vocab, the pattern in hf_pattern: import those from there).
__all__ = [
    "dumps_tokenizer_json",
    "encoding_to_tokenizer_json",
    "hf_files",
    "load_tokenizer_json",
    "parse_tokenizer_json",
    "save_tokenizer_json",
    "special_token_roles",
    "tokenizer_json_or_warn",
]


class EncodingLike(Protocol):
    """What this module reads from an encoding (hf_bpe's or tiktoken's)."""

    name: str
    _pat_str: str
    _mergeable_ranks: dict[bytes, int]
    _special_tokens: dict[str, int]


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


def _template(bos: tuple[str, int] | None, eos: tuple[str, int] | None) -> dict[str, Any]:
    """The ``TemplateProcessing`` post-processor that puts ``bos``/``eos`` (text, id)
    around each text, and each text of a pair (the second with type id 1)."""

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


def pair_template_matches(data: Mapping[str, Any], bos: str | None, eos: str | None) -> bool:
    """Whether the ``TemplateProcessing`` post-processor of ``data`` (one that
    :func:`~hf_bpe.tokenizer_json_load.template_specials` reads as ``bos``/``eos``) puts a
    text pair together as HfBpeTokenizer does, and as :func:`_template` writes it: each text
    between its bos and eos, the second one's type id 1. A BERT-style pair (``[CLS] $A
    [SEP] $B [SEP]``) does not."""
    template = template_processor(data)
    ours = _template((bos, 0) if bos is not None else None, (eos, 0) if eos is not None else None)
    return template is not None and template.get("pair") == ours["pair"]


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
    if not all(hasattr(enc, field) for field in ("name", "_pat_str", "_mergeable_ranks", "_special_tokens")):
        raise not_an_encoding(enc)  # (a name, a folder: as save_encoding says it)
    ranks = enc._mergeable_ranks
    specials = dict(enc._special_tokens)
    normalization = getattr(enc, "normalization", None)  # (a tiktoken Encoding has none)
    _check_vocabulary(ranks, specials)
    pre_tokenizer = checked_hf_pre_tokenizer(enc._pat_str)

    entries = [_added_token(text, tid) for text, tid in specials.items()]
    special_ids = set(specials.values())
    spelled = spellings_by_id(ranks)  # rank -> the token's spelling
    unwritable: list[str] = []  # added tokens tokenizer.json cannot hold: all named at once
    for tid, fields in _checked_extra_added_tokens(extra_added_tokens):
        flags = [key for key in STRIP_FLAGS if fields.get(key)]
        if flags:
            unwritable.append(
                f"added token {fields.get('content')!r} has {'/'.join(flags)}: HfBpeTokenizer "
                "applies transformers' Python rules for them, fast tokenizers other ones "
                "(which whitespace is stripped, what ends a word)"
            )
        if tid in special_ids:
            continue
        if tid in spelled:
            # tokenizers can hold an added token over a vocabulary token only under its
            # spelling ("hello" in gpt2: yes; "é", which spells the byte 0xE9: no).
            if spelled[tid] != fields.get("content"):
                unwritable.append(f"added token {fields.get('content')!r} reuses rank {tid}, spelled {spelled[tid]!r}")
        entry = _added_token(fields["content"], tid, special=bool(fields.get("special", False)))
        for key in ("single_word", "lstrip", "rstrip", "normalized"):
            if key in fields:
                entry[key] = bool(fields[key])
        entries.append(entry)
    check_added_tokens(entries)  # also two specials with one id (o200k_harmony's 200018)
    added: dict[int, dict[str, Any]] = {entry["id"]: entry for entry in entries}
    by_content = {entry["content"]: tid for tid, entry in added.items()}

    def role(name: str, token: str | None, wanted: bool) -> tuple[str, int] | None:
        if not wanted:
            return None
        if token is None:
            raise VocabularyError(f"add_{name}=True needs a {name}_token")
        if token not in by_content:
            raise VocabularyError(f"{name}_token {token!r} is not a special or added token")
        return token, by_content[token]

    bos, eos = role("bos", bos_token, add_bos), role("eos", eos_token, add_eos)
    post = _template(bos, eos) if bos or eos else None
    vocab = {spelled[rank]: rank for rank in sorted(spelled)}
    # tokenizers gives an added token its id only if the model vocab holds it; otherwise
    # it numbers added tokens after the vocab's size, which is wrong when ids have gaps.
    for tid in sorted(added):
        content = added[tid]["content"]
        if vocab.get(content) == tid:  # an added token over its own vocabulary token
            continue
        if content in vocab:
            unwritable.append(
                f"added token {content!r} (id {tid}) is spelled like the mergeable token with "
                f"id {vocab[content]}: tokenizer.json cannot hold both"
            )
        elif (misread := misread_as_bytes(content)) is not None:
            unwritable.append(
                f"added token {content!r} (id {tid}) is written in GPT-2's byte alphabet: "
                f"tokenizers' ByteLevel decoder would read it as the bytes {misread!r}, not as its text"
            )
        elif normalization is not None and added[tid]["normalized"] and (misread := misread_as_bytes(normalize(content, normalization))) is not None:
            # tokenizers keeps such a token's text normalized, and decodes that ("Zu\u0308rich"
            # in NFC is "Zürich", whose "ü" spells the byte 0xFC)
            unwritable.append(
                f"added token {content!r} (id {tid}) is written in GPT-2's byte alphabet once in "
                f"{normalization} form: tokenizers' ByteLevel decoder would read it as the bytes {misread!r}, not as its text"
            )
        else:
            vocab[content] = tid
    if unwritable:
        shown = "; ".join(unwritable[:3])
        more = f"; and {len(unwritable) - 3} more" if len(unwritable) > 3 else ""
        raise VocabularyError(shown if len(unwritable) == 1 else f"it cannot hold these added tokens: {shown}{more}")
    parts = enc._merge_parts if isinstance(enc, Encoding) else merge_parts(ranks)  # (kept by an Encoding)
    merges = [[spelled[a], spelled[b]] for a, b in zip(parts[::2], parts[1::2])]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added[tid] for tid in sorted(added)],
        "normalizer": None if normalization is None else {"type": normalization},
        "pre_tokenizer": pre_tokenizer,
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


def _checked_extra_added_tokens(tokens: Any) -> list[tuple[int, Mapping[str, Any]]]:
    """``extra_added_tokens`` as (id, fields) pairs, each id an integer that can be a token's
    and each content a text, as the Encoding checks its special tokens: a float id was cut
    to an int (1.5 wrote over the byte token 1), a content of None written as "None"."""
    if tokens is None:
        return []
    if not isinstance(tokens, Mapping):
        raise VocabularyTypeError(f"extra_added_tokens must be a mapping of id -> AddedToken fields, not {type(tokens).__name__}")
    checked = []
    for token, fields in tokens.items():
        if isinstance(token, bool) or not hasattr(token, "__index__"):
            raise VocabularyTypeError(f"extra_added_tokens: an id must be an int, not {token!r:.60}")
        tid = operator.index(token)
        if not 0 <= tid < MAX_RANK:
            raise VocabularyOverflowError(f"extra_added_tokens: id {tid} is not between 0 and {MAX_RANK - 1}")
        if not isinstance(fields, Mapping):
            raise VocabularyTypeError(f"extra_added_tokens: the fields of id {tid} must be a mapping (AddedToken's), not {fields!r:.60}")
        content = fields.get("content")
        if not isinstance(content, str) or not content:
            raise VocabularyError(f"extra_added_tokens: the content of id {tid} must be a non-empty str, not {content!r:.60}")
        SpecialTokenTextError.check(content, "added token")
        checked.append((tid, fields))
    return checked


def save_tokenizer_json(enc: EncodingLike, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write ``enc`` as a ``tokenizer.json`` file (atomically); options as for
    :func:`encoding_to_tokenizer_json`.  Returns the path written.

        >>> import hf_bpe, json, os, tempfile
        >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\s+|\\S+",
        ...     mergeable_ranks={**{bytes([i]): i for i in range(256)}, b"hi": 256},
        ...     special_tokens={"<|endoftext|>": 257})
        >>> path = save_tokenizer_json(enc, os.path.join(tempfile.mkdtemp(), "tokenizer.json"))
        >>> json.loads(path.read_text(encoding="utf-8"))["model"]["merges"]
        [['h', 'i']]
    """
    write_atomic(path, dumps_tokenizer_json(encoding_to_tokenizer_json(enc, **options)).encode())
    return Path(path)


def tokenizer_config(enc: EncodingLike) -> dict[str, Any]:
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
        "hf_bpe_format": HF_CONFIG_FORMAT,
    }
    config.update(special_token_roles(enc._special_tokens))
    return config


def misread_as_bytes(content: str) -> bytes | None:
    """The bytes tokenizers' ByteLevel decoder would read ``content`` as, when they are not
    its text; else None. The decoder reads a token whose characters all belong to GPT-2's
    byte alphabet as a spelling of bytes, whether the token is in the vocabulary or added.
    Letters, digits and ASCII punctuation spell themselves::

        >>> misread_as_bytes("café"), misread_as_bytes("[MASK]"), misread_as_bytes("日本")
        (b'caf\\xe9', None, None)
    """
    try:
        spelled = token_bytes(content)
    except VocabularyError:  # a character outside the alphabet (a space, "日"): kept as text
        return None
    return None if spelled == content.encode("utf-8") else spelled


def tokenizer_json_or_warn(enc: EncodingLike, **options: Any) -> dict[str, Any] | None:
    """:func:`encoding_to_tokenizer_json`, or None with a :class:`TokenizerJsonWarning`
    when the encoding cannot be written as one (its pattern, say): the hf_bpe files of a
    folder stay complete, only the HF fast-tokenizer file is left out."""
    try:
        return encoding_to_tokenizer_json(enc, **options)
    except (PatternError, VocabularyError) as err:
        warnings.warn(
            f"no tokenizer.json written for {enc.name!r}: {err}. The folder loads with hf_bpe "
            "(and with AutoTokenizer in a program that imports hf_bpe) but not with stock transformers.",
            TokenizerJsonWarning,
            stacklevel=_outside_stacklevel(),
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

