"""hf_bpe: byte-level BPE tokenizers, tiktoken-exact, from a mypyc-compiled core.

    >>> import hf_bpe
    >>> enc = hf_bpe.get_encoding("o200k_base")        # doctest: +SKIP
    >>> enc.decode(enc.encode("hello world"))          # doctest: +SKIP
    'hello world'

``hf_bpe.COMPILED`` tells whether the compiled core is in use (``False`` when the package
was installed with ``HF_BPE_COMPILE=0`` or without a C compiler).
"""

from __future__ import annotations

import logging
import os
import warnings
from importlib import import_module
from typing import TYPE_CHECKING, Any

from . import piece_merge as _piece_merge
from .encoding import Encoding, StreamDecoder
from .errors import (
    CliError,
    ColumnError,
    DisallowedSpecialTokenError,
    DownloadError,
    HashMismatchError,
    HfBpeError,
    MissingFileError,
    OfflineError,
    PatternError,
    PatternTypeError,
    PluginError,
    RemovedFilesWarning,
    SpecialTokenTextError,
    TextDecodeError,
    TextTypeError,
    TokenIdOverflowError,
    TokenizerJsonWarning,
    TrainingError,
    TrainingTypeError,
    TrainingWarning,
    UnknownEncodingError,
    UnknownModelError,
    UnknownTokenError,
    VocabFileError,
    VocabSizeError,
    VocabularyError,
    VocabularyOverflowError,
    VocabularyTypeError,
    WorkerError,
)
from .folder import load_encoding, save_encoding
from .registry import encoding_for_model, encoding_name_for_model, get_encoding, list_encoding_names
from .transformers_hook import register_with_transformers as _register_with_transformers
from .vocab_files import dump_tiktoken_bpe, load_data_gym, load_tiktoken_bpe

__version__ = "0.1.0"

# Library logging stays quiet unless the application configures the "hf_bpe" logger.
logging.getLogger(__name__).addHandler(logging.NullHandler())

# AutoTokenizer learns HfBpeTokenizer once transformers is imported (not before: it is slow).
_register_with_transformers()

#: True when the hot modules run as mypyc-compiled C extensions.
COMPILED: bool = not _piece_merge.__file__.endswith(".py")

# An install that could not compile the core left a note saying why (setup.py's
# FALLBACK_NOTE; pip shows the build's own warning only with -v): said once per process.
_fallback_note = os.path.join(os.path.dirname(__file__), "UNCOMPILED_FALLBACK")
if not COMPILED and os.path.exists(_fallback_note):
    with open(_fallback_note, encoding="utf-8", errors="replace") as _note:
        warnings.warn(
            f"hf_bpe runs uncompiled (encoding about 30x slower): when it was installed, {_note.read().strip()}. "
            "Install a C compiler and the Python headers and reinstall (pip install --no-cache-dir "
            "--force-reinstall), or install it with HF_BPE_COMPILE=0 to choose the uncompiled package "
            "without this warning.",
            RuntimeWarning,
            stacklevel=2,
        )

if TYPE_CHECKING:  # what the names imported on first use are, for type checkers
    from .hf_tokenizer import HfBpeTokenizer as HfBpeTokenizer
    from .parallel import shutdown_pools as shutdown_pools
    from .tokenizer_json import load_tokenizer_json as load_tokenizer_json
    from .tokenizer_json import save_tokenizer_json as save_tokenizer_json
    from .trainer import BpeTrainer as BpeTrainer
    from .trainer import PieceCounts as PieceCounts
    from .trainer import count_pieces as count_pieces
    from .trainer import train_bpe as train_bpe

# Names whose modules pull in optional, heavier packages: imported on first use.
_LAZY = {
    "BpeTrainer": "trainer",
    "PieceCounts": "trainer",
    "count_pieces": "trainer",
    "train_bpe": "trainer",
    "HfBpeTokenizer": "hf_tokenizer",
    "save_tokenizer_json": "tokenizer_json",
    "load_tokenizer_json": "tokenizer_json",
    "shutdown_pools": "parallel",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hf_bpe' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    """What ``__all__`` lists, and the module's own dunder names: tab completion then offers
    the API, not the modules and names imported here. Not HfBpeTokenizer (import it by
    name): ``help(hf_bpe)`` reads every name listed, which would import transformers, or
    fail where it is not installed."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})


__all__ = [
    "COMPILED",
    "CliError",
    "ColumnError",
    "DisallowedSpecialTokenError",
    "DownloadError",
    "Encoding",
    "HashMismatchError",
    "HfBpeError",
    "MissingFileError",
    "OfflineError",
    "PatternError",
    "PatternTypeError",
    "PluginError",
    "RemovedFilesWarning",
    "SpecialTokenTextError",
    "StreamDecoder",
    "TextDecodeError",
    "TextTypeError",
    "TokenIdOverflowError",
    "TokenizerJsonWarning",
    "TrainingError",
    "TrainingTypeError",
    "TrainingWarning",
    "UnknownEncodingError",
    "UnknownModelError",
    "UnknownTokenError",
    "VocabFileError",
    "VocabSizeError",
    "VocabularyError",
    "VocabularyOverflowError",
    "VocabularyTypeError",
    "WorkerError",
    "__version__",
    "dump_tiktoken_bpe",
    "encoding_for_model",
    "encoding_name_for_model",
    "get_encoding",
    "list_encoding_names",
    "load_data_gym",
    "load_encoding",
    "load_tiktoken_bpe",
    "save_encoding",
    # Imported on first use (_LAZY), but not HfBpeTokenizer: `from hf_bpe import *` (and
    # help(hf_bpe)) would import transformers (a second, or an ImportError where it is not
    # installed); import it by name.
    "BpeTrainer",
    "PieceCounts",
    "count_pieces",
    "train_bpe",
    "save_tokenizer_json",
    "load_tokenizer_json",
    "shutdown_pools",
]
