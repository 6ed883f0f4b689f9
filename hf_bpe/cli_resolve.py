"""Which tokenizer a command-line argument names: a folder, a file, or a name.

:func:`resolve_encoding` tries an existing path first (an hf_bpe folder, a
``tokenizer.json`` or a folder holding one, GPT-2's ``vocab.json`` + ``merges.txt``, a
``.tiktoken`` file with a pattern), else an encoding or OpenAI model name; anything
else is a :class:`~hf_bpe.errors.CliError`, with a suggestion when the name is close::

    >>> resolve_encoding("cl100k_bse")
    Traceback (most recent call last):
    ...
    hf_bpe.errors.CliError: 'cl100k_bse' is not a file or folder, ... Did you mean 'cl100k_base'? ...
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from .encoding import Encoding
from .errors import CliError, PluginError, UnknownModelError, VocabFileError, VocabularyError

__all__ = ["parse_special_tokens", "resolve_encoding"]

logger = logging.getLogger("hf_bpe.cli")


def parse_special_tokens(items: Sequence[str], first_id: int) -> dict[str, int]:
    """``TEXT=ID`` (or just ``TEXT``: the next free id from ``first_id``) → ``{text: id}``.

    An item is ``TEXT=ID`` when what follows its last ``=`` is ASCII digits; something
    there that looks like a number otherwise (``-1``, `` 5``, ``0x10``) is a CliError; else
    the whole item is the text (``<|a=b|>`` is a token of that text).

    >>> parse_special_tokens(["<|endoftext|>=100257", "<|pad|>"], 100258)
    {'<|endoftext|>': 100257, '<|pad|>': 100258}
    """
    specials: dict[str, int] = {}
    holders: dict[int, str] = {}
    next_id = first_id
    for item in items:
        text, sep, number = item.rpartition("=")
        if sep and number.isascii() and number.isdigit():
            token_id = int(number)
        elif sep and _NUMBER_LIKE.fullmatch(number):  # "-1", " 5", "0x1": an id meant, surely
            raise CliError(f"the id in {item!r} must be written in decimal digits only (TEXT=ID)")
        else:
            text, token_id = item, next_id
        if not text:
            raise CliError(f"empty special token in {item!r}")
        if text in specials:
            raise CliError(f"special token {text!r} is given twice")
        if token_id in holders:  # one id would decode as one of them only
            raise CliError(f"special tokens {holders[token_id]!r} and {text!r} both get id {token_id}: give each its own")
        specials[text] = token_id
        holders[token_id] = text
        next_id = max(next_id, token_id + 1)
    return specials


#: What follows a token's last "=" when an id was meant but not written as digits.
_NUMBER_LIKE = re.compile(r"\s*[-+]?\s*(?:0[xXoObB][0-9a-fA-F_]+|[0-9][0-9_]*)\s*")


def _official_name(path: Path) -> Optional[str]:
    """The named encoding whose official vocabulary file has ``path``'s bytes, if any."""
    from .download import VOCAB_FILES, sha256_of

    try:
        digest = sha256_of(path)
    except OSError:
        return None
    for vfile in VOCAB_FILES.values():
        if vfile.sha256 == digest and vfile.filename.endswith(".tiktoken"):
            return vfile.filename[: -len(".tiktoken")]
    return None


#: The split pattern of a ``.tiktoken`` file loaded only to decode (decoding never splits).
_ANY_PATTERN = "r50k_base"


def _load_tiktoken_file(
    path: Path, pattern: Optional[str], specials: Sequence[str], *, sniffed: bool = False, to_decode: bool = False
) -> Encoding:
    from .patterns import get_pattern
    from .vocab_files import load_tiktoken_bpe

    ranks: Optional[dict[bytes, int]] = None
    if sniffed:  # not named *.tiktoken: make sure it is one before asking for a pattern
        try:
            ranks = load_tiktoken_bpe(path)
        except VocabFileError as err:
            raise CliError(f"{path} is not a tokenizer file: not JSON, and not tiktoken's format ({err})") from None
    if pattern is None and to_decode:
        pattern = _ANY_PATTERN
    if pattern is None:
        official = _official_name(path)
        hint = (
            f" (it is the official {official} file: use --pattern {official}, or just name "
            f"the encoding {official!r})"
            if official
            else ""
        )
        raise CliError(
            f"{path} is a .tiktoken file, which holds no split pattern: give one with "
            f"--pattern NAME_OR_REGEX{hint}"
        )
    if ranks is None:
        ranks = load_tiktoken_bpe(path)
    first = max(ranks.values(), default=-1) + 1
    special_tokens = parse_special_tokens(specials, first)
    try:
        return Encoding(path.name.split(".")[0] or "tiktoken", pat_str=get_pattern(pattern),
                        mergeable_ranks=ranks, special_tokens=special_tokens)
    except VocabularyError as err:  # ranks that are no vocabulary (a byte missing): say whose
        raise type(err)(f"{path}: {err}") from None


def _hidden_name(spec: str) -> str:
    """A note for an error about the path ``spec`` that is also the name of an encoding or
    a model, which the path hides (an existing path wins over a name); else ""."""
    from .registry import encoding_name_for_model, is_encoding_name

    try:
        named = is_encoding_name(spec)
    except PluginError:  # not the error to report here
        named = False
    if named:
        hidden = f"the named encoding {spec}"
    else:
        try:
            hidden = f"the model name {spec} (encoding {encoding_name_for_model(spec)})"
        except UnknownModelError:
            return ""
    return f"(it hides {hidden}: a path that exists wins over a name; run from another folder)"


def _small_json(head: bytes) -> bool:
    """Whether ``head``, a file's first 1,025 bytes, is the whole file and one JSON value."""
    import json

    if len(head) > 1024:
        return False
    try:
        json.loads(head)
    except ValueError:  # UnicodeDecodeError too
        return False
    return True


def _load_path(path: Path, pattern: Optional[str], specials: Sequence[str], to_decode: bool) -> Encoding:
    from .folder import ENCODING_FILE, load_encoding, load_encoding_and_added_tokens

    if path.is_dir():
        if (path / ENCODING_FILE).is_file():  # (not load_encoding: it warns of the added tokens taken here)
            enc = _with_added_tokens(*load_encoding_and_added_tokens(path), path)
        elif (path / "tokenizer.json").is_file() or (path / "vocab.json").is_file():
            from .tokenizer_json import load_tokenizer_json

            enc = load_tokenizer_json(path)
        elif (path / "encoder.json").is_file() and (path / "vocab.bpe").is_file():  # GPT-2's data-gym pair
            from .tokenizer_json_load import load_gpt2_files

            enc = load_gpt2_files(path / "encoder.json", path / "vocab.bpe", name=path.resolve().name or "gpt2-style")
        else:
            raise CliError(
                f"{path} is a folder without {ENCODING_FILE} or tokenizer.json: not a tokenizer folder"
            )
    elif not path.is_file():  # /dev/zero would be read until memory ran out, a named pipe waited on
        raise CliError(f"{path} is not a regular file: a tokenizer is a name, a file or a folder")
    elif path.suffix == ".tiktoken":
        return _load_tiktoken_file(path, pattern, specials, to_decode=to_decode)
    elif path.name == ENCODING_FILE:
        enc = load_encoding(path.parent)
    else:
        with path.open("rb") as f:
            head = f.read(1025)
        # Not JSON (an object, a list, or one small value: null, "x"): tiktoken's format
        if not head.lstrip().startswith((b"{", b"[")) and not _small_json(head):
            return _load_tiktoken_file(path, pattern, specials, sniffed=True, to_decode=to_decode)
        from .tokenizer_json import load_tokenizer_json

        stem = path.stem if path.stem != "tokenizer" else path.resolve().parent.name
        enc = load_tokenizer_json(path, name=stem or "tokenizer")
    if pattern is not None or specials:
        raise CliError(
            f"--pattern and --special-token apply to .tiktoken files only; {path} holds its own"
        )
    return enc


def _with_added_tokens(enc: Encoding, entries: dict[int, dict[str, Any]], folder: Path) -> Encoding:
    """``enc`` with the tokens a folder's tokenizer adds (``tok.add_tokens``,
    ``add_special_tokens``; ``entries``, from :func:`~hf_bpe.folder.load_encoding_and_added_tokens`)
    as special tokens, as the folder's ``tokenizer.json`` has them: one folder, one set of
    ids. An added token that is a vocabulary token keeps being encoded by BPE."""
    from .folder import tokens_added_beyond
    from .tokenizer_json_load import STRIP_FLAGS

    for entry in entries.values():
        flags = [flag for flag in STRIP_FLAGS if entry.get(flag)]
        if flags:  # an Encoding has no such rules: its ids would differ from the folder's own
            raise CliError(
                f"{folder / 'tokenizer_config.json'}: added token {entry['content']!r} has {'/'.join(flags)}, "
                "which only HfBpeTokenizer applies (transformers.AutoTokenizer with hf_bpe installed); "
                "the command line would encode it otherwise"
            )
    added = tokens_added_beyond(enc, entries)
    if not added:
        return enc
    return Encoding(
        enc.name,
        pat_str=enc._pat_str,
        mergeable_ranks=enc._mergeable_ranks,
        special_tokens={**enc.special_tokens, **added},
        normalization=enc.normalization,
    )


def _unknown_name_message(spec: str) -> str:
    import difflib

    from .registry import MODEL_TO_ENCODING, list_encoding_names

    names = list_encoding_names()
    close = difflib.get_close_matches(spec, [*names, *MODEL_TO_ENCODING], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"{spec!r} is not a file or folder, nor a known encoding or model name.{hint} "
        f"Known encodings: {', '.join(names)}"
    )


def resolve_encoding(
    spec: str, *, pattern: Optional[str] = None, special_tokens: Sequence[str] = (), to_decode: bool = False
) -> Encoding:
    """The encoding ``spec`` names: an existing path first, else an encoding or model name.

    - a folder with ``encoding.json`` (hf_bpe's folder format), or with ``tokenizer.json``
      (or GPT-2's ``vocab.json`` + ``merges.txt``, or its data-gym ``encoder.json`` +
      ``vocab.bpe``);
    - a ``tokenizer.json`` file, or an ``encoding.json`` file (its folder is loaded);
    - a ``.tiktoken`` file (any file that is not JSON is read as one): the ranks only, so
      ``pattern`` (a name from :mod:`hf_bpe.patterns`, e.g. ``cl100k_base``, or a regex) is
      required unless the encoding is only ``to_decode``, and ``special_tokens`` lists
      ``TEXT=ID`` items;
    - an encoding name (``cl100k_base``) or an OpenAI model name (``gpt-4o``).

    Anything else raises :class:`CliError`, with a suggestion when the name is close to a
    known one.
    """
    if not spec:  # Path("") is the current folder
        raise CliError("no tokenizer given: -t needs a name, file or folder")
    path = Path(spec)
    start = time.perf_counter()
    if path.exists():
        try:
            enc = _load_path(path, pattern, special_tokens, to_decode)
        except Exception as err:  # (a CliError, VocabFileError, ...: the command line prints its notes)
            hidden = _hidden_name(spec)
            if hidden:
                err.add_note(hidden)
            raise
        source = f"{'folder' if path.is_dir() else 'file'} {path}"
    else:
        from .registry import encoding_name_for_model, get_encoding, is_encoding_name

        if pattern is not None or special_tokens:
            given = "--pattern" if pattern is not None else "--special-token"
            raise CliError(
                f"{given} applies to .tiktoken files, and {spec!r} is not a file: a named "
                "encoding brings its own pattern and special tokens"
            )
        looks_like_path = os.sep in spec or spec.endswith((".json", ".tiktoken"))
        if looks_like_path:
            raise CliError(f"no such file or folder: {spec}")
        broken_plugin: Optional[PluginError] = None
        try:
            named = is_encoding_name(spec)
        except PluginError as err:  # in the way of plugins' names only, not of models'
            named, broken_plugin = False, err
        try:
            name = spec if named else encoding_name_for_model(spec)
        except UnknownModelError:
            raise broken_plugin or CliError(_unknown_name_message(spec)) from None
        enc = get_encoding(name)
        source = f"named encoding {name}"
    logger.info(
        "loaded %r (%d ids) from %s in %.3f s", enc.name, enc.n_vocab, source, time.perf_counter() - start
    )
    return enc
