"""Save and load a complete Encoding as a folder: the one folder format of hf_bpe.

A folder holds ``vocab.tiktoken`` (the ranks, tiktoken's format), ``encoding.json`` (name,
pattern, special tokens) and, for Hugging Face, ``tokenizer.json`` and
``tokenizer_config.json``: the same folder loads with :func:`load_encoding`,
``HfBpeTokenizer.from_pretrained`` and ``transformers.AutoTokenizer``::

    >>> import tempfile, hf_bpe
    >>> enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+",
    ...     mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={"<|eot|>": 256})
    >>> folder = tempfile.mkdtemp()
    >>> _ = hf_bpe.save_encoding(enc, folder)
    >>> hf_bpe.load_encoding(folder).encode("hi <|eot|>", allowed_special="all")
    [104, 105, 32, 256]
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .encoding import Encoding
from .errors import (
    MissingFileError,
    PatternError,
    RemovedFilesWarning,
    TokenizerJsonWarning,
    VocabFileError,
    VocabularyError,
    _outside_stacklevel,
)
from .normalization import FORMS
from .pieces import has_lone_surrogate
from .atomic_files import cleanup_new_folders, read_file, read_whole, refuse_empty_path, write_files_atomic
from .vocab_files import StrPath, format_tiktoken_bpe, parse_json, parse_tiktoken_bpe

if TYPE_CHECKING:
    from .tokenizer_json import EncodingLike  # hf_bpe's Encoding or tiktoken's

VOCAB_FILE = "vocab.tiktoken"
ENCODING_FILE = "encoding.json"
TOKENIZER_JSON = "tokenizer.json"
#: The files the Hugging Face front adds, when it can represent the encoding.
HF_FILES = frozenset({TOKENIZER_JSON, "tokenizer_config.json"})
CHAT_TEMPLATE_FILE = "chat_template.jinja"  # (transformers' name)
#: Files a save writes only when the tokenizer needs them (or never): one that an earlier
#: save left in the folder (or the Hub repository) would be loaded with the tokenizer saved
#: now, so a save removes it (with ``additional_chat_templates/*.jinja``).
SAVED_IF_NEEDED = (
    "tokenizer.json",  # not when the encoding cannot be written as one
    "added_tokens.json",
    "special_tokens_map.json",
    CHAT_TEMPLATE_FILE,
    # never written: another kind of tokenizer's files, which transformers could load
    # (or convert) in place of this one's
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
)
CHAT_TEMPLATE_DIR = "additional_chat_templates"
#: transformers' PROCESSOR_NAME: a processor's folder, whose chat templates are the
#: processor's (it saves its tokenizer first, then its own ``chat_template.jinja``,
#: ``additional_chat_templates/`` and this file; a tokenizer saved there leaves them).
PROCESSOR_CONFIG = "processor_config.json"
_SAVED_NAMES = (VOCAB_FILE, ENCODING_FILE, *HF_FILES, *SAVED_IF_NEEDED, CHAT_TEMPLATE_DIR)
FORMAT = "hf_bpe"
FORMAT_VERSION = 1
#: The version of an ``encoding.json`` that records a ``normalization``: hf_bpe before it
#: would have read such a file, ignored the field, and encoded text as given.
NORMALIZED_FORMAT_VERSION = 2
#: The version of hf_bpe's entries in ``tokenizer_config.json`` (its ``hf_bpe_format``).
HF_CONFIG_FORMAT = 1


def encoding_metadata(enc: Encoding) -> dict[str, Any]:
    """What ``encoding.json`` records besides the ranks (VocabularyError for a name that
    no file can hold)."""
    if not isinstance(enc.name, str):
        raise VocabularyError(f"cannot save an encoding whose name is {enc.name!r}: the name must be a str")
    if has_lone_surrogate(enc.name):
        raise VocabularyError(f"cannot save the encoding named {enc.name!r}: the name has a lone surrogate, which is not text")
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "name": enc.name,
        "pat_str": enc.pat_str,
        "special_tokens": dict(sorted(enc.special_tokens.items(), key=lambda item: item[1])),
        "explicit_n_vocab": enc._explicit_n_vocab,
        "vocab_file": VOCAB_FILE,
    }
    if enc.normalization is not None:
        meta.update(version=NORMALIZED_FORMAT_VERSION, normalization=enc.normalization)
    return meta


def encoding_files(enc: Encoding, prefix: str = "", tokenizer_json: bytes | None = None) -> dict[str, bytes]:
    """hf_bpe's two files of ``enc``, by name: the ranks (``vocab.tiktoken``) and
    ``encoding.json``, which names that file; each name after ``prefix`` (transformers'
    ``filename_prefix``). ``encoding.json`` records the sha256 of the ranks' file and of
    ``tokenizer_json``, the ``tokenizer.json`` saved with them, so that a load notices
    when one of them was changed alone (:func:`check_files_agree`)."""
    meta = encoding_metadata(enc)
    meta["vocab_file"] = prefix + VOCAB_FILE
    ranks = format_tiktoken_bpe(enc.mergeable_ranks)
    digests = {prefix + ENCODING_FILE: _fields_sha256(meta), prefix + VOCAB_FILE: hashlib.sha256(ranks).hexdigest()}
    if tokenizer_json is not None:
        digests[prefix + TOKENIZER_JSON] = hashlib.sha256(tokenizer_json).hexdigest()
    meta["sha256"] = digests
    return {
        prefix + VOCAB_FILE: ranks,
        prefix + ENCODING_FILE: (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode(),
    }


def _fields_sha256(meta: dict[str, Any]) -> str:
    """The sha256 of ``encoding.json``'s fields but its record of digests (whatever the
    file's layout)."""
    fields = {key: value for key, value in meta.items() if key != "sha256"}
    # (surrogatepass: a lone surrogate, which JSON can spell and no save writes, is a
    # digest that differs from the record, not an error of its own)
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


def save_encoding(enc: Encoding | EncodingLike, directory: StrPath) -> list[Path]:
    """Write ``enc`` into ``directory`` (created if needed); return the files written.

    The files are written together: a failure while writing them leaves the old files as
    they were (and no folder made for them); existing files of the same names are replaced,
    and those of an earlier tokenizer that this one has none of (``chat_template.jinja``,
    ``added_tokens.json``, ...: :data:`SAVED_IF_NEEDED`) are removed, as transformers would
    load them with it.
    A tiktoken ``Encoding`` is saved as the hf_bpe Encoding of its ranks, pattern and
    special tokens.

        >>> import tempfile
        >>> enc = Encoding("bytes", pat_str=r"\\S+|\\s+",
        ...     mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
        >>> sorted(path.name for path in save_encoding(enc, tempfile.mkdtemp()))
        ['encoding.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.tiktoken']
    """
    from .registry import as_hf_bpe_encoding  # the registry builds on this module's neighbours
    from .tokenizer_json import hf_files as make_hf_files  # the HF files: imported when saving

    refuse_non_folder(directory)
    enc = as_hf_bpe_encoding(enc)
    hf_files = {name: text.encode() for name, text in make_hf_files(enc).items()}
    files: dict[str, bytes | None] = {**encoding_files(enc, tokenizer_json=hf_files.get(TOKENIZER_JSON)), **hf_files}
    files.update(dict.fromkeys(HF_FILES - hf_files.keys()))  # e.g. no tokenizer.json for this pattern
    with cleanup_new_folders(Path(directory).resolve()) as folder:  # a link to a folder yet to make: made
        folder.mkdir(parents=True, exist_ok=True)
        templates_folder(folder / CHAT_TEMPLATE_DIR)  # (no link)
        # An earlier tokenizer's chat templates, added tokens, ...: not this one's (all or none).
        stale = write_files_atomic({folder / name: data for name, data in files.items()}, also_remove=lambda: earlier_files(folder))
    say_removed(folder, stale, "; an Encoding has no chat template or added tokens: HfBpeTokenizer.save_pretrained keeps its own")
    return [Path(directory) / name for name, data in files.items() if data is not None]


def replaced_by_a_save(path: Path, folder: Path) -> bool:
    """Whether a save into ``folder`` would replace or remove the file ``path`` (one of
    the files a save writes, or removes as an earlier tokenizer's).

        >>> replaced_by_a_save(Path("out/merges.txt"), Path("out")), replaced_by_a_save(Path("out/a.txt"), Path("out"))
        (True, False)
    """
    where = os.path.realpath(path.parent)
    if where == os.path.realpath(folder):
        return path.name in {VOCAB_FILE, ENCODING_FILE, *HF_FILES, *SAVED_IF_NEEDED}
    return where == os.path.realpath(folder / CHAT_TEMPLATE_DIR) and path.suffix == ".jinja"


def refuse_non_folder(directory: StrPath) -> None:
    """A ``FileExistsError`` if ``directory``, where a save goes, exists and is no folder
    (a link to a folder is one); a ``MissingFileError`` if it is ``""``."""
    refuse_empty_path(directory)
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise FileExistsError(f"cannot save into {os.fspath(directory)}: it exists and is not a folder")


def say_removed(folder: Path, removed: Iterable[Path], more: str = "", prefix: str = "") -> None:
    """Warn (:class:`~hf_bpe.errors.RemovedFilesWarning`) of the files of an earlier
    tokenizer a save removed from ``folder``: a chat template or a vocabulary a user may
    have wanted. ``prefix``: the save's ``filename_prefix`` (with its ``-``), under which
    the earlier tokenizer was saved too (transformers loads no such files)."""
    names = sorted(os.path.relpath(path, folder) for path in removed)
    if names:
        earlier = (
            f"saved with filename_prefix={prefix[:-1]!r} that this one has none of"
            if prefix else "that this one has none of (transformers would load them with it)"
        )
        warnings.warn(
            f"{folder}: removed {', '.join(names)}, files of an earlier tokenizer {earlier}{more}",
            RemovedFilesWarning,
            stacklevel=_outside_stacklevel(),
        )


def saved_file(name: str) -> bool:
    """Whether a file called ``name`` may be one a save writes (or removes) in a tokenizer's
    folder, with transformers' ``filename_prefix`` too (or the folder of chat templates):
    what a load watches (see :func:`~hf_bpe.atomic_files.read_whole`), and not the model's
    weights saved beside it.

        >>> saved_file("tokenizer.json"), saved_file("my-vocab.tiktoken"), saved_file("model.safetensors")
        (True, True, False)
    """
    return name.endswith(_SAVED_NAMES) or name.endswith(".tiktoken")


def earlier_files(folder: Path, prefix: str = "") -> list[Path]:
    """The files of ``folder`` that an earlier save may have left and a save that does not
    write them removes (transformers would load them with the new tokenizer): see
    :func:`left_by_an_earlier_save`. Asked under the folder's lock
    (:func:`~hf_bpe.atomic_files.write_files_atomic`'s ``also_remove``)."""
    templates = sorted(templates_folder(folder / (prefix + CHAT_TEMPLATE_DIR)).glob("*.jinja"))
    names = [prefix + name for name in SAVED_IF_NEEDED] + [path.relative_to(folder).as_posix() for path in templates]
    of_a_processor = (folder / PROCESSOR_CONFIG).is_file()
    return [folder / name for name in names if left_by_an_earlier_save(name, prefix, of_a_processor=of_a_processor)]


def left_by_an_earlier_save(name: str, prefix: str = "", *, of_a_processor: bool = False) -> bool:
    """Whether ``name`` (a path in a folder or Hub repository, with ``/``) is a file that a
    tokenizer's save (its ``filename_prefix`` giving ``prefix``) removes when it does not
    write it: one of :data:`SAVED_IF_NEEDED` or an additional chat template; but in a
    processor's folder (``of_a_processor``: it holds :data:`PROCESSOR_CONFIG`) the chat
    templates without a prefix are the processor's.

        >>> left_by_an_earlier_save("added_tokens.json"), left_by_an_earlier_save("additional_chat_templates/tool.jinja")
        (True, True)
        >>> left_by_an_earlier_save("chat_template.jinja", of_a_processor=True), left_by_an_earlier_save("model.safetensors")
        (False, False)
    """
    folder, _, file = name.rpartition("/")
    template = name == prefix + CHAT_TEMPLATE_FILE or (folder == prefix + CHAT_TEMPLATE_DIR and file.endswith(".jinja"))
    if template:
        return not (of_a_processor and not prefix)
    return name in {prefix + saved for saved in SAVED_IF_NEEDED}


def templates_folder(templates: Path) -> Path:
    """``templates``, the folder of additional chat templates of a folder being saved into,
    which must not be a link: a save removes the templates it does not have, and writes its
    own, there (through a link, into another folder)."""
    if templates.is_symlink():
        raise FileExistsError(
            f"{templates} is a link: a save writes the chat templates in that folder and removes "
            "those it does not have; replace the link with a folder, or save elsewhere"
        )
    return templates


def load_encoding(directory: StrPath) -> Encoding:
    """Load an Encoding saved by :func:`save_encoding` (or ``save_pretrained``).

        >>> import hf_bpe, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> files = save_encoding(hf_bpe.get_encoding("cl100k_base"), folder)
        >>> sorted(path.name for path in files)
        ['encoding.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.tiktoken']
        >>> load_encoding(folder).encode("hello world")
        [15339, 1917]
    """
    refuse_empty_path(directory)
    folder = Path(directory)
    if not folder.is_dir():
        if not folder.exists():
            from .registry import list_encoding_names

            name = os.fspath(folder)
            hint = f" ({name!r} is a named encoding: hf_bpe.get_encoding({name!r}))" if name in list_encoding_names() else ""
            raise MissingFileError(f"{name}: no such folder{hint}")
        raise VocabFileError(f"{os.fspath(folder)}: a file, not a folder")
    if not (folder / ENCODING_FILE).is_file():
        hint = ""
        if (folder / "tokenizer.json").is_file():
            hint = " (it has a tokenizer.json: hf_bpe.load_tokenizer_json reads that)"
        raise MissingFileError(f"{os.fspath(folder)}: no {ENCODING_FILE}; not an hf_bpe folder{hint}")

    encoding, listed = load_encoding_and_added_tokens(folder)
    added = list(tokens_added_beyond(encoding, listed))
    if added:
        warnings.warn(
            f"{os.fspath(folder)}: its tokenizer also has added tokens that the encoding does not "
            f"({', '.join(map(repr, added[:5]))}{', ...' if len(added) > 5 else ''}), so the "
            "encoding's ids differ from the tokenizer's where they occur: load the tokenizer with "
            "HfBpeTokenizer.from_pretrained (or AutoTokenizer) for those",
            TokenizerJsonWarning,
            stacklevel=_outside_stacklevel(),
        )
    return encoding


def load_encoding_and_added_tokens(folder: Path) -> tuple[Encoding, dict[int, dict[str, Any]]]:
    """The encoding of a folder that has an ``encoding.json``, and the tokens its tokenizer
    adds (:func:`read_added_tokens`, and those added to its ``tokenizer.json`` after the
    save, with ``tokenizers`` say), read from one save (:func:`~hf_bpe.atomic_files.read_whole`).
    :func:`load_encoding` warns of those the encoding lacks; the command line adds them."""

    def read() -> tuple[Encoding, dict[int, dict[str, Any]]]:
        encoding, changed = load_encoding_files_and_changes(folder / ENCODING_FILE)
        try:
            listed = read_added_tokens(folder)
            if changed is not None:
                listed.update({int(entry["id"]): entry for entry in changed.data.get("added_tokens") or []})
            return encoding, listed
        except VocabFileError:  # not transformers' files: the encoding's own files are what counts
            return encoding, {}

    return read_whole(folder, read, saved_file)


def read_added_tokens(folder: Path) -> dict[int, dict[str, Any]]:
    """The tokens a ``save_pretrained`` folder's ``tokenizer_config.json`` lists as added
    (``added_tokens_decoder``): id → entry (``{"content": text, "lstrip": ..., ...}``); none
    without that file. A file that is not JSON, or an entry of another form, is a
    VocabFileError."""
    config = folder / "tokenizer_config.json"
    if not config.is_file():
        return {}
    raw = read_file(config)
    try:
        data = parse_json(raw.decode("utf-8"))
    except ValueError as err:  # bad UTF-8 or JSON
        raise VocabFileError(f"{os.fspath(config)} is not a JSON file ({err})") from None
    decoder = data.get("added_tokens_decoder") if isinstance(data, dict) else None
    if not isinstance(decoder, dict):
        return {}
    entries: dict[int, dict[str, Any]] = {}
    for key, entry in decoder.items():
        content = entry.get("content") if isinstance(entry, dict) else None
        if not (isinstance(content, str) and isinstance(key, str) and key.isdigit()):
            raise VocabFileError(
                f"{os.fspath(config)}: added_tokens_decoder entry {key!r} is not {{id: {{'content': text, ...}}}}"
            )
        entries[int(key)] = entry
    return entries


def tokens_added_beyond(encoding: Encoding, added: dict[int, dict[str, Any]]) -> dict[str, int]:
    """Those of the ``added`` tokens (:func:`read_added_tokens`) that the encoding does not
    have, text → id: not its special tokens (by text or id), not at an id of its vocabulary
    (a role such as pad given to a vocabulary token, which BPE encodes as it is)."""
    known = set(encoding.special_tokens) | set(encoding.special_tokens.values())
    return {
        entry["content"]: tid
        for tid, entry in sorted(added.items())
        if entry["content"] not in known and tid not in known and tid >= encoding.n_vocab
    }


class ChangedTokenizerJson(NamedTuple):
    """A folder's ``tokenizer.json`` changed after hf_bpe saved the folder, that agrees on
    the encoding (:func:`check_files_agree`): where it is, and its JSON, read then."""

    path: Path
    data: dict[str, Any]


def load_encoding_files_and_changes(
    encoding_file: StrPath, vocab_file: StrPath | None = None, *, named_alike: bool = False
) -> tuple[Encoding, ChangedTokenizerJson | None]:
    """An Encoding from its ``encoding.json`` and ``.tiktoken`` files, wherever they are
    and whatever their names (``vocab_file`` defaults to the one ``encoding_file`` names,
    next to it), and the folder's ``tokenizer.json`` if it was changed after hf_bpe saved
    it, else None: a tokenizer then checks its added tokens and bos/eos
    against it. ``named_alike``: ``vocab_file`` must have the name ``encoding_file`` gives
    (transformers hands HfBpeTokenizer ``vocab.tiktoken``; :func:`load_encoding` reads the
    file ``encoding.json`` names: both read one file, or neither loads)."""
    meta_path = Path(encoding_file)
    # (a save killed midway: its new files, all of them; one made meanwhile: read again)
    return read_whole(meta_path.parent, lambda: _read_encoding_files(meta_path, vocab_file, named_alike), saved_file)


def _read_encoding_files(
    meta_path: Path, vocab_file: StrPath | None, named_alike: bool
) -> tuple[Encoding, ChangedTokenizerJson | None]:
    raw = read_file(meta_path)  # (a missing one: MissingFileError)
    try:
        meta = parse_json(raw.decode("utf-8"))
    except ValueError as err:  # not UTF-8, not JSON
        raise VocabFileError(f"{os.fspath(meta_path)}: not valid JSON ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise VocabFileError(f"{os.fspath(meta_path)}: not an hf_bpe encoding file")
    version = meta.get("version")
    if type(version) is not int or version not in (FORMAT_VERSION, NORMALIZED_FORMAT_VERSION):  # not True, not 1.0
        raise VocabFileError(
            f"{os.fspath(meta_path)}: format version {version!r} is not supported "
            f"(this hf_bpe reads versions {FORMAT_VERSION} and {NORMALIZED_FORMAT_VERSION})"
        )
    name, pat_str, specials, n_vocab, vocab_name = _checked_metadata(meta, os.fspath(meta_path))
    normalization = meta.get("normalization")
    if (normalization is None) != (version == FORMAT_VERSION) or normalization not in (None, *FORMS):
        raise VocabFileError(
            f"{os.fspath(meta_path)}: normalization {normalization!r} with format version {version}: "
            f"version {FORMAT_VERSION} has none, version {NORMALIZED_FORMAT_VERSION} has \"NFC\" or \"NFKC\""
        )
    vocab_path = meta_path.parent / vocab_name if vocab_file is None else Path(vocab_file)
    if named_alike and vocab_path.name != vocab_name:
        raise VocabFileError(
            f"{os.fspath(meta_path)} names the vocabulary file {vocab_name!r}, but the folder's is "
            f"{vocab_path.name!r} (as transformers reads it): rename the file, or set \"vocab_file\" in "
            f"{meta_path.name} to {vocab_path.name!r}, so that every loader reads the same one"
        )
    try:
        contents = read_file(vocab_path)
    except FileNotFoundError:
        raise MissingFileError(f"{os.fspath(vocab_path)}: cannot read the vocabulary (no such file)") from None
    # (another OSError, no permission say, is raised as it is: a file system error)
    ranks = parse_tiktoken_bpe(contents, source=os.fspath(vocab_path))
    try:
        encoding = Encoding(
            name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=specials, explicit_n_vocab=n_vocab, normalization=normalization
        )
    except (VocabularyError, PatternError) as err:  # the same error, naming the files it comes from
        raise type(err)(f"{os.fspath(meta_path)} with {os.fspath(vocab_path)}: {err}") from None
    return encoding, check_files_agree(encoding, meta, meta_path, vocab_name, contents)


def check_files_agree(
    encoding: Encoding, meta: dict[str, Any], meta_path: Path, vocab_name: str, contents: bytes
) -> ChangedTokenizerJson | None:
    """A :class:`~hf_bpe.VocabFileError` if the folder's ``tokenizer.json`` (what stock
    transformers reads) and hf_bpe's files (``encoding``, from ``meta`` and ``contents``) no
    longer hold the same vocabulary: one was edited or replaced alone after they were saved
    together, and the folder would give other ids without hf_bpe. Cheap where all three are
    as saved (the sha256 digests ``encoding.json`` records); otherwise ``tokenizer.json`` is
    read and compared (tokens added to it, or a new post-processor, as a stock save makes,
    are no disagreement here, nor is a new name). Returns ``tokenizer.json`` if it was
    read so (changed, and agreeing), else None."""
    recorded = meta.get("sha256")
    if not isinstance(recorded, dict):  # (saved by an earlier hf_bpe)
        return None
    # (where encoding.json now names another vocabulary file, the record has none of it:
    # compared below, as a file changed alone)
    prefix = vocab_name[: -len(VOCAB_FILE)] if vocab_name.endswith(VOCAB_FILE) else ""
    tokenizer_json = meta_path.parent / (prefix + TOKENIZER_JSON)
    if not tokenizer_json.is_file():
        return None
    data = read_file(tokenizer_json)
    if recorded == {
        meta_path.name: _fields_sha256(meta),
        vocab_name: hashlib.sha256(contents).hexdigest(),
        tokenizer_json.name: hashlib.sha256(data).hexdigest(),
    }:
        return None
    from .tokenizer_json_load import tokenizer_json_encoding

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TokenizerJsonWarning)  # (what it drops: not this comparison's)
            parsed = parse_json(data.decode("utf-8"))
            theirs = tokenizer_json_encoding(parsed, tokenizer_json, plain_added=False)  # (a dict, its added tokens checked)
    except (ValueError, TypeError) as err:  # not UTF-8, not JSON, no byte-level BPE hf_bpe reads
        why = f"{tokenizer_json.name} is now one hf_bpe cannot read: {err}"
    else:
        why = next((f"{what} differ" for what, same in (
            ("the ranks", theirs.mergeable_ranks == encoding.mergeable_ranks),
            ("the split patterns", theirs.pat_str == encoding.pat_str),
            ("the normalizations", theirs.normalization == encoding.normalization),
            ("the special tokens", encoding.special_tokens.items() <= theirs.special_tokens.items()),
        ) if not same), "")
    if why:
        raise VocabFileError(
            f"{os.fspath(meta_path.parent)}: {vocab_name} with {meta_path.name} and {tokenizer_json.name} no "
            f"longer hold the same tokenizer ({why}): one was changed after hf_bpe saved them, and stock "
            f"transformers, which reads {tokenizer_json.name}, would give other ids than hf_bpe. Save the "
            f"tokenizer again from the files that are right, or remove the others ({tokenizer_json.name} "
            "alone loads too)"
        )
    return ChangedTokenizerJson(tokenizer_json, parsed)


def _checked_metadata(meta: dict[str, Any], source: str) -> tuple[str, str, dict[str, int], Any, str]:
    """``encoding.json``'s fields, each checked for its type; a VocabFileError names the first bad one."""
    missing = [k for k in ("name", "pat_str", "special_tokens") if k not in meta]
    if missing:
        raise VocabFileError(f"{source}: missing {', '.join(missing)}")

    def bad(field: str, wanted: str) -> VocabFileError:
        return VocabFileError(f"{source}: {field} must be {wanted}, not {meta.get(field)!r}")

    def is_id(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    for field in ("name", "pat_str"):
        if not isinstance(meta[field], str):
            raise bad(field, "a string")
    if has_lone_surrogate(meta["name"]):  # JSON can spell one ("\\ud800"); no file could hold it again
        raise bad("name", "text (no lone surrogate)")
    specials = meta["special_tokens"]
    if not isinstance(specials, dict) or not all(is_id(v) for v in specials.values()):
        raise bad("special_tokens", "an object of token text to integer id")
    n_vocab = meta.get("explicit_n_vocab")
    if n_vocab is not None and not is_id(n_vocab):
        raise bad("explicit_n_vocab", "an integer or null")
    vocab_file = meta.get("vocab_file", VOCAB_FILE)
    # A file of this folder, by name: encoding.json never points elsewhere.
    if (
        not isinstance(vocab_file, str) or vocab_file in ("", ".", "..") or Path(vocab_file).name != vocab_file
        or "\0" in vocab_file or has_lone_surrogate(vocab_file) or len(vocab_file.encode("utf-8")) > 255
    ):  # (the last three: no file can have such a name)
        raise bad("vocab_file", "the name of a file in the same folder")
    return meta["name"], meta["pat_str"], specials, n_vocab, vocab_file
