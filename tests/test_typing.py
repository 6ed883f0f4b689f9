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
