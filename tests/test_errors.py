"""Bad input gets a clear, typed error: files, ranks, specials, patterns."""

from __future__ import annotations

import base64
import copy
import errno
import hashlib
import json
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import pytest
import realdata
import tiktoken
from hypothesis import example, given, settings
from hypothesis import strategies as st
from transformers import AutoTokenizer

import hf_bpe
from hf_bpe.errors import SpecialTokenTextError
from hf_bpe.tokenizer_json_load import load_gpt2_files

BYTES = {bytes([i]): i for i in range(256)}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "v.tiktoken"
    path.write_text(text)
    return path


def good_lines() -> list[str]:
    return [f"{base64.b64encode(t).decode()} {r}" for t, r in BYTES.items()]


def test_a_byte_order_mark_before_a_tiktoken_file_is_passed_over(tmp_path: Path) -> None:
    """An editor's UTF-8 byte order mark: tiktoken reads the file (its base64 decoding
    skips the mark's bytes); hf_bpe called the first token not valid base64."""
    text = "\n".join(good_lines()) + "\n"
    path = write(tmp_path, text)
    (tmp_path / "bom.tiktoken").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert hf_bpe.load_tiktoken_bpe(tmp_path / "bom.tiktoken") == hf_bpe.load_tiktoken_bpe(path) == BYTES


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("!!notbase64 300", "not valid base64"),
        ("YWJj", "expected 'base64_token rank'"),
        ("YWJj 12x", "is not a non-negative integer"),
        ("YWJj 1 2", "expected 'base64_token rank'"),
        ("YWJj -3", "is not a non-negative integer"),
        ("YWJj 5", "rank 5 appears twice"),
        ("YQ== 300", "appears twice"),
        ("YWJj " + "9" * 5000, "is too large"),
    ],
)
def test_malformed_tiktoken_lines_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, "\n".join(good_lines() + [line]) + "\n")
    with pytest.raises(hf_bpe.VocabFileError, match=message) as info:
        hf_bpe.load_tiktoken_bpe(path)
    assert isinstance(info.value, ValueError)
    assert "line 257" in str(info.value) and str(path) in str(info.value)


# Lines of vocabulary files: in tiktoken's plain form (some repeating a token or a
# rank), and off by a little; the plain ones drawn more often, so that whole files are.
_PLAIN_LINES = ["YQ== 0", "Yw== 0", "Yg== 1", "YWI= 2", "YWJj 3", "AA== 4", "/+8= 5", "YWJj 03", "YWI= 7", "YQ== 9", "QR== 8", "YQ== 1234567890"]
_ODD_LINES = ["YQ 6", "YQ=== 6", "=YQ= 6", "YQ=a 6", "Y Q== 6", "YQ==  6", "YQ==\t6", "YQ== 6 ", " YQ== 6",
              "YQ== ", "YQ== -6", "YQ== 6x", "YQ== 12345678901", "!!!! 6", "YWJ 6"]


@settings(max_examples=500, deadline=None)
@example(lines=[("YQ== 0", "\n"), ("Yw== 0", "\n")])  # a rank twice
@example(lines=[("YWJj 3", "\n"), ("YWJj 03", "")])  # a token twice
@example(lines=[("YQ", "\n")])  # no padding
@given(lines=st.lists(st.tuples(st.sampled_from(_PLAIN_LINES * 6 + _ODD_LINES), st.sampled_from(["\n"] * 12 + ["\r\n", "\n\n", "", "\r"])), max_size=6))
def test_the_plain_parser_never_disagrees_with_the_line_by_line_one(lines: list[tuple[str, str]]) -> None:
    # The compiled parser takes only tiktoken's plain form and answers None otherwise;
    # whatever it answers, the parser that names the bad line agrees with, and a file
    # in the plain form it never turns away.
    from hf_bpe.vocab_files import _parse_or_explain
    from hf_bpe.vocab_lines import parse_plain

    contents = "".join(line + end for line, end in lines).encode()
    try:
        expected: object = _parse_or_explain(contents, "v")
    except hf_bpe.VocabFileError:
        expected = None
    got = parse_plain(contents)
    plain = all(line in _PLAIN_LINES for line, _ in lines) and all(end == "\n" for _, end in lines[:-1])
    if plain and lines and lines[-1][1] in ("\n", ""):
        assert got == expected
    else:
        assert got is None or got == expected


def test_a_missing_file_is_a_file_not_found_error_from_every_loader(tmp_path: Path) -> None:
    # tiktoken's load_tiktoken_bpe raises FileNotFoundError there; every loader's error is
    # that and an HfBpeError (VocabFileError) too, naming the path.
    saved = tmp_path / "saved"
    hf_bpe.save_encoding(hf_bpe.Encoding("s", pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={}), saved)
    (saved / "vocab.tiktoken").unlink()
    loaders = {
        "nope.tiktoken": lambda: hf_bpe.load_tiktoken_bpe(tmp_path / "nope.tiktoken"),
        "b.bpe": lambda: hf_bpe.load_data_gym(tmp_path / "a.json", tmp_path / "b.bpe"),
        "nofolder": lambda: hf_bpe.load_encoding(tmp_path / "nofolder"),
        "vocab.tiktoken": lambda: hf_bpe.load_encoding(saved),
        "nope.json": lambda: hf_bpe.load_tokenizer_json(tmp_path / "nope.json"),
    }
    for name, load in loaders.items():
        with pytest.raises(hf_bpe.MissingFileError, match=f"{name}: (cannot read the vocabulary \\()?no such") as caught:
            load()
        assert isinstance(caught.value, FileNotFoundError) and isinstance(caught.value, hf_bpe.VocabFileError)
        assert caught.value.errno == errno.ENOENT  # as tiktoken's and open()'s (it was None)
        assert pickle.loads(pickle.dumps(caught.value)).errno == errno.ENOENT


def test_a_folder_without_the_file_a_loader_reads_is_a_missing_file(tmp_path: Path) -> None:
    # From QA: load_tokenizer_json raised a plain VocabularyError for a folder without
    # tokenizer.json (from_pretrained a MissingFileError) and for a tokenizer.json that is
    # not JSON (the other loaders' unreadable files are VocabFileErrors).
    for load, name in ((hf_bpe.load_tokenizer_json, "tokenizer.json"), (hf_bpe.load_encoding, "encoding.json")):
        with pytest.raises(hf_bpe.MissingFileError, match=f"no {name}") as caught:
            load(tmp_path)
        assert isinstance(caught.value, FileNotFoundError) and caught.value.errno == errno.ENOENT
    for text in ("not json", "[1]", "{}"):
        (tmp_path / "tokenizer.json").write_text(text)
        with pytest.raises(hf_bpe.VocabFileError, match="tokenizer.json"):
            hf_bpe.load_tokenizer_json(tmp_path)


def test_errors_as_a_user_meets_them_across_processes_and_by_mistake() -> None:
    """From QA: a note added to a SpecialTokenTextError (as batches add "raised for item N")
    was lost in a pickle (a worker's error) and a copy; an id of 10**5000 raised Python's
    ValueError about converting big ints to text while the error was being made; an id
    below 0 in convert_ids_to_tokens was no OverflowError (decode's is, the fast
    tokenizer's too); a document given where a token or name goes filled the message."""
    try:
        SpecialTokenTextError.check("<|a\ud800|>")
    except SpecialTokenTextError as err:
        err.add_note("(raised for item 7)")
        for again in (pickle.loads(pickle.dumps(err)), copy.copy(err)):
            assert str(again) == str(err) and again.__notes__ == ["(raised for item 7)"] and again.start == 3
    enc = hf_bpe.get_encoding("cl100k_base")
    theirs = tiktoken.get_encoding("cl100k_base")
    for decode in (enc.decode, enc.decode_bytes, enc.decode_tokens_bytes):
        with pytest.raises(OverflowError):
            theirs.decode([10**5000])
        with pytest.raises(hf_bpe.TokenIdOverflowError, match=r"invalid token id <an int of 16610 bits>"):
            decode([10**5000])
    tok = hf_bpe.HfBpeTokenizer.from_encoding(enc)
    for tid in (-1, 2**40):
        with pytest.raises(hf_bpe.TokenIdOverflowError, match=f"id {tid} is not in the vocabulary"):
            tok.convert_ids_to_tokens(tid)
    with pytest.raises(hf_bpe.UnknownTokenError, match="id 100261 is not in the vocabulary") as info:
        tok.convert_ids_to_tokens(100261)  # (a gap: not an overflow)
    assert not isinstance(info.value, OverflowError)
    document = "word " * 200_000
    for mistake in (
        lambda: enc.encode("a", allowed_special=document),  # (twice in the message: 2 MB)
        lambda: enc.encode_single_token(document),
        lambda: hf_bpe.get_encoding(document),
        lambda: hf_bpe.encoding_for_model(document),
    ):
        with pytest.raises((TypeError, KeyError, ValueError)) as caught:
            mistake()
        assert "'word word word" in str(caught.value) and len(str(caught.value)) < 500


def test_a_folder_given_to_load_tiktoken_bpe_says_what_reads_one(tmp_path: Path) -> None:
    # tiktoken's error type (IsADirectoryError), with the loader of saved folders named.
    with pytest.raises(IsADirectoryError, match=r"Is a directory, not a .tiktoken file \(a saved folder loads with hf_bpe.load_encoding\)") as caught:
        hf_bpe.load_tiktoken_bpe(tmp_path)
    assert caught.value.filename == str(tmp_path)


def test_an_expected_hash_that_is_no_sha256_is_said_so(tmp_path: Path) -> None:
    path = tmp_path / "v.tiktoken"
    hf_bpe.dump_tiktoken_bpe({bytes([i]): i for i in range(256)}, str(path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(hf_bpe.load_tiktoken_bpe(path, expected_hash=digest.upper())) == 256
    for bad in ("zz", digest[:-1], digest + "0", digest[:-1] + "g", digest.encode()):
        # a wrong argument, as in tiktoken: a ValueError, not a HashMismatchError (no file
        # was compared; from QA)
        with pytest.raises(ValueError, match="expected_hash must be a sha256 hex digest") as caught:
            hf_bpe.load_tiktoken_bpe(path, expected_hash=bad)
        assert not isinstance(caught.value, hf_bpe.HashMismatchError)


def test_a_wrong_hash_of_either_data_gym_file_is_a_hash_mismatch() -> None:
    # The encoder.json's was reported as "not valid JSON (... sha256 is ...)", a VocabFileError.
    encoder_json, vocab_bpe = realdata.gpt2_data_gym()
    for kwargs in ({"encoder_json_hash": "0" * 64}, {"vocab_bpe_hash": "0" * 64}):
        with pytest.raises(hf_bpe.HashMismatchError, match="sha256 is .*, expected 0000"):
            hf_bpe.load_data_gym(encoder_json, vocab_bpe, **kwargs)


def test_empty_vocab_file(tmp_path: Path) -> None:
    with pytest.raises(hf_bpe.VocabFileError, match="empty"):
        hf_bpe.load_tiktoken_bpe(write(tmp_path, "\n"))


def test_dump_and_load_round_trip_real_file(tmp_path: Path) -> None:
    ranks = hf_bpe.load_tiktoken_bpe(realdata.vocab_file("cl100k_base"))
    hf_bpe.dump_tiktoken_bpe(ranks, tmp_path / "x.tiktoken")
    assert (tmp_path / "x.tiktoken").read_bytes() == realdata.vocab_file("cl100k_base").read_bytes()
    assert list(tmp_path.iterdir()) == [tmp_path / "x.tiktoken"]  # no temp files left
    with pytest.raises(FileNotFoundError, match="cannot write .*missing/x.tiktoken"):  # not the temp file's name
        hf_bpe.dump_tiktoken_bpe(ranks, tmp_path / "missing" / "x.tiktoken")


def test_a_save_that_fails_on_a_full_disk_changes_no_file_and_leaves_no_folder(tmp_path: Path) -> None:
    """On a real full disk (a small private tmpfs): a save of a large vocabulary over a
    small one's folder fails and leaves the folder as it was (no temporary file either), and
    a save into folders it would make leaves none of them (a folder that was there stays)."""
    from hf_support import run_on_small_disk

    child = """
import os, sys
import hf_bpe
from hf_support import encoding
small = sys.argv[1]
first = hf_bpe.Encoding("first", pat_str=r"\\s+|\\S+", mergeable_ranks={bytes([i]): i for i in range(256)},
                        special_tokens={"<a>": 256})
big = encoding("r50k_base")

def state(folder):
    return {os.path.relpath(os.path.join(d, n), folder): open(os.path.join(d, n), "rb").read()
            for d, _, names in os.walk(folder) for n in names}

def fails(call):
    try:
        call()
    except OSError as err:
        return "No space left" in str(err)
    return "no error"

folder = os.path.join(small, "tok")
hf_bpe.save_encoding(first, folder)
before = state(folder)
print(fails(lambda: hf_bpe.save_encoding(big, folder)), state(folder) == before,
      hf_bpe.load_encoding(folder).special_tokens_set == {"<a>"})
print(fails(lambda: hf_bpe.save_encoding(big, os.path.join(small, "a", "b"))))
print(fails(lambda: hf_bpe.HfBpeTokenizer.from_encoding(big).save_pretrained(os.path.join(small, "c", "d"))))
os.mkdir(os.path.join(small, "kept"))
print(fails(lambda: hf_bpe.save_encoding(big, os.path.join(small, "kept", "new"))))
print(sorted(os.listdir(small)), os.listdir(os.path.join(small, "kept")))
"""
    proc = run_on_small_disk(child, 256 * 1024, tmp_path)  # room for the small one, not for r50k's 800 KB
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ["True True True", "True", "True", "True", "['kept', 'tok'] []"], proc.stdout


def _two_encodings() -> tuple[hf_bpe.Encoding, hf_bpe.Encoding]:
    ranks = {bytes([i]): i for i in range(256)}
    first = hf_bpe.Encoding("first", pat_str=r"\s+|\S+", mergeable_ranks=ranks, special_tokens={"<a>": 256})
    second = hf_bpe.Encoding("second", pat_str=r"\s+|\S+", mergeable_ranks=ranks, special_tokens={"<b>": 256})
    return first, second


def _folder_state(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def test_a_save_onto_a_file_says_it_is_not_a_folder(tmp_path: Path) -> None:
    # (was: "[Errno 17] File exists", from mkdir)
    (tmp_path / "taken").write_text("mine")
    first = _two_encodings()[0]
    # save_pretrained too (transformers' own logs an error and returns None, saving nothing)
    for save in (lambda: hf_bpe.save_encoding(first, tmp_path / "taken"),
                 lambda: hf_bpe.HfBpeTokenizer.from_encoding(first).save_pretrained(tmp_path / "taken")):
        with pytest.raises(FileExistsError, match="cannot save into .*taken: it exists and is not a folder"):
            save()
        assert (tmp_path / "taken").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_an_empty_path_is_refused_by_every_save_and_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``""`` (an unset setting: ``os.environ.get("OUT_DIR", "")``) is no path. It was taken
    for the current folder, where a save replaced files and removed another tokenizer's
    (from QA: vocab.json, merges.txt, chat_template.jinja); stock transformers raises
    FileNotFoundError, as hf_bpe's command line refuses it."""
    monkeypatch.chdir(tmp_path)
    mine = {"vocab.json": "{}", "merges.txt": "#version: 0.2\n", "chat_template.jinja": "{{ x }}", "notes.txt": "mine"}
    for name, text in mine.items():
        (tmp_path / name).write_text(text)
    enc = _two_encodings()[0]
    tok = hf_bpe.HfBpeTokenizer.from_encoding(enc)
    for call in (lambda: hf_bpe.save_encoding(enc, ""), lambda: tok.save_pretrained(""), lambda: tok.save_vocabulary(""),
                 lambda: hf_bpe.save_tokenizer_json(enc, ""), lambda: hf_bpe.dump_tiktoken_bpe(enc.mergeable_ranks, ""),
                 lambda: hf_bpe.load_encoding(""), lambda: hf_bpe.load_tokenizer_json(""), lambda: hf_bpe.load_tiktoken_bpe("")):
        with pytest.raises(FileNotFoundError):  # hf_bpe.MissingFileError
            call()
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == mine


def test_a_save_through_a_link_to_a_folder_yet_to_make_makes_it(tmp_path: Path) -> None:
    """A link to a folder that does not exist yet is followed (save_encoding raised a
    bare "[Errno 17] File exists" for it)."""
    first = _two_encodings()[0]
    for name, save in (("a", lambda link: hf_bpe.save_encoding(first, link)),
                       ("b", lambda link: hf_bpe.HfBpeTokenizer.from_encoding(first).save_pretrained(link))):
        link = tmp_path / f"link-{name}"
        link.symlink_to(tmp_path / "made" / name)
        saved = [Path(p) for p in save(link)]
        assert link.is_symlink() and all(p.parent == link for p in saved)
        assert hf_bpe.load_encoding(tmp_path / "made" / name).encode("<a> b", allowed_special="all") == [256, 32, 98]


def test_a_save_whose_rename_fails_midway_puts_the_old_files_back(tmp_path: Path) -> None:
    """The new files are renamed in one after another: a rename that fails (here: onto a
    folder) undoes the ones before it, so the folder never mixes two tokenizers' files."""
    first, second = _two_encodings()
    names = [p.name for p in hf_bpe.save_encoding(first, tmp_path)]
    assert names.index("tokenizer_config.json") >= 2  # files renamed before it are undone
    (tmp_path / "tokenizer_config.json").unlink()
    (tmp_path / "tokenizer_config.json").mkdir()
    (tmp_path / "tokenizer_config.json" / "x").write_text("in the way")
    before = _folder_state(tmp_path)
    with pytest.raises(OSError, match="tokenizer_config.json"):
        hf_bpe.save_encoding(second, tmp_path)
    assert _folder_state(tmp_path) == before  # no new file, no temporary or kept-aside one
    assert hf_bpe.load_encoding(tmp_path).special_tokens_set == {"<a>"}


def test_an_interrupt_between_renames_puts_the_old_files_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    first, second = _two_encodings()
    hf_bpe.save_encoding(first, tmp_path)
    before = _folder_state(tmp_path)
    renames = []

    def interrupted(src: str, dst: str) -> None:
        renames.append(dst)
        if len(renames) == 2:  # the first file is in place, the second not
            raise KeyboardInterrupt
        real_replace(src, dst)

    real_replace = os.replace
    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        hf_bpe.save_encoding(second, tmp_path)
    monkeypatch.undo()
    assert len(renames) > 2  # the undo renamed the old first file back
    assert _folder_state(tmp_path) == before
    assert hf_bpe.load_encoding(tmp_path).special_tokens_set == {"<a>"}
    hf_bpe.save_encoding(second, tmp_path)  # and a save after it works
    assert hf_bpe.load_encoding(tmp_path).special_tokens_set == {"<b>"}


# A save in a child process that stops itself (SIGKILL: killed; SIGSTOP: paused) just
# before its Nth rename: the journal's is the first, then the files' own.
_SAVE_STOPPED_AT_A_RENAME = """
import os, signal, sys
import hf_bpe
source, target, n, sig = sys.argv[1], sys.argv[2], int(sys.argv[3]), getattr(signal, sys.argv[4])
encoding = hf_bpe.load_encoding(source)
real_replace, calls = os.replace, []
def replace(src, dst):
    calls.append(dst)
    if len(calls) == n:
        os.kill(os.getpid(), sig)
    real_replace(src, dst)
os.replace = replace
hf_bpe.save_encoding(encoding, target)
"""


def _save_stopped_at_a_rename(source: Path, target: Path, n: int, sig: str) -> "subprocess.Popen[str]":
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-c", _SAVE_STOPPED_AT_A_RENAME, str(source), str(target), str(n), sig], text=True)


@pytest.mark.parametrize("load", [
    hf_bpe.load_encoding,
    hf_bpe.load_tokenizer_json,  # (from QA: it read the first tokenizer's tokenizer.json, kept the journal)
    lambda folder: hf_bpe.load_tokenizer_json(folder / "tokenizer.json"),
], ids=["load_encoding", "load_tokenizer_json", "load_tokenizer_json_of_the_file"])
def test_a_save_killed_between_renames_is_completed_by_the_next_load(tmp_path: Path, load: Any) -> None:
    """A process killed between two renames cannot undo the first: the journal it wrote
    before them lets the next load (or save) complete them, so hf_bpe and stock
    transformers never read two tokenizers' files from one folder (from QA: a kill there
    left the first's vocab.tiktoken with the second's tokenizer.json), and remove the links
    to the old files it kept aside (from QA: they stayed, hidden, until the next save)."""
    first, second = _two_encodings()
    hf_bpe.save_encoding(first, tmp_path / "tok")
    hf_bpe.save_encoding(second, tmp_path / "second")
    child = _save_stopped_at_a_rename(tmp_path / "second", tmp_path / "tok", 3, "SIGKILL")  # 1 file renamed
    assert child.wait(timeout=120) == -9
    state = _folder_state(tmp_path / "tok")
    assert ".hf_bpe-write-journal.json" in state
    whole = {name: data for name, data in _folder_state(tmp_path / "second").items()}
    assert {name: state[name] for name in whole} != whole  # a mix: one file new, the others old
    assert load(tmp_path / "tok").special_tokens_set == {"<b>"}
    state = _folder_state(tmp_path / "tok")
    assert {name: state[name] for name in whole} == whole  # tokenizer.json too: stock reads it
    assert all(not name.startswith(".") for name in state)  # no journal, no link to an old file
    hf_bpe.save_encoding(first, tmp_path / "tok")
    assert all(not name.startswith(".") for name in _folder_state(tmp_path / "tok"))


# save_pretrained of the tokenizer saved in argv[1] into argv[2], killed (SIGKILL) just
# before the Nth rename after the one of argv[2]'s journal (the files are first written
# into a staging folder): 1 is tokenizer.json's, 2 tokenizer_config.json's, ...
_SAVE_PRETRAINED_KILLED_AT_A_RENAME = """
import os, signal, sys
from hf_bpe import HfBpeTokenizer
source, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
tok = HfBpeTokenizer.from_pretrained(source)
real_replace, calls = os.replace, []
def replace(src, dst):
    if calls or os.fspath(dst) == os.path.join(os.path.realpath(target), ".hf_bpe-write-journal.json"):
        calls.append(dst)
    if len(calls) == n + 1:
        os.kill(os.getpid(), signal.SIGKILL)
    real_replace(src, dst)
os.replace = replace
tok.save_pretrained(target)
"""


def test_a_killed_save_pretrained_is_completed_before_transformers_reads_the_folder(tmp_path: Path) -> None:
    """From QA: only hf_bpe's own files were completed, after transformers had read the old
    tokenizer_config.json and chat template: the first load mixed the new vocabulary with
    the old template (or failed on the old config's added tokens). And the journal named
    the files by absolute paths: a folder moved after the kill stayed mixed for good, and
    loading a copy of it renamed files in the original folder."""
    import shutil
    import subprocess
    import sys

    from transformers import AutoTokenizer

    first, second = _two_encodings()
    old = hf_bpe.HfBpeTokenizer.from_encoding(first, model_max_length=1234, chat_template="{{ 'old' }}")
    old.add_tokens(["<x>"])
    new = hf_bpe.HfBpeTokenizer.from_encoding(second)
    new.save_pretrained(tmp_path / "new")
    hf_bpe.HfBpeTokenizer.from_pretrained(tmp_path / "new").save_pretrained(tmp_path / "whole")  # what the child saves
    whole = _folder_state(tmp_path / "whole")

    def killed_save(folder: Path, n: int) -> None:
        old.save_pretrained(folder)
        child = subprocess.run([sys.executable, "-c", _SAVE_PRETRAINED_KILLED_AT_A_RENAME, str(tmp_path / "new"), str(folder), str(n)],
                               capture_output=True, text=True, timeout=300)
        assert child.returncode == -9, child.stderr[-2000:]
        assert ".hf_bpe-write-journal.json" in _folder_state(folder)

    for n, load in ((1, hf_bpe.HfBpeTokenizer.from_pretrained), (3, hf_bpe.HfBpeTokenizer.from_pretrained), (3, AutoTokenizer.from_pretrained)):
        killed_save(tmp_path / "tok", n)  # 1: no file renamed yet; 3: tokenizer.json and tokenizer_config.json renamed
        tok = load(tmp_path / "tok")
        assert (tok.encoding.special_tokens_set, tok.chat_template, len(tok), tok.model_max_length) == (
            {"<b>"}, None, 257, new.model_max_length), n
        assert _folder_state(tmp_path / "tok") == whole, n
    killed_save(tmp_path / "tok", 3)
    (tmp_path / "tok").rename(tmp_path / "moved")
    shutil.copytree(tmp_path / "moved", tmp_path / "copy")
    before = _folder_state(tmp_path / "moved")
    assert hf_bpe.HfBpeTokenizer.from_pretrained(tmp_path / "copy").chat_template is None
    assert _folder_state(tmp_path / "copy") == whole
    assert _folder_state(tmp_path / "moved") == before  # loading the copy changed nothing here
    assert hf_bpe.load_encoding(tmp_path / "moved").special_tokens_set == {"<b>"}
    assert _folder_state(tmp_path / "moved") == whole


def test_an_earlier_saves_extra_files_are_found_once_the_save_holds_the_folder(tmp_path: Path) -> None:
    """From QA: save_encoding listed the files an earlier save left (a chat template,
    added_tokens.json) before it took the folder's lock: a save_pretrained by another
    process between the two left its chat template beside save_encoding's vocabulary,
    which transformers then loaded together. Here this test holds the lock (as that other
    save would) and writes those files meanwhile."""
    import fcntl
    import os
    import threading
    import time

    folder = tmp_path / "tok"
    first, second = _two_encodings()
    hf_bpe.save_encoding(first, folder)
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        saving = threading.Thread(target=hf_bpe.save_encoding, args=(second, folder))
        with pytest.warns(hf_bpe.RemovedFilesWarning, match="chat_template.jinja"):
            saving.start()
            time.sleep(1)  # (it waits for the lock)
            (folder / "chat_template.jinja").write_text("{{ 'other save' }}")
            (folder / "added_tokens.json").write_text('{"<x>": 257}')
            fcntl.flock(fd, fcntl.LOCK_UN)
            saving.join(timeout=300)
    finally:
        os.close(fd)
    assert sorted(p.name for p in folder.iterdir()) == ["encoding.json", "tokenizer.json", "tokenizer_config.json", "vocab.tiktoken"]
    assert AutoTokenizer.from_pretrained(folder).chat_template is None


def test_a_staging_folder_a_killed_save_left_is_removed_by_the_next_save(tmp_path: Path) -> None:
    """From QA: save_pretrained writes into a hidden folder beside the target first; one
    killed midway left it there for good (a whole copy of the tokenizer, once written).
    The next save removes those a quarter of an hour old (a save under way in another
    process writes into its own for seconds)."""
    import os
    import time

    def left(name: str, age: float) -> Path:
        staging = tmp_path / name
        staging.mkdir()
        (staging / "tokenizer.json").write_text("{}")
        os.utime(staging, (time.time() - age, time.time() - age))
        return staging

    dead = left(".tok.k1ll3d.saving", 3600)
    live = left(".tok.l1ve.saving", 60)  # may be another process's save under way
    other = left(".other.k1ll3d.saving", 3600)  # another folder's: its own saves see to it
    hf_bpe.HfBpeTokenizer.from_encoding(_two_encodings()[0]).save_pretrained(tmp_path / "tok")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.k1ll3d.saving", ".tok.l1ve.saving", "tok"]
    assert not dead.exists() and live.exists() and other.exists()


_RESAVE_FOR_A_WHILE = """
import sys, time
sys.path[:0] = [sys.argv[2], sys.argv[2] + "/../examples"]
import hf_bpe
from test_errors import _racing_tokenizers
tokenizers = _racing_tokenizers(hf_bpe.get_encoding("cl100k_base"))
saves, stop = 0, time.monotonic() + float(sys.argv[3])
while time.monotonic() < stop:
    tokenizers[saves % 2].save_pretrained(sys.argv[1])
    saves += 1
print(saves)
"""


def _racing_tokenizers(base: hf_bpe.Encoding) -> list[hf_bpe.HfBpeTokenizer]:
    """Two tokenizers whose every part differs: vocabulary, special token, eos flag."""
    out = []
    for n, eos in ((600, False), (2400, True)):
        ranks = {token: rank for token, rank in base.mergeable_ranks.items() if rank < n}
        enc = hf_bpe.Encoding(f"first{n}", pat_str=base.pat_str, mergeable_ranks=ranks, special_tokens={f"<|end{n}|>": n})
        out.append(hf_bpe.HfBpeTokenizer.from_encoding(enc, eos_token=f"<|end{n}|>", add_eos_token=eos))
    return out


def test_loads_while_another_process_saves_get_one_save_whole(tmp_path: Path) -> None:
    """From QA: a load in one process while another re-saved the folder could read one
    save's tokenizer_config.json and the next one's vocabulary: AutoTokenizer gave the small
    vocabulary with the other's eos flag and added token, without a word, and load_encoding
    failed now and then saying the folder's files had been changed by hand (about 2% of
    loads). Loads now hold a shared lock on the folder, which a save's renames wait for."""
    import subprocess
    import sys

    tokenizers = _racing_tokenizers(hf_bpe.get_encoding("cl100k_base"))
    folder = tmp_path / "tok"
    tokenizers[0].save_pretrained(folder)
    whole = {(len(tok), tuple(tok("hi ")["input_ids"])) for tok in tokenizers}
    sizes = {tok.encoding.n_vocab for tok in tokenizers}
    assert len(whole) == 2
    tests = str(Path(__file__).parent)
    writer = subprocess.Popen([sys.executable, "-c", _RESAVE_FOR_A_WHILE, str(folder), tests, "6"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[Any] = []
    try:
        while writer.poll() is None:
            try:
                tok = AutoTokenizer.from_pretrained(folder)
                seen.append((len(tok), tuple(tok("hi ")["input_ids"])))
                seen.append(hf_bpe.load_encoding(folder).n_vocab)
            except Exception as err:
                seen.append(f"{type(err).__name__}: {err}")
    finally:
        out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err[-2000:]
    bad = [load for load in seen if load not in whole and load not in sizes]
    assert not bad, (len(bad), len(seen), bad[:3])
    assert int(out.split()[-1]) >= 2 and len(set(seen)) > 2  # (both saves were read)


_SAVE_WHILE_LOADING = """
import sys
import hf_bpe
from hf_bpe import HfBpeTokenizer

class Upgrading(HfBpeTokenizer):  # saves the folder it is loaded from, as it loads
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hf_bpe.save_encoding(self.encoding, sys.argv[1])
        self.save_pretrained(sys.argv[1])

print(sorted(Upgrading.from_pretrained(sys.argv[1]).encoding.special_tokens_set))
print(sorted(hf_bpe.load_encoding(sys.argv[1]).special_tokens_set))
"""


def test_a_save_made_while_the_folder_is_loaded_goes_through(tmp_path: Path) -> None:
    """From QA: while loads held a lock on the folder (for one save's files, whole), a save
    into it from code that runs inside the load (a subclass's __init__), or from a process
    forked during a load, waited for good. Loads take no lock now: they read again the
    files a save changed meanwhile."""
    import subprocess
    import sys

    hf_bpe.HfBpeTokenizer.from_encoding(_two_encodings()[0]).save_pretrained(tmp_path / "tok")
    child = subprocess.run([sys.executable, "-c", _SAVE_WHILE_LOADING, str(tmp_path / "tok")],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.split("\n")[-3:] == ["['<a>']", "['<a>']", ""]


def test_a_child_forked_during_a_save_does_not_keep_the_folders_lock(tmp_path: Path) -> None:
    """From QA: a save holds a lock on the folder (flock, which belongs to the open file
    and so is shared with a child forked meanwhile): a worker forked during a save kept it
    after the save ended, for its life, and a save in it (or in the parent later) waited
    for good. A child closes its copies of the locks now."""
    import multiprocessing

    from hf_bpe.atomic_files import _folder_lock

    folder = tmp_path / "tok"
    hf_bpe.save_encoding(_two_encodings()[0], folder)
    context = multiprocessing.get_context("fork")
    with _folder_lock(folder):  # a save under way in another thread
        child = context.Process(target=hf_bpe.save_encoding, args=(_two_encodings()[1], folder))
        child.start()
    child.join(timeout=60)  # (it waited for the save, and saves once it is done)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0
    assert hf_bpe.load_encoding(folder).special_tokens_set == {"<b>"}
    with _folder_lock(folder):  # and the lock is free in the parent
        pass


def test_a_journal_that_links_to_nothing_is_refused(tmp_path: Path) -> None:
    """From QA: a journal that is a link to no file (from an archive) was taken for one
    another process had just finished, and left: loads went round that for good."""
    from hf_bpe.atomic_files import JOURNAL

    hf_bpe.save_encoding(_two_encodings()[0], tmp_path / "tok")
    (tmp_path / "tok" / JOURNAL).symlink_to(tmp_path / "nothing")
    for load in (hf_bpe.load_encoding, hf_bpe.load_tokenizer_json, hf_bpe.HfBpeTokenizer.from_pretrained):
        with pytest.raises(hf_bpe.VocabFileError, match="a link to a file that is not there"):
            load(tmp_path / "tok")


def test_a_journal_hf_bpe_did_not_write_changes_nothing_outside_its_folder(tmp_path: Path) -> None:
    """A folder from elsewhere (downloaded, say) may hold a journal that names any file: it
    was followed (a file outside the folder removed, another renamed over one)."""
    from hf_bpe.atomic_files import JOURNAL

    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    hf_bpe.save_encoding(_two_encodings()[0], tmp_path / "tok")
    (tmp_path / "tok" / "sub").symlink_to(tmp_path)  # (an archive keeps links: "sub/x" is outside)
    before = _folder_state(tmp_path / "tok")
    for steps in ([[None, str(outside)]], [[None, "../outside.txt"]], [[str(outside), "vocab.tiktoken"]],
                  [[".x.00000000000000000000000000000000.tmp", "vocab.tiktoken"]], "nonsense",
                  [[None, "sub/outside.txt"], [None, "x"]], [[None, "x\ud800"]], "nested"):
        # (a name no file can have was a UnicodeEncodeError; deep nesting a RecursionError)
        text = '{"steps": ' + "[" * 100_000 + "]" * 100_000 + "}" if steps == "nested" else json.dumps({"steps": steps})
        (tmp_path / "tok" / JOURNAL).write_text(text)
        for load in (hf_bpe.load_encoding, hf_bpe.HfBpeTokenizer.from_pretrained):
            with pytest.raises(hf_bpe.VocabFileError, match="is the journal of an interrupted save, but not one that hf_bpe wrote"):
                load(tmp_path / "tok")
        assert outside.read_text() == "keep me"
        assert _folder_state(tmp_path / "tok") == {**before, JOURNAL: (tmp_path / "tok" / JOURNAL).read_bytes()}
    (tmp_path / "tok" / JOURNAL).unlink()
    (tmp_path / "tok" / JOURNAL).symlink_to("/dev/zero")  # (read until memory ran out)
    with pytest.raises(hf_bpe.VocabFileError, match=r"not one that hf_bpe wrote \(.*journal.json is not a regular file"):
        hf_bpe.load_encoding(tmp_path / "tok")


def test_files_of_a_folder_that_are_pipes_or_devices_are_refused(tmp_path: Path) -> None:
    """A folder from elsewhere whose vocab.tiktoken or encoding.json links to a named pipe
    (the load waited for good) or to /dev/zero (read until memory ran out); stock
    transformers, reading tokenizer.json, is unaffected. A path the user names is read as
    tiktoken reads it (load_tiktoken_bpe("/dev/stdin") of a pipe: once refused as well)."""
    import os

    hf_bpe.save_encoding(_two_encodings()[0], tmp_path / "tok")
    os.mkfifo(tmp_path / "fifo")
    for name, target in (("vocab.tiktoken", tmp_path / "fifo"), ("vocab.tiktoken", Path("/dev/zero")), ("encoding.json", Path("/dev/zero"))):
        folder = tmp_path / f"{name}-{target.name}"
        hf_bpe.save_encoding(_two_encodings()[0], folder)
        (folder / name).unlink()
        (folder / name).symlink_to(target)
        for load in (hf_bpe.HfBpeTokenizer.from_pretrained, *((hf_bpe.load_encoding,) if name != "encoding.json" else ())):
            with pytest.raises(hf_bpe.VocabFileError, match=f"{name} is not a regular file"):
                load(folder)
    # A path given by the user is read as tiktoken reads it, a pipe too (/dev/stdin, <(...)).
    read, write = os.pipe()
    os.write(write, b"".join(b"%s %d\n" % (base64.b64encode(t), r) for t, r in BYTES.items()))
    os.close(write)
    try:
        assert hf_bpe.load_tiktoken_bpe(f"/dev/fd/{read}") == BYTES
    finally:
        os.close(read)
    # A folder where a file belongs stays the OSError open() raises, and keeps no descriptor.
    (tmp_path / "tok" / "vocab.tiktoken").unlink()
    (tmp_path / "tok" / "vocab.tiktoken").mkdir()
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        with pytest.raises(IsADirectoryError):
            hf_bpe.load_encoding(tmp_path / "tok")
    assert len(os.listdir("/proc/self/fd")) == before


def test_added_token_ids_past_hf_bpes_ids_are_refused(tmp_path: Path) -> None:
    """tokenizer_config.json giving an added token the id 2**32 - 1: taken, len(tok) (the
    embedding rows a model is given) became 4,294,967,296, and the next added token's id,
    2**32, made a folder neither tokenizers nor hf_bpe could load."""
    hf_bpe.HfBpeTokenizer.from_encoding(_two_encodings()[0]).save_pretrained(tmp_path / "tok")
    for tid in (2**31, 2**32 - 1):
        _edit_json(tmp_path / "tok" / "tokenizer_config.json", lambda data: data.update(
            added_tokens_decoder={str(tid): {"content": "<|h|>", "special": True, "normalized": False, "lstrip": False, "rstrip": False, "single_word": False}}))
        with pytest.raises(hf_bpe.VocabularyOverflowError, match=f"gives '<\\|h\\|>' the id {tid}: hf_bpe's ids are integers from 0 to 2\\*\\*31 - 1"):
            hf_bpe.HfBpeTokenizer.from_pretrained(tmp_path / "tok")


def test_an_encoding_json_naming_another_vocabulary_file_is_read_alike_or_refused(tmp_path: Path) -> None:
    """encoding.json's "vocab_file" naming another file of the folder: load_encoding (and
    the CLI) read that one, HfBpeTokenizer and AutoTokenizer the vocab.tiktoken transformers
    hands them, so one folder gave two tokenizers; and the folder's sha256 record, which has
    no digest of the other file, let it pass unchecked."""
    hf_bpe.save_encoding(_two_encodings()[0], tmp_path / "tok")
    hf_bpe.dump_tiktoken_bpe({**BYTES, b"a": ord("b"), b"b": ord("a")}, tmp_path / "tok" / "alt.tiktoken")
    _edit_json(tmp_path / "tok" / "encoding.json", lambda data: data.update(vocab_file="alt.tiktoken"))
    with pytest.raises(hf_bpe.VocabFileError, match="no longer hold the same tokenizer"):
        hf_bpe.load_encoding(tmp_path / "tok")  # (the record kept: tokenizer.json compared)
    for load in (hf_bpe.HfBpeTokenizer.from_pretrained, AutoTokenizer.from_pretrained):
        with pytest.raises(hf_bpe.VocabFileError, match="names the vocabulary file 'alt.tiktoken', but the folder's is 'vocab.tiktoken'"):
            load(tmp_path / "tok")


def test_two_saves_into_one_folder_take_turns(tmp_path: Path) -> None:
    """A save waits for another one writing the same folder (from QA: one paused between
    its renames while another saved left a folder mixing their files)."""
    import threading
    import time

    first, second = _two_encodings()
    hf_bpe.save_encoding(first, tmp_path / "tok")
    hf_bpe.save_encoding(second, tmp_path / "second")
    child = _save_stopped_at_a_rename(tmp_path / "second", tmp_path / "tok", 3, "SIGSTOP")
    try:
        stat = Path(f"/proc/{child.pid}/stat")
        while child.poll() is None and stat.read_text().rsplit(")", 1)[1].split()[0] != "T":
            time.sleep(0.05)
        saver = threading.Thread(target=hf_bpe.save_encoding, args=(first, tmp_path / "tok"))
        saver.start()
        saver.join(timeout=3)  # (it waits for the paused save; without the lock it would finish)
    finally:
        import os
        import signal

        os.kill(child.pid, signal.SIGCONT)
    assert child.wait(timeout=120) == 0
    saver.join()
    hf_bpe.save_encoding(first, tmp_path / "first")
    whole = _folder_state(tmp_path / "first")
    state = _folder_state(tmp_path / "tok")
    assert {name: state[name] for name in whole} == whole  # the later save, whole
    assert hf_bpe.load_encoding(tmp_path / "tok").special_tokens_set == {"<a>"}


@pytest.mark.parametrize("when", ["cleanup", "undo"])
def test_a_second_interrupt_does_not_cut_the_cleanup_or_the_undo_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """Ctrl-C while the links to the old files were being removed (after a save) left
    them in the folder; while the old files were being put back (after a failed save), it
    left the folder mixing two tokenizers' files."""
    import os

    first, second = _two_encodings()
    hf_bpe.save_encoding(first, tmp_path)
    before = _folder_state(tmp_path)
    real_unlink, real_replace = os.unlink, os.replace
    interrupts = []

    def unlink(path: str) -> None:
        if str(path).endswith(".old") and not interrupts:
            interrupts.append(path)
            raise KeyboardInterrupt  # Ctrl-C, before the link is removed
        real_unlink(path)

    def replace(src: str, dst: str) -> None:
        if when == "undo" and str(src).endswith(".tmp") and str(dst).endswith("tokenizer_config.json"):
            raise OSError(28, "No space left on device")  # a failed save: its undo puts the old files back
        real_replace(src, dst)

    monkeypatch.setattr(os, "unlink", unlink)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        hf_bpe.save_encoding(second, tmp_path)
    monkeypatch.undo()
    assert interrupts
    if when == "undo":
        assert _folder_state(tmp_path) == before
        assert hf_bpe.load_encoding(tmp_path).special_tokens_set == {"<a>"}
    else:
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
        assert hf_bpe.load_encoding(tmp_path).special_tokens_set == {"<b>"}


def test_json_nested_too_deeply_is_a_typed_error(tmp_path: Path) -> None:
    """json raises RecursionError for such a file; each reader says what is wrong instead."""
    deep = '{"model": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (tmp_path / "tokenizer.json").write_text(deep)
    with pytest.raises(hf_bpe.VocabularyError, match="tokenizer.json: JSON nested too deeply"):
        hf_bpe.load_tokenizer_json(tmp_path / "tokenizer.json")
    (tmp_path / "encoding.json").write_text(deep)
    with pytest.raises(hf_bpe.VocabFileError, match="encoding.json: not valid JSON \\(JSON nested too deeply"):
        hf_bpe.load_encoding(tmp_path)
    encoder, merges = realdata.gpt2_data_gym()
    with pytest.raises(hf_bpe.VocabFileError, match="tokenizer.json: not valid JSON \\(JSON nested too deeply"):
        hf_bpe.load_data_gym(tmp_path / "tokenizer.json", merges)


def test_data_gym_pair_gives_gpt2_ranks(tmp_path: Path) -> None:
    encoder, merges = realdata.gpt2_data_gym()
    ranks = hf_bpe.load_data_gym(encoder, merges)
    assert ranks == hf_bpe.load_tiktoken_bpe(realdata.vocab_file("r50k_base"))
    # tiktoken leaves <|startoftext|> out of encoder.json too (it was "disagree")
    with_start = {**json.loads(encoder.read_text(encoding="utf-8")), "<|startoftext|>": 50257}
    (tmp_path / "start.json").write_text(json.dumps(with_start), encoding="utf-8")
    assert hf_bpe.load_data_gym(tmp_path / "start.json", merges) == ranks
    # A merges file that disagrees with encoder.json is refused.
    lines = merges.read_text(encoding="utf-8").split("\n")
    lines[1], lines[2] = lines[2], lines[1]
    (tmp_path / "vocab.bpe").write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(hf_bpe.VocabFileError, match="disagree"):
        hf_bpe.load_data_gym(encoder, tmp_path / "vocab.bpe")
    (tmp_path / "encoder.json").write_text("{not json")
    with pytest.raises(hf_bpe.VocabFileError, match="not valid JSON"):
        hf_bpe.load_data_gym(tmp_path / "encoder.json", merges)
    for not_an_encoder in ('["a", "b"]', '"a"', "null", '{"a": "1"}'):
        (tmp_path / "encoder.json").write_text(not_an_encoder)
        with pytest.raises(hf_bpe.VocabFileError, match="not a JSON object of token to integer id|not an integer"):
            hf_bpe.load_data_gym(tmp_path / "encoder.json", merges)
    (tmp_path / "encoder.json").write_bytes(b'{"\xff": 1}')
    with pytest.raises(hf_bpe.VocabFileError, match="not UTF-8"):
        hf_bpe.load_data_gym(tmp_path / "encoder.json", merges)
    (tmp_path / "vocab.bpe").write_bytes(b"#version: 0.2\n\xff \xfe\n")
    with pytest.raises(hf_bpe.VocabFileError, match="not UTF-8"):
        hf_bpe.load_data_gym(encoder, tmp_path / "vocab.bpe")
    # Both readers of the pair (tiktoken's ranks, Hugging Face's vocab.json + merges.txt)
    # read the files alike: the header is optional, a bad line is named
    body = merges.read_text(encoding="utf-8").split("\n", 1)[1]
    (tmp_path / "vocab.bpe").write_text(body, encoding="utf-8")
    assert hf_bpe.load_data_gym(encoder, tmp_path / "vocab.bpe") == ranks
    assert load_gpt2_files(encoder, tmp_path / "vocab.bpe")._mergeable_ranks == ranks
    (tmp_path / "vocab.bpe").write_text("#version: 0.2\nĠ t\nĠt he x\n", encoding="utf-8")
    for load in (hf_bpe.load_data_gym, load_gpt2_files):
        with pytest.raises(hf_bpe.VocabFileError, match="vocab.bpe, line 3: expected two tokens, got 'Ġt he x'"):
            load(encoder, tmp_path / "vocab.bpe")
    with pytest.raises(hf_bpe.VocabFileError, match=r"given in place of the merges\?"):
        hf_bpe.load_data_gym(merges, encoder)  # tiktoken's order: vocab.bpe first
    (tmp_path / "vocab.bpe").write_text("#version: 0.2\nĠ t\nĠ ☃\n", encoding="utf-8")
    with pytest.raises(hf_bpe.VocabFileError, match="vocab.bpe: token '☃' is not spelled in GPT-2's byte-level alphabet"):
        hf_bpe.load_data_gym(encoder, tmp_path / "vocab.bpe")


@pytest.mark.parametrize(
    "ranks", [{}, {b"a": True}, {b"a": -1}, {b"a": 1.5}, {"a": 0}, {b"a": 0, b"b": 0}, {b"a": 2**31}]
)
def test_ranks_a_tiktoken_file_cannot_hold_are_not_written(tmp_path: Path, ranks: dict) -> None:
    with pytest.raises(hf_bpe.VocabFileError, match="cannot write"):
        hf_bpe.dump_tiktoken_bpe(ranks, tmp_path / "x.tiktoken")
    assert list(tmp_path.iterdir()) == []


def test_ranks_that_are_no_dict_are_a_type_error(tmp_path: Path) -> None:
    """``None`` was called an empty vocabulary."""
    with pytest.raises(hf_bpe.VocabularyTypeError, match="a dict of bytes to ints, not None"):
        hf_bpe.dump_tiktoken_bpe(None, tmp_path / "x.tiktoken")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("ranks", "specials", "message"),
    [
        ({**BYTES, b"ab": 5}, {}, "rank 5 is given to both"),
        ({b"a": 0}, {}, "lacks 255 of the 256 single bytes"),
        (BYTES, {"<s>": 10}, "already a mergeable rank"),
        (BYTES, {"": 300}, "non-empty str"),
        ({**BYTES, b"ab": -1}, {}, "non-negative int"),
        ({**BYTES, b"ab": 2**31}, {}, "ranks must be below 2\\*\\*31"),
        (BYTES, {"<s>": -1}, "non-negative int"),
    ],
)
def test_bad_vocabularies(ranks: dict, specials: dict, message: str) -> None:
    with pytest.raises(hf_bpe.VocabularyError, match=message) as info:
        hf_bpe.Encoding("bad", pat_str=r"\S+", mergeable_ranks=ranks, special_tokens=specials)
    assert isinstance(info.value, ValueError) and not isinstance(info.value, TypeError)


TYPE, RANGE = (hf_bpe.VocabularyTypeError, TypeError), (hf_bpe.VocabularyOverflowError, OverflowError)


@pytest.mark.parametrize(
    ("ranks", "specials", "message", "kind", "tiktoken_raises"),
    [
        ({**BYTES, "ab": 300}, {}, "keys must be bytes, got 'ab'", TYPE, True),
        ({**BYTES, b"ab": 1.5}, {}, "non-negative int, got 1.5", TYPE, True),
        (BYTES, {"<s>": "300"}, "non-negative int, got '300'", TYPE, True),
        (BYTES, {b"<s>": 300}, "special tokens must be non-empty str, got b'<s>'", TYPE, True),
        ({**BYTES, b"ab": True}, {}, "non-negative int, got True", TYPE, False),  # tiktoken: a rank 1 (then a panic)
        (None, {}, "mergeable_ranks must be a dict of bytes to ranks, not NoneType", TYPE, False),  # AttributeError
        (BYTES, None, "special_tokens must be a dict of texts to ids, not NoneType", TYPE, False),
        ({**BYTES, b"ab": -1}, {}, "rank of b'ab' must be a non-negative int, got -1", RANGE, True),
        (BYTES, {"<s>": -1}, "id of special token '<s>' must be a non-negative int, got -1", RANGE, True),
        (BYTES, {"<s>": 2**32}, "id of special token '<s>' is 4294967296; ids must be below 2\\*\\*31", RANGE, True),
        ({**BYTES, b"ab": 2**31}, {}, "rank of b'ab' is 2147483648; ranks must be below 2\\*\\*31", RANGE, False),  # tiktoken's go to 2**32
    ],
)
def test_vocabularies_of_the_wrong_types_or_ranges(
    ranks: dict, specials: dict, message: str, kind: tuple[type[Exception], type[Exception]], tiktoken_raises: bool
) -> None:
    """A VocabularyError and also the built-in error tiktoken raises for most of them: a
    TypeError for a wrong type, an OverflowError for an id below 0 or too large (it reads
    ids as unsigned 32-bit). Both were a ValueError only, which ``except TypeError`` and
    ``except OverflowError`` missed."""
    error, builtin = kind
    with pytest.raises(error, match=message) as info:
        hf_bpe.Encoding("bad", pat_str=r"\S+", mergeable_ranks=ranks, special_tokens=specials)
    assert isinstance(info.value, builtin) and isinstance(info.value, hf_bpe.VocabularyError)
    if tiktoken_raises:
        with pytest.raises(builtin):
            tiktoken.Encoding("bad", pat_str=r"\S+", mergeable_ranks=ranks, special_tokens=specials)


def test_explicit_n_vocab_is_checked() -> None:
    hf_bpe.Encoding("ok", pat_str=".", mergeable_ranks=BYTES, special_tokens={"<s>": 256}, explicit_n_vocab=257)
    with pytest.raises(hf_bpe.VocabularyError, match="explicit_n_vocab=300"):
        hf_bpe.Encoding("bad", pat_str=".", mergeable_ranks=BYTES, special_tokens={}, explicit_n_vocab=300)
    with pytest.raises(AssertionError):  # what tiktoken raises (its check is an assert)
        hf_bpe.Encoding("bad", pat_str=".", mergeable_ranks=BYTES, special_tokens={}, explicit_n_vocab=300)
    unchecked = hf_bpe.Encoding("zero", pat_str=".", mergeable_ranks=BYTES, special_tokens={}, explicit_n_vocab=0)
    assert unchecked.n_vocab == 256  # 0 asks for no check, as in tiktoken
    # A str: "explicit_n_vocab=256, but there are 256 tokens and the largest id is 255".
    with pytest.raises(hf_bpe.VocabularyTypeError, match="explicit_n_vocab must be a non-negative int, got '256'"):
        hf_bpe.Encoding("bad", pat_str=".", mergeable_ranks=BYTES, special_tokens={}, explicit_n_vocab="256")  # type: ignore[arg-type]
    # numpy's ints, as tiktoken takes them (and hf_bpe takes them as ids everywhere else)
    import numpy as np

    for n in (np.int64(257), np.uint16(257)):
        ours = hf_bpe.Encoding("np", pat_str=".", mergeable_ranks=BYTES, special_tokens={"<s>": 256}, explicit_n_vocab=n)  # type: ignore[arg-type]
        theirs = tiktoken.Encoding("np", pat_str=".", mergeable_ranks=BYTES, special_tokens={"<s>": 256}, explicit_n_vocab=n)
        assert ours.n_vocab == theirs.n_vocab == 257 and type(ours._explicit_n_vocab) is int
    for bad in (256.0, True, np.True_):  # (numpy's bool has an __index__ that raises a TypeError)
        with pytest.raises(hf_bpe.VocabularyTypeError, match="explicit_n_vocab must be a non-negative int"):
            hf_bpe.Encoding("bad", pat_str=".", mergeable_ranks=BYTES, special_tokens={}, explicit_n_vocab=bad)  # type: ignore[arg-type]


def test_ranks_and_special_ids_of_numpy_integers_are_taken_as_tiktoken_takes_them() -> None:
    """Ranks read from a numpy, pandas or pyarrow column are numpy integers: tiktoken takes
    them (through ``__index__``), hf_bpe refused them. Now taken, stored as ints; numpy's
    bool, a float and a str stay refused."""
    import numpy as np

    ranks = {token: np.int64(rank + 3) for token, rank in BYTES.items()}  # a gap below, as Tekken's ranks
    specials = {"<s>": np.uint16(0), "</s>": np.int32(1)}
    ours = hf_bpe.Encoding("np", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens=specials)
    theirs = tiktoken.Encoding("np", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens=specials)
    text = "<s>héllo wörld</s>"
    assert ours.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all")
    assert ours.n_vocab == theirs.n_vocab == 259 and ours.decode([0, 1]) == "<s></s>"
    assert {type(r) for r in ours._mergeable_ranks.values()} == {type(i) for i in ours._special_tokens.values()} == {int}
    for bad in (np.bool_(True), 3.0, "3"):
        with pytest.raises(hf_bpe.VocabularyTypeError, match="must be a non-negative int"):
            hf_bpe.Encoding("bad", pat_str=".", mergeable_ranks={**BYTES, b"ab": bad}, special_tokens={})
        with pytest.raises(hf_bpe.VocabularyTypeError, match="must be a non-negative int"):
            hf_bpe.Encoding("bad", pat_str=".", mergeable_ranks=BYTES, special_tokens={"<s>": bad})
    with pytest.raises(hf_bpe.VocabularyOverflowError):
        hf_bpe.Encoding("bad", pat_str=".", mergeable_ranks={**BYTES, b"ab": np.int64(-1)}, special_tokens={})


@pytest.mark.parametrize("pattern", ["(unclosed", r"\p{NotAClass}", "a{2,1}", "[z-a]"])
def test_invalid_patterns(pattern: str) -> None:
    with pytest.raises(hf_bpe.PatternError, match="invalid split pattern") as info:
        hf_bpe.Encoding("bad", pat_str=pattern, mergeable_ranks=BYTES, special_tokens={})
    assert isinstance(info.value, ValueError)


def test_an_empty_pattern_is_refused() -> None:
    """It encoded every text to no ids (tiktoken's engine panics on it)."""
    with pytest.raises(hf_bpe.PatternError, match="the split pattern is empty: it matches no text"):
        hf_bpe.Encoding("bad", pat_str="", mergeable_ranks=BYTES, special_tokens={})
    with pytest.raises(hf_bpe.PatternError, match="is empty"):
        hf_bpe.BpeTrainer(300, pattern="")  # before any text is counted


@pytest.mark.parametrize(("name", "hint"), [
    ("cl100k", "did you mean 'cl100k_base'"), ("qwen3.6", "'qwen3.5'"), ("nosuch", ""),
    # a name in other case; models, whose names led to a pattern spelled alike but not theirs
    ("CL100K_BASE", "did you mean 'cl100k_base'"), ("qwen3", "did you mean 'qwen2', the split of qwen3"),
    ("Qwen2.5", "'qwen2', the split of Qwen2.5"), ("gpt-4o", "'o200k_base', the split of gpt-4o"),
    ("gpt-4", "'cl100k_base', the split of gpt-4"), ("gpt-oss-20b", "'o200k_harmony'"), ("Llama-3.1", "'llama3'"),
])
def test_a_misspelled_pattern_name_is_refused(name: str, hint: str) -> None:
    """As a regex, a name matches only itself: training or splitting with it would drop all
    other text without a word."""
    with pytest.raises(hf_bpe.PatternError, match=f"unknown pattern name '{name}'.*{hint}"):
        hf_bpe.BpeTrainer(300, pattern=name)
    assert hf_bpe.BpeTrainer(300, pattern=r"\S+|\s+").pattern == r"\S+|\s+"  # a regex is still a regex


def test_folder_round_trip_and_bad_folders(tmp_path: Path) -> None:
    enc = hf_bpe.get_encoding("cl100k_base")
    written = hf_bpe.save_encoding(enc, tmp_path / "tok")
    assert {p.name for p in written} >= {"vocab.tiktoken", "encoding.json"}
    again = hf_bpe.load_encoding(tmp_path / "tok")
    sample = "round <|endoftext|> trip 🙂"
    assert again.encode(sample, allowed_special="all") == enc.encode(sample, allowed_special="all")
    assert (again.name, again.n_vocab, again.special_tokens_set) == (enc.name, enc.n_vocab, enc.special_tokens_set)
    import tiktoken  # tiktoken's Encoding saves too (save_tokenizer_json took it; this raised AttributeError)

    hf_bpe.save_encoding(tiktoken.get_encoding("cl100k_base"), tmp_path / "from_tiktoken")
    assert {p.name: p.read_bytes() for p in (tmp_path / "from_tiktoken").iterdir()} == {p.name: p.read_bytes() for p in written}
    with pytest.raises(TypeError, match="expected an hf_bpe or tiktoken Encoding, got dict"):
        hf_bpe.save_encoding({}, tmp_path / "nothing")  # type: ignore[arg-type]
    assert not (tmp_path / "nothing").exists()
    # save_tokenizer_json says the same (an AttributeError from inside, before)
    for not_one, said in ((None, "NoneType$"), ("cl100k_base", r"for a named one, pass hf_bpe.get_encoding\('cl100k_base'\)"),
                          (str(tmp_path / "tok"), r"for a saved folder, pass hf_bpe.load_encoding\(")):
        for save in (lambda e: hf_bpe.save_tokenizer_json(e, tmp_path / "nothing.json"), hf_bpe.save_encoding):
            with pytest.raises(TypeError, match=f"expected an hf_bpe or tiktoken Encoding, got .*{said}"):
                save(not_one) if save is not hf_bpe.save_encoding else save(not_one, tmp_path / "nothing")
    assert not (tmp_path / "nothing.json").exists() and not (tmp_path / "nothing").exists()

    with pytest.raises(hf_bpe.VocabFileError, match="no encoding.json"):
        hf_bpe.load_encoding(tmp_path)
    meta_path = tmp_path / "tok" / "encoding.json"
    meta = json.loads(meta_path.read_text())
    for version in (99, True, 1.0, "1"):  # True == 1 == 1.0 in Python: none of them is version 1
        meta_path.write_text(json.dumps({**meta, "version": version}))
        with pytest.raises(hf_bpe.VocabFileError, match=f"version {version!r} is not supported"):
            hf_bpe.load_encoding(tmp_path / "tok")
    meta_path.write_text("{")
    with pytest.raises(hf_bpe.VocabFileError, match="not valid JSON"):
        hf_bpe.load_encoding(tmp_path / "tok")


def _swap_first_merges(folder: Path) -> None:
    lines = (folder / "vocab.tiktoken").read_bytes().split(b"\n")
    (a, ra), (b, rb) = lines[256].split(), lines[257].split()
    lines[256:258] = [a + b" " + rb, b + b" " + ra]
    (folder / "vocab.tiktoken").write_bytes(b"\n".join(lines))


def _edit_json(path: Path, edit: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(("edit", "message"), [
    (_swap_first_merges, "the ranks differ"),
    (lambda folder: _edit_json(folder / "tokenizer.json", lambda d: d["pre_tokenizer"]["pretokenizers"][0]["pattern"].update(Regex=r"\S+|\s+")),
     "the split patterns differ"),
    (lambda folder: _edit_json(folder / "encoding.json", lambda d: d.update(pat_str=r"\S+|\s+")), "the split patterns differ"),
    (lambda folder: _edit_json(folder / "encoding.json", lambda d: d.update(special_tokens={"<|x|>": 700}, explicit_n_vocab=None)), "the special tokens differ"),
    (lambda folder: (folder / "tokenizer.json").write_text("{"), "tokenizer.json is now one hf_bpe cannot read"),
])
def test_files_of_a_folder_changed_alone_are_refused_as_disagreeing(tmp_path: Path, edit: Any, message: str) -> None:
    """hf_bpe reads vocab.tiktoken + encoding.json, stock transformers tokenizer.json: one of
    them edited or replaced alone made the folder give other ids with and without hf_bpe,
    silently (from QA: two ranks swapped in vocab.tiktoken)."""
    from transformers import AutoTokenizer

    enc = hf_bpe.train_bpe(["hello world, hello there " * 20, "a b c d e f g"], 270, special_tokens=["<|eot|>"])
    hf_bpe.save_encoding(enc, tmp_path / "tok")
    edit(tmp_path / "tok")
    for load in (hf_bpe.load_encoding, hf_bpe.HfBpeTokenizer.from_pretrained, AutoTokenizer.from_pretrained):
        with pytest.raises(hf_bpe.VocabFileError, match=f"no longer hold the same tokenizer \\({message}"):
            load(tmp_path / "tok")


def test_a_tokenizer_json_changed_alone_that_adds_other_tokens_is_refused(tmp_path: Path) -> None:
    """Tokens added with ``tokenizers``, a bos its post-processor adds or no longer adds:
    the encoding agrees, the tokenizer does not (hf_bpe read them from tokenizer_config.json
    and its own files, and gave other ids than stock, silently; from QA)."""
    from tokenizers import Tokenizer
    from tokenizers.processors import TemplateProcessing
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    enc = hf_bpe.train_bpe(["hello world, hello there " * 20, "a b c d e f g"], 270, special_tokens=["<|eot|>"])
    hf_bpe.HfBpeTokenizer.from_encoding(enc).save_pretrained(tmp_path / "added")
    edited = Tokenizer.from_file(str(tmp_path / "added" / "tokenizer.json"))
    edited.add_tokens(["qqz"])
    edited.add_special_tokens(["<|sp|>"])
    edited.save(str(tmp_path / "added" / "tokenizer.json"))
    hf_bpe.HfBpeTokenizer.from_encoding(enc).save_pretrained(tmp_path / "bos")
    edited = Tokenizer.from_file(str(tmp_path / "bos" / "tokenizer.json"))
    edited.post_processor = TemplateProcessing(single="<|eot|> $A", pair="<|eot|> $A $B", special_tokens=[("<|eot|>", 269)])
    edited.save(str(tmp_path / "bos" / "tokenizer.json"))
    hf_bpe.HfBpeTokenizer.from_encoding(enc, bos_token="<|eot|>", add_bos_token=True).save_pretrained(tmp_path / "no_bos")
    stock = PreTrainedTokenizerFast.from_pretrained(tmp_path / "no_bos")
    stock.add_bos_token = False  # rebuilds the post-processor
    stock.save_pretrained(tmp_path / "no_bos")
    for folder, message in (("added", "added tokens this tokenizer lacks: 'qqz' \\(270\\), '<|sp|>' \\(271\\)"),
                            ("bos", "its post-processor adds '<|eot|>' as bos where this tokenizer adds None"),
                            ("no_bos", "its post-processor adds None as bos where this tokenizer adds '<|eot|>'")):
        # (stock's save names its own class: AutoTokenizer then loads that, as stock does)
        for load in (hf_bpe.HfBpeTokenizer.from_pretrained, AutoTokenizer.from_pretrained)[: 1 if folder == "no_bos" else 2]:
            with pytest.raises(hf_bpe.VocabFileError, match=f"tokenizer.json was changed after hf_bpe saved its folder .*{message}"):
                load(tmp_path / folder)
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="added tokens that the encoding does not \\('qqz', '<|sp|>'\\)"):
        hf_bpe.load_encoding(tmp_path / "added")  # (an Encoding has no added tokens: said, as for a save_pretrained folder)


def test_files_changed_alone_but_alike_still_load(tmp_path: Path) -> None:
    """What leaves both readings alike is no disagreement: a stock save that adds a token
    (and rewrites tokenizer.json), a reformatted file, a new name, no tokenizer.json."""
    from transformers import PreTrainedTokenizerFast

    enc = hf_bpe.train_bpe(["hello world, hello there " * 20, "a b c d e f g"], 270, special_tokens=["<|eot|>"])
    hf_bpe.save_encoding(enc, tmp_path / "tok")
    stock = PreTrainedTokenizerFast.from_pretrained(tmp_path / "tok")
    stock.add_tokens(["<new>"])
    stock.save_pretrained(tmp_path / "tok")
    text = "hello <new> world<|eot|>"
    assert hf_bpe.HfBpeTokenizer.from_pretrained(tmp_path / "tok")(text)["input_ids"] == stock(text)["input_ids"]
    _edit_json(tmp_path / "tok" / "encoding.json", lambda d: d.update(name="renamed"))
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="added tokens that the encoding does not \\('<new>'\\)"):
        again = hf_bpe.load_encoding(tmp_path / "tok")  # (the tokenizer's, not the encoding's: said)
    assert again.encode(text, allowed_special="all") == enc.encode(text, allowed_special="all")
    (tmp_path / "tok" / "tokenizer.json").unlink()
    assert hf_bpe.load_encoding(tmp_path / "tok").name == "renamed"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"special_tokens": ["<|bos|>"]}, "special_tokens must be an object"),
        ({"special_tokens": {"<|bos|>": "abc"}}, "special_tokens must be an object"),
        ({"special_tokens": {"<|bos|>": 998.7}}, "special_tokens must be an object"),
        ({"special_tokens": {"<|bos|>": True}}, "special_tokens must be an object"),
        ({"pat_str": 5}, "pat_str must be a string"),
        ({"name": None}, "name must be a string"),
        ({"name": "my\udcfftok"}, "name must be text \\(no lone surrogate\\), not 'my\\\\udcfftok'"),
        ({"explicit_n_vocab": "1000"}, "explicit_n_vocab must be an integer or null"),
        ({"vocab_file": None}, "vocab_file must be the name of a file in the same folder"),
        ({"vocab_file": "/etc/passwd"}, "vocab_file must be the name of a file in the same folder"),
        ({"vocab_file": "../vocab.tiktoken"}, "vocab_file must be the name of a file in the same folder"),
        ({"vocab_file": "missing.tiktoken"}, "missing.tiktoken: cannot read the vocabulary"),
        # names no file can have: a bare ValueError ("embedded null byte") and OSError before
        ({"vocab_file": "vocab\x00.tiktoken"}, "vocab_file must be the name of a file in the same folder"),
        ({"vocab_file": "v" * 256}, "vocab_file must be the name of a file in the same folder"),
        ({"vocab_file": "v\ud800"}, "vocab_file must be the name of a file in the same folder"),
    ],
)
def test_a_malformed_encoding_json_names_the_field(tmp_path: Path, change: dict, message: str) -> None:
    hf_bpe.save_encoding(hf_bpe.Encoding("tiny", pat_str=r"\S+|\s+", mergeable_ranks=BYTES, special_tokens={}), tmp_path)
    (tmp_path.parent / "vocab.tiktoken").write_bytes(b"")  # what "../vocab.tiktoken" would read
    meta_path = tmp_path / "encoding.json"
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), **change}))
    with pytest.raises(hf_bpe.VocabFileError, match=message):
        hf_bpe.load_encoding(tmp_path)


def test_a_lone_surrogate_in_a_field_of_a_saved_encoding_json_is_read_as_any_other_value(tmp_path: Path) -> None:
    """JSON can spell a lone surrogate ("\\ud800"), which no save writes: digesting the
    fields to check them against the folder's record raised a UnicodeEncodeError. A field
    hf_bpe does not read loads as any other such field does; in the pattern, it is refused."""
    enc = hf_bpe.Encoding("tiny", pat_str=r"\S+|\s+", mergeable_ranks=BYTES, special_tokens={})
    hf_bpe.save_encoding(enc, tmp_path)
    meta_path = tmp_path / "encoding.json"
    saved = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**saved, "comment": "\ud800"}))
    for load in (hf_bpe.load_encoding, lambda folder: hf_bpe.HfBpeTokenizer.from_pretrained(folder).encoding):
        assert load(tmp_path).encode("a b") == enc.encode("a b")
    meta_path.write_text(json.dumps({**saved, "pat_str": "\\S+|\\s+|\ud800"}))
    for load in (hf_bpe.load_encoding, hf_bpe.HfBpeTokenizer.from_pretrained):
        with pytest.raises(hf_bpe.PatternError, match="the lone surrogate"):
            load(tmp_path)


@pytest.mark.parametrize(
    ("vocab_lines", "special_tokens", "pat_str", "message"),
    [
        (b"YQ== 0\n", {}, r"\S+|\s+", "mergeable_ranks lacks 255 of the 256 single bytes"),  # a truncated file
        (None, {"<|x|>": 3}, r"\S+|\s+", "special token '<|x|>' has id 3, which is already a mergeable rank"),
        (None, {}, "(", "invalid split pattern"),
    ],
)
def test_a_vocabulary_refused_on_loading_names_both_files(
    tmp_path: Path, vocab_lines: Optional[bytes], special_tokens: dict, pat_str: str, message: str
) -> None:
    """Errors that the Encoding raises while a folder loads name the files they come from
    (they did not: a truncated vocab.tiktoken gave no hint which file was short)."""
    hf_bpe.save_encoding(hf_bpe.Encoding("tiny", pat_str=r"\S+|\s+", mergeable_ranks=BYTES, special_tokens={}), tmp_path)
    meta_path = tmp_path / "encoding.json"
    meta_path.write_text(json.dumps({**json.loads(meta_path.read_text()), "special_tokens": special_tokens, "pat_str": pat_str}))
    if vocab_lines is not None:
        (tmp_path / "vocab.tiktoken").write_bytes(vocab_lines)
    expected = hf_bpe.PatternError if pat_str == "(" else hf_bpe.VocabularyError
    with pytest.raises(expected, match=re.escape(f"{meta_path} with {tmp_path / 'vocab.tiktoken'}: ") + ".*" + re.escape(message)):
        hf_bpe.load_encoding(tmp_path)


def test_a_name_that_no_file_can_hold_is_refused_before_training(tmp_path: Path) -> None:
    for name, message in ((None, "name must be a str, not NoneType"), ("t\udcff", "has a lone surrogate")):
        with pytest.raises(hf_bpe.TrainingError, match=message):
            hf_bpe.train_bpe(["low lower"], 260, num_proc=1, name=name)  # type: ignore[arg-type]
        with hf_bpe.BpeTrainer(260, num_proc=1) as trainer:
            trainer.update(["low lower"])
            with pytest.raises(hf_bpe.TrainingError, match=message):
                trainer.train(name)  # type: ignore[arg-type]
    unnamed = hf_bpe.Encoding(None, pat_str=r"\S+|\s+", mergeable_ranks=BYTES, special_tokens={})  # type: ignore[arg-type]
    with pytest.raises(hf_bpe.VocabularyError, match="the name must be a str"):  # tiktoken takes any name
        hf_bpe.save_encoding(unnamed, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(hf_bpe.TrainingError, match="an iterable of texts, not NoneType"):
        hf_bpe.train_bpe(None, 260, num_proc=1)  # type: ignore[arg-type]


def test_a_special_token_with_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(hf_bpe.VocabularyError, match="lone surrogate"):
        hf_bpe.Encoding("bad", pat_str=".", mergeable_ranks=BYTES, special_tokens={"<\udc80>": 256})
    with pytest.raises(UnicodeEncodeError) as info:  # what tiktoken raises
        hf_bpe.Encoding("bad", pat_str=".", mergeable_ranks=BYTES, special_tokens={"<\udc80>": 256})
    assert (info.value.start, info.value.end) == (1, 2)
    again = pickle.loads(pickle.dumps(info.value))
    assert (type(again), str(again), again.object, again.start) == (type(info.value), str(info.value), "<\udc80>", 1)


def test_a_special_token_with_a_lone_surrogate_in_a_saved_folder_is_named_with_the_folder(tmp_path: Path) -> None:
    """Errors from a folder's files are raised again naming them: with a message alone,
    which a UnicodeEncodeError does not take (a TypeError came out instead)."""
    hf_bpe.save_encoding(hf_bpe.Encoding("ok", pat_str=r"\S+|\s+", mergeable_ranks=BYTES, special_tokens={"<s>": 256}), tmp_path)
    meta = json.loads((tmp_path / "encoding.json").read_text(encoding="utf-8"))
    meta["special_tokens"]["a\ud800b"] = 300
    (tmp_path / "encoding.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(hf_bpe.SpecialTokenTextError, match="encoding.json with .*: special token 'a\\\\ud800b' has a lone surrogate"):
        hf_bpe.load_encoding(tmp_path)


def test_a_pattern_with_a_lone_surrogate_is_refused_where_it_is_given() -> None:
    """tiktoken refuses it too (its engine reads UTF-8); accepted, it failed only on saving."""
    pattern = "a\udcff|\\S+|\\s+"
    message = "lone surrogate '\\\\udcff' at offset 1 of .* is not text"
    with pytest.raises(hf_bpe.PatternError, match=message):
        hf_bpe.Encoding("bad", pat_str=pattern, mergeable_ranks=BYTES, special_tokens={})
    with pytest.raises(hf_bpe.PatternError, match=message):
        hf_bpe.BpeTrainer(300, pattern=pattern)
    with pytest.raises(hf_bpe.PatternError, match=message):
        hf_bpe.count_pieces(["a"], pattern=pattern)


def test_a_name_with_a_lone_surrogate_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    enc = hf_bpe.Encoding("my\udcfftok", pat_str=r"\S+|\s+", mergeable_ranks=BYTES, special_tokens={})
    assert enc.encode("hi there") == [104, 105, 32, 116, 104, 101, 114, 101]  # tiktoken allows any name
    with pytest.raises(hf_bpe.VocabularyError, match="named 'my\\\\udcfftok': the name has a lone surrogate"):
        hf_bpe.save_encoding(enc, tmp_path / "new" / "folder")
    with pytest.raises(hf_bpe.VocabularyError, match="lone surrogate"):
        hf_bpe.HfBpeTokenizer.from_encoding(enc).save_pretrained(tmp_path / "other")
    assert list(tmp_path.iterdir()) == []


def test_specials_may_share_an_id_and_the_first_decodes_it() -> None:
    enc = hf_bpe.Encoding("shared", pat_str=r"\S+", mergeable_ranks=BYTES, special_tokens={"<a>": 300, "<b>": 300})
    assert enc.encode("<a><b>", allowed_special="all") == [300, 300]
    assert enc.decode([300]) == "<a>"


def test_saved_files_get_the_usual_permissions(tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        hf_bpe.dump_tiktoken_bpe(BYTES, tmp_path / "v.tiktoken")
    finally:
        os.umask(old)
    assert (tmp_path / "v.tiktoken").stat().st_mode & 0o777 == 0o644


def test_a_symbolic_link_is_written_through(tmp_path: Path) -> None:
    """Saving to a link replaces its target and keeps the link (a rename onto the link
    would have made it a plain file and left the target as it was)."""
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "v.tiktoken"
    target.write_text("old")
    link = tmp_path / "link.tiktoken"
    link.symlink_to(target)
    hf_bpe.dump_tiktoken_bpe(BYTES, link)
    assert link.is_symlink() and hf_bpe.load_tiktoken_bpe(target) == BYTES
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["v.tiktoken"]  # no temporary left


def test_a_named_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    """A path that is not a regular file (a pipe, /dev/stdout) gets the bytes as a stream."""
    import os
    import stat
    import threading

    from hf_bpe.vocab_files import format_tiktoken_bpe

    pipe = tmp_path / "out.tiktoken"
    os.mkfifo(pipe)
    got: list[bytes] = []
    # A daemon: if the pipe were replaced by a file, its reader would wait forever.
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()), daemon=True)
    reader.start()
    hf_bpe.dump_tiktoken_bpe(BYTES, pipe)
    reader.join(10)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert got == [format_tiktoken_bpe(BYTES)]


@pytest.mark.parametrize(
    ("vocab", "message"),
    [
        ([1, 2], "not a JSON object"),
        ({"a": "x"}, "the id of 'a' is 'x', not an integer"),
        ({"a": 1.5}, "not an integer"),
    ],
)
def test_malformed_gpt2_vocab_json_is_a_vocabulary_error(tmp_path: Path, vocab: object, message: str) -> None:
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    (tmp_path / "merges.txt").write_text("#version: 0.2\n")
    with pytest.raises(hf_bpe.VocabularyError, match=message):
        hf_bpe.load_tokenizer_json(tmp_path)


def test_every_warning_points_at_the_callers_line(tmp_path: Path) -> None:
    """A warning names the line that called hf_bpe, however deep in hf_bpe (or in
    transformers, for a tokenizer it loads) it is given: that is the place a message shows
    and a ``-W error::Warning:module`` filter matches. Reading a tokenizer.json, training
    through each front that runs out of pairs, a file's name given as a text, saving what
    tokenizer.json cannot hold, loading a folder missing one of hf_bpe's two files: each
    pointed into hf_bpe or transformers before."""
    import datasets
    from transformers import AutoTokenizer

    from hf_bpe.hf_tokenizer import HfBpeTokenizer

    def warned(category: type[Warning], call: Callable[[], object]) -> list[str]:
        with pytest.warns(category) as caught:
            call()
        return [w.filename for w in caught if issubclass(w.category, category)]

    enc = hf_bpe.Encoding("small", pat_str=r"\S+|\s+", mergeable_ranks=BYTES, special_tokens={"<s>": 256})
    hf_bpe.save_tokenizer_json(enc, tmp_path / "tokenizer.json")
    data = json.loads((tmp_path / "tokenizer.json").read_text(encoding="utf-8"))
    data["truncation"] = {"direction": "Right", "max_length": 8, "strategy": "LongestFirst", "stride": 0}
    data["post_processor"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}
    (tmp_path / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    assert warned(hf_bpe.TokenizerJsonWarning, lambda: hf_bpe.load_tokenizer_json(tmp_path / "tokenizer.json")) == [__file__] * 2

    def trainer_train() -> None:
        trainer = hf_bpe.BpeTrainer(400, num_proc=1)
        trainer.update(["ab ab"])
        trainer.train()

    tok = HfBpeTokenizer.from_encoding(enc)
    for train in (
        lambda: hf_bpe.train_bpe(["ab ab"], 400, num_proc=1),
        trainer_train,
        lambda: tok.train_new_from_iterator(["ab ab"], 400),
        lambda: HfBpeTokenizer.train_from_dataset(datasets.Dataset.from_dict({"text": ["ab ab"]}), 400, num_proc=1),
    ):
        assert warned(hf_bpe.TrainingWarning, train) == [__file__]
    (tmp_path / "corpus.txt").write_text("ab ab", encoding="utf-8")  # a file's name given as a text
    assert warned(hf_bpe.TrainingWarning, lambda: hf_bpe.train_bpe([str(tmp_path / "corpus.txt")], 257, num_proc=1)) == [__file__]

    lookbehind = hf_bpe.Encoding("lookbehind", pat_str=r"(?<=a)b|\w+|\s+|.", mergeable_ranks=BYTES, special_tokens={})
    assert warned(hf_bpe.TokenizerJsonWarning, lambda: hf_bpe.save_encoding(lookbehind, tmp_path / "a")) == [__file__]
    assert warned(hf_bpe.TokenizerJsonWarning, lambda: HfBpeTokenizer.from_encoding(lookbehind).save_pretrained(tmp_path / "b")) == [__file__]

    tok.save_pretrained(tmp_path / "pair")
    (tmp_path / "pair" / "encoding.json").unlink()  # vocab.tiktoken without it: tokenizer.json is read instead
    for load in (HfBpeTokenizer.from_pretrained, AutoTokenizer.from_pretrained):
        assert warned(hf_bpe.TokenizerJsonWarning, lambda: load(tmp_path / "pair")) == [__file__]


def test_a_single_file_write_refuses_what_open_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dump_tiktoken_bpe(ranks, "out/") wrote a file named out (Path drops the slash; open()
    and so tiktoken's dump raise IsADirectoryError); ".", ".." and "/" gave pathlib's
    ValueErrors; a link that leads to itself was replaced by a file (open(): a loop)."""
    import errno
    import os

    from hf_bpe.tokenizer_json import save_tokenizer_json

    monkeypatch.chdir(tmp_path)
    enc = _two_encodings()[0]
    writes = (lambda path: hf_bpe.dump_tiktoken_bpe(BYTES, path), lambda path: save_tokenizer_json(enc, path))
    for path in ("out/", "new/", ".", "..", "/", tmp_path):
        for write in writes:
            with pytest.raises(IsADirectoryError):
                write(path)
    assert sorted(os.listdir(tmp_path)) == []
    os.symlink("loop", "loop")
    for write in writes:
        with pytest.raises(OSError) as caught:
            write("loop")
        assert caught.value.errno == errno.ELOOP
    assert os.path.islink("loop")
    os.symlink("target.tiktoken", "dangling")  # (a link to a file yet to make is written through)
    hf_bpe.dump_tiktoken_bpe(BYTES, "dangling")
    assert os.path.islink("dangling") and hf_bpe.load_tiktoken_bpe("target.tiktoken") == BYTES
