"""``HfBpeTokenizer``: an hf_bpe :class:`~hf_bpe.Encoding` as a transformers tokenizer.

Text goes straight to ids through the compiled core (no per-token strings), ids go to
text through bytes in one step, and ``save_pretrained`` writes a folder that loads with
``AutoTokenizer`` everywhere: as ``HfBpeTokenizer`` where hf_bpe is imported, and as a
stock fast tokenizer (from ``tokenizer.json``, identical ids) where it is not installed::

    >>> import hf_bpe, tempfile
    >>> from hf_bpe.hf_tokenizer import HfBpeTokenizer
    >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\s+|\\S+",
    ...     mergeable_ranks={**{bytes([i]): i for i in range(256)}, b"hi": 256},
    ...     special_tokens={"<|endoftext|>": 257})
    >>> tok = HfBpeTokenizer.from_encoding(enc, add_eos_token=True)
    >>> tok("hi hi")["input_ids"]
    [256, 32, 256, 257]
    >>> tok.decode([256, 32, 256, 257], skip_special_tokens=True)
    'hi hi'
    >>> from transformers import AutoTokenizer
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = tok.save_pretrained(folder)
    ...     type(AutoTokenizer.from_pretrained(folder)).__name__
    'HfBpeTokenizer'

For ``datasets``, :meth:`HfBpeTokenizer.batch_encode` is a ready ``map`` function::

    ds = ds.map(tok.batch_encode, batched=True, num_proc=8, remove_columns=["text"])
"""

from __future__ import annotations

import json
import operator
import os
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Self, cast

try:
    import transformers
except ImportError as err:  # the bare install
    raise ImportError(f"HfBpeTokenizer needs transformers: pip install 'hf_bpe[hf]' ({err})") from err
from packaging.version import Version

from hf_bpe.atomic_files import read_whole
from hf_bpe.batch_columns import batch_like, column_texts, read_column
from hf_bpe.chat_templates import (  # (the names of the templates and their tokens were defined here)
    NANOCHAT_CHAT_TEMPLATE,
    NANOCHAT_CHAT_TOKENS,
    NANOCHAT_TOOL_TOKENS,
    NANOCHAT_TRAINING_CHAT_TEMPLATE,
    named_chat_template,
)
from hf_bpe.encoding import MAX_RANK, Encoding, _id_list, special_set
from hf_bpe.errors import (
    HfBpeError,
    MissingFileError,
    SpecialTokenTextError,
    TextTypeError,
    TokenizerJsonWarning,
    UnknownTokenError,
    VocabFileError,
    VocabularyError,
    VocabularyOverflowError,
    _a_type,
    _outside_stacklevel,
    unknown_id_error,
)
from hf_bpe.folder import ENCODING_FILE, HF_CONFIG_FORMAT, VOCAB_FILE, saved_file
from hf_bpe.hf_folder import (
    FilesMissing,
    check_added_decoder,
    check_tokenizer_json_agrees,
    file_not_json,
    load_folder_encoding,
    load_tokenizer_json_only,
    refuse_absent_local_path,
    tokenizer_json_problem,
)
from hf_bpe.hf_added_split import flagged_chunks, found_after_normalizing, ids_around, segments_found_after_normalizing
from hf_bpe.hf_alignment import attach as attach_alignments, encode_with_offsets
from hf_bpe.hf_response_parsing import as_fast_tokenizer
from hf_bpe.hf_rows import encode_windows, longest_first_sizes
from hf_bpe.registry import as_hf_bpe_encoding
from hf_bpe.hf_vocab import token_bytes_as_decoded
from hf_bpe.normalization import normalize
from hf_bpe.tokenizer_json import special_token_roles

_VERSION = Version(transformers.__version__)
if not Version("5.24") <= _VERSION < Version("6.dev0"):
    raise ImportError(
        f"hf_bpe's Hugging Face front needs transformers 5.x from 5.24 on; transformers "
        f"{transformers.__version__} is installed (pip install 'transformers>=5.24,<6')"
    )

from tokenizers import AddedToken  # noqa: E402
from transformers import AutoTokenizer, PreTrainedConfig, PreTrainedTokenizer  # noqa: E402
from transformers.tokenization_utils_base import BatchEncoding, TruncationStrategy  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402
from transformers.utils.generic import PaddingStrategy  # noqa: E402

# (after the version check: hf_saving imports transformers)
from hf_bpe import hf_saving, hf_training  # noqa: E402
from hf_bpe.hf_added_tokens import (  # noqa: E402
    AddedTokenCache,
    AddedTokenFacts,
    SpelledToken,
    SpelledVocab,
    added_in_place_of_roles,
    spelled_roles,
    spelled_with_id,
    strips,
)

__all__ = ["NANOCHAT_CHAT_TEMPLATE", "NANOCHAT_TRAINING_CHAT_TEMPLATE", "HfBpeConfig", "HfBpeTokenizer"]

# The tokenizer's warnings show as transformers' own do (transformers.logging sets their level);
# under "hf_bpe" they would stay silent unless the application set up logging.
logger = hf_logging.get_logger("transformers.hf_bpe")

VOCAB_FILES_NAMES = {"vocab_file": VOCAB_FILE, "encoding_file": ENCODING_FILE}


class HfBpeConfig(PreTrainedConfig):  # type: ignore[no-untyped-call]
    """The model type under which ``HfBpeTokenizer`` is registered with ``AutoTokenizer``."""

    model_type = "hf_bpe"


#: What pickles of earlier hf_bpe hold that is now in AddedTokenFacts.
_EARLIER_FACTS = frozenset(
    {"_added_re", "_added_pattern", "_plain_ids", "_slow_added", "_user_added", "_decoded_as_text", "_spellings_shadowed"}
)


def _AddedTokenPattern(texts: tuple[str, ...]) -> None:  # noqa: N802 (the name pickles call)
    """What a pickle of hf_bpe from 2026-12-03 to 2026-12-05 makes its added tokens'
    regex with: nothing now (see :data:`_EARLIER_FACTS`)."""
    return None


# The names by which pickles of hf_bpe until 2026-12-07 call these classes (they were here).
_SpelledVocab = SpelledVocab
_AddedTokenCache = AddedTokenCache
_Spelled = SpelledToken


#: What a call in progress on this thread asks of the methods transformers calls back:
#: ``adding_nothing`` while a text pair "without special tokens" goes through transformers'
#: with-special-tokens path (so that it gets token type ids 0 then 1); ``encoding`` inside
#: a call (the calls transformers makes for each item of a batch, and the second run of
#: :mod:`hf_bpe.hf_alignment`, are no calls of their own); ``ids_checked`` while
#: transformers encodes a batch item by item from ids this tokenizer made or checked.
_IN_CALL = threading.local()


@contextmanager
def _during(flag: str) -> Iterator[None]:
    """Set ``flag`` of :data:`_IN_CALL` for this thread while the block runs (as it was
    after it: blocks may nest)."""
    before = getattr(_IN_CALL, flag, False)
    setattr(_IN_CALL, flag, True)
    try:
        yield
    finally:
        setattr(_IN_CALL, flag, before)


def _empty_words_as_text(item: Any) -> Any:
    """An empty list of words as transformers' Python tokenizers take it: ``[]`` as ``""``,
    a batch's row ``[]`` as ``()`` (``""`` would make the batch look like one list of
    words). The fast tokenizers encode both to no ids; the Python ones refuse a ``[]``
    ("Input must be a string, list of strings, or list of ints")."""
    if not isinstance(item, (list, tuple)):
        return item
    if not item:
        return ""
    if isinstance(item[0], (list, tuple)):  # a batch of lists of words
        return [() if isinstance(row, list) and not row else row for row in item]
    return item


class _ByteLevelView:
    """What :attr:`HfBpeTokenizer.backend_tokenizer` gives: the decoder of a fast tokenizer
    whose tokens are spelled as hf_bpe's are (GPT-2's byte alphabet), and nothing else
    (read-only: setting a part of a Rust tokenizer here would change nothing)."""

    __slots__ = ("_decoder",)

    def __init__(self) -> None:
        from tokenizers import decoders

        object.__setattr__(self, "_decoder", decoders.ByteLevel())

    @property
    def decoder(self) -> Any:
        return self._decoder

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"HfBpeTokenizer has no Rust tokenizer, so its backend_tokenizer has only .decoder, not .{name}: "
            "load the saved folder with transformers.PreTrainedTokenizerFast for one"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"HfBpeTokenizer's backend_tokenizer is read-only (it has no Rust tokenizer to change .{name} of)")


class HfBpeTokenizer(PreTrainedTokenizer):
    """A transformers tokenizer backed by an hf_bpe ``Encoding`` (tiktoken-exact ids).

    ``add_bos_token`` / ``add_eos_token`` decide what ``add_special_tokens=True`` adds
    (``[bos] A [eos]``, pairs ``[bos] A [eos] [bos] B [eos]``); both default to False, so
    ids equal the encoding's ``encode(text, allowed_special="all")`` by default.
    """

    vocab_files_names = VOCAB_FILES_NAMES
    model_input_names = ["input_ids", "attention_mask"]

    def __init__(
        self,
        vocab_file: str | None = None,
        encoding_file: str | None = None,
        *,
        encoding: Any = None,
        add_bos_token: bool | None = None,
        add_eos_token: bool | None = None,
        **kwargs: Any,
    ) -> None:
        saved_format = kwargs.pop("hf_bpe_format", HF_CONFIG_FORMAT)
        if type(saved_format) is not int or saved_format > HF_CONFIG_FORMAT:  # before any file is read
            config = os.path.join(kwargs.get("name_or_path") or "", "tokenizer_config.json")
            raise VocabFileError(
                f"{config}: saved by a newer hf_bpe (hf_bpe_format {saved_format!r}); this one "
                f"reads format {HF_CONFIG_FORMAT}: upgrade hf_bpe to load it"
            )
        tokenizer_file = kwargs.pop("tokenizer_file", None)
        plain_added: dict[int, AddedToken] = {}  # a tokenizer.json's added tokens that are not special
        post_processor_adds: dict[str, str] = {}  # the bos/eos a tokenizer.json's post-processor adds
        changed_tokenizer_json = None  # a folder's tokenizer.json changed after hf_bpe saved it
        if encoding is None:
            source = kwargs.get("name_or_path")  # set by from_pretrained
            if vocab_file is not None or encoding_file is not None:
                try:
                    encoding, changed_tokenizer_json = load_folder_encoding(vocab_file, encoding_file, source)
                except MissingFileError as err:  # one file of hf_bpe's pair did not come
                    if tokenizer_file is None:
                        if source:
                            raise FilesMissing(f"{err} (vocab.tiktoken and encoding.json go together)") from None
                        raise
                    warnings.warn(f"{err}: loading tokenizer.json instead", TokenizerJsonWarning, stacklevel=_outside_stacklevel())
            if encoding is None and tokenizer_file is not None:
                encoding, bos, eos, plain_added, file_settings = load_tokenizer_json_only(tokenizer_file, source)
                for key, value in file_settings.items():  # (tokenizer_config.json's come first)
                    kwargs.setdefault(key, value)
                if add_bos_token is None and bos is not None:  # a [bos] $A template
                    add_bos_token = True
                    post_processor_adds["bos"] = bos
                if add_eos_token is None and eos is not None:
                    add_eos_token = True
                    post_processor_adds["eos"] = eos
            elif encoding is None:
                load_folder_encoding(None, None, source)  # which says what is missing
        encoding = as_hf_bpe_encoding(encoding)
        saved_bos, saved_eos = _saved_flag(kwargs, "hf_bpe_add_bos_token"), _saved_flag(kwargs, "hf_bpe_add_eos_token")
        if add_bos_token is None:
            add_bos_token = saved_bos
        if add_eos_token is None:
            add_eos_token = saved_eos
        named = kwargs.get("chat_template")
        template = named_chat_template(named, encoding.special_tokens) if isinstance(named, str) else None
        if template is not None:
            kwargs["chat_template"] = template
        self._encoding: Encoding = encoding
        self._vocab = SpelledVocab(encoding)
        self._hf_bpe_add_bos = add_bos_token
        self._hf_bpe_add_eos = add_eos_token
        self._hf_bpe_adds = added_in_place_of_roles(kwargs, post_processor_adds)
        self._added_cache = AddedTokenCache()  # (see _added)

        # The encoding's own special tokens are added tokens at their ids (never split).
        decoder: dict[int, AddedToken] = dict(kwargs.pop("added_tokens_decoder", None) or {})
        for tid, token in plain_added.items():  # (tokenizer_config.json lists them too, if there is one)
            decoder.setdefault(tid, token)
        check_added_decoder(decoder, encoding)
        for text, tid in sorted(encoding.special_tokens.items(), key=lambda kv: kv[1]):
            decoder.setdefault(tid, AddedToken(text, special=True, normalized=False))
        # Roles held by vocabulary tokens, which transformers' __init__ adds as plain text
        # (see spelled_roles): not added.
        self._roles_to_skip = spelled_roles(kwargs, decoder, encoding)
        self._added_tokens_decoder = decoder
        for role, text in special_token_roles(encoding.special_tokens).items():
            kwargs.setdefault(role, text)
        if changed_tokenizer_json is not None:
            adds = {"bos": kwargs.get("bos_token") if add_bos_token else None, "eos": kwargs.get("eos_token") if add_eos_token else None}
            check_tokenizer_json_agrees(changed_tokenizer_json, decoder, adds)
        kwargs.setdefault("clean_up_tokenization_spaces", False)
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        del self._roles_to_skip
        self._update_trie()

    # ---------------------------------------------------------------- construction

    @classmethod
    def from_pretrained(cls, *args: Any, **kwargs: Any) -> Self:
        """transformers' ``from_pretrained`` (a folder or a Hub repository); where no
        tokenizer files are found, or the path names no folder and cannot be a repository,
        a :class:`~hf_bpe.MissingFileError`, which is an OSError as transformers raises for
        a repository it cannot find (and a ValueError, as before)::

            tok = HfBpeTokenizer.from_pretrained("my-tokenizer")
        """
        source = args[0] if args else kwargs.get("pretrained_model_name_or_path")
        refuse_absent_local_path(source)
        folder = os.path.join(source, kwargs.get("subfolder") or "") if isinstance(source, (str, os.PathLike)) else None
        # A local folder's files come from one save: a save killed midway is completed
        # before transformers reads any, one made meanwhile by another process is read again.
        if folder is None or not os.path.isdir(folder):
            return cls._from_pretrained_files(source, *args, **kwargs)
        return read_whole(folder, lambda: cls._from_pretrained_files(source, *args, **kwargs), saved_file)

    @classmethod
    def _from_pretrained_files(cls, source: Any, *args: Any, **kwargs: Any) -> Self:
        """transformers' ``from_pretrained``, its errors about the files named as hf_bpe's."""
        try:
            return cast(Self, super().from_pretrained(*args, **kwargs))
        except FilesMissing as err:
            raise MissingFileError(str(err)) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as err:  # (ValueErrors, as VocabFileError is)
            raise VocabFileError(f"{file_not_json(source) or 'a file of the tokenizer'} is not JSON: {err}") from None
        except (RecursionError, ValueError) as err:  # JSON that Python's json cannot read (nesting, a huge int)?
            unreadable = None if isinstance(err, HfBpeError) else file_not_json(source)
            if unreadable is None:
                raise
            raise VocabFileError(f"{unreadable} is JSON that cannot be read: {err}") from None
        except (KeyError, TypeError, AttributeError) as err:  # transformers reading tokenizer.json's added tokens
            problem = tokenizer_json_problem(source)
            if problem is None:
                raise
            raise problem from err

    @classmethod
    def from_encoding(cls, encoding: Any, **kwargs: Any) -> HfBpeTokenizer:
        """Wrap an Encoding (named, loaded or trained); kwargs as for transformers tokenizers
        (``add_bos_token``, ``add_eos_token``, ``bos_token``, ``pad_token``,
        ``model_max_length``, ``chat_template="nanochat"``, ...).

        >>> import hf_bpe
        >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2"))  # doctest: +SKIP
        """
        return cls(encoding=encoding, **kwargs)

    @classmethod
    def train_from_dataset(
        cls,
        dataset: Any,
        vocab_size: int,
        *,
        column: str = "text",
        pattern: str = "rustbpe",
        special_tokens: Iterable[str] = (),
        num_proc: int | None = None,
        max_chars: int = 0,
        batch_size: int = 1000,
        progress: bool | None = None,
        name: str = "bpe",
        **tokenizer_kwargs: Any,
    ) -> HfBpeTokenizer:
        """Train on a ``datasets.Dataset`` (or ``IterableDataset``) column and return a ready
        tokenizer (``vocab_size`` counts the special tokens; see :class:`hf_bpe.BpeTrainer`
        and its ``update_from_dataset``). Other keyword arguments are settings of the
        tokenizer (``bos_token``, ``add_bos_token``, ...); options of HF tokenizers' trainer
        (``min_frequency``, ...) raise ``TypeError``.

            tok = HfBpeTokenizer.train_from_dataset(ds, 32_768, pattern="nanochat",
                                                    special_tokens=["<|bos|>", ...])
        """
        return hf_training.train_from_dataset(
            cls, dataset, vocab_size, column=column, pattern=pattern, special_tokens=special_tokens, num_proc=num_proc,
            max_chars=max_chars, batch_size=batch_size, progress=progress, name=name, tokenizer_kwargs=tokenizer_kwargs,
        )

    def train_new_from_iterator(
        self,
        text_iterator: Iterable[str] | Iterable[Sequence[str]],
        vocab_size: int,
        length: int | None = None,
        new_special_tokens: Iterable[str | AddedToken] | None = None,
        special_tokens_map: Mapping[str, str] | None = None,
        *,
        num_proc: int | None = None,
        name: str | None = None,
        show_progress: bool | None = None,
        **kwargs: Any,
    ) -> HfBpeTokenizer:
        """Like transformers' fast tokenizers: a new tokenizer trained on ``text_iterator``
        (texts, or batches of texts) with this one's pattern, special tokens (plus
        ``new_special_tokens``; ``special_tokens_map`` renames them, ``{old: new}``), added
        tokens and settings. ``length`` (a progress hint) is not needed; other keyword
        arguments are settings of the new tokenizer (``add_eos_token=True``, ...). Options of
        HF tokenizers' trainer (``min_frequency``, ``limit_alphabet``, ...) have no
        counterpart in rustbpe's algorithm and raise ``TypeError``.

            smaller = tok.train_new_from_iterator(texts, 1024, special_tokens_map={"<|endoftext|>": "<|eot|>"})
        """
        return hf_training.train_new_from_iterator(
            self, text_iterator, vocab_size, length, new_special_tokens, special_tokens_map,
            num_proc=num_proc, name=name, show_progress=show_progress, kwargs=kwargs,
        )

    @property
    def encoding(self) -> Encoding:
        """The hf_bpe Encoding doing the work.

            >>> import hf_bpe
            >>> HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2")).encoding.name
            'gpt2'
        """
        return self._encoding

    @property
    def backend_tokenizer(self) -> _ByteLevelView:
        """Not a ``tokenizers`` tokenizer: only its ``decoder`` (byte-level), which tells code
        that reads a fast tokenizer's decoder how tokens are spelled. transformers' stop
        strings (``generate(stop_strings=..., tokenizer=tok)``) read it to match a stop
        string across tokens that hold parts of a character::

            >>> tok.backend_tokenizer.decoder                                  # doctest: +SKIP
            ByteLevel(...)
        """
        return _ByteLevelView()  # one of its own each time: nothing set on it is shared

    @property
    def do_lower_case(self) -> bool:
        """False: text is encoded as given. Setting it True, as sentence-transformers'
        ``models.Transformer(..., do_lower_case=True)`` does for a tokenizer that is not a
        fast one, is refused (transformers' Python tokenizers ignore it but for added tokens,
        and ids would silently differ from the stock fast tokenizer's, which lowercases):
        lowercase the texts before encoding them.

            >>> tok.do_lower_case = True                                        # doctest: +SKIP
            Traceback (most recent call last):
            ValueError: HfBpeTokenizer encodes text as given and cannot lowercase it ...
        """
        return False

    @do_lower_case.setter
    def do_lower_case(self, value: Any) -> None:
        if value:
            raise ValueError(
                "HfBpeTokenizer encodes text as given and cannot lowercase it (do_lower_case=True): "
                "lowercase the texts before encoding them (str.lower), or use the stock fast tokenizer "
                "with a Lowercase normalizer in its tokenizer.json"
            )

    # ---------------------------------------------------------------- vocabulary

    @property
    def vocab_size(self) -> int:
        """Highest id of the encoding + 1 (gaps included, so embedding tables fit).

            >>> import hf_bpe
            >>> HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base")).vocab_size
            100277
        """
        return int(self._encoding.n_vocab)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled (or copied): what is derived from the added tokens is made afresh (a
        tokenizer pickled by an earlier hf_bpe holds other such attributes: left out)."""
        self.__dict__.update({key: value for key, value in state.items() if key not in _EARLIER_FACTS})
        # (an empty cache from a pickle; copy.copy shares it, with the added tokens, as stock
        # tokenizers' copies share theirs; a pickle of an earlier hf_bpe has none)
        self.__dict__.setdefault("_added_cache", AddedTokenCache())
        self.__dict__.setdefault("_hf_bpe_adds", {})  # (nor this)
        self._update_trie()

    def __len__(self) -> int:
        top = max(self._added_tokens_decoder, default=-1)
        return max(self.vocab_size, top + 1)

    def _update_total_vocab_size(self) -> None:
        self.total_vocab_size = len(self)

    def get_vocab(self) -> dict[str, int]:
        """Every token's spelling (GPT-2's byte alphabet, as in ``tokenizer.json``) and
        every added token's text, with its id.

            >>> import hf_bpe
            >>> vocab = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base")).get_vocab()
            >>> vocab["hello"], vocab["Ġworld"], vocab["<|endoftext|>"]
            (15339, 1917, 100257)
        """
        vocab = dict(self._vocab.str_to_id)
        vocab.update(self._added_tokens_encoder)
        return vocab

    @property
    def vocab(self) -> dict[str, int]:
        """:meth:`get_vocab`'s answer, as the stock fast tokenizers' ``tok.vocab`` gives it."""
        return self.get_vocab()

    def _convert_token_to_id(self, token: str) -> int | None:
        tid: int | None = self._vocab.str_to_id.get(token)
        if tid is None and self.unk_token is not None and token != self.unk_token:
            unk: int | None = self.unk_token_id  # an unknown string is the unk token, as in GPT-2's tokenizers
            return unk
        return tid

    def _convert_token_to_id_with_added_voc(self, token: str) -> int | None:
        if isinstance(token, SpelledToken):
            return token.id
        return super()._convert_token_to_id_with_added_voc(token)  # type: ignore[no-untyped-call,no-any-return]

    def _convert_id_to_token(self, index: int) -> str:
        try:
            text = self._vocab.id_to_str[index]
        except KeyError:
            if isinstance(index, int):  # (one below 0 or of 2**32 or more: an OverflowError too, as the fast tokenizer raises)
                raise unknown_id_error(index, "id {} is not in the vocabulary") from None
            raise UnknownTokenError(f"id {index!r} is not in the vocabulary", token=index) from None
        return spelled_with_id(text, index) if self._added.spellings_shadowed else text

    def _tokenize(self, text: str, **kwargs: Any) -> list[str]:
        spell = self._vocab.id_to_str
        ids = self._encoding.encode_ordinary(text)
        if self._added.spellings_shadowed:
            return [spelled_with_id(spell[i], i) for i in ids]
        return [spell[i] for i in ids]

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        """The text of tokens given by their spellings (see :meth:`get_vocab`); bytes that
        are not whole UTF-8 characters become U+FFFD.

            >>> import hf_bpe
            >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"))
            >>> tok.convert_ids_to_tokens(tok.encode("hello🙂"))
            ['hello', 'ðŁ', 'ĻĤ']
            >>> tok.convert_tokens_to_string(['hello', 'ðŁ', 'ĻĤ']), tok.convert_tokens_to_string(['ðŁ'])
            ('hello🙂', '\ufffd')
        """
        parts: list[bytes] = []
        added = self._added_tokens_encoder
        for token in tokens:
            if not isinstance(token, str):
                raise TypeError(f"tokens are str, not {type(token).__name__} ({token!r})")
            text = token in added and not isinstance(token, SpelledToken)
            parts.append(token.encode() if text else token_bytes_as_decoded(token))
        return b"".join(parts).decode("utf-8", errors="replace")

    def add_special_tokens(self, special_tokens_dict: Mapping[str, Any], *args: Any, **kwargs: Any) -> int:
        """transformers' own, refusing a token with a lone surrogate with
        :class:`~hf_bpe.errors.VocabularyError` first (transformers' ``AddedToken`` raises
        ``UnicodeEncodeError`` on it).

            >>> import hf_bpe
            >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"))
            >>> tok.add_special_tokens({"pad_token": "<|pad|>"}), tok.pad_token_id
            (1, 100277)
        """
        if not special_tokens_dict:  # (None too: nothing to add, as for the fast tokenizer)
            return 0
        if not isinstance(special_tokens_dict, Mapping):
            try:  # pairs of (role, token), as the fast tokenizer takes them
                special_tokens_dict = dict(special_tokens_dict)
            except (TypeError, ValueError):
                raise ValueError(
                    f"add_special_tokens takes a dict of role -> token (e.g. {{'pad_token': '<pad>'}}), "
                    f"not {special_tokens_dict!r:.60}"
                ) from None
        for value in special_tokens_dict.values():
            for token in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(token, str):
                    SpecialTokenTextError.check(token, "token")
        return int(super().add_special_tokens(dict(special_tokens_dict), *args, **kwargs))

    def _add_tokens(self, new_tokens: Sequence[str | AddedToken], special_tokens: bool = False) -> int:
        """Add tokens at ids after the highest one in use (transformers' default counts the
        vocabulary, which lands on used ids when the encoding's ids have gaps); a text that
        is one token of the vocabulary keeps that token's id."""
        # Each token is checked against what is there in constant time (the lists of
        # special tokens and added tokens read once): adding 10,000 tokens took seconds.
        added = 0
        ranks = self._encoding.mergeable_ranks
        specials = set(self.all_special_tokens)
        roles: frozenset[str] = getattr(self, "_roles_to_skip", frozenset())  # set during __init__ only
        present = set(self._added_tokens_decoder.values())  # AddedTokens: equal if all their flags are
        flagged: dict[str, AddedToken] | None = None  # (made when first needed, below)
        next_id = len(self)
        for token in new_tokens or ():
            if not isinstance(token, (str, AddedToken)):
                raise TypeError(f"token {token!r} is not a str or AddedToken")
            if isinstance(token, SpelledToken) or (isinstance(token, str) and token in roles):
                continue  # a vocabulary token given a role (see spelled_roles)
            content = str(token)
            if not content:
                continue
            SpecialTokenTextError.check(content, "token")
            if isinstance(token, str) and content in specials:
                # A role given as an AddedToken (mask_token=AddedToken("<mask>", lstrip=True)),
                # which transformers' __init__ adds as plain text: added with its flags, as
                # the fast tokenizers add it.
                if flagged is None:
                    roles_given = [*getattr(self, "_special_tokens_map", {}).values(), *getattr(self, "_extra_special_tokens", ())]
                    flagged = {str(t): t for t in roles_given if isinstance(t, AddedToken)}
                token = flagged.get(content, token)
            if isinstance(token, str):
                tid = self._added_tokens_encoder.get(content)
                if tid is not None and not (special_tokens and not self._added_tokens_decoder[tid].special):
                    continue  # (given as special, an ordinary added token becomes special, as in the fast tokenizers)
                special = special_tokens or content in specials
                token = AddedToken(content, rstrip=False, lstrip=False, normalized=not special, special=special)
            elif special_tokens:
                # An AddedToken whose `normalized` was not given becomes normalized=False with
                # special=True, one given keeps it: as the fast tokenizers add special tokens
                # (transformers' Python tokenizers keep normalized=True).
                token.__setstate__({"special": True})
            if token in present:
                continue
            if content in self._added_tokens_encoder:
                tid = self._added_tokens_encoder[content]
            elif (rank := ranks.get(content.encode("utf-8", "surrogatepass"))) is not None:
                # The text is one token of the vocabulary: that id already decodes to it.
                # (Not a token *spelled* like the text: "é" spells the byte 0xE9.)
                tid = rank
            else:
                tid = next_id
                if tid >= MAX_RANK:
                    raise VocabularyOverflowError(f"no id left for {content!r}: hf_bpe's ids are below 2**31")
                next_id += 1
                added += 1
            if token.special and content not in specials:
                self._extra_special_tokens.append(token)
                specials.add(content)
            present.discard(self._added_tokens_decoder.get(tid))
            present.add(token)
            self._added_tokens_decoder[tid] = token
            self._added_tokens_encoder[content] = tid
        self._update_trie()
        self._update_total_vocab_size()
        return added

    @property
    def added_tokens_encoder(self) -> dict[str, int]:
        """Each added token's text → its id, by id (transformers' mapping), with each second
        special token at an id (o200k_harmony's ``<|reserved_200018|>``): the texts that
        encode as one added token."""
        return dict(sorted(self._added_tokens_encoder.items(), key=lambda item: item[1]))

    def get_added_vocab(self) -> dict[str, int]:
        """The added tokens, text → id, by id as the fast tokenizer lists them
        (:attr:`added_tokens_encoder`; transformers' Python tokenizers list them in the
        order they were added)."""
        return self.added_tokens_encoder

    def _get_control_tokens(self, chat_template: str) -> tuple[str, ...]:
        """transformers' control tokens (which ``apply_chat_template(...,
        sanitize_control_tokens=True)`` encodes as text in user input), plus each second
        special token at a control token's id (o200k_harmony's ``<|reserved_200018|>``),
        which has no entry of its own in added_tokens_decoder."""
        tokens: tuple[str, ...] = super()._get_control_tokens(chat_template)
        decoder = self._added_tokens_decoder
        return tokens + tuple(
            text
            for text, tid in self._encoding.special_tokens.items()
            if tid in decoder and decoder[tid].content != text and decoder[tid].content in tokens
        )

    def parse_response(self, response: Any, schema: Any = None, **kwargs: Any) -> Any:
        """transformers' ``parse_response``, with generated token ids parsed id by id as the
        stock fast tokenizer parses them: a control token is a delimiter only where its id
        was generated, not where the model spelled its text (transformers decodes a Python
        tokenizer's ids and parses the text). See :mod:`hf_bpe.hf_response_parsing`::

            msg = tok.parse_response(generated_ids, prefix=prompt_ids)
        """
        texts = isinstance(response, str) or (isinstance(response, (list, tuple)) and (not response or isinstance(response[0], str)))
        fast = None if texts else as_fast_tokenizer(self)
        method = super().parse_response
        if fast is not None:
            method = PreTrainedTokenizer.parse_response.__get__(fast)  # (transformers' own code, given the fast view)
        return method(response, schema, **kwargs)

    def get_response_parser(self, response_template: Any = None, **kwargs: Any) -> Any:
        """transformers' ``get_response_parser``; with ``token_ids=True`` it takes generated
        ids as the stock fast tokenizer's does (see :meth:`parse_response`), where
        transformers allows it for fast tokenizers only."""
        if kwargs.get("token_ids"):
            fast = as_fast_tokenizer(self)
            if fast is None:
                raise NotImplementedError(
                    "get_response_parser(token_ids=True) decodes ids with the tokenizers tokenizer of this "
                    "tokenizer's tokenizer.json, which it cannot have (see save_pretrained's warning): feed it text"
                )
            return PreTrainedTokenizer.get_response_parser(fast, response_template, **kwargs)  # type: ignore[arg-type]
        return super().get_response_parser(response_template, **kwargs)

    def _update_trie(self, unique_no_split_tokens: list[str] | None = None) -> None:
        """After a change of the added tokens: transformers' trie, and the texts of special
        tokens that share an id; the rest (:attr:`_added`) is worked out when next asked for."""
        super()._update_trie(unique_no_split_tokens)
        tokens = self._added_tokens_decoder
        # A second special token at an id (o200k_harmony has two at 200018) has no entry
        # of its own in added_tokens_decoder; its text must still be found and encoded.
        for text, tid in self._encoding.special_tokens.items():
            if text not in self._added_tokens_encoder and tid in tokens:
                self._added_tokens_encoder[text] = tid
                self.tokens_trie.add(text)
        self._added_cache.changes += 1  # (the facts are worked out again when next asked for)

    @property
    def _added(self) -> AddedTokenFacts:
        """What encoding and decoding need to know about the added tokens (see
        :class:`AddedTokenFacts`), as they are now."""
        cache = self._added_cache
        facts = cache.facts
        if facts is None or facts.changes != cache.changes:  # (threads may each work them out)
            facts = cache.facts = AddedTokenFacts(self)
        return facts

    @property
    def _added_re(self) -> Any:
        """A regex finding the added tokens' texts in text, the longest first (None if there
        are none)."""
        return self._added.regex

    # ---------------------------------------------------------------- encoding

    def _text_to_ids(self, text: str, split_special_tokens: bool) -> list[int]:
        """One text to ids: added tokens split out (with ``split_special_tokens``, only the
        ones that are not special), the rest through the core."""
        kept = self._split_out(split_special_tokens)
        if self._added_re is None or not kept:
            return list(self._encoding.encode_ordinary(text))
        if self._added.slow_added:  # tokens carry their ids (see SpelledToken): the strings are exact
            ids: list[int] = self.convert_tokens_to_ids(self.tokenize(text, split_special_tokens=split_special_tokens))  # type: ignore[assignment]
            return ids
        return ids_around(self, text, kept)

    def _encode_without_added_tokens(self, text: str) -> list[int]:
        """``text`` as plain text, finding no added token, special or not: what
        ``apply_chat_template(..., sanitize_control_tokens=True)`` encodes a user's text with,
        as the fast tokenizers do. (transformers' default, ``encode`` with
        ``split_special_tokens``, still finds the added tokens that are not special, so a
        Qwen2.5 chat whose user typed ``<tool_call>`` was refused as not sanitizable.)"""
        return list(self._encoding.encode_ordinary(text))

    def _split_out(self, split_special_tokens: bool) -> dict[str, int]:
        """The added tokens a text is cut at, by text: all of them, or with
        ``split_special_tokens`` the ones that are not special, which the fast tokenizers
        still find (transformers' Python tokenizers find none then; hf_bpe gives the ids of
        the stock fast tokenizer of its folder). They are looked for among all the added
        tokens, as ``tokenizers`` does: where a special token's text is, no other added
        token is found (with ``split_special_tokens`` that text is then ordinary text)."""
        return self._added.plain_ids if split_special_tokens else self._added_tokens_encoder

    def tokenize(self, text: str, pair: str | None = None, add_special_tokens: bool = False, **kwargs: Any) -> list[str]:
        """The tokens of ``text`` (and of ``pair`` after them), with the bos/eos that
        ``add_special_tokens=True`` adds around each, as the fast tokenizers give them.
        Words (``is_split_into_words=True``) are tokenized as ``tok(words, ...)`` encodes them.

            >>> import hf_bpe
            >>> HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2")).tokenize("hello world")
            ['hello', 'Ġworld']
        """
        if kwargs.get("is_split_into_words"):
            # (transformers' Python tokenizers tokenize words one call each: a str is a word)
            words, pair_words = ([text] if isinstance(text, str) else text), ([pair] if isinstance(pair, str) else pair)
            ids = self(words, pair_words, add_special_tokens=add_special_tokens, **kwargs)["input_ids"]
            return list(self.convert_ids_to_tokens(ids))
        tokens = self._text_tokens(text, **kwargs)
        if add_special_tokens:
            tokens = self._around_tokens(tokens)
        if pair is not None:
            pair_tokens = self._text_tokens(pair, **kwargs)
            tokens += self._around_tokens(pair_tokens) if add_special_tokens else pair_tokens
        return tokens

    def _tokens_as_found(self, ids: list[int]) -> list[str]:
        """``convert_ids_to_tokens(ids)``, an added token with ``normalized=True`` spelled
        as it is found, in the normalizer's form (``"ﬁx"`` as ``"fix"`` under NFKC), as
        :meth:`tokenize` and the fast tokenizers' ``tokens()`` give it."""
        if self._added.spellings_shadowed:  # (spellings marked with their ids: see spelled_with_id)
            tokens = list(self.convert_ids_to_tokens(ids))
        else:  # what convert_ids_to_tokens gives, in one pass (a BatchEncoding pickled asks for every row's)
            added, spell = self._added_tokens_decoder, self._vocab.id_to_str
            try:
                tokens = [added[i].content if i in added else spell[i] for i in ids]
            except KeyError:  # an id of no token: convert_ids_to_tokens raises the error that says so
                tokens = list(self.convert_ids_to_tokens(ids))
        if self._added.normalized_unlike_given:
            found = {tid: text for text, tid in self._added.normalized_ids.items()}
            tokens = [found.get(tid, token) for tid, token in zip(ids, tokens)]
        return tokens

    def _around_tokens(self, tokens: list[str]) -> list[str]:
        return [t if isinstance(t, str) else self.convert_ids_to_tokens(t) for t in self._around(tokens)]  # type: ignore[arg-type]

    def _text_tokens(self, text: str, **kwargs: Any) -> list[str]:
        if not isinstance(text, str):  # (bytes met the added tokens' regex first: "cannot use a string pattern")
            raise TextTypeError(f"expected a str to tokenize, got {type(text).__name__}")
        split = kwargs.pop("split_special_tokens", self.split_special_tokens)
        text, kwargs = self.prepare_for_tokenization(text, **kwargs)
        kept = self._split_out(split)
        tokens: list[str] = []
        if self._added_re is not None and found_after_normalizing(self, text) and not self._added.slow_added:
            # Added tokens found in two stages (see hf_added_split): each as found (a
            # normalized one in its normalized form, as the fast tokenizers give it).
            encoded, _, segments = segments_found_after_normalizing(self, text, kept, with_spans=False)
            for start, end, tid in segments:
                tokens += [encoded[start:end]] if tid is not None else self._tokenize(encoded[start:end])
            return tokens
        for chunk in flagged_chunks(self, text, kept):
            if chunk in kept:
                tokens.append(chunk)
            elif chunk:
                tokens.extend(self._tokenize(chunk))
        return tokens

    def _to_ids(self, item: Any, split_special_tokens: bool) -> Any:
        if isinstance(item, str):
            return self._text_to_ids(item, split_special_tokens) if item else item
        if isinstance(item, tuple) and len(item) == 2 and all(isinstance(x, str) for x in item):
            return tuple(self._text_to_ids(x, split_special_tokens) if x else x for x in item)
        if isinstance(item, (list, tuple)) and item:
            if isinstance(item[0], int):
                if not getattr(_IN_CALL, "ids_checked", False):
                    self._check_given_ids(item)
            else:  # a batch's item that transformers unpacks (a pair, or a list of one): its ids now
                for part in item:
                    if isinstance(part, (list, tuple)) and part and isinstance(part[0], int):
                        self._check_given_ids(part)
        return item

    def _check_given_ids(self, ids: Sequence[Any]) -> None:
        """Ids given instead of a text (transformers passes a list of ints through as the
        ids): each must be one of this tokenizer's ids, as :meth:`decode` requires, or
        ``tok([-1])`` returned ``[-1]``."""
        for i in ids:
            if isinstance(i, bool) or not hasattr(i, "__index__"):
                raise TypeError(f"ids given in place of a text must be integers, not {i!r}")
        added = self._added_tokens_decoder
        # decoding raises UnknownTokenError (TokenIdOverflowError) for an id that is no token
        self._encoding.decode_bytes([operator.index(i) for i in ids if i not in added])

    def _words_to_ids(self, item: Any, split: bool) -> Any:
        """Words (``is_split_into_words=True``) as ids, each word encoded alone, as the fast
        tokenizers encode them: a list of words or a batch of them (a row with no ids stays
        ``""``, a row of ints is ids). transformers' Python tokenizers convert the tokens of
        each word back to ids, which misreads an added token found in its normalized form
        (``"ﬁx"`` under NFKC is the token ``"fix"``)."""

        def row(words: Any) -> Any:
            if isinstance(words, str):  # (one word, as transformers passes it)
                words = [words]
            if words and isinstance(words[0], int):
                return words
            return self._ids_of_words(words, split) or ""

        if isinstance(item, (list, tuple)) and item and isinstance(item[0], (list, tuple)):
            return [row(words) for words in item]  # a batch
        return row(item)

    def _ids_of_words(self, words: Sequence[str], split: bool) -> list[int]:
        """The ids of ``words``, each encoded alone (an empty word has none)."""
        return [i for word in words if word for i in self._text_to_ids(word, split)]

    def _batch_or_single_to_ids(self, text: Any, split: bool) -> Any:
        if isinstance(text, (list, tuple)) and text and not isinstance(text[0], int):
            return [self._to_ids(t, split) for t in text]  # a batch
        return self._to_ids(text, split)

    def _encode_plus(  # type: ignore[override]
        self,
        text: Any,
        text_pair: Any = None,
        add_special_tokens: bool = True,
        **kwargs: Any,
    ) -> BatchEncoding:
        """:meth:`_encode_rows`; the result of a call (not of the calls transformers makes for
        each item of a batch) can also tell where each id comes from: ``word_ids()``,
        ``tokens()``, ``char_to_token()`` ... (see :mod:`hf_bpe.hf_alignment`)."""
        if getattr(_IN_CALL, "encoding", False):
            return self._encode_rows(text, text_pair, add_special_tokens, **kwargs)
        add_special_tokens = _bool_argument("add_special_tokens", add_special_tokens)
        _check_sizes(kwargs)  # (before both runs: the alignments run the call again with these options)
        if kwargs.get("split_special_tokens") not in (None, 0):  # (None and 0: the tokenizer's own, for the fast one too)
            kwargs["split_special_tokens"] = _bool_argument("split_special_tokens", kwargs["split_special_tokens"])
        if kwargs.get("is_split_into_words"):  # (the user's input: transformers passes one word as a str)
            _check_words(text, text_pair)
        _IN_CALL.encoding = True  # (as _during does, without its objects: this is every call's path)
        try:
            out = self._encode_rows(text, text_pair, add_special_tokens, **kwargs)
        finally:
            _IN_CALL.encoding = False
        if not kwargs.get("sanitize_control_tokens"):  # (ids of a marked chat, from no text)
            attach_alignments(self, out, text, text_pair, add_special_tokens, kwargs)
        # The keys in the fast tokenizer's order (a dataset's columns come in it; transformers'
        # Python tokenizers put the attention mask last).
        out.data = {**{key: out.data[key] for key in _FAST_KEY_ORDER if key in out.data}, **out.data}
        return out

    def _encode_rows(self, text: Any, text_pair: Any, add_special_tokens: bool, **kwargs: Any) -> BatchEncoding:
        """Turn each non-empty str into ids through the core, then let transformers pad,
        truncate and add special tokens (it passes lists of ids through untouched)."""
        is_split_into_words = bool(kwargs.pop("is_split_into_words", False))
        _check_batch_items(text)
        _check_batch_items(text_pair)
        if kwargs.get("sanitize_control_tokens"):
            # A chat marked by apply_chat_template(sanitize_control_tokens=True) gives ids
            # (and mask) only, as from the stock fast tokenizer: offsets and windows would
            # encode the markers as text, and the user's control tokens as control tokens.
            kwargs.pop("return_offsets_mapping", None)
            kwargs.pop("return_overflowing_tokens", None)
        if not is_split_into_words and text_pair is None and self._plain_call(kwargs):
            fast = self._encode_plain(text, add_special_tokens, kwargs)
            if fast is not None:
                return fast
        if kwargs.get("return_offsets_mapping"):
            return encode_with_offsets(self, text, text_pair, add_special_tokens, {**kwargs, "is_split_into_words": is_split_into_words})
        if kwargs.get("return_overflowing_tokens"):
            windows = encode_windows(self, text, text_pair, add_special_tokens, kwargs, words=is_split_into_words)
            if windows is not None:
                return windows
        kwargs.pop("return_offsets_mapping", None)
        if is_split_into_words:
            text, text_pair = _empty_words_as_text(text), _empty_words_as_text(text_pair)
            for item in (text, text_pair):  # a row of ints is ids (see _check_given_ids)
                rows = item if isinstance(item, (list, tuple)) and item and isinstance(item[0], (list, tuple)) else [item]
                for row in rows:
                    if isinstance(row, (list, tuple)) and row and isinstance(row[0], int):
                        self._check_given_ids(row)
        ids_checked = False
        if not kwargs.get("sanitize_control_tokens"):
            split = bool(kwargs.get("split_special_tokens", self.split_special_tokens))
            to_ids = self._words_to_ids if is_split_into_words else self._batch_or_single_to_ids
            text = to_ids(text, split)
            if text_pair is not None:
                text_pair = to_ids(text_pair, split)
            ids_checked = True
        if ids_checked:
            out = self._encode_checked_ids(text, text_pair, add_special_tokens, **kwargs)
        else:
            out = super()._encode_plus(
                text, text_pair, add_special_tokens, is_split_into_words=is_split_into_words, **kwargs
            )
        if kwargs.get("return_overflowing_tokens") and not kwargs.get("return_tensors") and "overflowing_tokens" not in out:
            ids = out.get("input_ids")
            if isinstance(ids, list) and (not ids or isinstance(ids[0], int)):  # one row, not a batch
                # transformers leaves the keys out of a row with nothing cut, and a batch with
                # rows of both kinds then fails ("a different batch size than others")
                out["overflowing_tokens"] = []
                out["num_truncated_tokens"] = 0
        return out

    def _encode_checked_ids(self, ids: Any, pair_ids: Any, add_special_tokens: bool, **kwargs: Any) -> BatchEncoding:
        """transformers' ``_encode_plus`` of ids (or batches of them) that this tokenizer made or
        checked: it encodes a batch by calling :meth:`_encode_plus` again for each item, which
        then does not check the ids again (that was a third of the time of a padded batch)."""
        with _during("ids_checked"):
            return PreTrainedTokenizer._encode_plus(self, ids, pair_ids, add_special_tokens, **kwargs)

    def _plain_call(self, kwargs: Mapping[str, Any]) -> bool:
        """No padding, truncation, tensors or extra outputs: ids (+ mask) are all there is."""
        return (
            kwargs.get("padding_strategy", PaddingStrategy.DO_NOT_PAD) == PaddingStrategy.DO_NOT_PAD
            and kwargs.get("truncation_strategy", TruncationStrategy.DO_NOT_TRUNCATE)
            == TruncationStrategy.DO_NOT_TRUNCATE
            and not kwargs.get("return_tensors")
            and not kwargs.get("return_overflowing_tokens")
            and not kwargs.get("return_special_tokens_mask")
            and not kwargs.get("return_offsets_mapping")
            and not kwargs.get("return_length")
            and not kwargs.get("sanitize_control_tokens")
            and not (
                kwargs.get("return_token_type_ids")
                if kwargs.get("return_token_type_ids") is not None
                else "token_type_ids" in self.model_input_names
            )
        )

    def _encode_plain(self, text: Any, add_special_tokens: bool, kwargs: Mapping[str, Any]) -> BatchEncoding | None:
        """The common call, ``tok(str)`` or ``tok(list_of_str)``, without transformers' per-item
        machinery; None when the input is anything else (transformers handles it)."""
        single = isinstance(text, str)
        if single:
            texts = [text]
        elif isinstance(text, (list, tuple)) and text and all(isinstance(t, str) for t in text):
            texts = list(text)
        else:
            return None
        split = bool(kwargs.get("split_special_tokens", self.split_special_tokens))
        rows = [self._text_to_ids(t, split) if t else [] for t in texts]
        if add_special_tokens and (self._hf_bpe_add_bos or self._hf_bpe_add_eos):
            rows = [self._around(row) for row in rows]
        limit = self.model_max_length
        if any(len(row) > limit for row in rows):
            return None  # let transformers warn about the too-long sequence
        want_mask = kwargs.get("return_attention_mask")
        if want_mask is None:
            want_mask = "attention_mask" in self.model_input_names
        data: dict[str, Any] = {"input_ids": rows[0] if single else rows}
        if want_mask:
            masks = [[1] * len(row) for row in rows]
            data["attention_mask"] = masks[0] if single else masks
        return BatchEncoding(data)

    # ---------------------------------------------------------------- special tokens

    @property
    def add_bos_token(self) -> bool:
        """Whether ``add_special_tokens=True`` puts the bos token before each text (settable).

            >>> import hf_bpe
            >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.train_bpe(["hi there"] * 9, 258,
            ...     special_tokens=["<|bos|>"]), bos_token="<|bos|>")
            >>> tok.add_bos_token = True
            >>> tok("hi")["input_ids"]
            [257, 104, 105]
        """
        return bool(self._hf_bpe_add_bos)

    @add_bos_token.setter
    def add_bos_token(self, value: bool) -> None:
        self._hf_bpe_add_bos = bool(value)

    @property
    def add_eos_token(self) -> bool:
        """Whether ``add_special_tokens=True`` puts the eos token after each text (settable).

            >>> import hf_bpe
            >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2"), add_eos_token=True)
            >>> tok("hello")["input_ids"]
            [31373, 50256]
        """
        return bool(self._hf_bpe_add_eos)

    @add_eos_token.setter
    def add_eos_token(self, value: bool) -> None:
        self._hf_bpe_add_eos = bool(value)

    def _around(self, ids: list[int], type_marker: Any = None) -> list[Any]:
        if getattr(_IN_CALL, "adding_nothing", False):
            return list(ids)
        out: list[Any] = []
        if self._hf_bpe_add_bos:
            out.append(self._required_id("bos") if type_marker is None else type_marker)
        out.extend(ids)
        if self._hf_bpe_add_eos:
            out.append(self._required_id("eos") if type_marker is None else type_marker)
        return out

    def _required_id(self, role: str, asked_by: str | None = None) -> int:
        """The id of the ``role`` ("bos", "eos") token that ``asked_by`` wants added: the
        role's token, or the one a loaded post-processor adds in its place (see
        :func:`added_in_place_of_roles`)."""
        asked_by = asked_by or f"add_{role}_token=True"
        text = self._hf_bpe_adds.get(role)
        if text is not None:
            tid = self._added_tokens_encoder.get(text)
            if tid is None:
                tid = self._vocab.id_of(text)
            if tid is None:
                raise VocabularyError(f"{asked_by} adds {text!r} (hf_bpe_adds), which is not in the vocabulary")
            return tid
        tid = getattr(self, f"{role}_token_id")
        if tid is not None:
            return int(tid)
        token = getattr(self, f"{role}_token", None)
        if token is None:
            raise VocabularyError(f"{asked_by} but the tokenizer has no {role}_token")
        raise VocabularyError(
            f"{asked_by} but the {role}_token {str(token)!r} is not in the vocabulary: add it with "
            f"tok.add_special_tokens({{'{role}_token': {str(token)!r}}})"
        )

    def build_inputs_with_special_tokens(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """The ids with the bos/eos that ``add_bos_token``/``add_eos_token`` put around
        each text (of a pair, around each of the two).

            >>> import hf_bpe
            >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"),
            ...     eos_token="<|endoftext|>", add_eos_token=True)
            >>> tok.build_inputs_with_special_tokens([15339], [1917])
            [15339, 100257, 1917, 100257]
        """
        out = self._around(list(token_ids_0))
        if token_ids_1 is not None:
            out += self._around(list(token_ids_1))
        return out

    def get_special_tokens_mask(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None, already_has_special_tokens: bool = False
    ) -> list[int]:
        """1 for each id the tokenizer adds around a text (bos, eos), 0 for the text's own;
        with ``already_has_special_tokens``, 1 for each id among ``token_ids_0`` that is in
        ``all_special_ids`` (the tokens holding a role, and the extra special tokens), as
        transformers does.

            >>> import hf_bpe
            >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"),
            ...     eos_token="<|endoftext|>", add_eos_token=True)
            >>> tok.get_special_tokens_mask([15339, 1917])
            [0, 0, 1]
        """
        if already_has_special_tokens:
            special = set(self.all_special_ids)
            return [1 if t in special else 0 for t in token_ids_0]
        mask = self._around([0] * len(token_ids_0), 1)  # 1 where bos/eos go
        if token_ids_1 is not None:
            mask += self._around([0] * len(token_ids_1), 1)
        return mask

    def create_token_type_ids_from_sequences(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """0 for each id of the first text and its bos/eos, 1 for the second's.

            >>> import hf_bpe
            >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"),
            ...     eos_token="<|endoftext|>", add_eos_token=True)
            >>> tok.create_token_type_ids_from_sequences([15339], [1917])
            [0, 0, 1, 1]
        """
        first = len(self._around(list(token_ids_0), 0))
        if token_ids_1 is None:
            return [0] * first
        return [0] * first + [1] * len(self._around(list(token_ids_1), 0))

    def truncate_sequences(  # type: ignore[override]
        self,
        ids: list[int],
        pair_ids: list[int] | None = None,
        num_tokens_to_remove: int = 0,
        truncation_strategy: str | TruncationStrategy = "longest_first",
        stride: int = 0,
    ) -> tuple[list[int], list[int] | None, list[int]]:
        """transformers' truncation, with the checks of the fast tokenizers (transformers'
        Python tokenizers cut a text that is too short down to nothing, silently):
        ``only_first``/``only_second`` that would empty the text they cut, or
        ``only_second`` without a second text, raise ``ValueError``; a ``max_length`` below
        the special tokens added leaves the texts whole, with a warning, and one that holds
        the special tokens only leaves no text, whatever the strategy; ``longest_first``
        shares the room of a pair out as the fast tokenizers do
        (:func:`~hf_bpe.hf_rows.longest_first_sizes`)."""
        texts = len(ids) + len(pair_ids or ())
        if num_tokens_to_remove > texts:  # max_length below the special tokens, whatever the strategy
            self._warn_left_whole(pair_ids is not None)
            return ids, pair_ids, []
        if num_tokens_to_remove == texts > 0:  # room for the special tokens only: no text at all
            return [], None if pair_ids is None else [], [*ids, *(pair_ids or ())]
        if num_tokens_to_remove > 0:
            strategy = TruncationStrategy(truncation_strategy)
            if strategy == TruncationStrategy.ONLY_SECOND and pair_ids is None:
                raise ValueError("truncation='only_second' cuts the second text of a pair, and there is none")
            if strategy in (TruncationStrategy.ONLY_FIRST, TruncationStrategy.ONLY_SECOND) and pair_ids is not None:
                cut, which = (pair_ids, "second") if strategy == TruncationStrategy.ONLY_SECOND else (ids, "first")
                if len(cut) <= num_tokens_to_remove:
                    raise ValueError(
                        f"truncation={strategy.value!r} cannot remove {num_tokens_to_remove} ids from the "
                        f"{which} text, which has {len(cut)}: raise max_length or truncate the other text"
                    )
            if strategy == TruncationStrategy.LONGEST_FIRST and pair_ids is not None:
                # as the fast tokenizers share the room out (transformers' Python tokenizers
                # give an odd id to the second of two texts as long, and warn every time)
                size, pair_size = longest_first_sizes(len(ids), len(pair_ids), texts - num_tokens_to_remove)
                if self.truncation_side == "left":
                    return ids[len(ids) - size :], pair_ids[len(pair_ids) - pair_size :], []
                return ids[:size], pair_ids[:pair_size], []
        return super().truncate_sequences(ids, pair_ids, num_tokens_to_remove, truncation_strategy, stride)

    def _warn_left_whole(self, pair: bool) -> None:
        logger.warning(
            f"max_length is below the {self.num_special_tokens_to_add(pair)} special tokens added "
            "around the text: the text is left whole (as the fast tokenizers do)"
        )

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        """How many bos/eos ids a text (or a pair) gets: counted, not encoded.

            >>> import hf_bpe
            >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"),
            ...     eos_token="<|endoftext|>", add_eos_token=True)
            >>> tok.num_special_tokens_to_add(), tok.num_special_tokens_to_add(pair=True)
            (1, 2)
        """
        if getattr(_IN_CALL, "adding_nothing", False):
            return 0
        return (int(self._hf_bpe_add_bos) + int(self._hf_bpe_add_eos)) * (2 if pair else 1)

    def prepare_for_model(  # type: ignore[override]
        self, ids: list[int], pair_ids: list[int] | None = None, add_special_tokens: bool = True, **kwargs: Any
    ) -> BatchEncoding:
        """transformers' own, with two rows made as the fast tokenizers make them: a text
        pair without special tokens still has token type ids 0 then 1 (transformers: all 0),
        and a row with no ids padded to ``max_length`` is padded (transformers' ``pad``
        returns an empty row as it is); ``max_length=0`` with truncation cuts every id
        (transformers reads 0 as no limit); ``length`` is the length before padding, as in
        a batch (transformers gives a single text's length after padding)."""
        tensors = kwargs.pop("return_tensors", None)
        prepend = kwargs.pop("prepend_batch_axis", False)
        want_length = kwargs.pop("return_length", False)
        want_mask = kwargs.get("return_attention_mask")
        if want_mask is None:
            want_mask = "attention_mask" in self.model_input_names
        kwargs["return_attention_mask"] = want_mask or want_length  # the mask tells the length
        cut: list[int] | None = None
        if kwargs.get("max_length") == 0:
            ids, pair_ids, cut = self._cut_to_nothing(ids, pair_ids, add_special_tokens, kwargs)
            if cut is not None:
                kwargs["truncation"] = TruncationStrategy.DO_NOT_TRUNCATE
        if pair_ids is not None and not add_special_tokens:
            with _during("adding_nothing"):  # the with-special-tokens path, adding none
                data = dict(super().prepare_for_model(ids, pair_ids, True, **kwargs))
        else:
            data = dict(super().prepare_for_model(ids, pair_ids, add_special_tokens, **kwargs))
        if cut is not None and kwargs.get("return_overflowing_tokens"):
            data["overflowing_tokens"], data["num_truncated_tokens"] = cut, len(cut)
        if not data["input_ids"] and kwargs.get("padding") in ("max_length", PaddingStrategy.MAX_LENGTH):
            max_length = kwargs.get("max_length")
            data = self._pad(
                data,
                max_length=self.model_max_length if max_length is None else max_length,
                padding_strategy=PaddingStrategy.MAX_LENGTH,
                pad_to_multiple_of=kwargs.get("pad_to_multiple_of"),
                padding_side=kwargs.get("padding_side"),
                return_attention_mask=True,
            )
        mask = data.pop("attention_mask", [])
        if want_mask:
            data["attention_mask"] = mask
        if want_length:
            data["length"] = sum(mask)
        return BatchEncoding(data, tensor_type=tensors, prepend_batch_axis=prepend)

    def _cut_to_nothing(
        self, ids: list[int], pair_ids: list[int] | None, add_special_tokens: bool, kwargs: Mapping[str, Any]
    ) -> tuple[list[int], list[int] | None, list[int] | None]:
        """The texts' ids truncated to ``max_length=0`` (the special tokens alone, if any, are
        more than that: the texts are then left whole, as in ``truncate_sequences``), and the
        ids cut; None for what was cut when the call does not truncate."""
        _, strategy, _, _ = self._get_padding_truncation_strategies(  # type: ignore[no-untyped-call]
            padding=kwargs.get("padding", False), truncation=kwargs.get("truncation"), max_length=0, verbose=False
        )
        if strategy == TruncationStrategy.DO_NOT_TRUNCATE:
            return ids, pair_ids, None
        if pair_ids is not None and strategy == TruncationStrategy.LONGEST_FIRST and kwargs.get("return_overflowing_tokens"):
            return ids, pair_ids, None  # transformers refuses it (ValueError)
        specials = self.num_special_tokens_to_add(pair_ids is not None) if add_special_tokens else 0
        total = len(ids) + len(pair_ids or ()) + specials
        return self.truncate_sequences(ids, pair_ids, total, strategy, int(kwargs.get("stride") or 0))

    # ---------------------------------------------------------------- decoding

    def decode(self, token_ids: Any, skip_special_tokens: bool = False, **kwargs: Any) -> str | list[str]:
        """transformers' ``decode``: the text of a sequence of ids, or the texts of a batch of
        them. Lists of ints go straight to :meth:`_decode` (transformers first converts them,
        testing the type of every id in Python); anything else (numpy, tensors) goes through
        transformers.

            >>> import hf_bpe
            >>> tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"))
            >>> tok.decode([15339, 1917]), tok.decode([[15339], [1917]])
            ('hello world', ['hello', ' world'])
        """
        if type(token_ids) is list and token_ids and all(type(seq) is list for seq in token_ids):
            return self._decode_lists(token_ids, skip_special_tokens, kwargs)
        if type(token_ids) is list and (not token_ids or type(token_ids[0]) is int):
            return self._decode(token_ids, skip_special_tokens=skip_special_tokens, **kwargs)
        return super().decode(token_ids, skip_special_tokens=skip_special_tokens, **kwargs)

    def batch_decode(
        self, sequences: Any, skip_special_tokens: bool = False, clean_up_tokenization_spaces: bool | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """transformers' ``batch_decode``; a list of lists of ints goes straight to
        :meth:`_decode`, sequence by sequence (see :meth:`decode`: transformers' conversion
        took three quarters of the time).

            >>> import hf_bpe
            >>> HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2")).batch_decode([[31373], [995]])
            ['hello', ' world']
        """
        kwargs["clean_up_tokenization_spaces"] = clean_up_tokenization_spaces
        if type(sequences) is list and all(type(seq) is list for seq in sequences):
            return self._decode_lists(sequences, skip_special_tokens, kwargs)
        return super().batch_decode(sequences, skip_special_tokens=skip_special_tokens, **kwargs)

    def _decode_lists(self, sequences: list[Any], skip_special_tokens: bool, kwargs: dict[str, Any]) -> list[str]:
        return [self._decode(seq, skip_special_tokens=skip_special_tokens, **kwargs) for seq in sequences]

    def _decode_text(self, ids: list[int]) -> str:
        as_text = self._added.decoded_as_text
        if not as_text:
            return self._encoding.decode_bytes(ids).decode("utf-8", errors="replace")
        table = self._added_tokens_decoder
        form = self._encoding.normalization
        chunks: list[bytes] = []
        run: list[int] = []
        for i in ids:
            if i in as_text:
                chunks.append(self._encoding.decode_bytes(run))
                run = []
                token = table[i]
                # (a token found in the normalized text decodes normalized, as the rest of the
                # text does, and as in the fast tokenizers: "cafe\u0301" as "caf\u00e9")
                chunks.append((normalize(token.content, form) if form and token.normalized else token.content).encode())
            else:
                run.append(i)
        chunks.append(self._encoding.decode_bytes(run))
        return b"".join(chunks).decode("utf-8", errors="replace")

    def _decode(
        self,
        token_ids: int | list[int],
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        **kwargs: Any,
    ) -> str:
        if isinstance(token_ids, Mapping):  # a BatchEncoding (apply_chat_template's), as the fast tokenizer takes
            token_ids = cast(Any, token_ids)["input_ids"]
        skip_special_tokens = _bool_argument("skip_special_tokens", skip_special_tokens)
        # operator.index: ints and numpy ints, not floats; _id_list refuses a set (no order)
        if isinstance(token_ids, int):
            ids = [token_ids]
        else:
            ids = [operator.index(i) for i in token_ids] if type(token_ids) is list else _id_list(token_ids)
        if skip_special_tokens:  # as fast tokenizers do: every added token marked special
            # (not a vocabulary token that only has a role: with pad_token_id = 0, gpt2's "!",
            # every "!" of the text would go)
            decoder = self._added_tokens_decoder  # looked up per id: no set of every added token per call
            ids = [i for i in ids if i not in decoder or not decoder[i].special]
        try:
            text = self._decode_text(ids)
        except UnknownTokenError as err:
            if isinstance(err.token, int) and 0 <= err.token < 1 << 32:
                err.add_note(
                    "(a model can sample an id that is no token: a gap below len(tok), or a row of an "
                    "embedding table padded beyond it; keep generation to the tokens with "
                    "generate(..., suppress_tokens=...), as hf_bpe's transformers guide shows)"
                )
            raise
        clean = self.clean_up_tokenization_spaces if clean_up_tokenization_spaces is None else clean_up_tokenization_spaces
        if clean and not self.clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output:
            # As transformers' fast tokenizers do for BPE: the clean-up was made for WordPiece
            # and deletes real spaces before punctuation ("don 't ." -> "don't.").
            logger.warning_once(
                "Ignoring clean_up_tokenization_spaces=True for a BPE tokenizer (it would delete "
                "spaces the text has); set clean_up_tokenization_spaces_for_bpe_even_though_it_"
                "will_corrupt_output=True to force it"
            )
            clean = False
        return self.clean_up_tokenization(text) if clean else text

    # ---------------------------------------------------------------- datasets

    def batch_encode(
        self,
        batch: Any,
        *,
        text_column: str = "text",
        add_bos: bool | None = None,
        add_eos: bool | None = None,
        allowed_special: Iterable[str] | str = (),
        return_attention_mask: bool = False,
    ) -> Any:
        """Encode a datasets batch: ``{"input_ids": [[...], ...]}`` for ``text_column``.

        Use it as ``ds.map(tok.batch_encode, batched=True, num_proc=N)`` (options through
        ``fn_kwargs``). The batch may also be one row (ids of its text), a list of texts, a
        ``pyarrow.Table``, a ``pandas.DataFrame`` or a ``polars.DataFrame`` (the arrow, pandas
        and polars formats of datasets, Ray Data's batch formats: the result is then a table
        or frame of those columns, as a streaming dataset of that format needs, a
        ``pyarrow.Table`` for a polars batch too, its ids
        int32 as datasets stores ``input_ids`` from lists); a missing
        column is a :class:`~hf_bpe.ColumnError`, a value that is not a ``str`` (a null) a
        ``TypeError`` naming its row.  Special-token text in documents is ordinary text unless listed in
        ``allowed_special`` ("all" for every special token); tokens added with
        ``add_tokens`` (not special) are found in the text as by ``tok(text)``.
        ``add_bos``/``add_eos`` put the tokenizer's bos/eos around each document; by default
        (None) as ``tok(text)`` does, after the tokenizer's ``add_bos_token``/``add_eos_token``.
        Runs in the calling process only.

        >>> import hf_bpe
        >>> enc = hf_bpe.Encoding("tiny", pat_str=r"\\s+|\\S+",
        ...     mergeable_ranks={bytes([i]): i for i in range(256)},
        ...     special_tokens={"<|endoftext|>": 256})
        >>> tok = HfBpeTokenizer.from_encoding(enc)
        >>> tok.batch_encode({"text": ["ab", "<|endoftext|>"]}, add_eos=True)["input_ids"]
        [[97, 98, 256], [60, 124, 101, 110, 100, 111, 102, 116, 101, 120, 116, 124, 62, 256]]
        """
        for name, flag in (("add_bos", add_bos), ("add_eos", add_eos), ("return_attention_mask", return_attention_mask)):
            if flag is not None and not isinstance(flag, bool):  # "False" would be true
                raise TypeError(f"{name} must be True, False or None, not {flag!r}")
        value = read_column(batch, text_column) if isinstance(batch, Mapping) and text_column in batch else batch
        single = isinstance(value, str)  # a text, or one row (datasets.map without batched=True)
        items = [value] if single else column_texts(batch, text_column)
        enc = self._encoding
        allowed = special_set(allowed_special, "allowed_special")
        if self._added.user_added or self._added.slow_added:
            ids = self._documents_with_added_tokens(items, allowed)
        elif allowed:
            ids = [enc.encode(t, allowed_special=allowed, disallowed_special=()) for t in items]
        else:
            ids = [enc.encode_ordinary(t) for t in items]
        head = tail = []
        if self.add_bos_token if add_bos is None else add_bos:
            head = [self._required_id("bos", None if add_bos is None else "add_bos=True")]
        if self.add_eos_token if add_eos is None else add_eos:
            tail = [self._required_id("eos", None if add_eos is None else "add_eos=True")]
        if head or tail:
            ids = [head + row + tail for row in ids]
        out: dict[str, Any] = {"input_ids": ids[0] if single else ids}
        if return_attention_mask:
            masks = [[1] * len(row) for row in ids]
            out["attention_mask"] = masks[0] if single else masks
        return batch_like(batch, out, wide_ids=self._largest_id() >= 1 << 31)

    def _largest_id(self) -> int:
        """The largest id this tokenizer can give (a vocabulary's, a special or added
        token's): ``len(self) - 1``, as kept at each change of the added tokens (not a pass
        over them each batch)."""
        return (self.total_vocab_size or len(self)) - 1

    def _documents_with_added_tokens(self, texts: Sequence[str], allowed: str | frozenset[str]) -> list[list[int]]:
        """batch_encode's ids once tokens were added: added tokens split out, special ones
        only if ``allowed``."""
        decoder = self._added_tokens_decoder
        # (the usual two without a pass over the added tokens: 10,000 of them cost 8 ms a call)
        if allowed == "all":
            kept = self._added_tokens_encoder
        elif not allowed:
            kept = self._added.plain_ids
        else:
            kept = {
                text: tid for text, tid in self._added_tokens_encoder.items() if not decoder[tid].special or text in allowed
            }
        if self._added.slow_added and any(strips(decoder[tid]) for tid in kept.values()):
            if allowed != "all":
                raise VocabularyError(
                    "batch_encode cannot keep special tokens ordinary text while honouring the "
                    "lstrip/rstrip/single_word of added tokens: pass allowed_special='all' "
                    "(ids as tok(text, add_special_tokens=False)) or use tok(texts)"
                )
            return [self._text_to_ids(t, False) if t else [] for t in texts]
        if not kept:
            return [self._encoding.encode_ordinary(t) for t in texts]
        return [ids_around(self, t, kept) for t in texts]

    # ---------------------------------------------------------------- saving

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple[str, ...]:
        """Write ``vocab.tiktoken`` + ``encoding.json`` (hf_bpe's folder) and ``tokenizer.json``
        (left out, with a :class:`~hf_bpe.TokenizerJsonWarning`, and an earlier one
        removed, when the encoding cannot be written as one); ``save_pretrained`` calls it.

            tok.save_vocabulary("my-tokenizer")   # the vocabulary files only, no settings
        """
        return hf_saving.save_vocabulary(self, save_directory, filename_prefix)

    def to_tokenizer_json(self) -> dict[str, Any]:
        """This tokenizer as ``tokenizer.json`` content (added tokens and bos/eos included);
        ``PatternError``/``VocabularyError`` when it cannot be one.

            >>> import hf_bpe
            >>> data = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2")).to_tokenizer_json()
            >>> data["model"]["type"], len(data["model"]["merges"])
            ('BPE', 50000)
        """
        data = hf_saving.tokenizer_json(self, warn=False)
        assert data is not None
        return data

    def save_pretrained(
        self, save_directory: str | os.PathLike[str], *args: Any, push_to_hub: bool = False, **kwargs: Any
    ) -> tuple[str, ...]:
        """Write the folder: ``tokenizer_config.json``, hf_bpe's ``vocab.tiktoken`` +
        ``encoding.json``, and ``tokenizer.json`` for stock transformers (left out, with a
        :class:`~hf_bpe.TokenizerJsonWarning`, when the encoding cannot be written as one).

        Settings changed after loading (``add_eos_token``, added tokens, ``chat_template``,
        ...) are saved. ``legacy_format`` changes nothing: both formats are always
        written. The files are written all or none: a failure (a full disk) leaves the
        folder as it was. ``push_to_hub=True`` (with ``repo_id``, ``token``,
        ``commit_message``) uploads the finished folder.

            tok.save_pretrained("my-tokenizer")                  # then AutoTokenizer.from_pretrained("my-tokenizer")
        """
        return hf_saving.save_pretrained(self, save_directory, args, push_to_hub, kwargs)

    def _upload_modified_files(self, *args: Any, **kwargs: Any) -> Any:
        """transformers' ``push_to_hub`` calls this: :func:`hf_bpe.hf_saving.upload_changed_files`
        (its arguments)."""
        return hf_saving.upload_changed_files(*args, **kwargs)


def _bool_argument(name: str, value: Any) -> bool:
    """A call's flag as the fast tokenizers take it: True or False (numpy's too), not any
    value by its truth (``add_special_tokens="False"`` added them)."""
    if isinstance(value, bool):
        return value
    if getattr(value, "dtype", None) is not None and value.dtype.kind == "b" and getattr(value, "shape", None) == ():
        return bool(value)
    raise TypeError(f"{name} must be True or False, not {value!r:.60}")


def _saved_flag(kwargs: dict[str, Any], key: str) -> bool:
    """A flag hf_bpe keeps in ``tokenizer_config.json`` (``hf_bpe_add_eos_token``), taken
    out of ``kwargs``: ``true`` or ``false`` (or absent: false). Anything else is a
    VocabFileError rather than read as truthy: ``"true"``, say, which transformers also
    takes as the text of a special token (the key ends in ``_token``: its ``from_pretrained``
    moves such a text into ``model_specific_special_tokens``)."""
    value = kwargs.pop(key, False)
    specific = kwargs.get("model_specific_special_tokens")
    if isinstance(specific, dict) and key in specific:
        value = specific[key]
    if not isinstance(value, bool):
        raise VocabFileError(f"tokenizer_config.json: {key} must be true or false, not {value!r:.60}")
    return value


def _check_sizes(kwargs: dict[str, Any]) -> None:
    """The call's sizes as ints of at least 0, in place; ``pad_to_multiple_of=0`` means no
    multiple (None), as the fast tokenizers read it. A padding side other than left or
    right is refused when padding is asked for, even where no row needs it (as there)."""
    for option in ("max_length", "stride", "pad_to_multiple_of"):
        value = kwargs.get(option)
        if value is None:
            continue
        try:
            kwargs[option] = value = operator.index(value)
        except TypeError:  # (2.0: the fast tokenizers' TypeError too)
            raise TypeError(f"{option} must be an int, not {_a_type(value)}") from None
        if value < 0:  # (the fast tokenizers: OverflowError)
            raise ValueError(f"{option} must be at least 0, not {value}")
    if kwargs.get("pad_to_multiple_of") == 0:
        kwargs["pad_to_multiple_of"] = None
    side = kwargs.get("padding_side")
    if side not in (None, "left", "right") and kwargs.get("padding_strategy", PaddingStrategy.DO_NOT_PAD) != PaddingStrategy.DO_NOT_PAD:
        raise ValueError(f"padding_side must be 'left' or 'right', not {side!r}")


def _check_words(text: Any, text_pair: Any) -> None:
    """With ``is_split_into_words=True`` a text is a list (or tuple) of words, and a batch a
    list of such lists (and its pairs too): a ``str`` there (``tok("a b",
    is_split_into_words=True)``) is a TypeError, as from the fast tokenizers, not the text
    encoded as if not split."""
    batch = isinstance(text, (list, tuple)) and bool(text) and isinstance(text[0], (list, tuple))
    rows = [*(text if batch else [text]), *(text_pair if batch and isinstance(text_pair, (list, tuple)) else [text_pair])]
    if any(isinstance(row, str) for row in rows):
        raise TextTypeError(
            "with is_split_into_words=True a text is a list of words (a list or tuple of str), and a batch a list "
            "of them, not a str: split it (text.split()), or leave is_split_into_words out"
        )


def _check_batch_items(text: Any) -> None:
    """A batch's item that is no text, words or ids (a null, a number) is a TextTypeError
    naming it, as the fast tokenizers raise a TypeError (transformers: a ValueError)."""
    if isinstance(text, (list, tuple)) and text and not isinstance(text[0], int):  # (ints: one row of ids)
        for i, item in enumerate(text):
            if not isinstance(item, (str, list, tuple)):
                kind = "null" if item is None else _a_type(item)
                raise TextTypeError(f"item {i} of the batch is {kind}, not a str: {item!r:.60}")


#: The order of the keys of the fast tokenizer's encodings (others follow, as they came).
_FAST_KEY_ORDER = ("input_ids", "token_type_ids", "attention_mask", "special_tokens_mask", "offset_mapping", "length")


def _register() -> None:
    from transformers import AutoConfig

    try:
        AutoConfig.register(HfBpeConfig.model_type, HfBpeConfig)
    except ValueError:  # already registered (module reloaded)
        pass
    AutoTokenizer.register(HfBpeConfig, tokenizer_class=HfBpeTokenizer, exist_ok=True)  # type: ignore[no-untyped-call]


_register()

