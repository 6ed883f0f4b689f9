"""The documentation builds, and every Python example in it runs.

- ``mkdocs build --strict`` (broken links, missing pages, unresolved API references fail);
- every ```` ```python ```` block of README.md and docs/*.md runs: the blocks of one page
  run in order, in one fresh namespace, in a subprocess whose working directory holds
  ``corpus/`` (UTF-8 text files) and ``shards/`` (parquet files of real text), with the
  named encodings offline (``TIKTOKEN_CACHE_DIR`` from the test data, ``HF_BPE_OFFLINE=1``).
  A block preceded by ``<!-- no-test -->`` is skipped: only for what cannot run here
  (pushing to the real Hub, say).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import realdata

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
NO_TEST = "<!-- no-test -->"
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """(first line number, code) of each ```python block not marked ``<!-- no-test -->``."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip().rsplit("\n", 1)[-1].strip()
        if before == NO_TEST:
            continue
        blocks.append((text.count("\n", 0, match.start(1)) + 1, match.group(1)))
    return blocks


def test_block_extraction(tmp_path: Path) -> None:
    sample = "x\n```python\na = 1\n```\n<!-- no-test -->\n```python\nboom()\n```\n```bash\nls\n```\n"
    page = tmp_path / "page.md"
    page.write_text(sample, encoding="utf-8")
    assert python_blocks(page) == [(3, "a = 1\n")]


RUNNER = r"""
import sys, traceback, warnings
from hf_bpe.errors import TrainingWarning
warnings.simplefilter("error", TrainingWarning)  # an example that cannot do what it asks fails
page = sys.argv[1]
blocks = __import__("json").load(open(sys.argv[2], encoding="utf-8"))
namespace = {"__name__": "__main__"}
for line, code in blocks:
    # Pad so that tracebacks give the line number in the page.
    compiled = compile("\n" * (line - 1) + code, page, "exec")
    try:
        exec(compiled, namespace)
    except BaseException:
        traceback.print_exc()
        print(f"FAILED: the block at {page}:{line}", file=sys.stderr)
        sys.exit(1)
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("docs")
    corpus = work / "corpus"
    corpus.mkdir()
    docs = realdata.documents("english", max_bytes=150_000) + realdata.documents("multilingual", max_bytes=100_000)
    for i in range(0, len(docs), 10):
        (corpus / f"part_{i // 10:03d}.txt").write_text("".join(docs[i : i + 10]), encoding="utf-8")
    realdata.write_parquet_shards(work / "shards", 2, kind="mixed", max_bytes=200_000, rows_per_group=32)
    return work


PAGES_WITH_CODE = [p for p in PAGES if p.is_file() and python_blocks(p)]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=[p.relative_to(ROOT).as_posix() for p in PAGES_WITH_CODE])
def test_python_examples_run(page: Path, workdir: Path, tmp_path: Path) -> None:
    import json

    blocks = python_blocks(page)
    (tmp_path / "blocks.json").write_text(json.dumps(blocks), encoding="utf-8")
    (tmp_path / "runner.py").write_text(RUNNER, encoding="utf-8")
    env = dict(os.environ)
    env.update(
        TIKTOKEN_CACHE_DIR=str(realdata.tiktoken_cache_dir()),
        HF_BPE_OFFLINE="1",
        HF_BPE_CACHE_DIR=str(tmp_path / "hf_bpe_cache"),
        HF_HUB_OFFLINE="1",
        TMPDIR=str(tmp_path / "tmp"),  # what examples leave in tempfile.mkdtemp() folders
    )
    (tmp_path / "tmp").mkdir()
    cwd = tmp_path / "work"
    cwd.mkdir()
    for name in ("corpus", "shards"):
        (cwd / name).symlink_to(workdir / name, target_is_directory=True)
    result = subprocess.run(
        [sys.executable, str(tmp_path / "runner.py"), str(page.relative_to(ROOT)), str(tmp_path / "blocks.json")],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=600,
    )
    assert result.returncode == 0, f"{page.name}: {len(blocks)} block(s)\n{result.stderr[-4000:]}"


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings_handlers") is None:
        pytest.skip("mkdocs and mkdocstrings[python] are not installed (pip install 'hf_bpe[docs]')")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "api" / "index.html").is_file()
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    assert 'id="hf_bpe.Encoding"' in api and "&gt;&gt;&gt;" in api  # reference + doctests as code


def test_offline_table_matches_the_download_registry() -> None:
    from hf_bpe.download import VOCAB_FILES

    text = (DOCS / "named-encodings.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| `([0-9a-f]{64})` \|$", text, re.MULTILINE)
    assert {name: (path, sha) for name, path, sha in rows} == {
        f.filename: (f.url_path, f.sha256) for f in VOCAB_FILES.values()
    }


def test_every_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        assert f": {page.name}" in nav, f"{page.name} is not in mkdocs.yml's nav"


def test_readme_links_the_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "hf-bpe.readthedocs.io" in readme or "(docs/" in readme, "README.md does not link the documentation"
