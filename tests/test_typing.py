"""The package type-checks with mypy in strict mode (pyproject.toml's [tool.mypy]).

mypyc checks the compiled modules while it builds them; this checks the interpreted ones
too (the transformers front, the CLI, the file formats), against the releases of
transformers and datasets the tests run with. It reads the source tree, so the uncompiled
run leaves it to the compiled one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the file's mypy runs: the second reuses what the first learned of
    transformers and datasets (about 20 s each from an empty cache, 1 s from this one)."""
    return tmp_path_factory.mktemp("mypy_cache")


@pytest.mark.skipif(os.environ.get("HF_BPE_EXPECT_COMPILED") == "0", reason="checked once, in the compiled run")
def test_the_package_type_checks_strictly(tmp_path: Path, mypy_cache: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(mypy_cache), str(ROOT / "hf_bpe")],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")


@pytest.mark.skipif(os.environ.get("HF_BPE_EXPECT_COMPILED") == "0", reason="checked once, in the compiled run")
def test_names_imported_on_first_use_have_their_types(tmp_path: Path, mypy_cache: Path) -> None:
    """hf_bpe.train_bpe, HfBpeTokenizer, ... come from the package's __getattr__ (their
    modules load on first use): type checkers saw Any, so user code using them went unchecked."""
    user = tmp_path / "user.py"
    user.write_text(
        "from hf_bpe import BpeTrainer, HfBpeTokenizer, train_bpe\n"
        "enc = train_bpe(['a'], 300)\n"
        "trainer: BpeTrainer = BpeTrainer(300)\n"
        "tok: HfBpeTokenizer = HfBpeTokenizer.from_encoding(enc)\n"
        "train_bpe(['a'], '300')\n"  # the one error a checker must find
        "from hf_bpe import *\n"
        "counts: PieceCounts = count_pieces(['a'])\n"  # names of __all__, imported on first use
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(mypy_cache), str(user)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert "user.py:5: error: Argument 2 to \"train_bpe\" has incompatible type \"str\"; expected \"int\"" in result.stdout, result.stdout
    assert "Found 1 error" in result.stdout, result.stdout


@pytest.mark.skipif(os.environ.get("HF_BPE_EXPECT_COMPILED") == "0", reason="checked once, in the compiled run")
def test_the_documented_uses_type_check(tmp_path: Path, mypy_cache: Path) -> None:
    """What docs/coming-from.md and getting-started.md show a user doing: an Encoding of a
    tiktoken encoding's ranks (its ``mergeable_ranks`` is a Mapping), a tiktoken Encoding
    saved as it is, special tokens given as a list or None. Each ran, but its annotations
    refused it, so a typed user got false errors."""
    user = tmp_path / "user.py"
    user.write_text(
        "import tiktoken\n"
        "import hf_bpe\n"
        "named = hf_bpe.get_encoding('cl100k_base')\n"
        "mine = hf_bpe.Encoding('mine', pat_str=named._pat_str, mergeable_ranks=named.mergeable_ranks,\n"
        "                       special_tokens={**named.special_tokens, '<|im_start|>': 100264})\n"
        "hf_bpe.save_encoding(tiktoken.get_encoding('cl100k_base'), 'out')\n"
        "hf_bpe.save_encoding(mine, 'out')\n"
        "ids: list[int] = mine.encode('x', allowed_special=['<|im_start|>'], disallowed_special=None)\n"
        "count: int = mine.count_tokens('x', allowed_special=('<|endoftext|>',))\n"
        "mine.encode('x', allowed_special=100264)\n"  # the one error a checker must find
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(mypy_cache), str(user)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert 'user.py:10: error: Argument "allowed_special" to "encode" of "Encoding" has incompatible type "Literal[100264]"' in result.stdout, result.stdout
    assert "Found 1 error" in result.stdout, result.stdout
