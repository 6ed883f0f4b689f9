"""tiktoken's own test suite passes with hf_bpe in tiktoken's place.

tiktoken 0.14.0's tests (from its source release on PyPI, verified file by file: see
``examples/realdata.py``) run unchanged, in a subprocess where ``import tiktoken`` gives the
hf_bpe module itself, as ``import hf_bpe as tiktoken`` would in a user's code: the named
encodings, ``encode`` with ``allowed_special`` / ``disallowed_special``, batches, offsets,
pickling, ``encoding_for_model``, and tiktoken's hypothesis round trips.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import hf_bpe
import realdata

#: How many tests tiktoken 0.14.0's suite has (all must pass, none skipped).
SUITE_SIZE = 33

SHIM = "import sys\nimport hf_bpe\nsys.modules[__name__] = hf_bpe\n"
#: Put beside the suite's tests: fails the run unless ``tiktoken`` is this hf_bpe.
CONFTEST = """\
import os
import hf_bpe
import tiktoken
assert tiktoken is hf_bpe, tiktoken
assert os.path.realpath(hf_bpe.__file__) == os.environ["HF_BPE_UNDER_TEST"], hf_bpe.__file__
"""


def test_tiktoken_suite_passes_with_hf_bpe_as_tiktoken(tmp_path: Path) -> None:
    work = tmp_path / "run"
    shutil.copytree(realdata.tiktoken_test_suite() / "tests", work / "tests")
    (work / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "tiktoken.py").write_text(SHIM, encoding="utf-8")
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(p for p in (str(shim), env.get("PYTHONPATH", "")) if p),
        HF_BPE_UNDER_TEST=os.path.realpath(hf_bpe.__file__),
        TIKTOKEN_CACHE_DIR=str(realdata.tiktoken_cache_dir()),
        HF_BPE_OFFLINE="1",
        HF_BPE_CACHE_DIR=str(tmp_path / "hf_bpe_cache"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfEs", "tests"],
        capture_output=True, text=True, cwd=work, env=env, timeout=1200,
    )
    output = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"{SUITE_SIZE} passed in [\d.]+s(?: \(.*\))?", summary), output
