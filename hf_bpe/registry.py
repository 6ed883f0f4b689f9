"""Named encodings: OpenAI's vocabularies by name, and the model-name tables.

    >>> import hf_bpe
    >>> hf_bpe.list_encoding_names()
    ['gpt2', 'r50k_base', 'p50k_base', 'p50k_edit', 'cl100k_base', 'o200k_base', 'o200k_harmony']
    >>> hf_bpe.registry.encoding_name_for_model("gpt-4o-mini")
    'o200k_base'
    >>> hf_bpe.registry.encoding_name_for_model("gpt-3.5-turbo-0613")
    'cl100k_base'
    >>> try:
    ...     hf_bpe.get_encoding("cl100k")
    ... except ValueError as err:        # hf_bpe.UnknownEncodingError
    ...     print(err)                    # doctest: +ELLIPSIS
    Unknown encoding 'cl100k'. Did you mean 'cl100k_base'? Known encodings: gpt2, ...

``get_encoding(name)`` builds each encoding once per process (thread-safe) from the files
that :mod:`hf_bpe.download` finds or downloads, with tiktoken's exact split patterns,
special tokens and ids. Such an encoding pickles by name: unpickling calls
``get_encoding(name)`` again. The cache directory, offline switch and download mirror are
set with the environment variables documented in :mod:`hf_bpe.download`.

Encodings that tiktoken plugins define (modules of the ``tiktoken_ext`` namespace package
with an ``ENCODING_CONSTRUCTORS`` dict, as tiktoken's README describes) are named
encodings too: ``get_encoding`` builds them from the plugin's arguments and
``list_encoding_names`` lists them after OpenAI's. tiktoken's own plugin,
``tiktoken_ext.openai_public``, is not read: its encodings are the ones above.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Optional

from .download import VOCAB_FILES, cache_dir, fetch
from .encoding import Encoding
from .errors import DownloadError, HfBpeError, PluginError, TextTypeError, UnknownEncodingError, UnknownModelError, _a_type, short_repr
from .patterns import CL100K_PATTERN, O200K_PATTERN, R50K_PATTERN
from .vocab_files import load_data_gym, load_kept, load_tiktoken_bpe


logger = logging.getLogger("hf_bpe")

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"


@dataclass(frozen=True)
class EncodingSpec:
    """Everything that defines a named encoding except the ranks themselves."""

    name: str
    pat_str: str
    files: tuple[str, ...]
    special_tokens: Mapping[str, int]
    explicit_n_vocab: int | None = None


def _o200k_harmony_specials() -> dict[str, int]:
    named = {
        "<|startoftext|>": 199998,
        ENDOFTEXT: 199999,
        "<|return|>": 200002,
        "<|constrain|>": 200003,
        "<|channel|>": 200005,
        "<|start|>": 200006,
        "<|end|>": 200007,
        "<|message|>": 200008,
        "<|call|>": 200012,
    }
    used = set(named.values())
    reserved = {f"<|reserved_{i}|>": i for i in range(200000, 201088) if i not in used}
    # As in tiktoken, o200k_base's <|endofprompt|> stays too, so id 200018 has two names:
    # <|endofprompt|> and <|reserved_200018|>. Both encode to 200018; tiktoken decodes
    # 200018 as <|endofprompt|>, and so does hf_bpe, where the first name listed wins.
    return {ENDOFPROMPT: 200018, **named, **reserved}


_SPECS: tuple[EncodingSpec, ...] = (
    EncodingSpec("gpt2", R50K_PATTERN, ("encoder.json", "vocab.bpe"), {ENDOFTEXT: 50256}, 50257),
    EncodingSpec("r50k_base", R50K_PATTERN, ("r50k_base.tiktoken",), {ENDOFTEXT: 50256}, 50257),
    EncodingSpec("p50k_base", R50K_PATTERN, ("p50k_base.tiktoken",), {ENDOFTEXT: 50256}, 50281),
    EncodingSpec(
        "p50k_edit",
        R50K_PATTERN,
        ("p50k_base.tiktoken",),
        {ENDOFTEXT: 50256, FIM_PREFIX: 50281, FIM_MIDDLE: 50282, FIM_SUFFIX: 50283},
    ),
    EncodingSpec(
        "cl100k_base",
        CL100K_PATTERN,
        ("cl100k_base.tiktoken",),
        {
            ENDOFTEXT: 100257,
            FIM_PREFIX: 100258,
            FIM_MIDDLE: 100259,
            FIM_SUFFIX: 100260,
            ENDOFPROMPT: 100276,
        },
    ),
    EncodingSpec(
        "o200k_base",
        O200K_PATTERN,
        ("o200k_base.tiktoken",),
        {ENDOFTEXT: 199999, ENDOFPROMPT: 200018},
    ),
    EncodingSpec(
        "o200k_harmony", O200K_PATTERN, ("o200k_base.tiktoken",), _o200k_harmony_specials()
    ),
)

#: The named encodings' definitions, by name, in tiktoken's order.
ENCODING_SPECS: Mapping[str, EncodingSpec] = MappingProxyType({s.name: s for s in _SPECS})

# Model tables: the same entries as tiktoken 0.14's tiktoken/model.py. Exact names are
# looked up first, then the prefixes are tried in order; the order matters where one
# prefix extends another ("ft:gpt-4o" must be tried before "ft:gpt-4").

#: Model-name prefixes and their encodings, tried in this order.
MODEL_PREFIX_TO_ENCODING: Mapping[str, str] = MappingProxyType(
    {
        "o1-": "o200k_base",
        "o3-": "o200k_base",
        "o4-mini-": "o200k_base",
        "gpt-5": "o200k_base",
        "gpt-4.5-": "o200k_base",
        "gpt-4.1-": "o200k_base",
        "chatgpt-4o-": "o200k_base",
        "gpt-4o-": "o200k_base",
        "gpt-4-": "cl100k_base",
        "gpt-3.5-turbo-": "cl100k_base",
        "gpt-35-turbo-": "cl100k_base",
        "gpt-oss-": "o200k_harmony",
        "ft:gpt-4o": "o200k_base",
        "ft:gpt-4": "cl100k_base",
        "ft:gpt-3.5-turbo": "cl100k_base",
        "ft:davinci-002": "cl100k_base",
        "ft:babbage-002": "cl100k_base",
    }
)

_R50K_MODELS = (
    "text-davinci-001 text-curie-001 text-babbage-001 text-ada-001 davinci curie babbage ada "
    "text-similarity-davinci-001 text-similarity-curie-001 text-similarity-babbage-001 "
    "text-similarity-ada-001 text-search-davinci-doc-001 text-search-curie-doc-001 "
    "text-search-babbage-doc-001 text-search-ada-doc-001 code-search-babbage-code-001 "
    "code-search-ada-code-001"
)
_P50K_MODELS = (
    "text-davinci-003 text-davinci-002 code-davinci-002 code-davinci-001 code-cushman-002 "
    "code-cushman-001 davinci-codex cushman-codex"
)
_CL100K_MODELS = (
    "gpt-4 gpt-3.5-turbo gpt-3.5 gpt-35-turbo davinci-002 babbage-002 text-embedding-ada-002 "
    "text-embedding-3-small text-embedding-3-large"
)

#: Exact model names and their encodings.
MODEL_TO_ENCODING: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys("o1 o3 o4-mini gpt-5 gpt-4.1 gpt-4o".split(), "o200k_base"),
        **dict.fromkeys(_CL100K_MODELS.split(), "cl100k_base"),
        **dict.fromkeys(_P50K_MODELS.split(), "p50k_base"),
        **dict.fromkeys(_R50K_MODELS.split(), "r50k_base"),
        "text-davinci-edit-001": "p50k_edit",
        "code-davinci-edit-001": "p50k_edit",
        "gpt2": "gpt2",
        "gpt-2": "gpt2",
    }
)

_ENCODINGS: dict[str, Encoding] = {}
_BUILD_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


#: tiktoken's plugin for OpenAI's encodings (built in here, from verified files).
OPENAI_PLUGIN = "tiktoken_ext.openai_public"
_plugins: Optional[dict[str, Callable[[], dict[str, Any]]]] = None
_PLUGINS_LOCK = threading.RLock()  # re-entrant: a plugin asking for the names as it is imported gets an error, not a hang


def _new_locks_after_fork() -> None:
    """In a child made by ``os.fork()``: another thread of the parent may have held these
    locks at the fork (loading an encoding), and in the child nobody would release them."""
    global _LOCKS_LOCK, _PLUGINS_LOCK
    _LOCKS_LOCK = threading.Lock()
    _PLUGINS_LOCK = threading.RLock()
    _BUILD_LOCKS.clear()


if hasattr(os, "register_at_fork"):  # (not on Windows, which has no fork)
    os.register_at_fork(after_in_child=_new_locks_after_fork)


def plugin_constructors() -> Mapping[str, Callable[[], dict[str, Any]]]:
    """The encodings that installed tiktoken plugins define: name -> constructor (a
    function returning :class:`~hf_bpe.Encoding`'s keyword arguments). Found once per
    process, as tiktoken finds them: every module of the ``tiktoken_ext`` namespace
    package but tiktoken's own (:data:`OPENAI_PLUGIN`).

        >>> dict(plugin_constructors())   # none installed here
        {}

    Raises :class:`~hf_bpe.errors.PluginError` for a plugin that fails to import (the
    error it raised is the cause), one without ``ENCODING_CONSTRUCTORS`` or a name defined
    twice (a built-in name included). Either way the search is made again on the next call.
    """
    global _plugins
    with _PLUGINS_LOCK:
        if _plugins is None:
            _plugins = _find_plugins()
        return MappingProxyType(_plugins)


def _find_plugins() -> dict[str, Callable[[], dict[str, Any]]]:
    import importlib
    import pkgutil

    try:
        import tiktoken_ext
    except ImportError:
        return {}
    found: dict[str, Callable[[], dict[str, Any]]] = {}
    for module_info in pkgutil.iter_modules(tiktoken_ext.__path__, "tiktoken_ext."):
        module_name = module_info.name
        if module_name == OPENAI_PLUGIN:
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as err:  # the plugin's own bug: say whose, typed as the others are
            raise PluginError(f"tiktoken plugin {module_name} failed to import: {type(err).__name__}: {err}") from err
        constructors = getattr(module, "ENCODING_CONSTRUCTORS", None)
        if not isinstance(constructors, Mapping):
            raise PluginError(f"tiktoken plugin {module_name} does not define an ENCODING_CONSTRUCTORS dict")
        for name, constructor in constructors.items():
            if name in ENCODING_SPECS or name in found:
                raise PluginError(f"duplicate encoding name {name!r} in tiktoken plugin {module_name}")
            found[name] = constructor
    return found


def is_encoding_name(name: object) -> bool:
    """Whether :func:`get_encoding` knows ``name``. OpenAI's names are answered without
    looking for plugins (so a broken plugin cannot get in their way).

        >>> is_encoding_name("cl100k_base"), is_encoding_name("cl100k")
        (True, False)
    """
    return isinstance(name, str) and (name in ENCODING_SPECS or name in plugin_constructors())


def list_encoding_names() -> list[str]:
    """The names :func:`get_encoding` accepts: OpenAI's in tiktoken's order, then those of
    tiktoken plugins (see :func:`plugin_constructors`).

        >>> list_encoding_names()[:3]
        ['gpt2', 'r50k_base', 'p50k_base']
    """
    return [*ENCODING_SPECS, *plugin_constructors()]


def _unknown_encoding(name: object) -> UnknownEncodingError:
    names = list_encoding_names()
    known = ", ".join(names)
    if not isinstance(name, str):
        return UnknownEncodingError(
            f"expected an encoding name (str), got {type(name).__name__}; known encodings: {known}"
        )
    hint = ""
    if name in MODEL_TO_ENCODING:
        hint = f" {name!r} is a model name: use encoding_for_model({name!r})."
    else:
        close = difflib.get_close_matches(name, names, n=1)
        if close:
            hint = f" Did you mean {close[0]!r}?"
    return UnknownEncodingError(f"Unknown encoding {short_repr(name)}.{hint} Known encodings: {known}")


def get_encoding(encoding_name: str) -> Encoding:
    """The named encoding, built on first use and shared within the process.

    Raises :class:`~hf_bpe.errors.UnknownEncodingError` (a ``ValueError``, as in
    tiktoken) for an unknown name, and the errors of :func:`hf_bpe.download.fetch` when
    a vocabulary file cannot be found, verified or downloaded.

        >>> enc = get_encoding("cl100k_base")
        >>> enc.encode("hello world"), enc is get_encoding("cl100k_base")
        ([15339, 1917], True)
    """
    encoding = _ENCODINGS.get(encoding_name) if isinstance(encoding_name, str) else None
    if encoding is not None:
        return encoding
    if not is_encoding_name(encoding_name):
        raise _unknown_encoding(encoding_name)
    with _LOCKS_LOCK:
        lock = _BUILD_LOCKS.setdefault(encoding_name, threading.Lock())
    with lock:
        encoding = _ENCODINGS.get(encoding_name)
        if encoding is None:
            encoding = build_encoding(encoding_name)
            _ENCODINGS[encoding_name] = encoding
    return encoding


def build_encoding(encoding_name: str) -> Encoding:
    """A fresh, uncached instance of the named encoding (reads and verifies its files).

    :func:`get_encoding` is what you normally want; this one always returns a new object.
    """

    if not is_encoding_name(encoding_name):
        raise _unknown_encoding(encoding_name)
    spec = ENCODING_SPECS.get(encoding_name)
    if spec is None:  # a plugin's
        encoding = Encoding(**plugin_constructors()[encoding_name]())
        encoding._registry_name = encoding_name
        return encoding
    start = time.perf_counter()
    paths = [fetch(filename) for filename in spec.files]
    # fetch() has checked each file's sha256; the parsed ranks are kept for the next
    # process (most of the time of a load is parsing: 280 of 410 ms for o200k_base).
    hashes = [VOCAB_FILES[filename].sha256 for filename in spec.files]
    try:
        keep_in: Optional[Path] = cache_dir() / "parsed"
    except DownloadError:  # no home directory: the files came from tiktoken's cache
        keep_in = None
    if spec.files == ("encoder.json", "vocab.bpe"):
        key = hashlib.sha256(" ".join(hashes).encode()).hexdigest()  # names the pair
        ranks = load_kept(key, keep_in, lambda: load_data_gym(paths[0], paths[1], hashes[0], hashes[1]))  # checked again as parsed
    else:
        sha256 = hashes[0]  # checked again as it is parsed: the copy is named by it
        ranks = load_kept(sha256, keep_in, lambda: load_tiktoken_bpe(paths[0], expected_hash=sha256))
    encoding = Encoding(
        spec.name,
        pat_str=spec.pat_str,
        mergeable_ranks=ranks,
        special_tokens=dict(spec.special_tokens),
        explicit_n_vocab=spec.explicit_n_vocab,
    )
    encoding._registry_name = spec.name
    logger.info("built %s from %s in %.2fs", spec.name, ", ".join(map(str, paths)), time.perf_counter() - start)
    return encoding


def not_an_encoding(value: Any) -> TypeError:
    """The error for ``value`` given where an encoding (hf_bpe's or tiktoken's) belongs.

        >>> not_an_encoding("cl100k_base")
        TypeError("expected an hf_bpe or tiktoken Encoding, got str: for a named one, pass hf_bpe.get_encoding('cl100k_base')")
    """
    hint = ""
    if isinstance(value, (str, os.PathLike)) and os.path.isdir(value):
        hint = f": for a saved folder, pass hf_bpe.load_encoding({os.fspath(value)!r:.80})"
    elif isinstance(value, str):
        hint = f": for a named one, pass hf_bpe.get_encoding({value!r:.60})"
    return TypeError(f"expected an hf_bpe or tiktoken Encoding, got {type(value).__name__}{hint}")


def as_hf_bpe_encoding(encoding: Any) -> Encoding:
    """``encoding`` as an hf_bpe Encoding: a tiktoken ``Encoding`` is rebuilt from its
    ranks, pattern and special tokens (the same ids, and hf_bpe's speed and batches); a
    named one is the shared named encoding when the two are the same. Anything else is a
    ``TypeError``."""
    if isinstance(encoding, Encoding):
        return encoding
    try:
        name, ranks, pattern, specials = encoding.name, encoding._mergeable_ranks, encoding._pat_str, encoding._special_tokens
    except AttributeError:
        raise not_an_encoding(encoding) from None
    try:
        named = get_encoding(name) if is_encoding_name(name) else None  # shared, pickled by name
    except HfBpeError:  # its files cannot be had here, or a plugin is broken: rebuild it
        named = None
    if named is not None and (named.pat_str, named.special_tokens, named.mergeable_ranks) == (pattern, specials, ranks):
        return named
    return Encoding(str(name), pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)


def encoding_name_for_model(model_name: str) -> str:
    """The name of the encoding a model uses: exact model names first, then prefixes.

    Raises :class:`UnknownModelError` (a ``KeyError``, as in tiktoken) when no table
    entry matches, and :class:`TextTypeError` (a ``TypeError``) for a name that is no str.

        >>> encoding_name_for_model("gpt-4"), encoding_name_for_model("gpt-4o-2024-08-06")
        ('cl100k_base', 'o200k_base')
    """
    if not isinstance(model_name, str):
        # a TypeError (as tiktoken's), not a KeyError that a fallback for unknown models would swallow
        raise TextTypeError(f"expected a model name (str), got {_a_type(model_name)}")
    name = MODEL_TO_ENCODING.get(model_name)
    if name is not None:
        return name
    for prefix, name in MODEL_PREFIX_TO_ENCODING.items():
        if model_name.startswith(prefix):
            return name
    raise UnknownModelError(
        f"Could not map model {short_repr(model_name)} to an encoding; use hf_bpe.get_encoding(name) "
        f"with one of: {', '.join(ENCODING_SPECS)}"
    )


def encoding_for_model(model_name: str) -> Encoding:
    """The encoding a model uses (see :func:`encoding_name_for_model`), shared as
    :func:`get_encoding` shares it.

        >>> enc = encoding_for_model("gpt-4o")
        >>> enc.name, enc is get_encoding("o200k_base")
        ('o200k_base', True)
    """
    return get_encoding(encoding_name_for_model(model_name))
