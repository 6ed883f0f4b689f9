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


@pytest.mark.skipif(os.environ.get("HF_BPE_EXPECT_COMPILED") == "0", reason="checked once, in the compiled run")
def test_the_package_type_checks_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(tmp_path / "cache"), str(ROOT / "hf_bpe")],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")


@pytest.mark.skipif(os.environ.get("HF_BPE_EXPECT_COMPILED") == "0", reason="checked once, in the compiled run")
def test_names_imported_on_first_use_have_their_types(tmp_path: Path) -> None:
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
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), str(user)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert "user.py:5: error: Argument 2 to \"train_bpe\" has incompatible type \"str\"; expected \"int\"" in result.stdout, result.stdout
    assert "Found 1 error" in result.stdout, result.stdout
