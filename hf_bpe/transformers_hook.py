"""Let ``AutoTokenizer`` find :class:`~hf_bpe.HfBpeTokenizer` after ``import hf_bpe``.

Registering the class needs transformers, which takes longer to import than all of
hf_bpe. So ``import hf_bpe`` registers at once only when transformers is already
imported; otherwise it leaves a one-shot import hook that registers right after
transformers is first imported. Programs that never use transformers pay nothing.
"""

from __future__ import annotations

import importlib.abc
import logging
import sys
from importlib import import_module
from typing import Any


def register_with_transformers() -> None:
    """Register now if transformers is loaded, else as soon as it is."""
    if "transformers" in sys.modules:
        _import_hf_front()
    elif not any(isinstance(finder, _TransformersWatcher) for finder in sys.meta_path):
        sys.meta_path.insert(0, _TransformersWatcher())


def _import_hf_front() -> None:
    try:
        import_module("hf_bpe.hf_tokenizer")  # registers with AutoTokenizer on import
    except ImportError as err:  # a transformers outside 5.24-5.x: hf_bpe.HfBpeTokenizer raises the reason
        logging.getLogger("hf_bpe").debug("HfBpeTokenizer not registered with AutoTokenizer: %s", err)


class _TransformersWatcher(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the real loader of the top-level ``transformers``.

    It stays until transformers is imported: a mere look-up of its spec
    (``importlib.util.find_spec("transformers")``, as libraries ask whether it is
    installed) loads nothing, and the import that comes later must still register.
    """

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "transformers":
            return None
        for finder in list(sys.meta_path):  # the others, in the order import asks them
            find = getattr(finder, "find_spec", None)
            spec = None if finder is self or find is None else find(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _ThenRegister(spec.loader)
                return spec
        return None


class _ThenRegister(importlib.abc.Loader):
    """Runs transformers' own loader, puts it back on the module, then registers."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, _TransformersWatcher)]
        module.__spec__.loader = self._loader
        module.__loader__ = self._loader
        self._loader.exec_module(module)
        _import_hf_front()
