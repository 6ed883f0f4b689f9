"""Named encodings (hf_bpe.registry) against tiktoken 0.14, the oracle.

tiktoken runs offline from realdata's ``TIKTOKEN_CACHE_DIR``; hf_bpe reads the same
directory (its own cache is empty and downloads are off), so both load the same real files.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import os
import pickle
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import realdata
import tiktoken
import tiktoken.model
import tiktoken_ext.openai_public

import hf_bpe
from hf_bpe import registry
from hf_bpe.download import VOCAB_FILES
from hf_bpe.errors import HfBpeError, OfflineError, UnknownEncodingError
from hf_bpe.registry import UnknownModelError

NAMES = ["gpt2", "r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base", "o200k_harmony"]


@pytest.fixture(scope="module")
def tiktoken_cache() -> Iterator[Path]:
    """Point tiktoken (and hf_bpe) at realdata's offline tiktoken cache for this module."""
    path = realdata.tiktoken_cache_dir()
    saved = {k: os.environ.get(k) for k in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")}
    os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
    os.environ.pop("DATA_GYM_CACHE_DIR", None)
    try:
        yield path
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def offline(tiktoken_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """hf_bpe with an empty cache of its own, tiktoken's cache, and downloads switched off."""
    monkeypatch.setenv("HF_BPE_CACHE_DIR", str(tmp_path / "hf_bpe-cache"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tiktoken_cache))
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    return tmp_path / "hf_bpe-cache"


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry that has built nothing yet (the process-wide one is left intact)."""
    monkeypatch.setattr(registry, "_ENCODINGS", {})
    monkeypatch.setattr(registry, "_BUILD_LOCKS", {})


@pytest.fixture(scope="module")
def texts() -> list[str]:
    docs = realdata.documents("mixed", doc_bytes=4096, max_bytes=300_000)
    assert len(docs) > 60
    return docs


# --------------------------------------------------------------------------- definitions


def test_list_encoding_names() -> None:
    assert hf_bpe.list_encoding_names() == NAMES == tiktoken.list_encoding_names()


def test_definitions_match_tiktoken(tiktoken_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Patterns, special tokens, explicit_n_vocab, file URLs and sha256 equal tiktoken's."""
    calls: list[tuple[str, str | None]] = []
    real_load = tiktoken_ext.openai_public.load_tiktoken_bpe
    real_gym = tiktoken_ext.openai_public.data_gym_to_mergeable_bpe_ranks

    def spy_load(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        calls.append((url, expected_hash))
        ranks: dict[bytes, int] = real_load(url, expected_hash=expected_hash)
        return ranks

    def spy_gym(**kwargs: str) -> dict[bytes, int]:
        calls.append((kwargs["encoder_json_file"], kwargs["encoder_json_hash"]))
        calls.append((kwargs["vocab_bpe_file"], kwargs["vocab_bpe_hash"]))
        ranks: dict[bytes, int] = real_gym(**kwargs)
        return ranks

    monkeypatch.setattr(tiktoken_ext.openai_public, "load_tiktoken_bpe", spy_load)
    monkeypatch.setattr(tiktoken_ext.openai_public, "data_gym_to_mergeable_bpe_ranks", spy_gym)
    for name in NAMES:
        calls.clear()
        theirs = tiktoken_ext.openai_public.ENCODING_CONSTRUCTORS[name]()
        spec = registry.ENCODING_SPECS[name]
        assert spec.name == theirs["name"] == name
        assert spec.pat_str == theirs["pat_str"]
        assert dict(spec.special_tokens) == theirs["special_tokens"]
        assert spec.explicit_n_vocab == theirs.get("explicit_n_vocab")
        ours_files = [(VOCAB_FILES[f].url, VOCAB_FILES[f].sha256) for f in spec.files]
        assert ours_files == calls, name


def test_model_tables_equal_tiktoken() -> None:
    assert dict(registry.MODEL_TO_ENCODING) == tiktoken.model.MODEL_TO_ENCODING
    # Prefixes are tried in order: the order must be tiktoken's too.
    assert list(registry.MODEL_PREFIX_TO_ENCODING.items()) == list(
        tiktoken.model.MODEL_PREFIX_TO_ENCODING.items()
    )


MODEL_NAMES = [
    *tiktoken.model.MODEL_TO_ENCODING,
    *(prefix + "2024-08-06" for prefix in tiktoken.model.MODEL_PREFIX_TO_ENCODING),
    "gpt-4o-mini", "gpt-4-0314", "gpt-4-32k", "gpt-3.5-turbo-0613", "gpt-3.5-turbo-FAKE",
    "gpt-35-turbo-16k", "gpt-oss-120b", "gpt-5-mini", "gpt-5", "o1-preview", "o3-mini",
    "o4-mini-high", "chatgpt-4o-latest", "gpt-4.1-nano", "gpt-4.5-preview",
    "ft:gpt-4o-mini:org:custom:abc", "ft:gpt-4:org::id", "ft:gpt-3.5-turbo-0613:org::id",
    "ft:davinci-002:org::id", "ft:babbage-002:x",
]
UNKNOWN_MODELS = ["", "gpt-3", "gpt4", "GPT-4o", "gpt-4.5", "o2", "claude-3", "text-davinci",
                  "o1mini", " gpt-4", "ft:gpt-5"]


@pytest.mark.parametrize("model", MODEL_NAMES)
def test_encoding_name_for_model_agrees_with_tiktoken(model: str) -> None:
    assert registry.encoding_name_for_model(model) == tiktoken.model.encoding_name_for_model(model)


@pytest.mark.parametrize("model", UNKNOWN_MODELS)
def test_unknown_model(model: str) -> None:
    with pytest.raises(KeyError):
        tiktoken.encoding_for_model(model)
    with pytest.raises(UnknownModelError) as info:
        hf_bpe.encoding_for_model(model)
    assert isinstance(info.value, KeyError) and isinstance(info.value, HfBpeError)
    assert str(info.value).startswith(f"Could not map model {model!r} to an encoding")
    assert "o200k_base" in str(info.value)  # lists the encodings one can ask for instead


@pytest.mark.parametrize("name", [["gpt-4"], None, b"gpt-4"])
def test_a_model_name_that_is_no_str_is_a_type_error(name: object) -> None:
    """Not a KeyError: the usual fallback for unknown models (``except KeyError``) swallowed
    ``encoding_for_model(None)``. tiktoken raises a TypeError or an AttributeError."""
    for lookup in (registry.encoding_name_for_model, hf_bpe.encoding_for_model):
        with pytest.raises(hf_bpe.TextTypeError, match="expected a model name \\(str\\), got ") as info:
            lookup(name)  # type: ignore[arg-type]
        assert isinstance(info.value, TypeError) and not isinstance(info.value, KeyError)


def test_encoding_for_model_returns_the_shared_encoding(offline: Path) -> None:
    enc = hf_bpe.encoding_for_model("text-davinci-001")
    assert enc is hf_bpe.get_encoding("r50k_base")
    assert hf_bpe.encoding_for_model("gpt2").name == "gpt2"


# --------------------------------------------------------------------------- unknown names


def test_unknown_encoding_lists_known_names() -> None:
    with pytest.raises(ValueError):
        tiktoken.get_encoding("cl100k")
    with pytest.raises(UnknownEncodingError) as info:
        hf_bpe.get_encoding("cl100k")
    msg = str(info.value)
    assert msg.startswith("Unknown encoding 'cl100k'. Did you mean 'cl100k_base'?")
    assert "Known encodings: " + ", ".join(NAMES) in msg
    assert isinstance(info.value, ValueError) and isinstance(info.value, HfBpeError)


def test_unknown_encoding_that_is_a_model_name() -> None:
    with pytest.raises(UnknownEncodingError, match=r"use encoding_for_model\('gpt-4o'\)"):
        hf_bpe.get_encoding("gpt-4o")


def test_unknown_encoding_without_close_match() -> None:
    with pytest.raises(UnknownEncodingError) as info:
        registry.build_encoding("zzzz")
    assert "Did you mean" not in str(info.value)
    assert "Known encodings: gpt2, r50k_base" in str(info.value)


@pytest.mark.parametrize("bad", [None, 5, b"gpt2"])
def test_encoding_name_must_be_str(bad: object) -> None:
    with pytest.raises(ValueError):
        tiktoken.get_encoding(bad)  # type: ignore[arg-type]
    with pytest.raises(UnknownEncodingError, match="expected an encoding name"):
        hf_bpe.get_encoding(bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- equal to tiktoken


@pytest.mark.parametrize("name", NAMES)
def test_named_encoding_equals_tiktoken(name: str, offline: Path, texts: list[str]) -> None:
    ours = hf_bpe.get_encoding(name)
    theirs = tiktoken.get_encoding(name)
    assert ours.name == theirs.name == name
    assert ours._pat_str == theirs._pat_str
    assert ours._mergeable_ranks == theirs._mergeable_ranks
    assert ours._special_tokens == theirs._special_tokens
    assert ours.special_tokens_set == theirs.special_tokens_set
    assert ours.n_vocab == theirs.n_vocab
    assert ours.max_token_value == theirs.max_token_value
    assert ours.eot_token == theirs.eot_token
    assert [ours.encode_ordinary(t) for t in texts] == [theirs.encode_ordinary(t) for t in texts]
    # Every special token, in real text, allowed and decoded back.
    specials = sorted(theirs.special_tokens_set)
    mixed = "".join(f"{text[:200]}{special}" for text, special in zip(texts * 20, specials))
    ids = ours.encode(mixed, allowed_special="all")
    assert ids == theirs.encode(mixed, allowed_special="all")
    assert ours.decode(ids) == theirs.decode(ids)
    for special in specials:
        token = theirs.encode_single_token(special)
        assert ours.encode_single_token(special) == token
        assert ours.decode_single_token_bytes(token) == theirs.decode_single_token_bytes(token)
    # Special-token text is refused by default, as in tiktoken.
    with pytest.raises(ValueError):
        theirs.encode(specials[0])
    with pytest.raises(hf_bpe.DisallowedSpecialTokenError):  # a ValueError too
        ours.encode(specials[0])
    # Ids that are no token (gaps, beyond the end) fail in both.
    gaps = sorted(set(range(ours.n_vocab + 1)) - set(ours._mergeable_ranks.values())
                  - set(ours._special_tokens.values()))
    assert gaps and gaps[-1] == ours.n_vocab
    for token in gaps[:3] + gaps[-1:]:
        with pytest.raises(KeyError):
            theirs.decode_single_token_bytes(token)
        with pytest.raises(hf_bpe.UnknownTokenError):  # a KeyError too
            ours.decode_single_token_bytes(token)


def test_o200k_harmony_shared_special_id(offline: Path) -> None:
    """<|endofprompt|> and <|reserved_200018|> are both 200018 (as in tiktoken)."""
    ours, theirs = hf_bpe.get_encoding("o200k_harmony"), tiktoken.get_encoding("o200k_harmony")
    text = "<|reserved_200018|>x<|endofprompt|>"
    assert ours.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all")
    assert ours.encode(text, allowed_special="all") == [200018, 87, 200018]
    assert ours.decode([200018]) == theirs.decode([200018]) == "<|endofprompt|>"


# --------------------------------------------------------------------------- cache, pickle


def test_get_encoding_is_shared(offline: Path) -> None:
    assert hf_bpe.get_encoding("r50k_base") is hf_bpe.get_encoding("r50k_base")
    fresh = registry.build_encoding("r50k_base")
    assert fresh is not hf_bpe.get_encoding("r50k_base")
    assert fresh._registry_name == "r50k_base"


def test_concurrent_first_use_builds_once(
    offline: Path, fresh_registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[str] = []
    real_build = registry.build_encoding

    def counting_build(name: str) -> hf_bpe.Encoding:
        builds.append(name)
        return real_build(name)

    monkeypatch.setattr(registry, "build_encoding", counting_build)
    start = threading.Barrier(6)
    got: list[object] = []

    def worker(name: str) -> None:
        start.wait()
        got.append(hf_bpe.get_encoding(name))

    threads = [threading.Thread(target=worker, args=(n,)) for n in ["r50k_base", "gpt2"] * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(builds) == ["gpt2", "r50k_base"]
    assert len(got) == 6 and len({id(e) for e in got}) == 2


def test_failed_build_is_not_cached(
    tiktoken_cache: Path, tmp_path: Path, fresh_registry: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("HF_BPE_CACHE_DIR", str(cache))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    with pytest.raises(OfflineError, match=f"Put the file at {cache / 'r50k_base.tiktoken'}"):
        hf_bpe.get_encoding("r50k_base")
    # The user drops the file in; the next call succeeds.
    cache.mkdir()
    (cache / "r50k_base.tiktoken").write_bytes(realdata.vocab_file("r50k_base").read_bytes())
    assert hf_bpe.get_encoding("r50k_base").encode("hello world") == [31373, 995]


def test_files_dropped_into_the_cache_serve_every_encoding(
    tiktoken_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The firewall case: official file names in HF_BPE_CACHE_DIR, no tiktoken cache."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ("r50k_base", "p50k_base", "cl100k_base", "o200k_base"):
        shutil.copy(realdata.vocab_file(name), cache / f"{name}.tiktoken")
    for path in realdata.gpt2_data_gym():
        shutil.copy(path, cache / path.name)
    # tiktoken's encodings first, from its cache (below it has none).
    tiktoken_encodings = {name: tiktoken.get_encoding(name) for name in NAMES}
    monkeypatch.setenv("HF_BPE_CACHE_DIR", str(cache))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    monkeypatch.setenv("HF_BPE_OFFLINE", "1")
    for name in NAMES:
        enc = registry.build_encoding(name)
        theirs = tiktoken_encodings[name]
        assert enc._mergeable_ranks == theirs._mergeable_ranks, name
        assert enc._special_tokens == theirs._special_tokens, name


def _kept_copy(cache: Path, key: str) -> Path:
    """Where the ranks kept under ``key`` lie in the hf_bpe cache (as documented)."""
    return cache / "parsed" / f"{key}.py{sys.version_info[0]}{sys.version_info[1]}.marshal"


def _write_kept(copy: Path, data: bytes) -> None:
    """Write ``data`` as a kept copy with a right digest (the sha256 of its key, the file
    name's first part, a newline and the data; then the data)."""
    key = copy.name.split(".")[0]
    copy.write_bytes(hashlib.sha256(key.encode() + b"\n" + data).digest() + data)


def test_parsed_ranks_are_kept_for_the_next_load(offline: Path) -> None:
    """A named encoding's parsed ranks are kept in the cache (marshal data behind its own
    sha256) and read back by the next load; a damaged or unusable copy is never used."""
    real = hf_bpe.load_tiktoken_bpe(realdata.vocab_file("cl100k_base"))
    assert registry.build_encoding("cl100k_base")._mergeable_ranks == real
    kept = _kept_copy(offline, VOCAB_FILES["cl100k_base.tiktoken"].sha256)
    assert sorted(p.name for p in (offline / "parsed").iterdir()) == [kept.name]
    good = kept.read_bytes()
    assert marshal.loads(good[32:]) == real

    def keep(data: bytes) -> None:
        _write_kept(kept, data)

    # The next load reads the kept copy, not the .tiktoken file: a copy with one token
    # fewer (a valid vocabulary, behind a right digest) shows it.
    fewer = dict(real)
    fewer.pop(max(fewer, key=fewer.__getitem__))
    keep(marshal.dumps(fewer))
    assert registry.build_encoding("cl100k_base")._mergeable_ranks == fewer
    # Damaged copies are parsed over: a flipped byte, a cut, a digest of something else,
    # data that is not ranks, an empty file.
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x40
    for damaged in (bytes(flipped), good[: len(good) // 2], b"\0" * 32 + good[32:], b""):
        kept.write_bytes(damaged)
        assert registry.build_encoding("cl100k_base")._mergeable_ranks == real
        assert kept.read_bytes() == good
    for not_ranks in ([1, 2], {}, b"\x00\x01"):
        keep(marshal.dumps(not_ranks))
        assert registry.build_encoding("cl100k_base")._mergeable_ranks == real
        assert kept.read_bytes() == good
    keep(b"\xff not marshal data")
    assert registry.build_encoding("cl100k_base")._mergeable_ranks == real
    assert kept.read_bytes() == good
    # A named pipe in its place: a read waited for a writer for good. Parsed over, replaced.
    kept.unlink()
    os.mkfifo(kept, 0o600)
    loaded: list[Any] = []
    reader = threading.Thread(target=lambda: loaded.append(registry.build_encoding("cl100k_base")), daemon=True)
    reader.start()
    reader.join(60)
    waited = reader.is_alive()
    if waited:  # let it go: a writer that opens and closes the pipe ends its read
        os.close(os.open(kept, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(60)
    assert not waited, "the load waited on the named pipe"
    assert len(loaded) == 1 and loaded[0]._mergeable_ranks == real
    assert kept.is_file() and kept.read_bytes() == good
    # Another encoding's copy, whole, moved or linked under this one's name: parsed over
    # (it passed its own digest, and cl100k_base loaded p50k_base's ranks, in silence).
    p50k = hf_bpe.load_tiktoken_bpe(realdata.vocab_file("p50k_base"))
    assert registry.build_encoding("p50k_base")._mergeable_ranks == p50k
    other = _kept_copy(offline, VOCAB_FILES["p50k_base.tiktoken"].sha256)
    for place in (shutil.copyfile, os.symlink):
        kept.unlink()
        place(other, kept)
        assert registry.build_encoding("cl100k_base")._mergeable_ranks == real
        assert not kept.is_symlink() and kept.read_bytes() == good
        assert registry.build_encoding("p50k_base")._mergeable_ranks == p50k  # its copy left alone
        assert marshal.loads(other.read_bytes()[32:]) == p50k


def test_gpt2s_parsed_pair_is_kept_too(offline: Path) -> None:
    """GPT-2's two data-gym files are kept as one copy, named by both files' sha256."""
    real = hf_bpe.load_data_gym(*realdata.gpt2_data_gym())
    assert registry.build_encoding("gpt2")._mergeable_ranks == real
    key = hashlib.sha256(
        " ".join(VOCAB_FILES[name].sha256 for name in ("encoder.json", "vocab.bpe")).encode()
    ).hexdigest()
    kept = _kept_copy(offline, key)
    assert sorted(p.name for p in (offline / "parsed").iterdir()) == [kept.name]
    assert marshal.loads(kept.read_bytes()[32:]) == real
    # A copy with the two last tokens' ranks swapped (a valid vocabulary, behind a right
    # digest) shows that the next load reads it.
    swapped = dict(real)
    last, before = sorted(swapped, key=swapped.__getitem__)[-2:]
    swapped[last], swapped[before] = swapped[before], swapped[last]
    _write_kept(kept, marshal.dumps(swapped))
    assert registry.build_encoding("gpt2")._mergeable_ranks == swapped
    kept.write_bytes(b"\0" * 40)  # damaged: parsed over
    assert registry.build_encoding("gpt2")._mergeable_ranks == real
    assert marshal.loads(kept.read_bytes()[32:]) == real


def test_kept_ranks_are_read_only_from_a_folder_no_one_else_could_write(offline: Path) -> None:
    """A kept copy is trusted as a .pyc file is, so it is read only where others cannot
    have written it: a self-consistent copy (right digest, two ranks swapped) in a folder
    writable by the group, or itself writable by the group, is not used."""
    real = hf_bpe.load_tiktoken_bpe(realdata.vocab_file("r50k_base"))
    assert registry.build_encoding("r50k_base")._mergeable_ranks == real
    parsed = offline / "parsed"
    assert parsed.stat().st_mode & 0o777 == 0o700
    kept = _kept_copy(offline, VOCAB_FILES["r50k_base.tiktoken"].sha256)
    assert kept.stat().st_mode & 0o777 == 0o600
    swapped = dict(real)
    last, before = sorted(swapped, key=swapped.__getitem__)[-2:]
    swapped[last], swapped[before] = swapped[before], swapped[last]
    _write_kept(kept, marshal.dumps(swapped))
    assert registry.build_encoding("r50k_base")._mergeable_ranks == swapped  # private: read
    kept.chmod(0o620)
    assert registry.build_encoding("r50k_base")._mergeable_ranks == real
    assert kept.stat().st_mode & 0o777 == 0o600  # replaced by a copy of its own
    assert marshal.loads(kept.read_bytes()[32:]) == real
    _write_kept(kept, marshal.dumps(swapped))
    parsed.chmod(0o770)
    assert registry.build_encoding("r50k_base")._mergeable_ranks == real
    assert marshal.loads(kept.read_bytes()[32:]) == swapped  # nor written there
    parsed.chmod(0o700)
    assert registry.build_encoding("r50k_base")._mergeable_ranks == swapped


def test_ranks_are_kept_when_another_process_made_the_folder_while_they_were_parsed(tmp_path: Path) -> None:
    """From QA: several processes filling a new cache at once each found no ``parsed/``
    (not private, as it did not exist), and after parsing found it made by another
    process: the copy was not kept, and the next process parsed again."""
    from hf_bpe.vocab_files import load_kept

    keep_in = tmp_path / "parsed"
    ranks = {bytes([i]): i for i in range(256)}

    def parse_while_another_process_makes_the_folder() -> dict[bytes, int]:
        keep_in.mkdir(mode=0o700)  # as load_kept makes it
        return ranks

    assert load_kept("ab" * 32, keep_in, parse_while_another_process_makes_the_folder) == ranks
    assert [p.name.split(".")[0] for p in keep_in.iterdir()] == ["ab" * 32]
    assert load_kept("ab" * 32, keep_in, lambda: {}) == ranks  # read back, not parsed
    keep_in.chmod(0o770)  # made by someone the group includes: neither read nor written
    assert load_kept("cd" * 32, keep_in, lambda: ranks) == ranks
    assert [p.name.split(".")[0] for p in keep_in.iterdir()] == ["ab" * 32]


def test_gpt2s_files_are_parsed_as_they_were_checked(
    offline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GPT-2's pair is checked on the bytes that are parsed: files replaced after fetch()
    checked them (here by a stand-in for another user of a shared tiktoken cache, with a
    self-consistent pair whose merges are in another order) are refused, not parsed."""
    encoder_json, vocab_bpe = realdata.gpt2_data_gym()
    shared = tmp_path / "shared"
    shared.mkdir()
    fetched = {name: shutil.copy(path, shared / name) for name, path in
               (("encoder.json", encoder_json), ("vocab.bpe", vocab_bpe))}
    lines = vocab_bpe.read_text(encoding="utf-8").split("\n")
    lines[1], lines[2] = lines[2], lines[1]
    encoder = json.loads(encoder_json.read_text(encoding="utf-8"))
    first, second = (encoder["".join(line.split(" "))] for line in lines[1:3])
    for token, rank in list(encoder.items()):
        encoder[token] = {first: second, second: first}.get(rank, rank)

    def fetch_then_replace(filename: str) -> Path:
        path = Path(fetched[filename])
        if filename == "vocab.bpe":  # the second of the pair: both have been checked
            Path(fetched["encoder.json"]).write_text(json.dumps(encoder), encoding="utf-8")
            path.write_text("\n".join(lines), encoding="utf-8")
        return path

    fetch_then_replace("vocab.bpe")
    fake = hf_bpe.load_data_gym(shared / "encoder.json", shared / "vocab.bpe")  # a valid pair
    assert fake != hf_bpe.load_data_gym(encoder_json, vocab_bpe)
    for name, path in (("encoder.json", encoder_json), ("vocab.bpe", vocab_bpe)):
        shutil.copy(path, shared / name)
    monkeypatch.setattr(registry, "fetch", fetch_then_replace)
    with pytest.raises(hf_bpe.HashMismatchError, match="sha256"):
        registry.build_encoding("gpt2")
    assert not (offline / "parsed").exists()  # nothing kept


def test_a_cache_that_cannot_keep_parsed_ranks_still_loads(offline: Path) -> None:
    offline.mkdir(parents=True)
    (offline / "parsed").write_text("a file where the folder would go")
    enc = registry.build_encoding("r50k_base")
    assert enc._mergeable_ranks == hf_bpe.load_tiktoken_bpe(realdata.vocab_file("r50k_base"))
    assert (offline / "parsed").read_text() == "a file where the folder would go"
    assert sorted(p.name for p in offline.iterdir()) == ["parsed"]  # nothing else written


def test_pickles_by_name(offline: Path) -> None:
    enc = hf_bpe.get_encoding("cl100k_base")
    data = pickle.dumps(enc)
    assert len(data) < 200 and b"cl100k_base" in data
    assert pickle.loads(data) is enc


def test_pickle_loads_in_a_fresh_process(offline: Path, tmp_path: Path) -> None:
    enc = hf_bpe.get_encoding("r50k_base")
    text = realdata.documents("english", doc_bytes=2000, max_bytes=2000)[0]
    pickled = tmp_path / "enc.pickle"
    pickled.write_bytes(pickle.dumps(enc))
    script = (
        "import pickle, sys\n"
        f"enc = pickle.loads(open({str(pickled)!r}, 'rb').read())\n"
        "print(enc.name, enc.encode(sys.stdin.read()))\n"
    )
    # The child sees the same hf_bpe as this process (installed or source tree).
    path = os.pathsep.join(p or os.getcwd() for p in sys.path)
    out = subprocess.run([sys.executable, "-c", script], input=text, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": path}, cwd=tmp_path,
                         timeout=300, check=True).stdout
    assert out.strip() == f"r50k_base {enc.encode(text)}"


# --------------------------------------------------------------------------- tiktoken plugins

ACME_PLUGIN = """
from tiktoken.load import load_tiktoken_bpe

def acme_chat():
    return {{
        "name": "acme_chat",
        "pat_str": {pattern!r},
        "mergeable_ranks": load_tiktoken_bpe({vocab!r}),
        "special_tokens": {{"<|endoftext|>": 100257, "<|im_start|>": 100264, "<|im_end|>": 100265}},
    }}

ENCODING_CONSTRUCTORS = {{"acme_chat": acme_chat}}
"""


def _plugins_child(plugin_dir: Path, script: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh process that finds the ``tiktoken_ext`` modules of
    ``plugin_dir`` (namespace packages join across the path) and this hf_bpe."""
    path = os.pathsep.join([str(plugin_dir), *(p or os.getcwd() for p in sys.path)])
    return subprocess.run([sys.executable, "-c", script], input=stdin, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": path}, cwd=plugin_dir, timeout=300, check=False)


def _write_plugin(plugin_dir: Path, module: str, source: str) -> None:
    (plugin_dir / "tiktoken_ext").mkdir(parents=True, exist_ok=True)
    (plugin_dir / "tiktoken_ext" / f"{module}.py").write_text(source, encoding="utf-8")


def test_tiktoken_plugins_give_named_encodings(offline: Path, tmp_path: Path, texts: list[str]) -> None:
    # A plugin as tiktoken's README describes one (it loads its ranks with tiktoken's own
    # loader): the same ids as tiktoken's encoding of that name, on real text and specials.
    _write_plugin(tmp_path, "acme_encodings", ACME_PLUGIN.format(
        pattern=hf_bpe.patterns.CL100K_PATTERN, vocab=str(realdata.vocab_file("cl100k_base"))))
    script = """
import json, pickle, subprocess, sys
import hf_bpe, tiktoken
texts = json.loads(sys.stdin.read())
ours, theirs = hf_bpe.get_encoding("acme_chat"), tiktoken.get_encoding("acme_chat")
chat = "<|im_start|>user\\nHallo, wie geht's?<|im_end|>"
try:
    hf_bpe.get_encoding("acme_chta")
except hf_bpe.UnknownEncodingError as err:
    unknown = str(err)
cli = subprocess.run([sys.executable, "-m", "hf_bpe", "encode", "-t", "acme_chat", "--count"],
                     input=texts[0], capture_output=True, text=True, check=True).stdout
print(json.dumps({
    "names": hf_bpe.list_encoding_names(),
    "tiktoken_names": sorted(tiktoken.list_encoding_names()),
    "equal": [ours.encode_ordinary(t) == theirs.encode_ordinary(t) for t in texts],
    "chat": [ours.encode(chat, allowed_special="all"), theirs.encode(chat, allowed_special="all")],
    "shared": hf_bpe.get_encoding("acme_chat") is ours,
    "by_name": len(pickle.dumps(ours)) < 100 and pickle.loads(pickle.dumps(ours)) is ours,
    "batch": ours.encode_ordinary_batch(texts, num_proc=2) == [theirs.encode_ordinary(t) for t in texts],
    "unknown": unknown,
    "cli": cli.strip(),
    "count": len(ours.encode_ordinary(texts[0])),
}))
"""
    sample = texts[:40]
    result = _plugins_child(tmp_path, script, json.dumps(sample))
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout)
    assert out["names"] == [*NAMES, "acme_chat"]
    assert out["tiktoken_names"] == sorted(out["names"])
    assert len(out["equal"]) == 40 and all(out["equal"])
    ours, theirs = out["chat"]
    assert ours == theirs and ours[0] == 100264 and ours[-1] == 100265
    assert out["shared"] and out["by_name"] and out["batch"]
    assert "Did you mean 'acme_chat'?" in out["unknown"] and out["unknown"].endswith("o200k_harmony, acme_chat")
    assert out["cli"] == str(out["count"])


@pytest.mark.parametrize(
    ("plugins", "message"),
    [
        ({"no_table": "NAMES = {}\n"}, "tiktoken plugin tiktoken_ext.no_table does not define an ENCODING_CONSTRUCTORS dict"),
        ({"takes_a_name": "ENCODING_CONSTRUCTORS = {'cl100k_base': dict}\n"},
         "duplicate encoding name 'cl100k_base' in tiktoken plugin tiktoken_ext.takes_a_name"),
        ({"a_one": "ENCODING_CONSTRUCTORS = {'mine': dict}\n", "b_two": "ENCODING_CONSTRUCTORS = {'mine': dict}\n"},
         "duplicate encoding name 'mine' in tiktoken plugin tiktoken_ext.b_two"),
        ({"fails": "raise ImportError('no module named acme_internal')\n"},  # was raised bare, past the CLI
         "tiktoken plugin tiktoken_ext.fails failed to import: ImportError: no module named acme_internal"),
    ],
)
def test_a_broken_tiktoken_plugin_is_a_plugin_error(
    offline: Path, tmp_path: Path, plugins: dict[str, str], message: str
) -> None:
    for module, source in plugins.items():
        _write_plugin(tmp_path, module, source)
    script = """
import hf_bpe
for call in (hf_bpe.list_encoding_names, lambda: hf_bpe.get_encoding("mine"), hf_bpe.registry.plugin_constructors):
    try:
        call()
    except hf_bpe.PluginError as err:
        assert isinstance(err, ValueError)
        print(err)
    else:
        print("no error")
# OpenAI's encodings never look at plugins, from the command line neither.
print(hf_bpe.get_encoding("r50k_base").encode("plugins"))
import subprocess, sys
print(subprocess.run([sys.executable, "-m", "hf_bpe", "encode", "-t", "r50k_base"], input="plugins",
                     capture_output=True, text=True, check=True).stdout.strip())
# Nor do model names there, and a tiktoken Encoding of another name converts.
print(subprocess.run([sys.executable, "-m", "hf_bpe", "encode", "-t", "davinci"], input="plugins",
                     capture_output=True, text=True, check=True).stdout.strip())
import tiktoken
own = tiktoken.Encoding("nano", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
print(hf_bpe.registry.as_hf_bpe_encoding(own).encode("hi"))
# A name that is neither: the plugin's error, in one line.
typo = subprocess.run([sys.executable, "-m", "hf_bpe", "info", "r50k"], capture_output=True, text=True)
print(typo.returncode, typo.stderr.strip())
"""
    result = _plugins_child(tmp_path, script)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[:3] == [message] * 3  # each call looks again: the error is not cached as "no plugins"
    ids = tiktoken.get_encoding("r50k_base").encode("plugins")
    assert lines[3] == str(ids) and lines[4] == lines[5] == " ".join(map(str, ids))
    assert lines[6] == "[104, 105]"
    assert lines[7] == f"1 hf-bpe: error: {message}"


def test_without_plugins_only_openais_encodings_are_named() -> None:
    # tiktoken's own plugin (installed here) is not read: its encodings are built in.
    assert importlib.util.find_spec("tiktoken_ext.openai_public") is not None
    assert dict(registry.plugin_constructors()) == {}


def test_a_child_forked_while_another_thread_loads_an_encoding_loads_it_too() -> None:
    """The locks a loading thread holds at a fork would never be released in the child."""
    from hf_bpe import char_classes

    expected = hf_bpe.get_encoding("r50k_base").encode("hello fork")
    with registry._LOCKS_LOCK:
        build_lock = registry._BUILD_LOCKS.setdefault("r50k_base", threading.Lock())
    with registry._LOCKS_LOCK, build_lock, registry._PLUGINS_LOCK, char_classes._table_lock:  # mid-load
        pid = os.fork()
        if pid == 0:  # the child: exit status 0 if it loads, 1 if not; killed after 60 s if it hangs
            code = 1
            try:
                import signal

                signal.alarm(60)
                registry._ENCODINGS.pop("r50k_base", None)
                char_classes._table = None
                loaded = hf_bpe.get_encoding("r50k_base").encode("hello fork") == expected
                code = 0 if loaded and isinstance(char_classes.stand_ins(), dict) and registry.plugin_constructors() is not None else 1
            finally:
                os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
