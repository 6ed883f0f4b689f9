"""Training a new :class:`~hf_bpe.hf_tokenizer.HfBpeTokenizer`: hf_bpe's trainer
(rustbpe's merges, :class:`hf_bpe.BpeTrainer`) behind transformers' names, for
``HfBpeTokenizer.train_from_dataset`` and ``tok.train_new_from_iterator``.

    tok = HfBpeTokenizer.train_from_dataset(ds, 32_768, pattern="nanochat")
    smaller = tok.train_new_from_iterator(texts, 1024, new_special_tokens=["<|pad|>"])

Options of HF tokenizers' trainer, and the names the sibling methods give an argument,
are refused rather than saved as settings that change nothing:

    >>> from hf_bpe.hf_training import refuse_hf_trainer_options
    >>> refuse_hf_trainer_options("train_from_dataset", {"min_frequency": 2})
    Traceback (most recent call last):
    TypeError: train_from_dataset: min_frequency (options of HF tokenizers' BpeTrainer) have no counterpart ...
"""

from __future__ import annotations

import copy
import operator
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tokenizers import AddedToken

from hf_bpe.encoding import Encoding
from hf_bpe.errors import TrainingError, TrainingTypeError, TrainingWarning, VocabularyError, _outside_stacklevel
from hf_bpe.hf_added_tokens import ROLES
from hf_bpe.hf_vocab import token_bytes
from hf_bpe.training_sources import check_texts, refuse_table

if TYPE_CHECKING:
    from hf_bpe.hf_tokenizer import HfBpeTokenizer


#: Options of HF tokenizers' BpeTrainer that rustbpe's algorithm has no use for.
_HF_TRAINER_OPTIONS = frozenset(
    {"min_frequency", "limit_alphabet", "initial_alphabet", "max_token_length", "continuing_subword_prefix", "end_of_word_suffix", "unk_token"}
)


def refuse_hf_trainer_options(method: str, kwargs: Mapping[str, Any]) -> None:
    """Options of HF tokenizers' trainer, given where tokenizer settings go, would be saved
    as settings and change nothing: a TypeError instead."""
    unsupported = sorted(set(kwargs) & _HF_TRAINER_OPTIONS)
    if unsupported:
        raise TypeError(
            f"{method}: {', '.join(unsupported)} (options of HF tokenizers' BpeTrainer) have "
            "no counterpart in hf_bpe's training, which learns rustbpe's merges"
        )


def refuse_names_of_siblings(method: str, kwargs: Mapping[str, Any], names: Mapping[str, str | None]) -> None:
    """A sibling method's name for an argument (``{theirs: ours}``, ``ours`` None where
    ``method`` has no such argument), given where tokenizer settings go, would be saved as
    a setting and change nothing: a TypeError instead."""
    for theirs, ours in names.items():
        if theirs in kwargs:
            instead = f"takes {ours}=, not {theirs}=" if ours else f"has no {theirs}= (another training method's argument)"
            raise TypeError(f"{method} {instead}: it would be saved as a tokenizer setting and change nothing")


def _renamed_token(token: AddedToken, renamed: Mapping[str, str]) -> AddedToken:
    """``token`` with its text renamed by ``renamed`` (train_new_from_iterator's
    ``special_tokens_map``), its flags kept."""
    if token.content not in renamed:
        return token
    return AddedToken(
        renamed[token.content], single_word=token.single_word, lstrip=token.lstrip,
        rstrip=token.rstrip, normalized=token.normalized, special=token.special,
    )


def _as_special(token: AddedToken) -> AddedToken:
    """A copy of ``token`` marked special, its other flags kept (as the fast tokenizers
    mark an AddedToken given as a special token)."""
    special = copy.copy(token)
    special.__setstate__({"special": True})
    return special


def train_from_dataset(
    cls: type[HfBpeTokenizer],
    dataset: Any,
    vocab_size: int,
    *,
    column: str,
    pattern: str,
    special_tokens: Iterable[str],
    num_proc: int | None,
    max_chars: int,
    batch_size: int,
    progress: bool | None,
    name: str,
    tokenizer_kwargs: dict[str, Any],
) -> HfBpeTokenizer:
    """:meth:`HfBpeTokenizer.train_from_dataset <hf_bpe.hf_tokenizer.HfBpeTokenizer.train_from_dataset>`."""
    from hf_bpe.trainer import BpeTrainer

    refuse_hf_trainer_options("train_from_dataset", tokenizer_kwargs)
    # batch_encode's, train_new_from_iterator's, rustbpe's and tiktoken's names
    refuse_names_of_siblings(
        "train_from_dataset",
        tokenizer_kwargs,
        {"text_column": "column", "show_progress": "progress", "buffer_size": "batch_size", "num_threads": "num_proc",
         "new_special_tokens": "special_tokens", "special_tokens_map": None},
    )
    with BpeTrainer(
        vocab_size, pattern=pattern, special_tokens=special_tokens, num_proc=num_proc, progress=progress
    ) as trainer:
        trainer.update_from_dataset(dataset, column=column, max_chars=max_chars, batch_size=batch_size)
        encoding = trainer.train(name)
    return cls(encoding=encoding, **tokenizer_kwargs)


def train_new_from_iterator(
    tok: HfBpeTokenizer,
    text_iterator: Iterable[str] | Iterable[Sequence[str]],
    vocab_size: int,
    length: int | None,
    new_special_tokens: Iterable[str | AddedToken] | None,
    special_tokens_map: Mapping[str, str] | None,
    *,
    num_proc: int | None,
    name: str | None,
    show_progress: bool | None,
    kwargs: dict[str, Any],
) -> HfBpeTokenizer:
    """:meth:`tok.train_new_from_iterator <hf_bpe.hf_tokenizer.HfBpeTokenizer.train_new_from_iterator>`."""
    if length is not None and (isinstance(length, bool) or not isinstance(length, int)):
        raise TypeError(
            f"length is transformers' progress hint (an int), got {type(length).__name__}: "
            "pass new special tokens as new_special_tokens=[...]"
        )
    refuse_hf_trainer_options("train_new_from_iterator", kwargs)
    # (this tokenizer's pattern is kept: train_from_dataset's pattern=, column=, ... have no use here)
    refuse_names_of_siblings(
        "train_new_from_iterator",
        kwargs,
        {"progress": "show_progress", "num_threads": "num_proc", "special_tokens": "new_special_tokens",
         "pattern": None, "max_chars": None, "column": None, "batch_size": None, "buffer_size": None},
    )
    if isinstance(new_special_tokens, (str, AddedToken)):  # (transformers: one token per character)
        raise TrainingTypeError(
            f"new_special_tokens takes a list of tokens, not one {type(new_special_tokens).__name__}: "
            f"new_special_tokens=[{str(new_special_tokens)!r}]"
        )
    if not isinstance(vocab_size, bool) and hasattr(vocab_size, "__index__"):
        vocab_size = operator.index(vocab_size)  # (numpy's ints: the added tokens are counted in it below)
    check_texts(text_iterator, "train_new_from_iterator")
    renamed = dict(special_tokens_map or {})
    from hf_bpe.hf_tokenizer import HfBpeTokenizer
    from hf_bpe.trainer import BpeTrainer

    normalize = tok._encoding._splitter.normalize  # (counted in the form they are encoded in, as tokenizers trains)

    def flat() -> Iterable[Any]:
        for item in text_iterator:
            refuse_table(item, "train_new_from_iterator")  # (a batch as a DataFrame: its column names)
            if isinstance(item, Iterable) and not isinstance(item, (str, bytes, bytearray, Mapping)):
                yield from (normalize(t) if isinstance(t, str) else t for t in item)  # a batch of texts
            else:
                yield normalize(item) if isinstance(item, str) else item  # a text (the trainer names anything else)

    specials = [renamed.get(t, t) for t, _ in sorted(tok._encoding.special_tokens.items(), key=lambda kv: kv[1])]
    # transformers takes str or AddedToken here: an AddedToken counts by its text, and
    # its flags (lstrip, ...) are kept, as this tokenizer's special tokens keep theirs
    given = list(new_special_tokens or ())
    new = list(dict.fromkeys(t.content if isinstance(t, AddedToken) else t for t in given))
    specials += [t for t in new if t not in specials]
    flagged = {
        token.content: token
        for token in (_renamed_token(tok._added_tokens_decoder[tid], renamed) for tid in tok._encoding.special_tokens.values())
    }
    flagged.update({token.content: _as_special(token) for token in given if isinstance(token, AddedToken)})
    # Tokens added to this tokenizer (a pad token, ...) are added to the new one after
    # its vocabulary, with their flags, and count in vocab_size, as the special tokens
    # do: len(new tokenizer) is vocab_size (see docs/huggingface.md for transformers').
    added = [_renamed_token(t, renamed) for _, t in sorted(tok._added_tokens_decoder.items())]
    added = [t for t in added if t.content not in specials]
    # Every role goes to the new tokenizer, as in the fast tokenizers' version: one whose text
    # is a vocabulary token's spelling (gpt2's pad_token_id = 220 shows as "Ġ") names the new
    # vocabulary's token of those bytes; any other text no token has (a pad_token set to
    # "<pad>" and never added) is added as a special token, as a save and a load add it.
    roles = {role: renamed.get(str(v), str(v)) for role in ROLES if role not in kwargs and (v := getattr(tok, role)) is not None}
    named = set(specials) | {t.content for t in added}
    vocabulary_roles: dict[str, str] = {}
    for role, text in roles.items():
        if text in named:
            continue
        if tok._vocab.str_to_id.get(text) is not None:
            vocabulary_roles[role] = text
        else:
            named.add(text)
            added.append(AddedToken(text, special=True, normalized=False))
    merged_size = vocab_size
    if added and isinstance(vocab_size, int) and not isinstance(vocab_size, bool):
        merged_size = vocab_size - len(added)
        if merged_size < 256 + len(specials):
            raise TrainingError(
                f"vocab_size must be an int >= {256 + len(specials) + len(added)} (it holds the 256 byte "
                f"tokens, the {len(specials)} special token(s) and the {len(added)} added token(s) of "
                f"this tokenizer), got {vocab_size}"
            )
    with BpeTrainer(
        merged_size, pattern=tok._encoding.pat_str, special_tokens=specials, num_proc=num_proc, progress=show_progress
    ) as trainer:
        trainer.update(flat())
        encoding = trainer.train(name or tok._encoding.name)
    if tok._encoding.normalization is not None:
        encoding = Encoding(
            encoding.name,
            pat_str=encoding.pat_str,
            mergeable_ranks=encoding._mergeable_ranks,
            special_tokens=encoding._special_tokens,
            normalization=tok._encoding.normalization,
        )
    options: dict[str, Any] = {
        "added_tokens_decoder": {encoding.special_tokens[text]: token for text, token in flagged.items()},
        "add_bos_token": tok._hf_bpe_add_bos,
        "add_eos_token": tok._hf_bpe_add_eos,
        "hf_bpe_adds": {role: renamed.get(text, text) for role, text in tok._hf_bpe_adds.items()},
        "model_max_length": tok.model_max_length,
        "padding_side": tok.padding_side,
        "truncation_side": tok.truncation_side,
        "chat_template": tok.chat_template,
        "split_special_tokens": tok.split_special_tokens,
        "clean_up_tokenization_spaces": tok.clean_up_tokenization_spaces,
    }
    for role, text in vocabulary_roles.items():
        try:
            spelled = token_bytes(text) in encoding.mergeable_ranks
        except VocabularyError:  # (not a spelling of bytes: no token of the new vocabulary)
            spelled = False
        if spelled:
            options[role] = text  # (the constructor names the token by id: see spelled_roles)
        else:
            warnings.warn(
                f"{role} {text!r} is a token of this tokenizer's vocabulary that the new vocabulary does "
                f"not have: the new tokenizer has no {role} (pass {role}=... to give it one)",
                TrainingWarning,
                stacklevel=_outside_stacklevel(),
            )
    options.update(kwargs)
    trained = HfBpeTokenizer(encoding=encoding, **options)
    # The added tokens (see above), then the roles that name them set again.
    trained.add_tokens([t for t in added if not t.special])
    trained.add_tokens([t for t in added if t.special], special_tokens=True)
    added_vocab = trained.get_added_vocab()
    for role, text in roles.items():
        if role not in vocabulary_roles and text in added_vocab:
            setattr(trained, role, text)
    # The extra special tokens, as transformers makes them: this tokenizer's and the new
    # special tokens (in all_special_tokens and get_special_tokens_mask, saved as
    # extra_special_tokens), not the tokens added above that only have a role.
    extras = dict.fromkeys([renamed.get(str(t), str(t)) for t in tok._extra_special_tokens] + new)
    trained._extra_special_tokens[:] = [trained._added_tokens_decoder[trained._added_tokens_encoder[t]] for t in extras]
    return trained
