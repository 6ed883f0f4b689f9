"""What ``HfBpeTokenizer`` reads from a saved folder: its encoding (``vocab.tiktoken`` +
``encoding.json``, as hf_bpe saves it, or ``tokenizer.json`` alone, as stock transformers
and the Hub have it) and the added tokens of ``tokenizer_config.json``, checked against it.

``HfBpeTokenizer.from_pretrained`` calls these; to load a folder as an Encoding, use
:func:`hf_bpe.load_encoding`::

    >>> import tempfile, hf_bpe
    >>> from hf_bpe.hf_folder import load_folder_encoding
    >>> enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+",
    ...     mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    >>> folder = tempfile.mkdtemp()
    >>> _ = hf_bpe.save_encoding(enc, folder)
    >>> load_folder_encoding(folder + "/vocab.tiktoken", None, folder)[0].encode("hi")
    [104, 105]
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tokenizers import AddedToken

from hf_bpe.encoding import MAX_RANK
from hf_bpe.errors import MissingFileError, TokenizerJsonWarning, VocabFileError, VocabularyError, VocabularyOverflowError, _outside_stacklevel
from hf_bpe.folder import ENCODING_FILE, VOCAB_FILE, ChangedTokenizerJson, load_encoding_files_and_changes
from hf_bpe.hf_vocab import token_str
from hf_bpe.tokenizer_json import pair_template_matches
from hf_bpe.atomic_files import read_file
from hf_bpe.vocab_files import parse_json


def is_rank(encoding: Any, tid: int) -> bool:
    """Whether ``tid`` is the id of a vocabulary token of ``encoding`` (not a special one)."""
    if tid >= encoding.n_vocab or encoding.is_special_token(tid):
        return False
    try:
        encoding.decode_single_token_bytes(tid)
    except KeyError:  # a gap in the ranks
        return False
    return True


def check_added_decoder(decoder: Mapping[Any, Any], encoding: Any) -> None:
    """Refuse added tokens (tokenizer_config.json's ``added_tokens_decoder``) whose id would
    then mean two things: not an id at all (-3, 5.0), the id of one of the encoding's
    special tokens with another text, or the id of a vocabulary token whose bytes are
    not the added text and that is not spelled so either (as a token given a role is
    saved: gpt2's "Ġ", id 220). An id past the vocabulary is a new token."""
    specials: dict[int, set[str]] = {}
    for text, tid in encoding.special_tokens.items():
        specials.setdefault(tid, set()).add(text)
    for tid, token in decoder.items():
        content = token.get("content") if isinstance(token, Mapping) else str(token)
        where = f"added_tokens_decoder (tokenizer_config.json) gives {content!r}"
        if isinstance(tid, bool) or not isinstance(tid, int):
            raise VocabularyError(f"{where} the id {tid!r}: an id is an integer from 0 to 2**31 - 1")
        if not 0 <= tid < MAX_RANK:  # (len(tok), the embedding rows a model needs, would follow it)
            raise VocabularyOverflowError(f"{where} the id {tid}: hf_bpe's ids are integers from 0 to 2**31 - 1")
        if not isinstance(content, str) or not content:
            raise VocabularyError(f"added_tokens_decoder (tokenizer_config.json) has no text for id {tid}")
        if tid in specials:
            if content not in specials[tid]:
                raise VocabularyError(f"{where} the id {tid} of the special token {min(specials[tid])!r}")
        elif is_rank(encoding, tid):
            vocab_bytes = encoding.decode_single_token_bytes(tid)
            if content.encode("utf-8", "surrogatepass") != vocab_bytes and content != token_str(vocab_bytes):
                raise VocabularyError(
                    f"{where} the id {tid} of the vocabulary token {vocab_bytes!r}: the id would mean both"
                )


def load_tokenizer_json_only(path: str, source: Any = None) -> tuple[Any, str | None, str | None, dict[int, AddedToken], dict[str, str]]:
    """The Encoding of a folder saved by stock transformers (tokenizer.json only), the
    bos/eos its post-processor adds (which become add_bos_token/add_eos_token), its
    added tokens that are not special, by id: the tokenizer's own added tokens, not the
    Encoding's special tokens (saved again, they stay what they were), and what its
    ``padding`` and ``truncation`` settings give the tokenizer, as the fast tokenizer takes
    them (``padding_side``, ``pad_token``, ``truncation_side``: transformers keeps a
    tokenizer's padding side there). The Encoding is named after ``source`` (the repository
    id or folder given to ``from_pretrained``), not after the folder the file is in (for a
    Hub repository, a commit hash of its cache)."""
    from hf_bpe.tokenizer_json_load import load_tokenizer_json, plain_added_tokens, template_specials, tokenizer_json_encoding

    try:
        data = parse_json(read_file(path).decode("utf-8"))
    except (OSError, ValueError):
        return load_tokenizer_json(path), None, None, {}, {}  # which says what is wrong
    roles = template_specials(data) if isinstance(data, dict) else None
    settings = _padding_and_truncation(data)
    with warnings.catch_warnings():
        if roles is not None:  # the post-processor is kept, as add_bos_token/add_eos_token
            warnings.filterwarnings("ignore", message=".*post_processor", category=TokenizerJsonWarning)
        warnings.filterwarnings("ignore", message=".*the file's (padding|truncation) is not kept", category=TokenizerJsonWarning)
        name = None
        if isinstance(source, (str, os.PathLike)) and os.fspath(source):
            folder = Path(source)
            # a folder: its own name ("." is the working directory's); a repository: its name
            name = Path(os.path.abspath(folder)).name if folder.is_dir() else folder.name or None  # (a link keeps its name)
        encoding = tokenizer_json_encoding(data, Path(path), name=name, plain_added=False)
    plain = {
        int(entry["id"]): AddedToken(entry["content"], special=False, normalized=bool(entry.get("normalized", True)))
        for entry in plain_added_tokens(data)
    }
    bos, eos = roles or (None, None)
    if roles is not None and not pair_template_matches(data, bos, eos):
        warnings.warn(
            f"{path}: the post_processor's template for text pairs is not kept: HfBpeTokenizer "
            f"puts each text of a pair between its bos and eos ({bos!r}, {eos!r}), as for one text",
            TokenizerJsonWarning,
            stacklevel=_outside_stacklevel(),
        )
    return encoding, bos, eos, plain, settings


def _padding_and_truncation(data: Any) -> dict[str, str]:
    """The init arguments a ``tokenizer.json``'s ``padding`` and ``truncation`` give a
    tokenizer, as transformers' fast tokenizer takes them (a call pads and truncates as
    its own arguments say, on that side)."""
    settings: dict[str, str] = {}
    padding = data.get("padding") if isinstance(data, dict) else None
    truncation = data.get("truncation") if isinstance(data, dict) else None
    if isinstance(padding, dict):
        if str(padding.get("direction")).lower() in ("left", "right"):
            settings["padding_side"] = str(padding["direction"]).lower()
        if isinstance(padding.get("pad_token"), str) and padding["pad_token"]:
            settings["pad_token"] = padding["pad_token"]
    if isinstance(truncation, dict) and str(truncation.get("direction")).lower() in ("left", "right"):
        settings["truncation_side"] = str(truncation["direction"]).lower()
    return settings


def check_tokenizer_json_agrees(changed: ChangedTokenizerJson, decoder: Mapping[int, Any], adds: Mapping[str, Any]) -> None:
    """A :class:`~hf_bpe.VocabFileError` if ``changed``, the ``tokenizer.json`` of a folder
    that was changed after hf_bpe saved it, finds added tokens that the tokenizer loaded
    from hf_bpe's files and ``tokenizer_config.json`` lacks (``decoder``: its added tokens
    by id), or adds another bos/eos (``adds``: role → the token it adds, or None): tokens
    added with ``tokenizers``, or ``add_bos_token`` changed by stock transformers, would give
    other ids without hf_bpe than with it."""
    from hf_bpe.tokenizer_json_load import template_specials

    bos, eos = template_specials(changed.data) or (None, None)
    found = {int(entry["id"]): entry["content"] for entry in changed.data.get("added_tokens") or []}
    lacking = [f"{text!r} ({tid})" for tid, text in sorted(found.items()) if tid not in decoder or str(decoder[tid]) != text]
    problems = [f"added tokens this tokenizer lacks: {', '.join(lacking[:5])}{', ...' if len(lacking) > 5 else ''}"] if lacking else []
    for role, theirs in (("bos", bos), ("eos", eos)):
        ours = None if adds.get(role) is None else str(adds[role])
        if ours != theirs:
            problems.append(f"its post-processor adds {theirs!r} as {role} where this tokenizer adds {ours!r}")
    if problems:
        raise VocabFileError(
            f"{changed.path} was changed after hf_bpe saved its folder and no longer agrees with the tokenizer "
            f"of its other files ({'; '.join(problems)}): stock transformers, which reads it, would "
            "give other ids than hf_bpe. Make the change through hf_bpe and save again, or remove "
            "vocab.tiktoken and encoding.json (hf_bpe then reads tokenizer.json alone, as stock does)"
        )


def refuse_absent_local_path(source: Any) -> None:
    """Raise :class:`~hf_bpe.MissingFileError` for a ``from_pretrained`` source that is no
    existing path and cannot be a Hub repository id either (``/data/tok``, ``./tok``):
    transformers would say only that a repository id must be "repo_name" or
    "namespace/repo_name"."""
    if not isinstance(source, (str, os.PathLike)) or os.path.exists(source):
        return
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id  # type: ignore[attr-defined]  # (not re-exported "as" itself)

    try:
        validate_repo_id(os.fspath(source))
    except HFValidationError:
        raise MissingFileError(f"{os.fspath(source)}: no such folder (nor a Hub repository id)") from None


def file_not_json(source: Any) -> str | None:
    """The first ``*.json`` file of the local folder ``source`` that is not JSON (its path),
    or None: transformers reads ``tokenizer_config.json`` and ``tokenizer.json`` itself, and
    its ``JSONDecodeError`` names no file."""
    if not isinstance(source, (str, os.PathLike)) or not os.path.isdir(source):
        return None
    for path in sorted(Path(source).glob("*.json")):
        try:
            parse_json(read_file(path).decode("utf-8"))  # as transformers reads it (bytes would allow a BOM, UTF-16)
        except (ValueError, OSError):  # (a JSONDecodeError, bytes that are not UTF-8, a pipe, nesting, a 5,000-digit int)
            return str(path)
    return None


def tokenizer_json_problem(source: Any) -> Exception | None:
    """What hf_bpe finds wrong with the ``tokenizer.json`` of the local folder ``source``
    (a :class:`VocabularyError`), or None: transformers reads its added tokens itself,
    before this tokenizer does, and a file of the wrong shape (``{}``, ``[]``) fails there
    with a ``KeyError`` or ``TypeError`` that names no file."""
    from hf_bpe.tokenizer_json_load import load_tokenizer_json

    if not isinstance(source, (str, os.PathLike)) or not os.path.isfile(Path(source) / "tokenizer.json"):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TokenizerJsonWarning)
            load_tokenizer_json(Path(source) / "tokenizer.json")
    except VocabularyError as err:
        return err
    return None


class FilesMissing(VocabFileError):
    """Tokenizer files ``from_pretrained`` did not find. Raised from ``__init__`` as a
    ValueError (transformers replaces an OSError raised there by a message of its own);
    :meth:`HfBpeTokenizer.from_pretrained` raises it as a :class:`MissingFileError`, which
    is an OSError too, as transformers raises for a repository it cannot find."""


def load_folder_encoding(vocab_file: str | None, encoding_file: str | None, source: Any) -> tuple[Any, ChangedTokenizerJson | None]:
    """The Encoding of ``encoding_file`` (``encoding.json``; beside ``vocab_file`` if not
    given) and ``vocab_file``, and the folder's ``tokenizer.json`` if it was changed after
    the save (:func:`~hf_bpe.folder.load_encoding_files_and_changes`); with neither file, an
    error that says what is missing where (``source``: the folder or repository
    ``from_pretrained`` was given)."""
    if encoding_file is None and vocab_file is not None:  # encoding.json beside it
        encoding_file = str(Path(vocab_file).parent / ENCODING_FILE)
    if encoding_file is None:
        if source and not os.path.isdir(source):  # a Hub repository whose files did not come
            from hf_bpe.registry import list_encoding_names

            named = ""
            if str(source) in list_encoding_names():
                named = f"; {source!r} is a named encoding: HfBpeTokenizer.from_encoding(hf_bpe.get_encoding({str(source)!r}))"
            raise FilesMissing(
                f"no tokenizer files for {source!r}: it is not a local folder, and neither "
                "vocab.tiktoken + encoding.json nor tokenizer.json came from the Hub or its cache "
                "(the Hub unreachable? offline, HF_HUB_OFFLINE=1 or local_files_only=True, with "
                f"nothing cached? a wrong repository, subfolder or revision?){named}"
            )
        found = f"no tokenizer files were found in {source!r}; " if source else ""
        if source and all(os.path.isfile(os.path.join(source, name)) for name in ("vocab.json", "merges.txt")):
            found = (
                f"{source!r} holds GPT-2's vocab.json and merges.txt, which HfBpeTokenizer does not "
                "load by itself: HfBpeTokenizer.from_encoding(hf_bpe.load_tokenizer_json(folder)) "
                "does; else "
            )
        raise (FilesMissing if source else VocabularyError)(
            f"HfBpeTokenizer needs an encoding: {found}use HfBpeTokenizer.from_encoding(enc) or "
            "from_pretrained(folder or repo id) where vocab.tiktoken and encoding.json (or tokenizer.json) are"
        )
    # The folder's files as transformers hands them (vocab.tiktoken, encoding.json): one
    # vocabulary file for every loader. Files given by other names are read as given.
    named_alike = vocab_file is not None and Path(vocab_file).name == VOCAB_FILE and Path(encoding_file).name == ENCODING_FILE
    return load_encoding_files_and_changes(encoding_file, vocab_file, named_alike=named_alike)
