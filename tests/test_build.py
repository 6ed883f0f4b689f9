"""The installed package: compiled or not, as the test run expects."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import hf_bpe


def test_compiled_flag_matches_the_install() -> None:
    expected = os.environ.get("HF_BPE_EXPECT_COMPILED")
    if expected is None:
        pytest.skip("HF_BPE_EXPECT_COMPILED not set: the runner did not say which build it installed")
    assert hf_bpe.COMPILED is (expected == "1")
    suffix = ".py" if expected == "0" else (".so", ".pyd")
    for module in (hf_bpe.pieces, hf_bpe.merge, hf_bpe.decode):
        assert module.__file__ is not None and module.__file__.endswith(suffix)


def test_version_and_typing_marker() -> None:
    assert hf_bpe.__version__.count(".") == 2
    assert os.path.exists(os.path.join(os.path.dirname(hf_bpe.__file__), "py.typed"))


def test_core_import_does_not_pull_transformers_or_datasets() -> None:
    code = (
        "import sys, hf_bpe; enc = hf_bpe.Encoding('b', pat_str='.', "
        "mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={}); "
        "enc.encode('x'); "
        "print(sorted(m for m in ('transformers', 'datasets', 'tokenizers', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
