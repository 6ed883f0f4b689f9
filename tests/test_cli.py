"""The ``hf-bpe`` command line, run for real: a subprocess per command, on real text.

Each command runs as ``python -m hf_bpe`` with this interpreter (the installed package, or
the sources when the suite runs on them), plus the ``hf-bpe`` console script when it is
installed. Training is checked against the trainer's API on the same inputs, encoding
against in-process encodings and tiktoken, and every bad input for its one-line message
and exit status.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

import pytest
import realdata

import hf_bpe

ROOT = Path(__file__).resolve().parents[1]
SPECIALS = ["<|bos|>", "<|eos|>"]
VOCAB = 600


def run(
    *args: str, cwd: Path, stdin: Optional[bytes] = None, script: Optional[Sequence[str]] = None,
    env: Optional[dict[str, str]] = None,
) -> subprocess.CompletedProcess[bytes]:
    cmd = [*(script or [sys.executable, "-m", "hf_bpe"]), *args]
    return subprocess.run(cmd, input=stdin, capture_output=True, cwd=cwd, env=env or dict(os.environ), timeout=300)


def ok(result: subprocess.CompletedProcess[bytes]) -> bytes:
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def ids_of(stdout: bytes) -> list[int]:
    return [int(x) for x in stdout.split()]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with ``corpus/`` (real text files, parquet shards, files to be skipped)."""
    work = tmp_path_factory.mktemp("cli")
    corpus = work / "corpus"
    (corpus / "shards").mkdir(parents=True)
    for kind, size in (("english", 400_000), ("multilingual", 300_000), ("code", 200_000)):
        docs = realdata.documents(kind, max_bytes=size)
        for i in range(0, len(docs), 25):
            (corpus / f"{kind}_{i // 25:03d}.txt").write_text("".join(docs[i : i + 25]), encoding="utf-8")
    realdata.write_parquet_shards(corpus / "shards", 2, kind="multilingual", max_bytes=150_000, rows_per_group=16)
    # Neither of these may be read: the folder's text files are *.txt, hidden ones are skipped.
    (corpus / "notes.md").write_text("zqzqzqzq " * 20_000, encoding="utf-8")
    (corpus / ".hidden.txt").write_text("xjxjxjxj " * 20_000, encoding="utf-8")
    # Nor this, Spark's unfinished output, cut short (as pyarrow reads a folder)
    (corpus / "shards" / "_temporary" / "0").mkdir(parents=True)
    (corpus / "shards" / "_temporary" / "0" / "part-9.parquet").write_bytes(b"PAR1" + b"\0" * 64)
    (work / "md-only").mkdir()
    (work / "md-only" / "README.md").write_text("not a .txt file", encoding="utf-8")
    return work


def corpus_texts(corpus: Path, *, by_line: bool = False) -> list[str]:
    """What ``hf-bpe train corpus/`` should read: every *.txt file, then the parquet rows."""
    import pyarrow.parquet as pq

    texts: list[str] = []
    for path in sorted(corpus.rglob("*.txt")):
        if path.name.startswith("."):
            continue
        data = path.read_bytes().decode("utf-8")
        texts.extend(data.splitlines(keepends=True) if by_line else [data])
    for path in sorted(corpus.rglob("*.parquet")):
        if "_temporary" not in path.parts:
            texts.extend(pq.read_table(path).column("text").to_pylist())
    return texts


@pytest.fixture(scope="module")
def trained(work: Path) -> Path:
    out = work / "tok"
    stdout = ok(run(
        "train", "corpus", "--vocab-size", str(VOCAB), "--special-tokens", *SPECIALS,
        "--num-proc", "2", "--output", str(out), cwd=work,
    ))
    assert f"{VOCAB} tokens" in stdout.decode()
    return out


@pytest.fixture(scope="module")
def sample_text() -> str:
    docs = realdata.documents("multilingual", doc_bytes=2000, max_bytes=30_000)
    # Line ends of both kinds, trailing spaces, no final newline.
    return "\r\n".join(docs[:8]) + "  \n\n" + "\n".join(docs[8:]) + " tail 🙂 "


# ------------------------------------------------------------------------------------ train


def test_train_equals_the_trainer_api(work: Path, trained: Path) -> None:
    enc = hf_bpe.load_encoding(trained)
    expected = hf_bpe.train_bpe(corpus_texts(work / "corpus"), VOCAB, special_tokens=SPECIALS, num_proc=1)
    assert enc._mergeable_ranks == expected._mergeable_ranks
    assert enc._special_tokens == expected._special_tokens == {"<|bos|>": 598, "<|eos|>": 599}
    assert enc.name == "tok" and enc.n_vocab == VOCAB
    tokens = set(enc._mergeable_ranks)
    assert b"zq" not in tokens and b"xj" not in tokens  # notes.md and .hidden.txt were skipped


def test_train_by_line_with_crop(work: Path) -> None:
    out = work / "by-line"
    result = run("train", "corpus/english_000.txt", "corpus/code_000.txt", "--by-line", "--max-chars", "40",
                 "--vocab-size", "400", "--pattern", "nanochat", "--num-proc", "1", "-o", str(out), "--progress",
                 cwd=work)
    assert ok(result) and b"counting" in result.stderr and b"merging" in result.stderr  # the bars
    texts = [t for f in ("english_000.txt", "code_000.txt")
             for t in (work / "corpus" / f).read_bytes().decode().splitlines(keepends=True)]
    expected = hf_bpe.train_bpe(texts, 400, pattern="nanochat", max_chars=40, num_proc=1)
    got = hf_bpe.load_encoding(out)
    assert got._mergeable_ranks == expected._mergeable_ranks
    assert got._pat_str == hf_bpe.patterns.NANOCHAT_PATTERN


def test_trained_folder_loads_in_transformers(trained: Path, sample_text: str, work: Path) -> None:
    from hf_bpe.hf_tokenizer import HfBpeTokenizer

    enc = hf_bpe.load_encoding(trained)
    expected = enc.encode_ordinary(sample_text)
    assert HfBpeTokenizer.from_pretrained(str(trained)).encode(sample_text, add_special_tokens=False) == expected
    # Stock transformers, without hf_bpe imported: the fast tokenizer from tokenizer.json.
    (work / "sample.txt").write_text(sample_text, encoding="utf-8", newline="")
    code = (
        "import json, sys\n"
        "from transformers import AutoTokenizer\n"
        f"tok = AutoTokenizer.from_pretrained({str(trained)!r})\n"
        "text = open('sample.txt', encoding='utf-8', newline='').read()\n"
        "assert 'hf_bpe' not in sys.modules\n"
        "print(json.dumps(tok(text, add_special_tokens=False)['input_ids']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=work, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout) == expected


# ------------------------------------------------------------------------------ encode/decode


def test_encode_decode_round_trip(trained: Path, sample_text: str, work: Path) -> None:
    data = sample_text.encode("utf-8")
    path = work / "round.txt"
    path.write_bytes(data)
    enc = hf_bpe.load_encoding(trained)
    from_file = ok(run("encode", "-t", str(trained), str(path), cwd=work))
    from_stdin = ok(run("encode", "--tokenizer", str(trained), cwd=work, stdin=data))
    assert from_file == from_stdin
    assert ids_of(from_file) == enc.encode(sample_text)
    (work / "ids.txt").write_bytes(from_file)
    assert ok(run("decode", "-t", str(trained), "ids.txt", cwd=work)) == data
    assert ok(run("decode", "-t", str(trained), cwd=work, stdin=from_file)) == data
    assert ok(run("encode", "-t", str(trained), "--count", str(path), cwd=work)) == f"{len(ids_of(from_file))}\n".encode()
    # Commas and brackets (a Python or JSON list) are accepted too.
    assert ok(run("decode", "-t", str(trained), cwd=work, stdin=str(enc.encode("hé")).encode())) == "hé".encode()


def test_encode_named_encoding_equals_tiktoken(work: Path, sample_text: str, tiktoken_encoding: object) -> None:
    path = work / "named.txt"
    path.write_text(sample_text, encoding="utf-8", newline="")
    for name in ("cl100k_base", "o200k_base"):
        expected = tiktoken_encoding(name).encode(sample_text)  # type: ignore[operator]
        assert ids_of(ok(run("encode", "-t", name, str(path), cwd=work))) == expected
    # A model name picks its encoding.
    assert ids_of(ok(run("encode", "-t", "gpt-4o", str(path), cwd=work))) == expected


def test_a_tiktoken_file_decodes_without_a_pattern(work: Path, sample_text: str, tiktoken_encoding: object) -> None:
    # Decoding never splits: it asked for --pattern all the same.
    tt = tiktoken_encoding("cl100k_base")  # type: ignore[operator]
    ids = tt.encode(sample_text + "<|endoftext|>", allowed_special="all")
    vocab = str(realdata.vocab_file("cl100k_base"))
    stdin = " ".join(map(str, ids)).encode()
    assert ok(run("decode", "-t", vocab, "--special-token", "<|endoftext|>=100257", cwd=work, stdin=stdin)) == tt.decode_bytes(ids)
    assert b"holds no split pattern" in run("encode", "-t", vocab, cwd=work, stdin=b"hi").stderr  # encoding still needs one


def test_special_token_modes(trained: Path, work: Path) -> None:
    enc = hf_bpe.load_encoding(trained)
    text = "hello <|bos|> world".encode()
    refused = run("encode", "-t", str(trained), cwd=work, stdin=text)
    assert refused.returncode == 1 and b"special token '<|bos|>'" in refused.stderr
    allowed = ids_of(ok(run("encode", "-t", str(trained), "--specials", "allow", cwd=work, stdin=text)))
    assert 598 in allowed and allowed == enc.encode(text.decode(), allowed_special="all")
    plain = ids_of(ok(run("encode", "-t", str(trained), "--specials", "plain", cwd=work, stdin=text)))
    assert plain == enc.encode_ordinary(text.decode()) and 598 not in plain
    assert ok(run("decode", "-t", str(trained), cwd=work, stdin=" ".join(map(str, allowed)).encode())) == text


# ------------------------------------------------------------------------------------ convert


def test_convert_tiktoken_and_tokenizer_json_round_trip(work: Path, sample_text: str, tiktoken_encoding: object) -> None:
    from tokenizers import Tokenizer

    original = realdata.vocab_file("cl100k_base")
    as_json, back, folder = work / "cl100k.json", work / "back.tiktoken", work / "cl100k-folder"
    special = ["--special-token", "<|endoftext|>=100257"]
    ok(run("convert", str(original), str(as_json), "--pattern", "cl100k_base", *special, cwd=work))
    note = run("convert", str(as_json), str(back), "--to", "tiktoken", cwd=work)
    assert ok(note) and b"--pattern cl100k_base and 1 special token(s): --special-token '<|endoftext|>=100257'" in note.stderr
    assert back.read_bytes() == original.read_bytes()
    ok(run("convert", str(as_json), str(folder), cwd=work))
    text = sample_text + "<|endoftext|>"
    (work / "conv.txt").write_text(text, encoding="utf-8", newline="")
    expected = tiktoken_encoding("cl100k_base").encode(text, allowed_special="all")  # type: ignore[operator]
    for source in ([str(back), "--pattern", "cl100k_base", *special], [str(as_json)], [str(folder)]):
        got = ids_of(ok(run("encode", "-t", *source, "--specials", "allow", "conv.txt", cwd=work)))
        assert got == expected, source
    assert Tokenizer.from_file(str(as_json)).encode(text).ids == expected


def test_a_tiktoken_file_that_is_no_vocabulary_is_named(work: Path) -> None:
    lines = realdata.vocab_file("r50k_base").read_bytes().splitlines(keepends=True)
    (work / "missing.tiktoken").write_bytes(b"".join(lines[:5] + lines[6:]))  # the byte '&'
    result = run("encode", "-t", "missing.tiktoken", "--pattern", "gpt2", cwd=work, stdin=b"hi")
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(b"hf-bpe: error: missing.tiktoken: mergeable_ranks lacks 1 of the 256 single bytes")


def test_convert_trained_folder_both_ways(trained: Path, work: Path) -> None:
    ok(run("convert", str(trained), "TRAINED.JSON", cwd=work))  # a file, whatever the case (was a folder)
    assert (work / "TRAINED.JSON").is_file()
    ok(run("convert", str(trained), "trained.json", cwd=work))
    ok(run("convert", "trained.json", "trained-again", "--to", "hf-folder", cwd=work))
    a, b = hf_bpe.load_encoding(trained), hf_bpe.load_encoding(work / "trained-again")
    assert a._mergeable_ranks == b._mergeable_ranks and a._special_tokens == b._special_tokens
    assert a._pat_str == b._pat_str


def test_a_save_pretrained_folder_gives_the_ids_of_its_tokenizer_json(trained: Path, work: Path) -> None:
    """Tokens added to the HF tokenizer live in tokenizer_config.json (and tokenizer.json),
    not in encoding.json: the folder and its tokenizer.json must encode alike."""
    tok = hf_bpe.HfBpeTokenizer.from_pretrained(str(trained))
    tok.add_tokens(["zork"])
    tok.add_special_tokens({"additional_special_tokens": ["<|sp|>"]})
    tok.save_pretrained(str(work / "added"))
    (work / "added.txt").write_text("a zork <|sp|> b")
    expected = tok("a zork <|sp|> b", add_special_tokens=False)["input_ids"]
    for source in ("added", "added/tokenizer.json"):
        result = run("encode", "-t", source, "--specials", "allow", "added.txt", cwd=work)
        assert ids_of(ok(result)) == expected, source
        assert result.stderr == b"", source  # (load_encoding's warning of added tokens is not for the CLI, which takes them)
    assert ok(run("decode", "-t", "added", cwd=work, stdin=f"{VOCAB} {VOCAB + 1}".encode())) == b"zork<|sp|>"


# --------------------------------------------------------------------------------- info, bench


def test_info(trained: Path, work: Path) -> None:
    info = json.loads(ok(run("info", str(trained), "--json", cwd=work)))
    assert info["n_vocab"] == VOCAB and info["mergeable_tokens"] == VOCAB - 2
    assert info["special_tokens"] == {"<|bos|>": 598, "<|eos|>": 599}
    assert info["pattern_names"] == ["rustbpe", "gpt4"]
    from hf_bpe.cli import SAMPLE_TEXT

    enc = hf_bpe.load_encoding(trained)
    assert info["sample_tokens"] == len(enc.encode_ordinary(SAMPLE_TEXT))
    text = ok(run("info", "cl100k_base", cwd=work)).decode()
    assert "100277 ids: 100256 mergeable tokens, 5 special tokens, 16 unused ids" in text
    assert "<|endoftext|>=100257" in text and "(cl100k_base)" in text
    assert "split by:        scanner" in text


def test_info_tells_what_splits() -> None:
    from hf_bpe.cli_commands import encoding_info

    ranks = {bytes([i]): i for i in range(256)}
    for pattern, split_by in (
        (r"\p{L}+|\p{N}{1,3}|\s+(?!\S)|\s", "matcher"),
        (r"\w+|\s", "matcher"),
        (r"\p{Alphabetic}+|\s", "regex"),
    ):
        enc = hf_bpe.Encoding("x", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
        assert encoding_info(enc, "a 1")["split_by"] == split_by
    assert encoding_info(hf_bpe.get_encoding("gpt2"), "a")["split_by"] == "scanner"


def test_bench_runs_the_checkout_scripts(work: Path) -> None:
    if not (ROOT / "examples" / "bench_train.py").is_file():
        pytest.skip("examples/bench_train.py is not in this checkout")
    result = ok(run("bench", "train", "--examples-dir", str(ROOT / "examples"), "--", "--help", cwd=work))
    assert b"usage: bench_train.py" in result
    refused = run("bench", "train", "--examples-dir", str(ROOT / "examples"), "--", "--vocab-sizes", "0", cwd=work)
    assert refused.returncode == 2 and b"Traceback" not in refused.stderr
    assert b"each size must be at least 256" in refused.stderr
    missing = run("bench", "--examples-dir", str(work), cwd=work)
    assert missing.returncode == 1
    assert b"source checkout" in missing.stderr and len(missing.stderr.splitlines()) == 1


def test_parse_ids_reads_lists_and_refuses_empty_items() -> None:
    from hf_bpe.cli_commands import parse_ids
    from hf_bpe.errors import CliError

    assert parse_ids("[15339, 1917,]") == parse_ids("15339\n1917") == parse_ids("15339 ,1917") == [15339, 1917]
    assert parse_ids("") == parse_ids("[]") == []
    for text in ("1,,2", ",1", "[1, , 2]", ","):
        with pytest.raises(CliError, match="no token id between two commas"):
            parse_ids(text)


# ---------------------------------------------------------------------------------- bad input


BAD_INPUTS = [
    # (arguments, stdin, part of the message)
    (["encode", "-t", "cl100k_base", "missing.txt"], None, "missing.txt: No such file or directory"),
    (["decode", "-t", "cl100k_base"], b"15339 1917 hello", "not a token id: 'hello' (item 3 of the input)"),
    (["decode", "-t", "cl100k_base"], b"15339,, 1917", "no token id between two commas or before the first one (item 2 of the input)"),
    (["decode", "-t", "cl100k_base"], b"15339 100261", "token id 100261 (item 2 of the input) is not in the vocabulary of 'cl100k_base'"),
    (["decode", "-t", "cl100k_base"], b"-1", "token id -1 (item 1 of the input) is not in the vocabulary"),
    (["encode", "-t", "cl100k"], b"hi", "'cl100k' is not a file or folder, nor a known encoding or model name. Did you mean 'cl100k_base'?"),
    (["info", "no_such_encoding"], None, "Known encodings: gpt2, r50k_base"),
    (["encode", "-t", "/dev/zero"], b"hi", "/dev/zero is not a regular file"),
    (["convert", "cl100k_base", "/proc/x.json"], None, "error: cannot write /proc/x.json: "),  # not "error: [Errno 2] cannot ..."
    (["encode", "-t", "VOCAB", "--pattern", ""], b"hi", "the split pattern is empty: it matches no text"),
    (["info", "notes/tok.json"], None, "no such file or folder: notes/tok.json"),
    (["train", "corpus", "--vocab-size", "300", "-o", "corpus/english_000.txt"], None, "cannot write to corpus/english_000.txt: it exists and is not a folder"),
    (["train", "corpus", "--vocab-size", "300", "-o", "corpus/english_000.txt/tok"], None, "cannot write to corpus/english_000.txt/tok: Not a directory"),
    (["convert", "cl100k_base", "no/such/dir/x.json"], None, "cannot write no/such/dir/x.json: no folder no/such/dir"),
    (["convert", "cl100k_base", "newdir/", "--to", "tiktoken"], None, "cannot write into newdir/: no such folder"),
    (["convert", "VOCAB", "new/folder", "--to", "hf-folder", "--pattern", "\udcff|\\S+"], None, "lone surrogate '\\udcff' at offset 0"),
    (["train", "corpus", "--vocab-size", "257", "--special-tokens", "<|a|>", "<|b|>", "-o", "small"], None, "vocab_size must be an int >= 258 (it holds the 256 byte tokens and the 2 special token(s)), got 257"),
    (["train", "corpus", "--vocab-size", "300", "--pattern", "(", "-o", "bad-pattern"], None, "invalid split pattern '('"),
    (["encode", "-t", "VOCAB", "--pattern", "cl100k"], b"hi", "unknown pattern name 'cl100k' (did you mean 'cl100k_base'?)"),
    (["train", "md-only", "--vocab-size", "300", "-o", "t"], None, "md-only: no *.parquet files and no text files matching '*.txt'"),
    (["train", "corpus/shards", "--text-column", "body", "--vocab-size", "300", "-o", "t"], None, "has no column 'body' (its columns: text)"),
    (["train", "corpus/english_000.txt", "--text-column", "body", "--vocab-size", "300", "-o", "t"], None,
     "--text-column names a column of parquet files, and no parquet file is given"),  # not ignored
    (["train", "corpus/english_000.txt", "--special-tokens", "<|a|>", "corpus/code_000.txt", "--vocab-size", "300", "-o", "t"], None,
     "special token 'corpus/code_000.txt' is a file or folder: --special-tokens takes every word after it"),  # was trained without it
    (["train", "nowhere", "--vocab-size", "300", "-o", "t"], None, "no such file or folder: nowhere"),
    (["train", "empty.txt", "--vocab-size", "300", "--no-progress", "-o", "new/a/b"], None, "nothing to train on"),
    (["train", "corpus", "--vocab-size", "300", "-o", "out\udcff"], None, "is not text: give --name NAME"),
    (["encode", "-t", "cl100k_base", "--special-token", "<|x|>=200000"], b"hi", "--special-token applies to .tiktoken files"),
    (["encode", "-t", "VOCAB", "--pattern", "cl100k_base", "--special-token", "a=100257", "--special-token", "b=100257"], b"hi",
     "special tokens 'a' and 'b' both get id 100257: give each its own"),  # b would decode as a
    (["encode", "-t", "VOCAB", "--pattern", "cl100k_base", "--special-token", "<|endoftext|>=-1"], b"hi",
     "the id in '<|endoftext|>=-1' must be written in decimal digits only"),  # not a token of that text
    (["decode", "-t", "cl100k_base"], b"100261", "is not in the vocabulary of 'cl100k_base' (no token has that id)"),
    (["train", "corpus", "--vocab-size", "300", "--special-tokens", "Ġ", "-o", "t"], None, "special token 'Ġ' is spelled like a byte token"),
    (["train", "corpus", "--vocab-size", "300", "--special-tokens", "<|café|>", "-o", "t"], None, "special token '<|café|>' is written in GPT-2's byte alphabet: Hugging Face would decode it as the bytes b'<|caf\\xe9|>'"),
    (["train", "binary.txt", "--vocab-size", "300", "-o", "t"], None, "binary.txt: not UTF-8 text (invalid byte 0xff at offset 3)"),
    (["encode", "-t", "cl100k_base"], b"abc\xff", "standard input is not UTF-8 text (invalid byte 0xff at offset 3)"),
    (["encode", "-t", "VOCAB"], b"hi", "is a .tiktoken file, which holds no split pattern: give one with --pattern NAME_OR_REGEX (it is the official cl100k_base file"),
    (["encode", "-t", "corpus/english_000.txt"], b"hi", "corpus/english_000.txt is not a tokenizer file: not JSON, and not tiktoken's format"),
    (["encode", "-t", "corpus/shards"], b"hi", "corpus/shards is a folder without encoding.json or tokenizer.json"),
    (["info", "list.json"], None, "list.json is not a tokenizer.json object"),  # JSON, but not an object
    (["info", "null.json"], None, "null.json is not a tokenizer.json object"),  # not "not JSON"
    (["info", "ENCODER_JSON"], None, "not a tokenizer.json: it has no \"model\" object (GPT-2's encoder.json goes with its vocab.bpe"),
    (["decode", "-t", "cl100k_base"], b"1 " + b"9" * 5000, "token id 99999999999999999999... (item 2 of the input, 5000 digits) is too large"),
]


@pytest.mark.parametrize(("argv", "stdin", "message"), BAD_INPUTS, ids=[" ".join(a[:3]) for a, _, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_exit_1(work: Path, argv: list[str], stdin: Optional[bytes], message: str) -> None:
    (work / "binary.txt").write_bytes(b"abc\xff\xfe")
    (work / "empty.txt").write_bytes(b"")
    (work / "list.json").write_text("[]")
    (work / "null.json").write_text("null\n")
    files = {"VOCAB": lambda: realdata.vocab_file("cl100k_base"), "ENCODER_JSON": lambda: realdata.gpt2_data_gym()[0]}
    argv = [str(files[a]()) if a in files else a for a in argv]
    before = sorted(p.name for p in work.iterdir())
    result = run(*argv, cwd=work, stdin=stdin)
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert err.startswith("hf-bpe: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err and result.stdout == b""
    assert sorted(p.name for p in work.iterdir()) == before  # nothing written


def test_the_output_folder_check_writes_through_no_planted_link(tmp_path: Path) -> None:
    # The check wrote an empty file named by the process id, following a link planted there
    # (in a folder others may write to): the linked file was emptied.
    from hf_bpe.cli_train import check_output_dir

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    output = tmp_path / "shared"
    output.mkdir()
    (output / f".hf-bpe-write-test-{os.getpid()}").symlink_to(victim)
    check_output_dir(output)
    assert victim.read_text() == "keep me"
    assert sorted(p.name for p in output.iterdir()) == [f".hf-bpe-write-test-{os.getpid()}"]


def test_a_closed_standard_output_is_one_line(work: Path) -> None:
    for command in (["encode", "-t", "cl100k_base"], ["info", "cl100k_base"]):  # info said nothing, exit 0
        result = subprocess.run(
            [sys.executable, "-m", "hf_bpe", *command], input=b"hi", cwd=work,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1),
        )
        assert result.returncode == 1 and result.stderr == b"hf-bpe: error: standard output is closed: nowhere to write the result\n"


def test_a_closed_standard_input_is_one_line(work: Path) -> None:
    for command in ("encode", "decode"):  # it was an AttributeError's traceback
        result = subprocess.run(
            [sys.executable, "-m", "hf_bpe", command, "-t", "cl100k_base"], cwd=work,
            stdin=subprocess.DEVNULL, capture_output=True, preexec_fn=lambda: os.close(0),
        )
        assert result.returncode == 1 and result.stderr == b"hf-bpe: error: standard input is closed: give the text in a file\n"


def test_unbuffered_output_is_written_whole_or_fails(work: Path, sample_text: str) -> None:
    """Unbuffered (``python -u``, ``PYTHONUNBUFFERED=1``, common in containers), standard
    output is the raw file, whose write may take part of the data: the rest was dropped,
    with exit status 0."""
    path = work / "long.txt"
    path.write_text(sample_text * 20, encoding="utf-8")
    expected = ok(run("encode", "-t", "cl100k_base", str(path), cwd=work))
    assert len(expected) > 1 << 20
    command = [sys.executable, "-u", "-m", "hf_bpe", "encode", "-t", "cl100k_base", str(path)]
    # A non-blocking pipe takes what fits (64 KB), then nothing until the reader reads.
    full = subprocess.run(command, cwd=work, capture_output=True, timeout=300, preexec_fn=lambda: os.set_blocking(1, False))
    assert full.returncode == 0 and full.stdout == expected, full.stderr
    # A file that may not grow past half the output: an error, not exit status 0.
    import resource

    limit = len(expected) // 2
    with open(work / "capped.txt", "wb") as capped:
        result = subprocess.run(
            command, cwd=work, stdout=capped, stderr=subprocess.PIPE, timeout=300,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
        )
    assert result.returncode == 1 and result.stderr == b"hf-bpe: error: File too large\n"


def test_a_reader_gone_early_is_status_141_without_a_traceback(work: Path) -> None:
    """``hf-bpe info ... | true``: the output is flushed where a broken pipe is expected
    (it was flushed after, in a traceback, exit status 120)."""
    # Buffered (PYTHONUNBUFFERED writes each line at once), strict (as in a UTF-8 locale).
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen([sys.executable, "-m", "hf_bpe", "info", "cl100k_base"], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before anything is written
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and err == b"", err.decode()


def test_output_goes_through_a_writer_that_returns_nothing(work: Path, sample_text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hand-written stdout whose ``buffer.write`` returns None (not a raw file) took the
    data whole; the loop for short writes must not take None for "would block"."""
    from hf_bpe import cli

    class Writer:
        def __init__(self) -> None:
            self.data = bytearray()

        def write(self, data: Any) -> None:
            self.data += data

        def flush(self) -> None:
            pass

    class Out:
        buffer = Writer()

        def write(self, text: str) -> None:
            pass

        def flush(self) -> None:
            pass

    (work / "writer.txt").write_text(sample_text, encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", Out())
    assert cli.main(["encode", "-t", "cl100k_base", str(work / "writer.txt")]) == 0
    assert ids_of(bytes(Out.buffer.data)) == hf_bpe.get_encoding("cl100k_base").encode(sample_text)


def test_main_with_an_argument_that_is_not_a_str_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """``main([None, "info"])``: the look for the command before argparse raised an
    AttributeError (None.startswith); argparse's usage error is what a bad argument gets."""
    from hf_bpe import cli

    with pytest.raises(SystemExit) as info:
        cli.main([None, "info"])  # type: ignore[list-item]
    assert info.value.code == 2 and "invalid choice: None" in capsys.readouterr().err


def test_without_a_standard_error_messages_go_nowhere_and_training_runs(work: Path, trained: Path) -> None:
    """Started without a standard error (``2>&-``, a daemon): the error line went to
    standard output, among the data, and training failed in its progress bar."""
    def closed() -> None:
        os.close(2)

    result = subprocess.run(
        [sys.executable, "-m", "hf_bpe", "decode", "-t", str(trained)], input=b"15 hello", cwd=work,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=closed, timeout=300,
    )
    assert result.returncode == 1 and result.stdout == b""
    out = work / "no-stderr"
    result = subprocess.run(
        [sys.executable, "-m", "hf_bpe", "train", "corpus", "--vocab-size", "300", "--output", str(out)],
        cwd=work, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=closed, timeout=300,
    )
    assert result.returncode == 0 and hf_bpe.load_encoding(out).n_vocab == 300
    # The library's own progress bar (the default, progress=None) wrote to None.
    script = "import pathlib, hf_bpe; print(hf_bpe.train_bpe([p.read_text() for p in pathlib.Path('corpus').glob('*.txt')], 300).n_vocab)"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=closed, timeout=300,
    )
    assert result.stdout == b"300\n"


def test_a_standard_output_that_cannot_spell_a_name_gets_escapes_not_an_error(work: Path) -> None:
    """``PYTHONIOENCODING=ascii`` (or a C locale): ``train`` saved the folder, then failed
    naming it (exit status 1 after the work was done), ``info`` part-way through."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    out = work / "tök"
    trained = run("train", "corpus", "--vocab-size", "300", "--output", str(out), cwd=work, env=env)
    assert trained.returncode == 0 and b"t\\xf6k" in trained.stdout, trained.stderr
    info = run("info", str(out), "--json", cwd=work, env=env)
    assert info.returncode == 0 and json.loads(info.stdout)["name"] == "tök", info.stderr
    text = run("info", str(out), cwd=work, env=env)
    assert text.returncode == 0 and b"t\\xf6k" in text.stdout, text.stderr


def test_a_c_locale_gets_escapes_and_the_bytes_of_undecodable_names(work: Path) -> None:
    """A C locale without UTF-8 mode gives standard output the ``surrogateescape`` error
    handler, not ``strict``: ``info`` stopped at the first character ASCII lacks (a
    special token, the pattern of DeepSeek-V3) with "'ascii' codec can't encode". A
    refusal caused by the locale says so."""
    env = {**{k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LANG")}, "LC_ALL": "C", "PYTHONUTF8": "0"}
    out = work / "tök"
    ok(run("train", "corpus", "--vocab-size", "300", "--output", str(out), "--special-tokens", "<|终|>", cwd=work))
    shown = ok(run("info", str(out), cwd=work, env=env))
    assert b"special tokens:  <|\\u7ec8|>=299" in shown and b"name:            t\\xf6k" in shown, shown
    # A path's undecodable bytes (surrogateescape took them in) go out as the bytes on disk.
    odd = "t\udcffk"  # b"t\xffk"
    trained = ok(run("train", "corpus", "--vocab-size", "300", "--output", odd, "--name", "odd", cwd=work, env=env))
    assert b"t\xffk" in trained and (work / os.fsdecode(b"t\xffk") / "encoding.json").exists(), trained
    refused = run("train", "corpus", "--vocab-size", "300", "--output", "x", "--name", "modèle", cwd=work, env=env)
    assert refused.returncode == 1 and not (work / "x").exists()
    assert refused.stderr.splitlines() == [
        b"hf-bpe: error: --name 'mod\\udcc3\\udca8le' is not text",
        b"hf-bpe: note: arguments are read in this locale's encoding (ascii), in which some are not text: "
        b"PYTHONUTF8=1 or LC_ALL=C.UTF-8 reads them as UTF-8",
    ], refused.stderr


def test_convert_writes_no_tokenizer_json_under_another_files_name(tmp_path: Path) -> None:
    """`convert cl100k_base e/encoding.json` wrote a tokenizer.json as encoding.json: the
    folder then loaded nowhere (hf-bpe info: "not an hf_bpe encoding file")."""
    for name in ("encoding.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json"):
        (tmp_path / "e").mkdir(exist_ok=True)
        result = run("convert", "cl100k_base", f"e/{name}", cwd=tmp_path)
        assert result.returncode == 1 and f"cannot write a tokenizer.json as e/{name}: {name} is another file".encode() in result.stderr
        assert list((tmp_path / "e").iterdir()) == []
    ok(run("convert", "cl100k_base", "e/cl100k.json", cwd=tmp_path))  # any other name is fine


def test_convert_into_a_folder_names_the_file_inside_it(tmp_path: Path) -> None:
    """The .tiktoken file is named after the encoding, whose name (from encoding.json) could
    hold folders: convert wrote ../../evil.tiktoken outside the folder given."""
    ranks = {bytes([i]): i for i in range(256)}
    for name, file in (("../../evil", ".._.._evil.tiktoken"), ("/tmp/evil", "_tmp_evil.tiktoken"), ("..", "vocab.tiktoken")):
        case = tmp_path / str(len(list(tmp_path.iterdir())))
        (case / "a" / "b" / "out").mkdir(parents=True)
        hf_bpe.save_encoding(hf_bpe.Encoding(name, pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={}), case / "tok")
        ok(run("convert", str(case / "tok"), str(case / "a" / "b" / "out"), "--to", "tiktoken", cwd=case))
        assert [p.name for p in (case / "a" / "b" / "out").iterdir()] == [file]
        assert sorted(p.name for p in case.rglob("*.tiktoken")) == sorted([file, "vocab.tiktoken"])
        assert not Path("/tmp/evil.tiktoken").exists()


def test_version_says_whether_the_core_is_compiled(work: Path) -> None:
    core = "compiled core" if hf_bpe.COMPILED else "uncompiled core"
    assert ok(run("--version", cwd=work)).decode().startswith(f"hf-bpe {hf_bpe.__version__} ({core}")


def test_version_is_one_line_however_narrow_the_terminal(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    assert ok(run("--version", cwd=work)).decode().count("\n") == 1


def _group(pgid: int) -> list[int]:
    """The processes of process group ``pgid`` (from /proc: the 5th field of stat)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_sigterm_stops_train_as_ctrl_c_does(tmp_path: Path) -> None:
    # A SIGTERM (kill, a scheduler's time limit) used to end the process at once: its
    # counting processes ran on and an empty output folder stayed.
    import signal
    import time

    big = tmp_path / "big.txt"
    big.write_text("".join(realdata.documents("multilingual", max_bytes=4_000_000)) * 5, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hf_bpe", "train", str(big), "--by-line", "--vocab-size", "30000", "--num-proc", "2",
         "-o", str(tmp_path / "out")],
        stderr=subprocess.PIPE, start_new_session=True, env=dict(os.environ),
    )
    deadline = time.monotonic() + 120
    while len(_group(proc.pid)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # until both counting processes run
    assert proc.poll() is None, "training ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143 and err.decode().endswith("hf-bpe: terminated\n"), err.decode()
    assert not (tmp_path / "out").exists()
    deadline = time.monotonic() + 30
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group(proc.pid) == []  # no counting process left


def test_special_tokens_written_before_the_inputs_say_so(work: Path) -> None:
    result = run("train", "--vocab-size", "300", "-o", "t", "--special-tokens", "<|eos|>", "corpus", cwd=work)
    err = result.stderr.decode()
    assert result.returncode == 2 and "--special-tokens took 'corpus' too; give the inputs first" in err, err


def test_parquet_schemas_are_checked_before_any_text_file_is_read(work: Path) -> None:
    result = run("train", "corpus", "--text-column", "body", "--vocab-size", "300", "-o", "t", "-v", cwd=work)
    err = result.stderr.decode()
    assert result.returncode == 1 and "has no column 'body'" in err, err
    assert "counted" not in err and "counting" not in err, err


def test_a_special_token_spelled_like_a_learned_one_is_a_warning_line(work: Path) -> None:
    # Found only after training: the folder is written without tokenizer.json, and the
    # CLI says so in its own words (no Python warning text).
    (work / "ab.txt").write_text("ab ab ab abab ab\n", encoding="utf-8")
    result = run("train", "ab.txt", "--vocab-size", "260", "--no-progress", "--special-tokens", "ab", "-o", "ab-tok", cwd=work)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert err.splitlines() == [
        "hf-bpe: warning: no tokenizer.json written for 'ab-tok': added token 'ab' (id 259) is spelled like "
        "the mergeable token with id 256: tokenizer.json cannot hold both. The folder loads with hf_bpe (and "
        "with AutoTokenizer in a program that imports hf_bpe) but not with stock transformers."
    ]
    assert sorted(p.name for p in (work / "ab-tok").iterdir()) == ["encoding.json", "tokenizer_config.json", "vocab.tiktoken"]


def test_library_warnings_are_warning_lines(work: Path) -> None:
    result = run("convert", "o200k_harmony", "harmony", "--to", "hf-folder", cwd=work)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert err.startswith("hf-bpe: warning: no tokenizer.json written for 'o200k_harmony'") and err.count("\n") == 1, err


def test_ids_files_with_a_byte_order_mark(work: Path) -> None:
    (work / "ids.txt").write_bytes("\ufeff[15339, 1917]\r\n".encode())
    assert ok(run("decode", "-t", "cl100k_base", "ids.txt", cwd=work)) == b"hello world"


def test_special_token_items_are_text_or_text_and_id() -> None:
    from hf_bpe.cli_resolve import parse_special_tokens
    from hf_bpe.errors import CliError

    assert parse_special_tokens(["<|a=b|>", "<|x|>=5", "y=²", "<|z|>"], 3) == {"<|a=b|>": 3, "<|x|>": 5, "y=²": 6, "<|z|>": 7}
    with pytest.raises(CliError, match="empty special token in '=998'"):
        parse_special_tokens(["=998"], 0)


def test_debug_shows_the_traceback_and_usage_errors_exit_2(work: Path) -> None:
    result = run("--debug", "decode", "-t", "cl100k_base", cwd=work, stdin=b"1 x")
    assert result.returncode == 1 and b"Traceback" in result.stderr and b"CliError" in result.stderr
    usage = run("encode", cwd=work, stdin=b"hi")  # --tokenizer is required
    assert usage.returncode == 2 and b"the following arguments are required: -t/--tokenizer" in usage.stderr
    for argv in (
        ["train", "corpus", "--vocab-size", "0", "-o", "t"],
        ["train", "corpus", "--vocab-size", "100", "-o", "t"],  # was exit 1, worded for Python (vocab_size)
        ["train", "corpus", "--vocab-size", "300", "--max-chars", "-5", "-o", "t"],
        ["train", "--vocab-size", "300", "-o", "t"],  # no input
        ["train", "corpus", "--vocab-size", "300", "-o", ""],  # not the current folder
        ["convert", "cl100k_base", ""],
    ):
        result = run(*argv, cwd=work)
        assert result.returncode == 2 and result.stderr.startswith(b"usage: "), (argv, result.stderr)
    for argv in (  # an empty input (an unset variable: train "$CORPUS") trained on the current folder
        ["train", "", "--vocab-size", "300", "-o", "t"],
        ["encode", "-t", ""], ["encode", "-t", "cl100k_base", ""], ["decode", "-t", "cl100k_base", ""],
        ["info", ""], ["info", "cl100k_base", "--sample", ""], ["convert", "", "x.json"],
    ):
        result = run(*argv, cwd=work, stdin=b"hi")
        assert result.returncode == 2 and result.stderr.endswith(b": expected a path, got an empty string\n"), (argv, result.stderr)
    assert not (work / "t").exists()
    assert b"argument --vocab-size: expected an integer >= 256 (the 256 byte tokens" in run(
        "train", "corpus", "--vocab-size", "100", "-o", "t", cwd=work).stderr


def test_training_goes_on_when_the_reader_of_its_progress_bars_goes_away(work: Path) -> None:
    """``hf-bpe train ... --progress 2>&1 >log | head -c 3``, or a ``tee`` that dies: the bars'
    write failed and the run ended with a BrokenPipeError (exit 141, nothing saved), where
    log lines, which cannot be written either, let it finish."""
    argv = [sys.executable, "-m", "hf_bpe", "train", "corpus", "--vocab-size", "400", "--num-proc", "1", "--progress", "-o", "bars-unread"]
    process = subprocess.Popen(argv, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    process.stderr.close()  # nobody reads standard error
    assert process.wait(timeout=300) == 0
    assert sorted(p.name for p in (work / "bars-unread").iterdir()) == ["encoding.json", "tokenizer.json", "tokenizer_config.json", "vocab.tiktoken"]


def test_verbose_logs_stages_quiet_otherwise(trained: Path, work: Path) -> None:
    quiet = run("encode", "-t", str(trained), cwd=work, stdin=b"hello")
    assert ok(quiet) and quiet.stderr == b""
    loud = run("encode", "-v", "-t", str(trained), cwd=work, stdin=b"hello").stderr.decode()
    assert "loaded 'tok'" in loud and "encoded 5 bytes into" in loud


def test_train_shows_progress_lines_where_no_bar_is_drawn(work: Path) -> None:
    # A batch job's log (standard error not a terminal) got nothing until the end unless -v.
    argv = ("train", "corpus/english_000.txt", "corpus/code_000.txt", "--vocab-size", "300", "--num-proc", "1")
    shown = ok_stderr(run(*argv, "-o", "progress-lines", cwd=work))
    assert "counting: 2 of 2 docs (100%)" in shown and "merging: 44 of 44 merges (100%)" in shown
    assert "learned 44 merges" not in shown  # the timings stay for -v
    assert ok_stderr(run(*argv, "-o", "no-progress", "--no-progress", cwd=work)) == ""


def test_progress_lines_of_an_in_process_train_are_shown_once(work: Path) -> None:
    # main() in a program that logs INFO lines itself: each progress line once (the CLI's
    # handler), not also through the program's own; the logger is as it was after.
    script = (
        "import logging, sys\n"
        "from hf_bpe.cli import main\n"
        "logging.basicConfig(level=logging.INFO, format='ROOT %(message)s')\n"
        "status = main(['train', 'corpus/english_000.txt', '--vocab-size', '300', '--num-proc', '1', '-o', 'in-process'])\n"
        "progress = logging.getLogger('hf_bpe.progress')\n"
        "print(status, progress.level, progress.propagate, progress.handlers)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=work, timeout=300)
    shown = ok_stderr(result)
    assert shown.count("merging: 44 of 44 merges (100%)") == 1 and "ROOT merging" not in shown, shown
    assert result.stdout.decode().splitlines()[-1].split() == ["0", "0", "True", "[]"]


def ok_stderr(result: subprocess.CompletedProcess[bytes]) -> str:
    ok(result)
    return result.stderr.decode()


def test_console_script(trained: Path, work: Path) -> None:
    script = Path(sys.executable).with_name("hf-bpe")
    if not script.is_file():
        pytest.skip(f"no hf-bpe console script next to {sys.executable}: hf_bpe is not installed there")
    core = "compiled core" if hf_bpe.COMPILED else "uncompiled core"
    assert ok(run("--version", cwd=work, script=[str(script)])).decode().startswith(f"hf-bpe {hf_bpe.__version__} ({core}")
    ids = ok(run("encode", "-t", str(trained), cwd=work, stdin=b"hello world", script=[str(script)]))
    assert ok(run("decode", "-t", str(trained), cwd=work, stdin=ids, script=[str(script)])) == b"hello world"


def test_a_glob_with_a_slash_matches_paths_inside_the_folder(tmp_path: Path) -> None:
    from hf_bpe.cli_train import training_files

    for name in ("b.txt", "books/a.txt", "books/deep/c.txt", "books/d.md", "news/e.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")

    def found(glob: str) -> list[str]:
        texts, parquets = training_files([str(tmp_path)], glob)
        assert parquets == []
        return [p.relative_to(tmp_path).as_posix() for p in texts]

    assert found("*.txt") == ["b.txt", "books/a.txt", "books/deep/c.txt", "news/e.txt"]  # by name, at any depth
    # As Path.glob matches: * stays in one folder's name (fnmatch's crossed folders), ** is
    # any number of folders, none too (books/**/*.txt missed books/a.txt).
    assert found("books/*.txt") == ["books/a.txt"]
    assert found("books/**/*.txt") == ["books/a.txt", "books/deep/c.txt"]
    assert found("**/*.txt") == found("*.txt")
    assert found("*/deep/*") == found("**/deep/*") == ["books/deep/c.txt"]
    assert sorted(found("books/**")) == ["books/a.txt", "books/d.md", "books/deep/c.txt"]


def test_convert_never_writes_over_its_source(tmp_path: Path) -> None:
    """`convert F F` replaced the folder with what the conversion kept (a chat template and
    model_max_length gone); `convert x.json x.json --to tiktoken` left ranks only."""
    folder = tmp_path / "tok"
    hf_bpe.HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2"), model_max_length=1024).save_pretrained(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    for src, dst, more in [("tok", "tok", []), ("tok", "tok/tokenizer.json", []), ("tok/tokenizer.json", "tok", []),
                           ("tok/tokenizer.json", "tok/tokenizer.json", ["--to", "tiktoken"]), ("tok", "tok/", []),
                           ("tok/encoding.json", "tok/tokenizer.json", [])]:  # encoding.json: its folder is loaded
        result = run("convert", src, dst, *more, cwd=tmp_path)
        assert result.returncode == 1 and b"the tokenizer being converted: write elsewhere" in result.stderr, (src, dst)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # New files beside it, or a folder converted into the folder it lies in, overwrite nothing.
    ok(run("convert", "tok/tokenizer.json", "tok/a.tiktoken", "--to", "tiktoken", cwd=tmp_path))
    ok(run("convert", "tok", "tok", "--to", "tiktoken", cwd=tmp_path))  # tok/gpt2.tiktoken
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == {
        **before, "a.tiktoken": (folder / "a.tiktoken").read_bytes(), "gpt2.tiktoken": (folder / "gpt2.tiktoken").read_bytes()}
    (tmp_path / "sub").mkdir()
    ok(run("convert", "tok", "sub/G", cwd=tmp_path))
    ok(run("convert", "sub/G", "sub", cwd=tmp_path))
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["G", "encoding.json", "tokenizer.json", "tokenizer_config.json", "vocab.tiktoken"]


def test_train_never_replaces_or_removes_its_own_input(tmp_path: Path) -> None:
    """`train data -o data` read data/merges.txt as a document (it is a *.txt), then removed
    it and data/vocab.json as an earlier tokenizer's files, with a log line only."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "book.txt").write_text("".join(realdata.documents("english", max_bytes=40_000)), encoding="utf-8")
    (data / "merges.txt").write_text("my notes about merges\n", encoding="utf-8")
    (data / "vocab.json").write_text('{"my": "data"}\n', encoding="utf-8")
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    result = run("train", "data", "--vocab-size", "300", "--no-progress", "-o", "data", cwd=tmp_path)
    assert result.returncode == 1
    assert "would replace or remove data/merges.txt, read to train it: give another --output" in result.stderr.decode()
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    # Files that are not inputs are removed as an earlier tokenizer's, and the user is told.
    result = run("train", "data/book.txt", "--vocab-size", "300", "--no-progress", "-o", "data", cwd=tmp_path)
    ok(result)
    assert result.stderr.decode().startswith("hf-bpe: warning: ") and "/data: removed merges.txt, vocab.json, files of an earlier" in result.stderr.decode()
    assert sorted(p.name for p in data.iterdir()) == ["book.txt", "encoding.json", "tokenizer.json", "tokenizer_config.json", "vocab.tiktoken"]


def test_a_folder_named_like_an_encoding_says_it_hides_the_name(tmp_path: Path) -> None:
    """An existing path wins over a name: a folder `cl100k_base` was only "not a tokenizer
    folder", which left the user wondering why the named encoding was not used."""
    for spec, hidden in (("cl100k_base", "the named encoding cl100k_base"), ("gpt-4o", "the model name gpt-4o (encoding o200k_base)")):
        (tmp_path / spec).mkdir()
        result = run("encode", "-t", spec, cwd=tmp_path, stdin=b"hi")
        assert result.returncode == 1
        assert result.stderr.decode() == (
            f"hf-bpe: error: {spec} is a folder without encoding.json or tokenizer.json: not a tokenizer folder "
            f"(it hides {hidden}: a path that exists wins over a name; run from another folder)\n")
    (tmp_path / "o200k_base").mkdir()
    (tmp_path / "o200k_base" / "encoding.json").write_text("{")  # an error of another kind: noted too
    result = run("encode", "-t", "o200k_base", cwd=tmp_path, stdin=b"hi")
    assert result.returncode == 1 and result.stderr.decode().endswith(
        "(it hides the named encoding o200k_base: a path that exists wins over a name; run from another folder)\n")
    (tmp_path / "mine").mkdir()
    assert b"hides" not in run("encode", "-t", "mine", cwd=tmp_path, stdin=b"hi").stderr


def test_convert_writes_no_lone_file_into_a_tokenizer_folder(tmp_path: Path) -> None:
    """`convert cl100k_base tok --to tokenizer.json` put cl100k's tokenizer.json beside a
    trained tokenizer's vocab.tiktoken and encoding.json: stock transformers then loaded
    cl100k from the folder and hf_bpe the trained one."""
    ranks = {bytes([i]): i for i in range(256)}
    hf_bpe.save_encoding(hf_bpe.Encoding("mine", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={}), tmp_path / "tok")
    before = {p.name: p.read_bytes() for p in (tmp_path / "tok").iterdir()}
    for src, dst, more in [("cl100k_base", "tok", ["--to", "tokenizer.json"]), ("cl100k_base", "tok/tokenizer.json", []),
                           ("cl100k_base", "tok/vocab.tiktoken", []), ("gpt2", "tok/encoding.json", ["--to", "tokenizer.json"])]:
        result = run("convert", src, dst, *more, cwd=tmp_path)
        assert result.returncode == 1, (dst, more)
        assert b"alone would leave the tokenizer folder tok with files of two tokenizers" in result.stderr, result.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "tok").iterdir()} == before
    # The whole folder may be replaced; a folder holding only the file written may be too.
    ok(run("convert", "cl100k_base", "tok", "--to", "hf-folder", cwd=tmp_path))
    assert hf_bpe.load_encoding(tmp_path / "tok").encode("hello world") == [15339, 1917]
    (tmp_path / "one").mkdir()
    for _ in range(2):
        ok(run("convert", "cl100k_base", "one/tokenizer.json", cwd=tmp_path))
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["tokenizer.json"]
    # Settings files are no vocabulary: a tokenizer.json is written (again) beside them.
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        (tmp_path / "one" / name).write_text("{}")
    ok(run("convert", "cl100k_base", "one/tokenizer.json", cwd=tmp_path))
    (tmp_path / "one" / "tokenizer.model").write_bytes(b"sentencepiece")
    result = run("convert", "cl100k_base", "one/tokenizer.json", cwd=tmp_path)
    assert result.returncode == 1 and b"(its tokenizer.model would stay)" in result.stderr


def test_an_added_token_with_strip_flags_is_refused_not_encoded_otherwise(tmp_path: Path) -> None:
    """The folder's own tokenizer strips the space before ' wow'; an Encoding cannot: the
    command line gave other ids in silence, and convert wrote a tokenizer.json that
    save_pretrained had refused to write."""
    from tokenizers import AddedToken

    tok = hf_bpe.HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2"))
    tok.add_tokens([AddedToken(" wow", lstrip=True)])
    with pytest.warns(hf_bpe.TokenizerJsonWarning):
        tok.save_pretrained(tmp_path / "tok")
    for argv in (["encode", "-t", "tok"], ["convert", "tok", "out.json"], ["info", "tok"]):
        result = run(*argv, cwd=tmp_path, stdin=b"x  wow")
        assert result.returncode == 1, argv
        assert b"added token ' wow' has lstrip, which only HfBpeTokenizer applies" in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_a_token_added_to_the_folders_tokenizer_json_after_the_save_is_the_folders(tmp_path: Path) -> None:
    """A token added to a saved folder's tokenizer.json (with tokenizers) is one the folder's
    tokenizer has: the command line read the folder its own way, took tokenizer_config.json's
    added tokens only, and encoded "<|new|>" as text in silence."""
    from tokenizers import AddedToken, Tokenizer

    enc = hf_bpe.train_bpe(["hello world, hello tokenizers"] * 50, vocab_size=270, special_tokens=["<|end|>"], num_proc=1)
    hf_bpe.save_encoding(enc, tmp_path / "tok")
    stock = Tokenizer.from_file(str(tmp_path / "tok" / "tokenizer.json"))
    stock.add_special_tokens([AddedToken("<|new|>", special=True)])
    stock.save(str(tmp_path / "tok" / "tokenizer.json"))
    text = "hi<|new|>there<|end|>"
    expected = stock.encode(text).ids
    assert 270 in expected
    out = ok(run("encode", "-t", "tok", "--specials", "allow", cwd=tmp_path, stdin=text.encode()))
    assert ids_of(out) == expected


def test_a_folder_of_gpt2s_data_gym_files_is_a_tokenizer(tmp_path: Path) -> None:
    """formats.md lists encoder.json + vocab.bpe among the formats convert reads; a folder
    of them was "not a tokenizer folder"."""
    folder = realdata.gpt2_data_gym()[0].parent
    text = "Hello world, héllo 🙂 <|endoftext|>".encode()
    assert ok(run("encode", "-t", str(folder), "--specials", "allow", cwd=tmp_path, stdin=text)) == ok(
        run("encode", "-t", "gpt2", "--specials", "allow", cwd=tmp_path, stdin=text))
    ok(run("convert", str(folder), "gpt2.tiktoken", cwd=tmp_path))
    assert hf_bpe.load_tiktoken_bpe(tmp_path / "gpt2.tiktoken") == hf_bpe.get_encoding("gpt2")._mergeable_ranks


def test_a_special_token_no_path_can_be_is_not_taken_for_one() -> None:
    from hf_bpe.cli_train import _names_a_path

    assert not _names_a_path("<|" + "x" * 300 + "|>")  # was OSError: File name too long
    assert not _names_a_path("a\x00b") and not _names_a_path("<|endoftext|>")
    assert _names_a_path(__file__)


SIGTERM_WHILE_CTRL_C_IS_IGNORED = """
import os, signal, time
from hf_bpe.cli import _sigterm_as_ctrl_c
from hf_bpe.parallel import interrupts_deferred
signal.signal(signal.SIGINT, signal.SIG_IGN)  # as in a background job of a script, or under nohup
terminated = []
try:
    with _sigterm_as_ctrl_c(terminated):
        with interrupts_deferred():  # a step that must not stop half-way (a queue's lock taken)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)
            print("step done")
except KeyboardInterrupt:
    print("stopped", terminated)
"""


def test_a_sigterm_waits_for_a_step_that_must_not_stop_half_way_even_where_ctrl_c_is_ignored() -> None:
    """The command line turns a SIGTERM into a Ctrl-C, which steps such as a queue's put
    hold back; where Ctrl-C itself was ignored (CI's background jobs), nothing was held
    back and a SIGTERM inside a put left its lock taken: `train` then hung for good."""
    out = subprocess.run([sys.executable, "-c", SIGTERM_WHILE_CTRL_C_IS_IGNORED], capture_output=True, text=True, timeout=60)
    assert out.stdout.splitlines() == ["step done", "stopped [True]"], out.stdout + out.stderr


TWO_SIGNALS_IN_A_LONG_STEP = """
import os, signal, sys, time
from hf_bpe.cli import _sigterm_as_ctrl_c
from hf_bpe.parallel import interrupts_deferred
if sys.argv[1] == "ignored":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
pairs = [(signal.SIGTERM, signal.SIGTERM), (signal.SIGTERM, signal.SIGINT), (signal.SIGINT, signal.SIGTERM), (signal.SIGINT, signal.SIGINT)]
for first, second in pairs:
    if sys.argv[1] == "ignored" and signal.SIGINT in (first, second):
        continue
    terminated = []
    try:
        with _sigterm_as_ctrl_c(terminated):
            with interrupts_deferred("a long step"):  # one that waits on other processes
                os.kill(os.getpid(), first)
                time.sleep(0.2)
                os.kill(os.getpid(), second)
                time.sleep(0.2)
                print("step done")  # a second signal stops such a step at once
    except KeyboardInterrupt:
        print(first.name, second.name, "terminated" if terminated else "interrupted")
"""


@pytest.mark.parametrize("ctrl_c", ["handled", "ignored"])
def test_a_second_signal_stops_a_long_step_at_once_and_a_sigterm_counts(ctrl_c: str) -> None:
    """In a step that waits on other processes, a second signal stops it at once, and the
    command says "terminated" (143) whenever a SIGTERM came, whichever came first."""
    out = subprocess.run([sys.executable, "-c", TWO_SIGNALS_IN_A_LONG_STEP, ctrl_c], capture_output=True, text=True, timeout=60)
    expected = ["SIGTERM SIGTERM terminated"]
    if ctrl_c == "handled":
        expected += ["SIGTERM SIGINT terminated", "SIGINT SIGTERM terminated", "SIGINT SIGINT interrupted"]
    assert out.stdout.splitlines() == expected, out.stdout + out.stderr
    assert out.stderr.count("hf_bpe: waiting for a long step") == len(expected), out.stderr


A_SIGNAL_IN_A_FINALIZER = """
import os, select, signal
from hf_bpe.cli import _sigterm_as_ctrl_c


class Dropped:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs here, and Python drops what it raises
            pass


terminated = []
never, _ = os.pipe()
try:
    with _sigterm_as_ctrl_c(terminated):
        Dropped()
        select.select([never], [], [])  # a wait that only a signal ends
        print("ran on to the end")
except KeyboardInterrupt:
    print("stopped", bool(terminated))
"""


def test_a_sigterm_that_python_drops_in_a_finalizer_is_delivered_again() -> None:
    """A signal's handler runs wherever the main thread is, also in a ``__del__`` (a
    garbage collection), where Python prints and drops the KeyboardInterrupt it raises:
    about one ``hf-bpe train`` in twenty, stopped by a SIGTERM, ran on to its end. Signalled
    again, the main thread is stopped in a wait too (a wait with no end here: a hang on the
    old code, and on one that only called ``_thread.interrupt_main``)."""
    out = subprocess.run([sys.executable, "-c", A_SIGNAL_IN_A_FINALIZER], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["stopped", "True"] and out.stderr == "", out.stdout + out.stderr


def test_python_m_keeps_the_status_of_an_interrupted_command(tmp_path: Path) -> None:
    """Under ``python -m hf_bpe``, a KeyboardInterrupt that ended an exec of a string
    (dataclasses make methods so), caught and turned into status 143 or 130, made CPython
    end the process by SIGINT at exit (1 in 60 SIGTERMed ``train`` runs, strace showed)."""
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent("""
        from hf_bpe import cli

        def main(argv=None):
            try:
                exec("raise KeyboardInterrupt")  # as a Ctrl-C arriving in such an exec
            except KeyboardInterrupt:
                return 130
            return 0

        cli.main = main
    """), encoding="utf-8")
    paths = [str(tmp_path), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    result = subprocess.run([sys.executable, "-m", "hf_bpe", "info"], cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert result.returncode == 130, result.stderr.decode()


def test_an_unrecognized_argument_is_shown_under_its_commands_usage(work: Path) -> None:
    """``--special-token A=1 B=2`` (one value per option): argparse showed hf-bpe's own usage
    line, which lists no option of the command."""
    result = run("convert", "cl100k_base", "out.json", "--special-token", "<|a|>=1", "<|b|>=2", cwd=work)
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 2 and lines[0].startswith("usage: hf-bpe convert ")
    assert lines[-1] == "hf-bpe: error: unrecognized arguments: <|b|>=2"
