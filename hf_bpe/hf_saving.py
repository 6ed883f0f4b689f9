"""Saving an :class:`~hf_bpe.hf_tokenizer.HfBpeTokenizer`: its folder, all files or none
(transformers' files, hf_bpe's ``vocab.tiktoken`` + ``encoding.json``, and a
``tokenizer.json`` that stock transformers loads), and a push to the Hub in one commit
that also deletes what an earlier push left.

    >>> import hf_bpe, os, tempfile
    >>> from hf_bpe.hf_tokenizer import HfBpeTokenizer
    >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2"))
    >>> folder = tempfile.mkdtemp()
    >>> sorted(os.path.basename(f) for f in save_pretrained(tok, folder, (), False, {}))
    ['encoding.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.tiktoken']
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transformers import PreTrainedTokenizer
from transformers.utils import logging as hf_logging
from transformers.utils.hub import hf_api

from hf_bpe.errors import TokenizerJsonWarning, VocabularyError, _outside_stacklevel
from hf_bpe.folder import (
    CHAT_TEMPLATE_DIR,
    HF_CONFIG_FORMAT,
    PROCESSOR_CONFIG,
    earlier_files,
    left_by_an_earlier_save,
    refuse_non_folder,
    say_removed,
    templates_folder,
)
from hf_bpe.hf_added_tokens import strips
from hf_bpe.hf_folder import is_rank
from hf_bpe.tokenizer_json import dumps_tokenizer_json, encoding_to_tokenizer_json, tokenizer_json_or_warn

if TYPE_CHECKING:
    from hf_bpe.hf_tokenizer import HfBpeTokenizer

logger = hf_logging.get_logger("transformers.hf_bpe")


def save_vocabulary(tok: HfBpeTokenizer, save_directory: str, filename_prefix: str | None) -> tuple[str, ...]:
    """:meth:`HfBpeTokenizer.save_vocabulary <hf_bpe.hf_tokenizer.HfBpeTokenizer.save_vocabulary>`:
    the vocabulary files only, all or none."""
    from hf_bpe.atomic_files import write_files_atomic
    from hf_bpe.folder import encoding_files

    prefix = f"{filename_prefix}-" if filename_prefix else ""
    refuse_non_folder(save_directory)
    folder = Path(save_directory)
    data = tokenizer_json(tok, warn=True)
    if data is not None:
        _warn_of_roles_stock_makes_special(tok)
    content = None if data is None else dumps_tokenizer_json(data).encode()
    files: dict[Path, bytes | None] = {
        folder / name: saved for name, saved in encoding_files(tok._encoding, prefix, content).items()
    }
    # None: no tokenizer.json for this tokenizer, so none of an earlier save either
    files[folder / (prefix + "tokenizer.json")] = content
    write_files_atomic(files)  # all or none
    return tuple(str(path) for path, saved in files.items() if saved is not None)


def tokenizer_json(tok: HfBpeTokenizer, *, warn: bool, for_decoding: bool = False) -> dict[str, Any] | None:
    """``tok`` as ``tokenizer.json`` content (its added tokens and bos/eos included). With
    ``warn``, None and a :class:`~hf_bpe.TokenizerJsonWarning` where it cannot be one;
    else its ``PatternError``/``VocabularyError``. ``for_decoding``: content that decodes
    as ``tok`` does, without the added tokens' lstrip/rstrip/single_word (which only
    encoding reads, and which tokenizer.json cannot hold as hf_bpe applies them)."""
    specials = tok._encoding.special_tokens
    keep_flags = not for_decoding
    extra = {
        tid: {
            "content": token.content,
            "special": token.special,
            "lstrip": token.lstrip and keep_flags,
            "rstrip": token.rstrip and keep_flags,
            "single_word": token.single_word and keep_flags,
            "normalized": token.normalized,
        }
        for tid, token in tok._added_tokens_decoder.items()
        if specials.get(token.content) != tid or (strips(token) and keep_flags)
    }
    build = tokenizer_json_or_warn if warn else encoding_to_tokenizer_json
    return build(
        tok._encoding,
        bos_token=tok._hf_bpe_adds.get("bos", tok.bos_token),
        eos_token=tok._hf_bpe_adds.get("eos", tok.eos_token),
        add_bos=tok._hf_bpe_add_bos,
        add_eos=tok._hf_bpe_add_eos,
        extra_added_tokens=extra,
    )


def save_pretrained(
    tok: HfBpeTokenizer, save_directory: str | os.PathLike[str], args: tuple[Any, ...], push_to_hub: bool, kwargs: dict[str, Any]
) -> tuple[str, ...]:
    """:meth:`HfBpeTokenizer.save_pretrained <hf_bpe.hf_tokenizer.HfBpeTokenizer.save_pretrained>`:
    the folder, all files or none, then (``push_to_hub``) its changed files uploaded."""
    kwargs.pop("legacy_format", None)  # the Python backend refuses False: no fast-only format here
    refuse_non_folder(save_directory)  # (transformers logs an error and returns None, saving nothing)
    for role in ("bos", "eos"):  # a folder no call could encode with, nor stock load
        if getattr(tok, f"_hf_bpe_add_{role}"):
            try:
                tok._required_id(role)
            except VocabularyError as err:
                raise VocabularyError(f"not saved: {err}") from None
    # transformers would push before hf_bpe finishes tokenizer_config.json: push here.
    if push_to_hub:
        commit_message = kwargs.pop("commit_message", None)
        repo_id = kwargs.pop("repo_id", str(save_directory).split(os.path.sep)[-1])
        repo_args = {k: v for k, v in kwargs.items() if k != "filename_prefix"}  # the rest: private, token...
        repo_id = hf_api().create_repo(repo_id, exist_ok=True, **repo_args).repo_id
        os.makedirs(save_directory, exist_ok=True)
        timestamps = tok._get_files_timestamps(save_directory)
    files = _save_all_or_none(tok, save_directory, *args, **kwargs)
    if push_to_hub:
        token = kwargs.get("token")
        tok._upload_modified_files(
            save_directory, repo_id, timestamps, commit_message=commit_message, token=token,
            filename_prefix=_prefix(kwargs),
        )
    return files


def _save_all_or_none(tok: HfBpeTokenizer, folder: str | os.PathLike[str], *args: Any, **kwargs: Any) -> tuple[str, ...]:
    """transformers' save_pretrained into a fresh folder beside ``folder``, hf_bpe's
    entries added to its tokenizer_config.json, then every file moved in at once
    (transformers alone writes file after file: a failure between them left a folder
    holding one tokenizer's vocabulary and another's settings)."""
    from hf_bpe.atomic_files import cleanup_new_folders, staging_folder, write_files_atomic

    given, target = os.fspath(folder), Path(folder).resolve()
    prefix = _prefix(kwargs)
    templates_folder(target / (prefix + CHAT_TEMPLATE_DIR))  # (no link)
    with cleanup_new_folders(target):  # removed again if the save fails
        target.mkdir(parents=True, exist_ok=True)
        with staging_folder(target) as staging:
            written: tuple[str, ...] = PreTrainedTokenizer.save_pretrained(tok, staging, *args, **kwargs)
            config_path = staging / (prefix + "tokenizer_config.json")
            config = json.loads(config_path.read_text(encoding="utf-8"))
            config["tokenizer_class"] = "HfBpeTokenizer"
            config.pop("auto_map", None)
            config.pop("backend", None)
            config["hf_bpe_add_bos_token"] = bool(tok._hf_bpe_add_bos)
            config["hf_bpe_add_eos_token"] = bool(tok._hf_bpe_add_eos)
            config.pop("hf_bpe_adds", None)
            if tok._hf_bpe_adds:
                config["hf_bpe_adds"] = dict(tok._hf_bpe_adds)
            config["hf_bpe_format"] = HF_CONFIG_FORMAT
            config_path.write_text(json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
            moved: dict[Path, bytes | None] = {
                target / path.relative_to(staging): path.read_bytes() for path in staging.rglob("*") if path.is_file()
            }
            for path in moved:
                path.parent.mkdir(parents=True, exist_ok=True)
            # (an earlier save's files that this one did not write: removed with it)
            removed = write_files_atomic(moved, also_remove=lambda: earlier_files(target, prefix))
            say_removed(target, removed, prefix=prefix)
    names = [os.path.relpath(f, staging) for f in written]
    # transformers names added_tokens.json even when it wrote none
    return tuple(os.path.join(given, name) for name in names if (target / name).exists())


def upload_changed_files(
    working_dir: str | os.PathLike[str],
    repo_id: str,
    files_timestamps: Mapping[str, float],
    commit_message: str | None = None,
    token: bool | str | None = None,
    create_pr: bool = False,
    revision: str | None = None,
    commit_description: str | None = None,
    filename_prefix: str = "",
) -> Any:
    """Upload the files of ``working_dir`` changed since ``files_timestamps`` (as
    transformers' ``push_to_hub`` does) and, in the same commit, delete the files an
    earlier push left that this tokenizer does not have: a ``tokenizer.json`` (which
    stock transformers would load), a chat template since removed
    (``additional_chat_templates/*.jinja`` too), ... One commit: a failed push changes
    nothing, and no reader ever finds one tokenizer's files beside another's."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete
    from huggingface_hub.errors import HfHubHTTPError

    folder = Path(working_dir)
    changed = [  # top-level names, as transformers compares them; a folder goes whole
        path for path in sorted(folder.iterdir())
        if path.name not in files_timestamps or path.stat().st_mtime > files_timestamps[path.name]
    ]
    uploads = [
        CommitOperationAdd(path_or_fileobj=str(path), path_in_repo=path.relative_to(folder).as_posix())
        for top in changed
        for path in ([top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()))
    ]
    api = hf_api()
    if revision is not None and not revision.startswith("refs/pr"):
        try:
            api.create_branch(repo_id=repo_id, branch=revision, token=token, exist_ok=True)
        except HfHubHTTPError as err:  # a pull request to a repository not ours: it may exist
            if not (create_pr and err.response.status_code == 403):
                raise
    in_repo = api.list_repo_files(repo_id, revision=revision, token=token)
    of_a_processor = PROCESSOR_CONFIG in in_repo or (folder / PROCESSOR_CONFIG).is_file()
    stale = [
        name for name in in_repo
        if left_by_an_earlier_save(name, filename_prefix, of_a_processor=of_a_processor) and not (folder / name).exists()
    ]
    logger.info("uploading to %s: %s%s", repo_id, ", ".join(op.path_in_repo for op in uploads),
                f"; deleting {', '.join(stale)}" if stale else "")
    return api.create_commit(
        repo_id=repo_id,
        operations=[*uploads, *(CommitOperationDelete(path_in_repo=name) for name in stale)],
        commit_message=commit_message or "Upload tokenizer",
        commit_description=commit_description,
        token=token,
        create_pr=create_pr,
        revision=revision,
    )


def _warn_of_roles_stock_makes_special(tok: HfBpeTokenizer) -> None:
    """Warn of a role (``pad_token`` ...) held by a vocabulary token (gpt2 with
    ``pad_token_id = 198``, the newline) or by an added token not marked special: the
    stock fast tokenizer that loads the folder makes the role's text a special token,
    so it finds that text inside other text as the token (``"hello"`` in
    ``"Othello"``; the spelling ``"Ċ"`` as the newline) and
    ``decode(skip_special_tokens=True)`` drops the id wherever it occurs (every
    newline), where this tokenizer keeps it."""
    encoder, decoder = tok._added_tokens_encoder, tok._added_tokens_decoder
    for role, text in tok.special_tokens_map.items():
        if not isinstance(text, str):
            continue
        found: Any = encoder.get(text)
        if found is not None:
            tid, what = int(found), "an added token not marked special"
            if decoder[tid].special:
                continue
        else:
            found, what = tok.convert_tokens_to_ids(text), "a vocabulary token"
            if not isinstance(found, int) or not is_rank(tok._encoding, found):
                continue
            tid = found
        warnings.warn(
            f"{role} is {what}, {text!r} (id {tid}): the stock fast tokenizer of the saved folder "
            f"makes the text {text!r} a special token, found inside other text, and "
            f"decode(skip_special_tokens=True) drops every id {tid}; give the role a special "
            f"token instead (tok.add_special_tokens({{{role!r}: '<pad>'}}), or the eos token as pad)",
            TokenizerJsonWarning,
            stacklevel=_outside_stacklevel(),  # the caller of save_pretrained (or save_vocabulary)
        )


def _prefix(save_args: Mapping[str, Any]) -> str:
    """What ``save_pretrained(..., filename_prefix="x")`` puts before each file name."""
    return f"{save_args['filename_prefix']}-" if save_args.get("filename_prefix") else ""
