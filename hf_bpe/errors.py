"""The exceptions and warnings hf_bpe raises.

Every error about the data hf_bpe reads (vocabularies, files, patterns, ids, texts,
training corpora, downloads) derives from :class:`HfBpeError`, and each is *also* the
built-in type a tiktoken user already catches, so existing ``except ValueError`` /
``except KeyError`` code keeps working. An argument of the wrong type or value
(``num_proc=0``, a set of ids, ``errors=1``) raises the plain ``TypeError`` or
``ValueError`` Python's own functions raise, and an ``OSError`` from reading a file (no
permission, a folder where a file belongs) comes as it is, as in tiktoken; a file that
does not exist is a :class:`MissingFileError`::

    >>> import hf_bpe
    >>> enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+",
    ...     mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    >>> try:
    ...     enc.decode_bytes([10**6])
    ... except KeyError as err:   # also hf_bpe.UnknownTokenError
    ...     print(type(err).__name__, err.token)
    UnknownTokenError 1000000
"""

from __future__ import annotations

import errno
import sys
from typing import Any

#: The exceptions and warnings (the helpers below them are hf_bpe's own).
__all__ = [
    "HfBpeError",
    "VocabularyError",
    "VocabularyTypeError",
    "VocabularyOverflowError",
    "VocabSizeError",
    "SpecialTokenTextError",
    "VocabFileError",
    "MissingFileError",
    "PatternError",
    "PatternTypeError",
    "DisallowedSpecialTokenError",
    "UnknownTokenError",
    "TokenIdOverflowError",
    "ColumnError",
    "TextTypeError",
    "TextDecodeError",
    "UnknownModelError",
    "UnknownEncodingError",
    "PluginError",
    "HashMismatchError",
    "DownloadError",
    "OfflineError",
    "TrainingError",
    "TrainingTypeError",
    "CliError",
    "WorkerError",
    "TrainingWarning",
    "RemovedFilesWarning",
    "TokenizerJsonWarning",
]


class HfBpeError(Exception):
    """Base class of hf_bpe's errors about the data it reads (see the module's docstring
    for what else it raises)."""


class VocabularyError(HfBpeError, ValueError):
    """Ranks or special tokens that cannot form a byte-level BPE vocabulary.

    Duplicate ranks, missing single bytes, a special token on the id of a rank, an empty
    special token, ids of 2**31 or more (two special tokens may share an id: the first
    given decodes it)::

        >>> import hf_bpe
        >>> hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+", special_tokens={"<s>": 5},
        ...     mergeable_ranks={bytes([i]): i for i in range(256)})
        Traceback (most recent call last):
        ...
        hf_bpe.errors.VocabularyError: special token '<s>' has id 5, which is already a mergeable rank
    """


class VocabularyTypeError(VocabularyError, TypeError):
    """Ranks or special tokens of the wrong type (``mergeable_ranks={"a": 0}``, a special
    token's id given as a str, ``None`` for either): a :class:`VocabularyError` and also
    the ``TypeError`` tiktoken raises for such a value."""


class VocabularyOverflowError(VocabularyError, OverflowError):
    """A rank or special token id below 0, or of 2**31 or more (hf_bpe's ids are below
    2**31): a :class:`VocabularyError` and also the ``OverflowError`` tiktoken raises for
    an id below 0 or of 2**32 or more (it reads them as unsigned 32-bit integers)."""


class VocabSizeError(VocabularyError, AssertionError):
    """An ``explicit_n_vocab`` that the vocabulary does not have (tokens and largest id).
    tiktoken checks it with an ``assert``, so this is an ``AssertionError`` too."""


class SpecialTokenTextError(VocabularyError, UnicodeEncodeError):
    """A special (or added) token whose text has no UTF-8 bytes (a lone surrogate). tiktoken raises
    ``UnicodeEncodeError`` there, so this is one too: ``object`` is the text and
    ``start``/``end`` the surrogate's place; raised again with a message alone (naming the
    file the token came from), it keeps none."""

    def __init__(self, message: str, text: str = "", start: int = 0, end: int = 0) -> None:
        UnicodeEncodeError.__init__(self, "utf-8", text, start, end, message)

    @classmethod
    def check(cls, token: str, kind: str = "special token") -> None:
        """Raise one if ``token`` has a lone surrogate (``kind`` names it in the message)::

            >>> SpecialTokenTextError.check("<|a\\ud800|>")
            Traceback (most recent call last):
            ...
            hf_bpe.errors.SpecialTokenTextError: special token '<|a\\ud800|>' has a lone surrogate: it has no UTF-8 bytes
        """
        try:
            token.encode("utf-8")
        except UnicodeEncodeError as err:
            raise cls(f"{kind} {token!r} has a lone surrogate: it has no UTF-8 bytes", token, err.start, err.end) from None

    def __reduce__(self) -> tuple[Any, tuple[str, str, int, int], dict[str, Any]]:
        return (type(self), (self.reason, self.object, self.start, self.end), self.__dict__)  # (notes too)

    def __str__(self) -> str:
        return self.reason


class VocabFileError(VocabularyError):
    """A vocabulary file that cannot be parsed; the message names the file and line."""


class MissingFileError(VocabFileError, FileNotFoundError):
    """A vocabulary file, tokenizer file or saved folder that does not exist. Also a
    ``FileNotFoundError`` (what tiktoken's ``load_tiktoken_bpe`` and ``open`` raise there), so
    ``except OSError`` catches it from every loader, as ``except hf_bpe.HfBpeError`` does; its
    ``errno`` is ``ENOENT``, as theirs is."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.errno = errno.ENOENT  # (set after: OSError's str would show it with the message)


class PatternError(HfBpeError, ValueError):
    """A split pattern that the ``regex`` package rejects, or that cannot be used here::

        >>> import hf_bpe
        >>> hf_bpe.count_pieces(["a"], pattern="(")
        Traceback (most recent call last):
        ...
        hf_bpe.errors.PatternError: invalid split pattern '(': missing ) at position 1
    """


class PatternTypeError(PatternError, TypeError):
    """A split pattern that is not a ``str`` (tiktoken raises a ``TypeError``)::

        >>> import hf_bpe
        >>> hf_bpe.Encoding("x", pat_str=None, mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
        Traceback (most recent call last):
        ...
        hf_bpe.errors.PatternTypeError: pat_str is a split pattern, a str, not None
    """


class DisallowedSpecialTokenError(HfBpeError, ValueError):
    """Text passed to ``encode`` contains a special token that was not allowed; ``token``
    is that token's text (the first found)::

        >>> import hf_bpe
        >>> enc = hf_bpe.Encoding("bytes", pat_str=r"\\S+|\\s+", special_tokens={"<|end|>": 256},
        ...     mergeable_ranks={bytes([i]): i for i in range(256)})
        >>> try:
        ...     enc.encode("a <|end|>")
        ... except hf_bpe.DisallowedSpecialTokenError as err:
        ...     print(err.token)
        <|end|>
    """

    def __init__(self, *args: object, token: str | None = None) -> None:
        super().__init__(*args)
        self.token = token


class UnknownTokenError(HfBpeError, KeyError):
    """An id or token that is not in the vocabulary; ``token`` is that id or token (None
    where there is none to name)::

        >>> import hf_bpe
        >>> hf_bpe.get_encoding("cl100k_base").encode_single_token("hello world")
        Traceback (most recent call last):
        ...
        hf_bpe.errors.UnknownTokenError: 'hello world' is not a single token of 'cl100k_base'
    """

    def __init__(self, *args: object, token: int | str | bytes | None = None) -> None:
        super().__init__(*args)
        self.token = token

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class TokenIdOverflowError(UnknownTokenError, OverflowError):
    """An id below 0 or of 2**32 or more: no vocabulary holds one. tiktoken reads ids as
    unsigned 32-bit integers and raises ``OverflowError`` for these, so this is one too."""


def short_repr(value: object) -> str:
    """``repr(value)``, cut to 60 characters: what a message shows of a value given by
    mistake, a whole document say.

        >>> short_repr("x" * 100)
        "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."
    """
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def unknown_id_error(token: int, message: str = "invalid token id {}: not in the vocabulary") -> UnknownTokenError:
    """The error for an id no token has: a :class:`TokenIdOverflowError` for one below 0 or
    of 2**32 or more, else an :class:`UnknownTokenError`; ``message`` shows the id (an
    enormous one by its size: ``str`` of an int of over 4,300 digits raises)::

        >>> unknown_id_error(10**5000)
        TokenIdOverflowError('invalid token id <an int of 16610 bits>: not in the vocabulary')
    """
    shown = repr(token) if abs(token).bit_length() <= 1000 else f"{'-' if token < 0 else ''}<an int of {abs(token).bit_length()} bits>"
    kind = TokenIdOverflowError if token < 0 or token >= 1 << 32 else UnknownTokenError
    return kind(message.format(shown), token=token)


class ColumnError(HfBpeError, KeyError):
    """A batch or dataset without the column of texts asked for."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class TextTypeError(HfBpeError, TypeError):
    """A value where a text (``str``) belongs that is none: a null in a dataset's column of
    texts, a number, ``bytes``, or a single ``str`` as a batch's column of texts
    (``Encoding.encode_batch("abc")`` takes each character as a text, as tiktoken does);
    an id among ``allowed_special``'s texts; a model name that is ``None``."""


class TextDecodeError(HfBpeError, UnicodeDecodeError):
    """A text of a dataset's column that is not UTF-8 (an arrow string column can hold such
    bytes, from a parquet file say); the message names its row."""


class UnknownModelError(HfBpeError, KeyError):
    """A model name that no encoding is known for (tiktoken raises KeyError here)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownEncodingError(HfBpeError, ValueError):
    """A name that is not a known encoding (tiktoken raises ValueError here too)."""


class PluginError(HfBpeError, ValueError):
    """A tiktoken plugin (a ``tiktoken_ext`` module) without an ``ENCODING_CONSTRUCTORS``
    dict, or one that defines an encoding name already taken (tiktoken raises ValueError
    here too)."""


class HashMismatchError(HfBpeError, ValueError):
    """A downloaded or cached file whose sha256 is not the expected one."""


class DownloadError(HfBpeError, OSError):
    """A file could not be fetched (network error, truncated transfer, HTTP error)."""


class OfflineError(DownloadError):
    """A file is missing from the cache and downloads are switched off."""


class TrainingError(HfBpeError, ValueError):
    """Training cannot start or cannot finish as asked (empty corpus, bad vocab size, ...)::

        >>> import hf_bpe
        >>> hf_bpe.train_bpe([], 300, num_proc=1)
        Traceback (most recent call last):
        ...
        hf_bpe.errors.TrainingError: nothing to train on: no text was counted (empty corpus, or only empty texts)
    """


class TrainingTypeError(TrainingError, TypeError):
    """A training argument or text of the wrong type (``vocab_size="300"``, a number among
    the texts): a :class:`TrainingError` and also the ``TypeError`` Python raises for such
    a value."""


class CliError(HfBpeError, ValueError):
    """A command-line input that cannot be used (printed as one line, exit status 1)."""


class WorkerError(HfBpeError, RuntimeError):
    """A worker process of a batch died, could not start, or raised an error that cannot
    be pickled; the workers are then stopped, and the next batch starts new ones."""


class TrainingWarning(UserWarning):
    """Training finished, but not quite as asked (e.g. fewer merges than requested)."""


class RemovedFilesWarning(UserWarning):
    """A save removed files of an earlier tokenizer from the folder it saved into (a chat
    template, added tokens, another kind of tokenizer's ``vocab.json``/``tokenizer.model``):
    transformers would have loaded them with the tokenizer saved now (or, under a
    ``filename_prefix``, they belonged to the tokenizer saved earlier with that prefix)."""


class TokenizerJsonWarning(UserWarning):
    """``tokenizer.json`` cannot say everything: a folder saved without it (stock
    transformers cannot load that folder), or a part of a Hugging Face tokenizer that was
    not kept on reading (a ``TemplateProcessing`` post-processor; added tokens that
    ``load_encoding`` leaves to ``HfBpeTokenizer``)."""


def _outside_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning raised by the caller of this function point
    at the first frame outside hf_bpe and transformers: the user's line, however deep
    the calls in between go (``save_pretrained`` through ``save_vocabulary``, say)::

        warnings.warn("...", TokenizerJsonWarning, stacklevel=_outside_stacklevel())
    """
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(("hf_bpe.", "transformers.")):
        frame, level = frame.f_back, level + 1
    return level


def _a_type(value: object) -> str:
    """The type of a value as a message names it, article included::

        _a_type(3) == "an int";  _a_type([]) == "a list";  _a_type(None) == "None"
    """
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"
