"""HfBpeTokenizer: tiktoken-exact ids through transformers, folders that stock
transformers (without hf_bpe) loads with identical ids, offsets, added tokens, chat."""

from __future__ import annotations

import json
import pickle
import re
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import dill
import jinja2
import numpy as np
import pytest
import realdata
from hf_support import NAMED, encoding, hf_bpe_env, run_on_small_disk, run_stock, texts, tiktoken_twin
from tokenizers import AddedToken
from transformers import AutoTokenizer, PreTrainedTokenizerFast

import hf_bpe
from hf_bpe.errors import UnknownTokenError, VocabularyError
from hf_bpe.hf_tokenizer import NANOCHAT_CHAT_TEMPLATE, NANOCHAT_TRAINING_CHAT_TEMPLATE, HfBpeTokenizer
from hf_bpe.tokenizer_json import load_tokenizer_json

ALL = (*NAMED, "trained")

#: (encoding, tokenizer options): bos/eos around sequences in several combinations.
SETUPS = [
    ("cl100k_base", {}),
    ("o200k_base", {"add_eos_token": True}),
    ("r50k_base", {"add_bos_token": True, "add_eos_token": True, "bos_token": "<|endoftext|>"}),
    ("trained", {"add_bos_token": True, "chat_template": "nanochat"}),
]


@pytest.fixture(scope="module")
def docs() -> list[str]:
    return texts(100_000)


def make(name: str, **options: Any) -> HfBpeTokenizer:
    return HfBpeTokenizer.from_encoding(encoding(name), **options)


def with_stock(folder: Path, side: str = "right") -> tuple[HfBpeTokenizer, PreTrainedTokenizerFast]:
    """An o200k_base tokenizer adding bos and eos (and a pad token), and the stock fast
    tokenizer of the folder it saved to, both truncating from ``side``."""
    tok = make("o200k_base", add_bos_token=True, add_eos_token=True, bos_token="<|endoftext|>", pad_token="<|endofprompt|>")
    tok.save_pretrained(folder)
    fast = PreTrainedTokenizerFast.from_pretrained(folder)
    tok.truncation_side = fast.truncation_side = side
    return tok, fast


def around(tok: HfBpeTokenizer, ids: list[int]) -> list[int]:
    return ([tok.bos_token_id] if tok.add_bos_token else []) + ids + ([tok.eos_token_id] if tok.add_eos_token else [])


@pytest.mark.parametrize("name", ALL)
def test_ids_are_the_encodings(name: str, docs: list[str]) -> None:
    enc = encoding(name)
    oracle = tiktoken_twin(enc)
    tok = make(name)
    expected = [oracle.encode(d, allowed_special="all") for d in docs]
    assert [tok(d)["input_ids"] for d in docs] == expected
    assert tok(docs)["input_ids"] == expected
    assert [tok.encode(d, add_special_tokens=False) for d in docs] == expected
    assert tok.batch_decode(expected) == [oracle.decode(e) for e in expected]
    # The slow path (tokenize + convert_tokens_to_ids) agrees with the fast one.
    for doc in docs[::7]:
        assert tok.convert_tokens_to_ids(tok.tokenize(doc)) == oracle.encode(doc, allowed_special="all")


@pytest.mark.parametrize(("name", "options"), SETUPS)
def test_stock_transformers_without_hf_bpe_loads_the_folder_with_identical_ids(
    name: str, options: dict[str, Any], docs: list[str], tmp_path: Path
) -> None:
    tok = make(name, **options)
    folder = tmp_path / "tok"
    tok.save_pretrained(folder)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "HfBpeTokenizer" and "auto_map" not in config
    assert {"vocab.tiktoken", "encoding.json", "tokenizer.json"} <= {p.name for p in folder.iterdir()}
    sample = docs[::2]
    stock = run_stock(folder, sample, tmp_path / "stock")
    assert stock["class"] == "TokenizersBackend" and stock["is_fast"]
    assert stock["ids"] == [tok(t)["input_ids"] for t in sample]
    assert stock["ids_plain"] == [tok(t, add_special_tokens=False)["input_ids"] for t in sample]
    assert stock["decoded"] == [tok.decode(tok(t, add_special_tokens=False)["input_ids"]) for t in sample]
    # ... and they are the encoding's ids with bos/eos around them.
    enc = encoding(name)
    assert stock["ids"] == [around(tok, enc.encode(t, allowed_special="all")) for t in sample]
    # Reloading with hf_bpe gives the same tokenizer back.
    again = AutoTokenizer.from_pretrained(folder)
    assert isinstance(again, HfBpeTokenizer)
    assert (again.add_bos_token, again.add_eos_token) == (tok.add_bos_token, tok.add_eos_token)
    assert [again(t)["input_ids"] for t in sample] == stock["ids"]
    assert again.chat_template == tok.chat_template
    # The tokenizer.json reads back as the same Encoding (which adds no bos/eos itself: said).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", hf_bpe.TokenizerJsonWarning)
        back = load_tokenizer_json(folder / "tokenizer.json")
    assert len(caught) == (tok.add_bos_token or tok.add_eos_token)
    assert all("the post_processor (TemplateProcessing) is not kept" in str(w.message) for w in caught)
    assert back._mergeable_ranks == enc._mergeable_ranks and back._special_tokens == enc._special_tokens


def test_folder_saved_by_the_core_loads_everywhere(docs: list[str], tmp_path: Path) -> None:
    enc = encoding("trained")
    hf_bpe.save_encoding(enc, tmp_path / "core")
    ours = HfBpeTokenizer.from_pretrained(tmp_path / "core")
    auto = AutoTokenizer.from_pretrained(tmp_path / "core")
    assert isinstance(auto, HfBpeTokenizer)
    sample = docs[::3]
    expected = [enc.encode(t, allowed_special="all") for t in sample]
    assert [ours(t)["input_ids"] for t in sample] == expected
    assert [auto(t)["input_ids"] for t in sample] == expected
    stock = run_stock(tmp_path / "core", sample, tmp_path / "stock")
    assert stock["ids"] == expected and stock["ids_plain"] == expected


def test_a_folder_without_tokenizer_files_is_named_in_the_error(tmp_path: Path) -> None:
    # Missing files are a MissingFileError: an OSError, which transformers users catch for a
    # repository that cannot be found (it was a VocabularyError only, a ValueError).
    with pytest.raises(hf_bpe.MissingFileError, match=f"no tokenizer files were found in '{tmp_path}'"):
        HfBpeTokenizer.from_pretrained(str(tmp_path))
    # A path to no folder that cannot be a repository id either (from QA: transformers' bare
    # OSError "Repo id must be in the form 'repo_name' or 'namespace/repo_name'").
    for absent in (tmp_path / "absent", "./absent", "a/b/c"):
        with pytest.raises(hf_bpe.MissingFileError, match="absent: no such folder .nor a Hub repository id.|a/b/c: no such folder"):
            HfBpeTokenizer.from_pretrained(absent)
    # GPT-2's pair (vocab.json, merges.txt), which load_tokenizer_json reads: said so, with
    # the way to load it (it was "no tokenizer files were found").
    gpt2 = tmp_path / "gpt2"
    gpt2.mkdir()
    for path, name in zip(realdata.gpt2_data_gym(), ("vocab.json", "merges.txt")):
        shutil.copy(path, gpt2 / name)
    with pytest.raises(hf_bpe.MissingFileError, match=r"holds GPT-2's vocab.json and merges.txt, .*HfBpeTokenizer.from_encoding\(hf_bpe.load_tokenizer_json\(folder\)\)"):
        HfBpeTokenizer.from_pretrained(gpt2)
    assert HfBpeTokenizer.from_encoding(hf_bpe.load_tokenizer_json(gpt2)).encode("hello world") == [31373, 995]
    with pytest.raises(VocabularyError, match="needs an encoding: use HfBpeTokenizer.from_encoding") as info:
        HfBpeTokenizer()
    assert not isinstance(info.value, OSError)  # no files were asked for
    # A repository whose files could not be fetched (offline with an empty cache): the error
    # says so rather than blaming the repository.
    # (AutoTokenizer raises transformers' own OSError there: it finds no tokenizer_config.json.)
    with pytest.raises(hf_bpe.MissingFileError, match="'someone/absent': it is not a local folder.*local_files_only"):
        HfBpeTokenizer.from_pretrained("someone/absent", cache_dir=str(tmp_path / "hub"), local_files_only=True)
    # A named encoding's name (as the command line takes) says how to get that encoding.
    with pytest.raises(hf_bpe.MissingFileError, match=r"named encoding: HfBpeTokenizer.from_encoding\(hf_bpe.get_encoding\('cl100k_base'\)\)"):
        HfBpeTokenizer.from_pretrained("cl100k_base", cache_dir=str(tmp_path / "hub"), local_files_only=True)
    with pytest.raises(hf_bpe.MissingFileError, match=r"cl100k_base: no such folder \('cl100k_base' is a named encoding: hf_bpe.get_encoding"):
        hf_bpe.load_encoding("cl100k_base")
    # One file of hf_bpe's pair: the other is named.
    HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("gpt2")).save_pretrained(tmp_path / "half")
    (tmp_path / "half" / "encoding.json").unlink()
    (tmp_path / "half" / "tokenizer.json").unlink()
    for load in (HfBpeTokenizer.from_pretrained, AutoTokenizer.from_pretrained):
        with pytest.raises(hf_bpe.MissingFileError, match="encoding.json: no such file .vocab.tiktoken and encoding.json go together"):
            load(tmp_path / "half")


def test_a_tiktoken_encoding_is_taken_as_it_is(docs: list[str]) -> None:
    import tiktoken

    theirs = tiktoken.get_encoding("cl100k_base")
    tok = HfBpeTokenizer.from_encoding(theirs)
    assert tok.encoding is hf_bpe.get_encoding("cl100k_base")  # the named one: pickles by name
    custom = tiktoken.Encoding("cl100k_base", pat_str=theirs._pat_str, mergeable_ranks=theirs._mergeable_ranks, special_tokens={"<|x|>": 100_300})
    rebuilt = HfBpeTokenizer.from_encoding(custom).encoding
    assert rebuilt is not hf_bpe.get_encoding("cl100k_base") and rebuilt.special_tokens == {"<|x|>": 100_300}
    text = docs[0] + "<|endoftext|>" + docs[1]
    assert tok(text)["input_ids"] == theirs.encode(text, allowed_special="all")
    assert pickle.loads(pickle.dumps(tok))(text)["input_ids"] == tok(text)["input_ids"]
    assert tok.batch_encode([text])["input_ids"] == [theirs.encode_ordinary(text)]
    with pytest.raises(TypeError, match="expected an hf_bpe or tiktoken Encoding, got dict"):
        HfBpeTokenizer.from_encoding({"name": "x"})
    with pytest.raises(TypeError, match=r"got str: for a named one, pass hf_bpe.get_encoding\('cl100k_base'\)"):
        HfBpeTokenizer.from_encoding("cl100k_base")


def test_save_encoding_leaves_no_file_of_an_earlier_tokenizer_behind(tmp_path: Path) -> None:
    """save_encoding (and so `hf-bpe train -o` into the folder) left an earlier tokenizer's
    chat template and added tokens, which transformers then loaded with the new one."""
    from hf_bpe.folder import CHAT_TEMPLATE_DIR, SAVED_IF_NEEDED
    from transformers.utils.hub import CHAT_TEMPLATE_DIR as TRANSFORMERS_DIR
    from transformers.utils.hub import CHAT_TEMPLATE_FILE

    assert CHAT_TEMPLATE_FILE in SAVED_IF_NEEDED and CHAT_TEMPLATE_DIR == TRANSFORMERS_DIR  # transformers' names
    ranks = {bytes([i]): i for i in range(256)}
    first = HfBpeTokenizer.from_encoding(hf_bpe.Encoding("a", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={}))
    first.add_tokens(["<added>"])
    first.chat_template = {"default": "{{ messages }}", "tools": "{{ tools }}"}
    first.save_pretrained(tmp_path / "tok")
    (tmp_path / "tok" / "notes.txt").write_text("mine")  # not a tokenizer file: kept
    for other in ("vocab.json", "merges.txt", "tokenizer.model"):  # another kind of tokenizer's: removed
        (tmp_path / "tok" / other).write_text("{}")
    with pytest.warns(hf_bpe.RemovedFilesWarning) as caught:  # said, not in silence (a log record no one saw)
        hf_bpe.save_encoding(hf_bpe.Encoding("b", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={}), tmp_path / "tok")
    assert caught[0].filename == __file__  # the user's line
    assert [str(w.message).split(": ", 1)[1] for w in caught] == [
        "removed added_tokens.json, additional_chat_templates/tools.jinja, chat_template.jinja, merges.txt, "
        "tokenizer.model, vocab.json, files of an earlier tokenizer that this one has none of (transformers would "
        "load them with it); an Encoding has no chat template or added tokens: HfBpeTokenizer.save_pretrained keeps its own"]
    for tok in (HfBpeTokenizer.from_pretrained(tmp_path / "tok"), AutoTokenizer.from_pretrained(tmp_path / "tok")):
        assert tok.chat_template is None and tok.get_added_vocab() == {}, type(tok)
    assert sorted(p.name for p in (tmp_path / "tok").iterdir()) == [
        CHAT_TEMPLATE_DIR, "encoding.json", "notes.txt", "tokenizer.json", "tokenizer_config.json", "vocab.tiktoken"]
    assert not list((tmp_path / "tok" / CHAT_TEMPLATE_DIR).iterdir())


def test_a_save_into_a_processors_folder_leaves_the_processors_chat_templates(tmp_path: Path) -> None:
    """From QA: a processor saves its tokenizer, then its own chat templates (transformers'
    names: the tokenizer's) and processor_config.json; a tokenizer without a template saved
    into that folder again (a second processor save, or a training script's) removed the
    processor's templates, with a RemovedFilesWarning that called them an earlier
    tokenizer's. Other files of an earlier tokenizer still go."""
    from transformers.utils import PROCESSOR_NAME

    ranks = {bytes([i]): i for i in range(256)}
    tok = HfBpeTokenizer.from_encoding(hf_bpe.Encoding("a", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={}))
    folder = tmp_path / "processor"
    tok.save_pretrained(folder)
    files = {PROCESSOR_NAME: "{}", "chat_template.jinja": "{{ processor }}", "additional_chat_templates/short.jinja": "{{ short }}",
             "added_tokens.json": '{"<x>": 256}'}
    (folder / "additional_chat_templates").mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    with pytest.warns(hf_bpe.RemovedFilesWarning) as caught:
        tok.save_pretrained(folder)
    assert [str(w.message).split(": ", 1)[1].split(",")[0] for w in caught] == ["removed added_tokens.json"]
    assert {name: (folder / name).read_text() for name in files if (folder / name).exists()} == {
        name: text for name, text in files.items() if name != "added_tokens.json"}
    assert AutoTokenizer.from_pretrained(folder).chat_template == {"default": "{{ processor }}", "short": "{{ short }}"}
    # A tokenizer saved there under a prefix: its own earlier template (a processor writes
    # none with a prefix) still goes.
    tok.chat_template = "{{ mine }}"
    tok.save_pretrained(folder, filename_prefix="x")
    tok.chat_template = None
    with pytest.warns(hf_bpe.RemovedFilesWarning) as caught:
        tok.save_pretrained(folder, filename_prefix="x")
    # (transformers loads no prefixed file: the message said it would load them)
    assert [str(w.message).split(": ", 1)[1] for w in caught] == [
        "removed x-chat_template.jinja, files of an earlier tokenizer saved with filename_prefix='x' that this one has none of"]
    assert not (folder / "x-chat_template.jinja").exists() and (folder / "chat_template.jinja").read_text() == "{{ processor }}"


def test_do_lower_case_true_is_refused_not_ignored() -> None:
    """From QA: sentence-transformers' do_lower_case=True sets tok.do_lower_case on a
    tokenizer that is not a fast one; HfBpeTokenizer kept it and encoded "Hello WORLD" as
    given, where the stock tokenizer (given a Lowercase normalizer) lowercases: other ids,
    in silence. False (or a load's do_lower_case, which the stock tokenizer ignores too) is
    as before."""
    tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"))
    tok.do_lower_case = False
    with pytest.raises(ValueError, match="cannot lowercase it"):
        tok.do_lower_case = True
    assert tok.do_lower_case is False and tok("Hello WORLD")["input_ids"] == [9906, 51991]


def test_a_file_of_the_folder_that_is_not_json_is_named(tmp_path: Path) -> None:
    """transformers reads tokenizer.json and tokenizer_config.json itself: a download cut
    short was a bare JSONDecodeError that named no file."""
    enc = hf_bpe.Encoding("a", pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={"<|x|>": 256})
    (tmp_path / "hub").mkdir()
    hf_bpe.save_tokenizer_json(enc, tmp_path / "hub" / "tokenizer.json")
    data = (tmp_path / "hub" / "tokenizer.json").read_bytes()
    (tmp_path / "hub" / "tokenizer.json").write_bytes(data[: len(data) // 2])
    hf_bpe.save_encoding(enc, tmp_path / "saved")
    (tmp_path / "saved" / "tokenizer_config.json").write_text("{oops", encoding="utf-8")
    # A byte order mark, which transformers' reading refuses (Python's json.loads of bytes takes it).
    hf_bpe.save_encoding(enc, tmp_path / "bom")
    config = (tmp_path / "bom" / "tokenizer_config.json").read_bytes()
    (tmp_path / "bom" / "tokenizer_config.json").write_bytes(b"\xef\xbb\xbf" + config)
    for folder, name in (
        (tmp_path / "hub", "tokenizer.json"), (tmp_path / "saved", "tokenizer_config.json"), (tmp_path / "bom", "tokenizer_config.json"),
    ):
        with pytest.raises(hf_bpe.VocabFileError, match=f"{re.escape(str(folder / name))} is not JSON: "):
            HfBpeTokenizer.from_pretrained(folder)
    # JSON that Python's json cannot read: a RecursionError, a ValueError of int digits.
    for case, text in (("deep", '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"), ("digits", '{"x": ' + "9" * 5000 + "}")):
        hf_bpe.save_encoding(enc, tmp_path / case)
        (tmp_path / case / "tokenizer_config.json").write_text(text, encoding="utf-8")
        with pytest.raises(hf_bpe.VocabFileError, match=f"{re.escape(str(tmp_path / case / 'tokenizer_config.json'))} is JSON that cannot be read"):
            HfBpeTokenizer.from_pretrained(tmp_path / case)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"{}", "model"),
        (b"[]", "is not a tokenizer.json object"),
        (b"null", "is not a tokenizer.json object"),
        (b'{"model": {"type": "BPE", "vocab": {}, "merges": []}, "added_tokens": 5}', "has no pre_tokenizer"),
        ('{"model": "\u00e9"}'.encode("utf-16"), "is not JSON"),
    ],
)
def test_a_tokenizer_json_of_the_wrong_shape_is_refused_as_hf_bpe_refuses_it(tmp_path: Path, content: bytes, said: str) -> None:
    """transformers reads the added tokens of a tokenizer.json-only folder before this
    tokenizer sees it: ``{}`` was a KeyError('added_tokens'), ``[]`` a TypeError, ``null``
    an AttributeError, UTF-16 bytes a UnicodeDecodeError, none naming the file."""
    (tmp_path / "tokenizer.json").write_bytes(content)
    with pytest.raises((hf_bpe.VocabularyError, hf_bpe.VocabFileError), match=said) as info:
        HfBpeTokenizer.from_pretrained(tmp_path)
    assert isinstance(info.value, ValueError)
    if said != "is not JSON":  # the error hf_bpe's own reading gives
        with pytest.raises(type(info.value)) as direct:
            hf_bpe.load_tokenizer_json(tmp_path / "tokenizer.json")
        assert str(direct.value) == str(info.value)


def test_a_save_leaves_no_file_of_an_earlier_save_behind(tmp_path: Path) -> None:
    """A chat template since removed, tokens another tokenizer added: files the second
    save does not write would be loaded with it."""
    ranks = {bytes([i]): i for i in range(256)}
    first = HfBpeTokenizer.from_encoding(hf_bpe.Encoding("a", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={}))
    first.add_tokens(["<added>"])
    first.chat_template = {"default": "{{ messages }}", "tools": "{{ tools }}"}
    first.save_pretrained(tmp_path / "tok")
    assert {"added_tokens.json", "chat_template.jinja"} <= {p.name for p in (tmp_path / "tok").iterdir()}
    assert (tmp_path / "tok" / "additional_chat_templates" / "tools.jinja").exists()
    loaded = HfBpeTokenizer.from_pretrained(tmp_path / "tok")
    assert loaded.chat_template is not None and "<added>" in loaded.get_added_vocab()
    second = HfBpeTokenizer.from_encoding(hf_bpe.Encoding("b", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={}))
    (tmp_path / "tok" / "tokenizer.model").write_bytes(b"another kind of tokenizer's")
    with pytest.warns(hf_bpe.RemovedFilesWarning) as caught:  # said (was silent)
        second.save_pretrained(tmp_path / "tok")
    assert caught[0].filename == __file__
    assert [str(w.message).split(": ", 1)[1] for w in caught] == [
        "removed added_tokens.json, additional_chat_templates/tools.jinja, "
        "chat_template.jinja, tokenizer.model, files of an earlier tokenizer that this one has none of (transformers "
        "would load them with it)"]
    for tok in (HfBpeTokenizer.from_pretrained(tmp_path / "tok"), AutoTokenizer.from_pretrained(tmp_path / "tok")):
        assert tok.chat_template is None and tok.get_added_vocab() == {}, type(tok)
    assert not list((tmp_path / "tok" / "additional_chat_templates").glob("*"))
    # A linked folder of templates is refused: its files were removed (or written through
    # the link, and then left for a later load).
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "mine.jinja").write_text("{{ mine }}")
    (tmp_path / "tok" / "additional_chat_templates").rmdir()
    (tmp_path / "tok" / "additional_chat_templates").symlink_to(tmp_path / "elsewhere")
    before = sorted(p.name for p in (tmp_path / "tok").iterdir())
    for save in (second.save_pretrained, first.save_pretrained, lambda folder: hf_bpe.save_encoding(second.encoding, folder)):
        with pytest.raises(FileExistsError, match="additional_chat_templates is a link"):
            save(tmp_path / "tok")
    assert (tmp_path / "elsewhere" / "mine.jinja").read_text() == "{{ mine }}"
    assert sorted(p.name for p in (tmp_path / "tok").iterdir()) == before


def test_a_save_that_fails_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    # transformers writes tokenizer_config.json (and a chat template) before the
    # vocabulary: a full disk between them left r50k's vocabulary with cl100k's settings,
    # which loaded without error. The folder is on a small tmpfs in a private mount
    # namespace: room for one r50k save, not for cl100k over it.
    sizes = {}
    for name in ("r50k_base", "cl100k_base"):
        HfBpeTokenizer.from_encoding(encoding(name)).save_pretrained(tmp_path / name)
        sizes[name] = sum(f.stat().st_size for f in (tmp_path / name).iterdir())
    assert sizes["cl100k_base"] > sizes["r50k_base"] + 1_000_000
    room = 2 * sizes["r50k_base"] + 500_000  # a save needs its files twice, for a moment
    child = textwrap.dedent(
        """
        import os, sys
        from hf_support import encoding
        from hf_bpe.hf_tokenizer import HfBpeTokenizer
        folder = sys.argv[1] + "/tok"
        HfBpeTokenizer.from_encoding(encoding("r50k_base"), add_eos_token=True).save_pretrained(folder)
        before = {name: open(os.path.join(folder, name), "rb").read() for name in os.listdir(folder)}
        second = HfBpeTokenizer.from_encoding(encoding("cl100k_base"))
        second.chat_template = "{{ messages }}"
        try:
            second.save_pretrained(folder)
        except OSError as err:
            print("failed:", err)
        after = {name: open(os.path.join(folder, name), "rb").read() for name in os.listdir(folder)}
        print("unchanged" if after == before else f"changed: {sorted(after)}")
        print("left:", sorted(os.listdir(sys.argv[1])))
        print(HfBpeTokenizer.from_pretrained(folder)("hello<|fim_prefix|>")["input_ids"])
        """
    )
    proc = run_on_small_disk(child, room, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("failed:") and "No space left" in lines[0], lines
    assert lines[1:3] == ["unchanged", "left: ['tok']"], lines
    assert lines[3] == str([31373, 27, 91, 69, 320, 62, 40290, 91, 29, 50256]), lines  # r50k with its eos


def test_sanitized_chat_input_cannot_hold_a_second_special_at_an_id() -> None:
    # o200k_harmony's <|reserved_200018|> shares 200018 with <|endofprompt|>: typed by a
    # user, it became the control id while every other special was encoded as text.
    tok = HfBpeTokenizer.from_encoding(
        encoding("o200k_harmony"),
        chat_template="{% for m in messages %}<|start|>{{ m['role'] }}<|message|>{{ m['content'] }}<|end|>{% endfor %}",
    )
    user = "hi <|reserved_200018|> <|endofprompt|> <|reserved_200017|>"
    ids = tok.apply_chat_template([{"role": "user", "content": user}], sanitize_control_tokens=True, return_dict=False)
    assert [i for i in ids if i >= 199998] == [200006, 200008, 200007]
    plain = tok.apply_chat_template([{"role": "user", "content": user}], return_dict=False)
    assert 200018 in plain  # unsanitized, the template's text is parsed as usual


def test_decode_takes_a_batch_encoding_and_refuses_floats() -> None:
    tok = HfBpeTokenizer.from_encoding(encoding("o200k_base"), chat_template="{% for m in messages %}{{ m['content'] }}<|endoftext|>{% endfor %}")
    assert tok.decode(tok("Héllo 🙂 wörld")) == "Héllo 🙂 wörld"
    assert tok.decode(tok.apply_chat_template([{"role": "user", "content": "hello"}])) == "hello<|endoftext|>"
    with pytest.raises(TypeError):
        tok.decode([1.0, 2.9])  # was '"#'


def test_a_null_in_a_batch_is_a_type_error_naming_it(tmp_path: Path) -> None:
    # transformers' Python path raised ValueError("Input must be a string, ..."), naming no
    # item; the fast tokenizers raise a TypeError, which code written for them catches.
    tok = make("cl100k_base", pad_token="<|endoftext|>")
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    for batch, pair, item in ((["a", "b", None], None, "item 2 of the batch is null"), ([None], None, "item 0"),
                              (["a", 3.5], None, "item 1 of the batch is a float"), (["a", "b"], ["c", None], "item 1")):
        with pytest.raises((TypeError, ValueError)):  # (ValueError where the first item is None)
            fast(batch, pair)
        with pytest.raises(hf_bpe.TextTypeError, match=item):
            tok(batch, pair)
        with pytest.raises(hf_bpe.TextTypeError, match=item):
            tok(batch, pair, padding=True, return_tensors="np")


def test_negative_lengths_are_refused_as_by_the_fast_tokenizer() -> None:
    # max_length=-1 was taken as "below the special tokens" and the text left whole.
    tok = make("cl100k_base", pad_token="<|endoftext|>")
    for kwargs in ({"max_length": -1, "truncation": True}, {"max_length": -1, "padding": "max_length"},
                   {"stride": -1, "truncation": True, "max_length": 3, "return_overflowing_tokens": True},
                   {"pad_to_multiple_of": -2, "padding": True}):
        option = next(name for name, value in kwargs.items() if isinstance(value, int) and value < 0)
        with pytest.raises(ValueError, match=f"{option} must be at least 0"):
            tok(["a b c d e", "f"], **kwargs)
        with pytest.raises(ValueError, match=f"{option} must be at least 0"):
            tok("a b c d e", **kwargs)


def test_lengths_are_ints_and_a_multiple_of_0_is_none_as_for_the_fast_tokenizer(tmp_path: Path) -> None:
    """pad_to_multiple_of=0 reached transformers' padding (ZeroDivisionError), and 2.0 was
    taken as 2; the stock fast tokenizer pads to no multiple, and refuses a float."""
    import numpy as np

    tok = make("o200k_base", pad_token="<|endoftext|>")
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    texts = ["ab cd", "x"]
    for kwargs in ({}, {"return_offsets_mapping": True}, {"return_tensors": "np"}):
        ours = tok(texts, padding=True, pad_to_multiple_of=0, **kwargs)
        assert {k: np.asarray(v).tolist() for k, v in ours.items()} == {
            k: np.asarray(v).tolist() for k, v in fast(texts, padding=True, pad_to_multiple_of=0, **kwargs).items()
        }
        assert np.asarray(ours["input_ids"]).tolist() == [[378, 24852], [87, 199999]]
        # where each id comes from: the call is run again for that, with the same options
        # (which kept the 0 and failed in transformers' padding: ZeroDivisionError, from QA)
        stock = fast(texts, padding=True, pad_to_multiple_of=0, **kwargs)
        for row in (0, 1):
            assert ours.word_ids(row) == stock.word_ids(row)
            assert ours.tokens(row) == stock.tokens(row)
            assert ours.sequence_ids(row) == stock.sequence_ids(row)
        assert [ours.char_to_token(0, i) for i in range(5)] == [stock.char_to_token(0, i) for i in range(5)]
    one = tok("ab cd", max_length=8, pad_to_multiple_of=0)
    assert one.word_ids() == fast("ab cd", max_length=8, pad_to_multiple_of=0).word_ids() == [0, 1]
    assert tok("ab cd", padding="max_length", max_length=np.int64(4))["input_ids"] == [378, 24852, 199999, 199999]
    for option in ("pad_to_multiple_of", "max_length"):
        with pytest.raises(TypeError):
            fast(texts, padding=True, truncation=True, **{option: 2.0})
        with pytest.raises(TypeError, match=f"{option} must be an int, not a float"):
            tok(texts, padding=True, truncation=True, **{option: 2.0})
    # A padding side other than left or right is refused when padding is asked for, even
    # where no row needs it (it went unchecked then, from QA); without padding it is unused.
    for call in (lambda t: t("ab cd", padding=True, padding_side="middle"), lambda t: t(texts, padding=True, padding_side="Left")):
        with pytest.raises(ValueError):
            call(fast)
        with pytest.raises(ValueError, match="padding_side must be 'left' or 'right', not"):
            call(tok)
    assert tok(texts, padding_side="middle")["input_ids"] == fast(texts, padding_side="middle")["input_ids"]


def test_load_encoding_of_a_folder_with_added_tokens_says_what_it_leaves_out(tmp_path: Path) -> None:
    import warnings

    tok = make("gpt2", pad_token="!")  # a role on a vocabulary token changes no id: no warning
    tok.save_pretrained(tmp_path / "plain")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert hf_bpe.load_encoding(tmp_path / "plain").encode("a [NEW] b") == [64, 685, 13965, 60, 275]
    tok.add_tokens(["[NEW]"])
    tok.save_pretrained(tmp_path / "added")
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match=r"added tokens that the encoding does not \('\[NEW\]'\).*HfBpeTokenizer.from_pretrained") as said:
        enc = hf_bpe.load_encoding(tmp_path / "added")
    assert said[0].filename == __file__  # at the user's line (it was a plain UserWarning)
    assert enc.encode("a [NEW] b") == [64, 685, 13965, 60, 275]  # the encoding alone, as said
    assert HfBpeTokenizer.from_pretrained(tmp_path / "added")("a [NEW] b")["input_ids"] == [64, 220, 50257, 275]


def test_lists_of_ids_decode_as_through_transformers() -> None:
    # Lists (and lists of lists) of ints skip transformers' conversion, which tested every
    # id's type in Python (three quarters of a batch_decode); the texts are the same.
    import numpy as np
    from transformers import PreTrainedTokenizer

    tok = HfBpeTokenizer.from_encoding(encoding("cl100k_base"), eos_token="<|endoftext|>", add_eos_token=True)
    rows = [tok(t)["input_ids"] for t in ("Héllo 🙂", "", "wörld  \n x")] + [[], [100257, 15339, 100257]]
    for skip in (False, True):
        for given in (rows, rows[0], [], [[]], rows[1:2]):
            assert tok.decode(given, skip_special_tokens=skip) == PreTrainedTokenizer.decode(tok, given, skip_special_tokens=skip), given
        for given in (rows, [], [[]]):
            assert tok.batch_decode(given, skip_special_tokens=skip) == PreTrainedTokenizer.batch_decode(tok, given, skip_special_tokens=skip)
    assert tok.batch_decode([np.array(r, dtype=np.int64) for r in rows]) == tok.batch_decode(rows)  # transformers' path
    assert tok.decode(np.array(rows[0])) == tok.decode(rows[0])
    for bad in ([[1.0, 2.9]], [[1], [2.5]]):
        with pytest.raises(TypeError):
            tok.batch_decode(bad)


def test_an_unknown_token_string_is_the_unk_token_when_there_is_one() -> None:
    tok = HfBpeTokenizer.from_encoding(encoding("gpt2"))
    assert tok.convert_tokens_to_ids(["hello", "zzzzqqq"]) == [31373, None]
    tok.unk_token = "<|endoftext|>"  # GPT-2's own configuration
    assert tok.convert_tokens_to_ids(["hello", "zzzzqqq", "Ġworld", ""]) == [31373, 50256, 995, 50256]


def test_import_hf_bpe_registers_with_autotokenizer(tmp_path: Path) -> None:
    """In a fresh process, ``import hf_bpe`` first, transformers after: AutoTokenizer
    returns HfBpeTokenizer (transformers imported first works the same way, and so does
    a look-up of transformers' spec in between, as libraries check whether it is
    installed: it took the import hook away, from QA)."""
    folder = tmp_path / "tok"
    make("r50k_base").save_pretrained(folder)
    looked_up = "import hf_bpe, importlib.util\nassert importlib.util.find_spec('transformers')\nfrom transformers import AutoTokenizer"
    for order in ("import hf_bpe\nfrom transformers import AutoTokenizer", "from transformers import AutoTokenizer\nimport hf_bpe", looked_up):
        code = f"{order}\nprint(type(AutoTokenizer.from_pretrained({str(folder)!r})).__name__)\n"
        proc = subprocess.run([sys.executable, "-c", code], env=hf_bpe_env(), cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stdout.split()[-1] == "HfBpeTokenizer", order


# ------------------------------------------------------------------ transformers behaviour


def test_padding_truncation_pairs_and_tensors_match_the_stock_fast_tokenizer(docs: list[str], tmp_path: Path) -> None:
    tok, fast = with_stock(tmp_path)  # transformers' own class on our tokenizer.json
    batch = docs[:6] + ["", "a"]
    pairs = list(zip(docs[6:10], docs[10:14]))
    for kwargs in (
        {"padding": True},
        {"padding": "max_length", "max_length": 40, "truncation": True},
        {"padding": "longest", "max_length": 17, "truncation": "longest_first", "return_tensors": "np"},
        {"padding": True, "pad_to_multiple_of": 8, "return_special_tokens_mask": True, "return_length": True},
        {"add_special_tokens": False, "padding": True, "padding_side": "left"},
    ):
        ours, theirs = tok(batch, **kwargs), fast(batch, **kwargs)
        assert set(ours) == set(theirs), kwargs
        for key in ours:
            if key == "length":  # transformers' Python backend reports lengths before padding
                assert ours[key] == [sum(mask) for mask in ours["attention_mask"]]
                continue
            assert _plain(ours[key]) == _plain(theirs[key]), (key, kwargs)
    ours, theirs = tok(pairs, truncation=True, max_length=64, padding=True), fast(pairs, truncation=True, max_length=64, padding=True)
    assert ours["input_ids"] == theirs["input_ids"]
    # one text's length is before padding too, an int (it was the padded length)
    for kwargs in (
        {"padding": "max_length", "max_length": 40},
        {"padding": True, "pad_to_multiple_of": 8, "return_attention_mask": False},
        {"padding": "max_length", "max_length": 40, "return_tensors": "np"},
    ):
        for args in ((docs[1][:60],), ("",), (docs[1][:30], docs[2][:30])):
            row = tok(*args, return_length=True, **kwargs)
            unpadded = tok(*args)["input_ids"]
            assert _plain(row["length"]) == ([len(unpadded)] if "return_tensors" in kwargs else len(unpadded)), (args, kwargs)
            assert _plain(row["input_ids"]) == _plain(fast(*args, **kwargs)["input_ids"]), (args, kwargs)
            assert ("attention_mask" in row) == ("return_attention_mask" not in kwargs)
    one, two = docs[1][:300], docs[2][:300]
    assert tok(one, two)["input_ids"] == fast(one, two)["input_ids"]
    assert tok(one, two, return_token_type_ids=True)["token_type_ids"] == fast(one, two, return_token_type_ids=True)["token_type_ids"]


def test_tokenize_words_as_the_stock_fast_tokenizer_does(tmp_path: Path) -> None:
    tok = make("o200k_base", add_eos_token=True)
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    cases: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((["Hello", "world", "日本"],), {}),  # was: TypeError: unhashable type: 'list'
        ((["Hello", "world"],), {"add_special_tokens": True}),
        ((["a", "b"], ["c d"]), {"add_special_tokens": True}),
        ((["a", "b"], ["c d"]), {}),
    ]
    for args, kwargs in cases:
        ours = tok.tokenize(*args, is_split_into_words=True, **kwargs)
        assert ours == fast.tokenize(*args, is_split_into_words=True, **kwargs), (args, kwargs)
        ids = tok(*args, is_split_into_words=True, add_special_tokens=kwargs.get("add_special_tokens", False))["input_ids"]
        assert ours == tok.convert_ids_to_tokens(ids)


def test_a_str_given_as_words_is_refused_as_the_stock_fast_tokenizer_refuses_it(tmp_path: Path) -> None:
    """``tok("a b", is_split_into_words=True)`` encoded the text as if not split, where the
    fast tokenizer raises a TypeError: a caller who forgot to split got ids without a word."""
    tok = make("cl100k_base")
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    for args in (("a b",), ("",), (["a", "b"], "c d"), ("a b", ["c"]), ([["a"], "b c"],), ([["a"]], ["b c"])):
        for call in (lambda t: t(*args, is_split_into_words=True), lambda t: t.encode(*args, is_split_into_words=True),
                     lambda t: t(*args, is_split_into_words=True, return_offsets_mapping=True)):
            with pytest.raises(TypeError):
                call(fast)
            with pytest.raises(hf_bpe.TextTypeError, match="with is_split_into_words=True a text is a list of words"):
                call(tok)
    # A list of str is one text's words, as for the fast tokenizer.
    assert tok(["a b", "c"], is_split_into_words=True)["input_ids"] == fast(["a b", "c"], is_split_into_words=True)["input_ids"]


def test_arguments_of_the_wrong_kind_are_refused_as_the_stock_fast_tokenizer_refuses_them(tmp_path: Path) -> None:
    """Flags were read by their truth (``add_special_tokens="False"`` added eos); a set of
    ids decoded in the set's order; ``add_special_tokens("<x>")`` was an AttributeError."""
    tok = make("r50k_base", eos_token="<|endoftext|>", add_eos_token=True)
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    ids = tok.encode("hi world", add_special_tokens=False)
    for value in ("False", "no", 1, 1.0, [True]):
        for call in (lambda t: t("hi", add_special_tokens=value), lambda t: t.encode("hi", add_special_tokens=value),
                     lambda t: t.decode(ids, skip_special_tokens=value), lambda t: t("a<|endoftext|>", split_special_tokens=value),
                     lambda t: t.batch_decode([ids], skip_special_tokens=value)):
            with pytest.raises(TypeError):
                call(fast)
            with pytest.raises(TypeError, match="must be True or False"):
                call(tok)
    for value in (True, False, np.bool_(True), np.bool_(False)):  # numpy's bools are bools to both
        assert tok("hi", add_special_tokens=value)["input_ids"] == fast("hi", add_special_tokens=value)["input_ids"]
        assert tok.decode(ids + [50256], skip_special_tokens=value) == fast.decode(ids + [50256], skip_special_tokens=value)
    for value in (None, 0):  # (the tokenizer's own setting, for both)
        assert tok("a<|endoftext|>", split_special_tokens=value)["input_ids"] == fast("a<|endoftext|>", split_special_tokens=value)["input_ids"]
    for kind in (set, frozenset):
        with pytest.raises(TypeError):
            fast.decode(kind(ids))
        with pytest.raises(TypeError, match="ids come as a sequence, not a (frozen)?set"):
            tok.decode(kind(ids))
    for value in ("<x>", ["<x>"]):
        with pytest.raises(ValueError):
            fast.add_special_tokens(value)
        with pytest.raises(ValueError, match="add_special_tokens takes a dict of role -> token"):
            tok.add_special_tokens(value)
    assert tok.add_special_tokens(None) == fast.add_special_tokens(None) == 0
    assert tok.add_special_tokens([("pad_token", "<pad>")]) == fast.add_special_tokens([("pad_token", "<pad>")]) == 1
    assert tok.pad_token == fast.pad_token == "<pad>" and tok("<pad>")["input_ids"] == fast("<pad>")["input_ids"]


def test_empty_lists_of_words_encode_to_no_ids_as_the_stock_fast_tokenizer_does(tmp_path: Path) -> None:
    # A batch of words with an empty row (a sentence with no words, as NER datasets have)
    # was a ValueError from transformers' Python tokenizers: "Input must be a string, ...".
    tok = make("o200k_base", add_eos_token=True, pad_token="<|endofprompt|>")
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        (([],), {}),
        (([[]],), {}),
        (([["Hello", "world"], []],), {}),
        (([[], ["日本"]],), {"add_special_tokens": False}),
        (([["a", "b"], []], [[], ["c"]]), {}),
        (([], ["c"]), {}),
        (([["a", "b"], []],), {"padding": True, "return_tensors": "np"}),
        (([["a", "b", "c"], []],), {"truncation": True, "max_length": 2}),
        (([["a", "b", "c"], []],), {"truncation": True, "max_length": 2, "return_overflowing_tokens": True}),
        (([],), {"truncation": True, "max_length": 2, "return_overflowing_tokens": True}),
    ]
    for args, kwargs in calls:
        ours, theirs = tok(*args, is_split_into_words=True, **kwargs), fast(*args, is_split_into_words=True, **kwargs)
        assert set(ours) == set(theirs), (args, kwargs)
        for key in ours:
            assert _plain(ours[key]) == _plain(theirs[key]), (key, args, kwargs)
    assert tok.tokenize([], is_split_into_words=True) == []


def test_max_length_0_truncates_to_nothing_as_the_stock_fast_tokenizer_does(tmp_path: Path) -> None:
    # transformers' Python tokenizers read max_length=0 as no limit: the whole text came back
    # (a budget computed down to 0 was overrun), and an empty text padded to max_length=0
    # was padded to model_max_length.
    for eos in (False, True):  # with an eos, 0 is below the special tokens: the text stays whole
        tok = make("cl100k_base", add_eos_token=eos, pad_token="<|endofprompt|>", model_max_length=16)
        folder = tmp_path / str(eos)
        tok.save_pretrained(folder)
        fast = PreTrainedTokenizerFast.from_pretrained(folder)
        calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
            (("hello world",), {"truncation": True}),
            (("hello world",), {}),
            ((["hello world", "a"],), {"truncation": True, "padding": True, "return_tensors": "np"}),
            (("hello world", "x y"), {"truncation": True}),
            (("hello world", "x y"), {"truncation": "only_second"}),
            (("hello world",), {"truncation": True, "padding": "max_length", "return_special_tokens_mask": True}),
            (("hello world",), {"truncation": True, "return_offsets_mapping": True}),
            (("",), {"padding": "max_length"}),
        ]
        for args, kwargs in calls:
            ours, theirs = tok(*args, max_length=0, **kwargs), fast(*args, max_length=0, **kwargs)
            assert set(ours) == set(theirs), (eos, args, kwargs)
            for key in ours:
                assert _plain(ours[key]) == _plain(theirs[key]), (eos, key, args, kwargs)
    # windows of no ids cannot be made (the fast tokenizer gives an empty row, then the text);
    # a text with no ids is one empty row, as there
    with pytest.raises(ValueError, match=r"max_length=0 leaves no room for ids"):
        tok("hello world", max_length=0, truncation=True, return_overflowing_tokens=True, add_special_tokens=False)
    for args, kwargs in (
        (("",), {}),
        (([[], []],), {"is_split_into_words": True}),
        (([],), {"is_split_into_words": True}),
    ):
        kwargs.update(max_length=0, truncation=True, return_overflowing_tokens=True, add_special_tokens=False)
        ours, theirs = tok(*args, **kwargs), fast(*args, **kwargs)
        assert {key: _plain(value) for key, value in ours.items()} == {key: _plain(value) for key, value in theirs.items()}
    # prepare_for_model itself: max_length with padding alone does not truncate (0 did)
    assert tok.prepare_for_model([1, 2, 3], add_special_tokens=False, max_length=0, padding="max_length")["input_ids"] == [1, 2, 3]
    with pytest.raises(ValueError, match="overflowing tokens for pair"):  # as for any max_length
        tok.prepare_for_model([1, 2], [3], max_length=0, truncation=True, return_overflowing_tokens=True)


def test_truncating_pairs_longest_first_is_quiet(docs: list[str]) -> None:
    # transformers' Python tokenizers warn "overflowing tokens are not returned" for every
    # pair they truncate longest-first: a batch of 20 pairs printed it 20 times.
    import logging

    from transformers import PreTrainedTokenizer

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    transformers_logger = logging.getLogger(PreTrainedTokenizer.truncate_sequences.__module__)
    transformers_logger.addHandler(handler)
    try:
        rows = make("o200k_base")(list(zip(docs[:20], docs[20:40])), truncation=True, max_length=64)["input_ids"]
        transformers_logger.warning("another record of this logger")
    finally:
        transformers_logger.removeHandler(handler)
    assert all(len(row) == 64 for row in rows)
    assert [record.getMessage() for record in records] == ["another record of this logger"]


def test_truncation_that_cannot_be_done_is_refused_or_skipped_as_the_stock_fast_tokenizer_does(tmp_path: Path) -> None:
    """transformers' Python tokenizers cut a text too short to cut down to nothing (and the
    row stays too long); hf_bpe refuses or leaves it whole where the fast tokenizer does."""
    tok, fast = with_stock(tmp_path)
    refused: list[tuple[tuple[Any, ...], dict[str, Any], str]] = [
        # ("Hello world": 2 ids, "a b c d e f g h i": 9, four special tokens around a pair)
        (("Hello world", "a b c d e f g h i"), {"truncation": "only_first", "max_length": 9}, "remove 6 ids from the first text, which has 2"),
        (("a b c d e f g h i", "Hello world"), {"truncation": "only_second", "max_length": 13}, "remove 2 ids from the second text, which has 2"),
        (("a b c d e f",), {"truncation": "only_second", "max_length": 4}, "there is none"),
        ((["a b c d e f"],), {"truncation": "only_second", "max_length": 4, "return_overflowing_tokens": True}, "there is none"),
    ]
    for inputs, kwargs, message in refused:
        with pytest.raises(Exception, match="Truncation error"):
            fast(*inputs, **kwargs)
        with pytest.raises(ValueError, match=message):
            tok(*inputs, **kwargs)
    for inputs, max_length in ((("Hello world",), 1), (("Hello world", "a b"), 3), (("Hello world",), 2)):
        ours = tok(*inputs, truncation=True, max_length=max_length)["input_ids"]
        assert ours == fast(*inputs, truncation=True, max_length=max_length)["input_ids"], (inputs, max_length)
    # Below the special tokens (text whole) or just the special tokens (no text): whatever
    # the strategy, and with windows (they raised ValueError).
    for inputs, kwargs in (
        (("Hello world", "a b"), {"truncation": "only_first", "max_length": 3}),
        (("Hello world", "a b"), {"truncation": "only_second", "max_length": 4}),
        (("Hello world", "a b"), {"truncation": "only_first", "max_length": 4}),
        (("Hello world",), {"truncation": "only_second", "max_length": 2}),
        ((["Hello world", "a b c"],), {"truncation": True, "max_length": 1, "return_overflowing_tokens": True}),
    ):
        ours, theirs = tok(*inputs, **kwargs), fast(*inputs, **kwargs)
        assert {k: _plain(v) for k, v in ours.items()} == {k: _plain(v) for k, v in theirs.items()}, (inputs, kwargs)
    assert tok("Hello world", truncation=True, max_length=1)["input_ids"] == [199999, 13225, 2375, 199999]  # whole
    # and says so as transformers' own warnings do (shown unless the program set up logging)
    script = f"import hf_bpe; from transformers import AutoTokenizer; AutoTokenizer.from_pretrained({str(tmp_path)!r})('Hello world', truncation=True, max_length=1)"
    warned = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=hf_bpe_env(), timeout=300)
    assert warned.returncode == 0 and "max_length is below the 2 special tokens added around the text" in warned.stderr, warned.stderr
    assert tok("Hello world", truncation=True, max_length=2)["input_ids"] == [199999, 199999]
    # A pair left whole below its special tokens, with windows and a stride: the windows
    # would hold no ids to share, and the fast tokenizer refuses the stride (it was left
    # whole, from QA); without a stride both leave it whole.
    # (The fast tokenizer checks a stride against max_length less the special tokens of one
    # text, here 2 of the pair's 4, and not at all below them.)
    args, kwargs = ("a b c d", "e f"), {"truncation": "only_first", "return_overflowing_tokens": True}
    for max_length, stride in ((2, 1), (3, 2)):
        with pytest.raises(ValueError, match="stride"):
            fast(*args, stride=stride, max_length=max_length, **kwargs)
        with pytest.raises(ValueError, match=rf"stride \({stride}\) must be below max_length \({max_length}\) less the special tokens"):
            tok(*args, stride=stride, max_length=max_length, **kwargs)
    for max_length, stride in ((2, 0), (3, 1), (1, 5), (0, 3)):
        assert dict(tok(*args, stride=stride, max_length=max_length, **kwargs)) == dict(fast(*args, stride=stride, max_length=max_length, **kwargs))
    # A batch of pairs with overflowing tokens, some cut and some not: a row per window (it
    # failed with "a different batch size than others" in transformers' Python tokenizers).
    args, kwargs = (["Hello world", "hi"], ["a b c d e f g h", "x"]), {"truncation": "only_second", "max_length": 8, "return_overflowing_tokens": True}
    rows = tok(*args, **kwargs)
    assert rows["overflow_to_sample_mapping"] == [0, 0, 0, 0, 1] and dict(rows) == dict(fast(*args, **kwargs))


def test_assistant_masks_and_tokenize_of_pairs_as_the_stock_fast_tokenizer(docs: list[str], tmp_path: Path) -> None:
    tok, fast = with_stock(tmp_path)
    template = (
        "{% for m in messages %}{{ m['role'] }}: {% if m['role'] == 'assistant' %}{% generation %}"
        "{{ m['content'] }}<|endoftext|>{% endgeneration %}{% else %}{{ m['content'] }}\n{% endif %}{% endfor %}"
    )
    chats = [
        [{"role": "user", "content": docs[0][:200]}, {"role": "assistant", "content": docs[1][:300]}],
        [{"role": "user", "content": "Hi 🙂"}, {"role": "assistant", "content": "Hello! ça va?"},
         {"role": "user", "content": "Bien"}, {"role": "assistant", "content": "十分な"}],
    ]
    for inputs, kwargs in (
        (chats[0], {}),
        (chats[1], {"tokenizer_kwargs": {"return_offsets_mapping": True}}),
        (chats, {"padding": True}),
        (chats, {"padding": True, "return_tensors": "np"}),
        (chats, {"truncation": True, "max_length": 20}),
    ):
        ours = tok.apply_chat_template(inputs, chat_template=template, return_dict=True, return_assistant_tokens_mask=True, **kwargs)
        theirs = fast.apply_chat_template(inputs, chat_template=template, return_dict=True, return_assistant_tokens_mask=True, **kwargs)
        masks = _plain(ours["assistant_masks"])
        assert set(ours) == set(theirs) and 1 in (masks if isinstance(masks[0], int) else masks[-1]), kwargs
        for key in ours:
            assert _plain(ours[key]) == _plain(theirs[key]), (key, kwargs)
        rows = range(len(theirs.encodings))  # the masks come from the rows' alignments
        assert [(ours.tokens(i), ours.word_ids(i)) for i in rows] == [(theirs.tokens(i), theirs.word_ids(i)) for i in rows]
    # tokenize takes a pair and adds the special tokens as the fast tokenizer does
    for args, kwargs in (((docs[2][:200], docs[3][:100]), {}), ((docs[2][:200],), {"add_special_tokens": True}),
                         (("a <|endoftext|> b",), {"pair": "ça", "add_special_tokens": True})):
        assert tok.tokenize(*args, **kwargs) == fast.tokenize(*args, **kwargs), (args, kwargs)


@pytest.mark.parametrize("side", ["right", "left"])
def test_overflowing_tokens_are_windows_as_in_the_stock_fast_tokenizer(docs: list[str], tmp_path: Path, side: str) -> None:
    # The way the Hugging Face course cuts long documents into training rows.
    tok, fast = with_stock(tmp_path, side)
    batch = [docs[0][:400], "short", "", docs[1][:150]]
    for kwargs in (
        {"truncation": True, "max_length": 32, "return_length": True},
        {"truncation": True, "max_length": 32, "stride": 8, "padding": "max_length", "return_tensors": "np"},
        {"truncation": True, "max_length": 12, "return_special_tokens_mask": True, "return_token_type_ids": True, "padding": True},
        {"truncation": True, "max_length": 9, "stride": 3, "add_special_tokens": False},
        {"truncation": True, "max_length": 16, "padding": True, "pad_to_multiple_of": 8, "padding_side": "left"},
        {"truncation": True},  # no max_length, no model limit: no truncation, still a mapping
        {"truncation": False, "padding": True},
    ):
        for inputs in (batch, batch[0]):
            ours = tok(inputs, return_overflowing_tokens=True, **kwargs)
            theirs = fast(inputs, return_overflowing_tokens=True, **kwargs)
            assert set(ours) == set(theirs), kwargs
            for key in ours:
                assert _plain(ours[key]) == _plain(theirs[key]), (key, kwargs)
    assert len(tok(batch, truncation=True, max_length=8, return_overflowing_tokens=True)["input_ids"]) > len(batch)
    with pytest.raises(ValueError, match="stride"):
        tok(batch, truncation=True, max_length=8, stride=6, return_overflowing_tokens=True)


@pytest.mark.parametrize("side", ["right", "left"])
def test_text_pairs_are_cut_into_windows_as_in_the_stock_fast_tokenizer(docs: list[str], tmp_path: Path, side: str) -> None:
    # The Hugging Face course's question answering recipe: a question beside each window of
    # its context (only_second), one row per window, the rest of the pair whole.
    tok, fast = with_stock(tmp_path, side)
    questions = ["Who wrote it?", docs[1][:40], "", "Where?"]
    contexts = [docs[0][:600], "short", docs[2][:200], ""]
    for strategy, first, second, max_length, stride in (
        ("only_second", questions, contexts, 40, 10),
        ("only_first", contexts, questions, 32, 0),
        ("longest_first", contexts, [docs[3][:300], "", "tiny", docs[4][:100]], 24, 3),  # each text's share, windows paired
        (True, questions, contexts, 64, 16),
    ):
        for kwargs in (
            {"return_length": True},
            {"padding": "max_length", "return_special_tokens_mask": True, "return_token_type_ids": True},
            {"return_offsets_mapping": True, "padding": True, "return_tensors": "np"},
            {"add_special_tokens": False},
        ):
            kwargs = {"truncation": strategy, "max_length": max_length, "stride": stride, "return_overflowing_tokens": True, **kwargs}
            for args in ((first, second), (list(zip(first, second)),), (first[0], second[0])):
                ours, theirs = tok(*args, **kwargs), fast(*args, **kwargs)
                assert set(ours) == set(theirs), kwargs
                for key in ours:
                    assert _plain(ours[key]) == _plain(theirs[key]), (key, kwargs, args)
                assert [ours.sequence_ids(i) for i in range(len(ours["input_ids"]))] == [
                    theirs.sequence_ids(i) for i in range(len(theirs["input_ids"]))
                ]
    rows = tok(questions[0], contexts[0], truncation="only_second", max_length=40, stride=10, return_overflowing_tokens=True)
    assert len(rows["input_ids"]) > 5 and set(rows["overflow_to_sample_mapping"]) == {0}
    # where the stock fast tokenizer panics or raises a bare Exception: ValueError
    window = 40 - 4 - len(tok(questions[0], add_special_tokens=False)["input_ids"])  # (of the context, beside the question)
    with pytest.raises(ValueError, match="stride"):
        tok(questions[0], contexts[0], truncation="only_second", max_length=40, stride=window, return_overflowing_tokens=True)
    with pytest.raises(ValueError, match="only_second"):  # the question alone is longer than max_length
        tok(contexts[0], questions[0], truncation="only_second", max_length=40, return_overflowing_tokens=True)
    with pytest.raises(ValueError, match="no room"):
        tok(questions[0], contexts[0], truncation="longest_first", max_length=4, return_overflowing_tokens=True)


def test_windows_follow_model_input_names_and_warn_as_the_stock_fast_tokenizer(tmp_path: Path) -> None:
    tok = make("o200k_base", model_input_names=["input_ids", "token_type_ids", "attention_mask"], model_max_length=4)
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    for kwargs in ({"truncation": True, "max_length": 2}, {"return_token_type_ids": False, "truncation": True, "max_length": 2}, {}):
        ours = tok("a b c d e f", return_overflowing_tokens=True, **kwargs)
        theirs = fast("a b c d e f", return_overflowing_tokens=True, **kwargs)
        assert dict(ours) == dict(theirs), kwargs
    assert "token_type_ids" in ours
    with _warns_too_long():  # 6 ids, no truncation, a model limit of 4 (said once per tokenizer)
        make("o200k_base", model_max_length=4)("one two three four five six", return_overflowing_tokens=True)


def test_a_sanitized_chat_gives_ids_only_as_from_the_stock_fast_tokenizer(tmp_path: Path) -> None:
    # With offsets or windows asked for too, the marked chat was encoded as plain text:
    # the markers became ids and the user's <|endoftext|> the control token.
    template = "{% for m in messages %}<|endofprompt|>{{ m['content'] }}<|endoftext|>{% endfor %}"
    tok = make("o200k_base", chat_template=template)
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    chat = [{"role": "user", "content": "hi <|endoftext|>"}]
    for kwargs, cut in (({}, {}), ({"return_offsets_mapping": True}, {}), ({"return_overflowing_tokens": True}, {}),
                        ({"return_overflowing_tokens": True}, {"truncation": True, "max_length": 4})):
        ours = tok.apply_chat_template(chat, sanitize_control_tokens=True, return_dict=True, tokenizer_kwargs=kwargs, **cut)
        theirs = fast.apply_chat_template(chat, sanitize_control_tokens=True, return_dict=True, tokenizer_kwargs=kwargs, **cut)
        assert dict(ours) == dict(theirs), kwargs
    assert ours["input_ids"][:2] == [200018, 3686]  # (truncated to 4)
    assert tok.apply_chat_template(chat, sanitize_control_tokens=True, return_dict=False).count(199999) == 1


def _plain(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else value


def test_offsets_match_the_stock_fast_tokenizer(docs: list[str], tmp_path: Path) -> None:
    tok = make("cl100k_base", add_eos_token=True, pad_token="<|endoftext|>")
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    for doc in docs[::2]:
        ours, theirs = tok(doc, return_offsets_mapping=True), fast(doc, return_offsets_mapping=True)
        assert ours["input_ids"] == theirs["input_ids"]
        assert [tuple(o) for o in ours["offset_mapping"]] == [tuple(o) for o in theirs["offset_mapping"]]
    for side in ("right", "left"):
        tok.truncation_side = fast.truncation_side = side
        ours = tok(docs[:4], return_offsets_mapping=True, truncation=True, max_length=9, padding="max_length")
        theirs = fast(docs[:4], return_offsets_mapping=True, truncation=True, max_length=9, padding="max_length")
        assert ours["input_ids"] == theirs["input_ids"]
        assert [[tuple(o) for o in row] for row in ours["offset_mapping"]] == [
            [tuple(o) for o in row] for row in theirs["offset_mapping"]
        ]
    # Rows without any added token (no bos/eos, no padding) take their offsets as they come.
    bare = make("cl100k_base")
    bare.save_pretrained(tmp_path / "bare")
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path / "bare")
    for side in ("right", "left"):
        bare.truncation_side = fast.truncation_side = side
        for kwargs in ({}, {"truncation": True, "max_length": 9}):
            ours, theirs = bare(docs[:4], return_offsets_mapping=True, **kwargs), fast(docs[:4], return_offsets_mapping=True, **kwargs)
            assert ours["input_ids"] == theirs["input_ids"], kwargs
            assert [[tuple(o) for o in row] for row in ours["offset_mapping"]] == [
                [tuple(o) for o in row] for row in theirs["offset_mapping"]
            ], (side, kwargs)


def test_rows_transformers_python_tokenizers_make_otherwise_are_the_fast_ones(tmp_path: Path) -> None:
    """Found by a differential fuzzer against the stock fast tokenizer of the same folder:
    a single text's offsets as tensors had no batch axis (and a single conversation's
    assistant mask as tensors raised TypeError); a text with no ids was not padded; a pair
    without special tokens had token type ids all 0; words with overflowing tokens were
    one row with overflowing_tokens, not windows."""
    tok = make("cl100k_base", add_eos_token=True, pad_token="<|endofprompt|>")
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    template = (
        "{% for m in messages %}{% if m['role'] == 'assistant' %}A: {% generation %}{{ m['content'] }}"
        "{% endgeneration %}{% else %}U: {{ m['content'] }}{% endif %}{% endfor %}"
    )
    chat = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("__call__", ("hi thère",), {"return_offsets_mapping": True, "return_tensors": "np"}),
        ("apply_chat_template", (chat,), {"chat_template": template, "return_dict": True,
                                          "return_assistant_tokens_mask": True, "return_tensors": "np"}),
        ("__call__", ("",), {"padding": "max_length", "max_length": 4, "add_special_tokens": False}),
        ("__call__", ("",), {"padding": "max_length", "max_length": 5, "add_special_tokens": False, "return_tensors": "np",
                             "return_special_tokens_mask": True, "return_token_type_ids": True, "padding_side": "left"}),
        ("__call__", ("hi", "there"), {"add_special_tokens": False, "return_token_type_ids": True}),
        ("__call__", ("hi", "there"), {"add_special_tokens": False, "return_token_type_ids": True,
                                       "return_special_tokens_mask": True, "padding": "max_length", "max_length": 6}),
        ("__call__", (["hi", "x y z"], ["there", "a b"]), {"add_special_tokens": False, "return_token_type_ids": True,
                                                          "truncation": "only_first", "max_length": 3}),
        ("__call__", (["hello", "world", "foo"],), {"is_split_into_words": True, "truncation": True, "max_length": 2,
                                                   "return_overflowing_tokens": True, "add_special_tokens": False}),
        ("__call__", ([["hello", " world", "foo"], ["a", "b c"]],), {"is_split_into_words": True, "truncation": True,
                                                                     "max_length": 4, "stride": 1, "padding": True,
                                                                     "return_overflowing_tokens": True}),
    ]
    for method, args, kwargs in calls:
        ours, theirs = getattr(tok, method)(*args, **kwargs), getattr(fast, method)(*args, **kwargs)
        assert set(ours) == set(theirs), (args, kwargs)
        for key in ours:
            assert _plain(ours[key]) == _plain(theirs[key]), (key, args, kwargs)


@pytest.mark.parametrize("side", ["right", "left"])
def test_an_empty_second_text_keeps_its_special_tokens_when_cut(tmp_path: Path, side: str) -> None:
    # transformers' Python truncation from the left turned the empty second text into None,
    # and the pair lost its bos and eos
    tok = make("o200k_base", add_bos_token=True, add_eos_token=True, bos_token="<|endoftext|>")
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    tok.truncation_side = fast.truncation_side = side
    for first, second, only in ((["hello big world"], [""], "only_first"), ([""], ["hello big world"], "only_second"),
                                (["a b c d", ""], ["", "x y z"], "longest_first")):
        for strategy in (True, only):
            kwargs = {"truncation": strategy, "max_length": 6, "return_token_type_ids": True}
            ours, theirs = tok(first, second, **kwargs), fast(first, second, **kwargs)
            for key in theirs:
                assert _plain(ours[key]) == _plain(theirs[key]), (key, first, second, strategy)


def test_offsets_of_a_text_holding_a_surrogate_pair() -> None:
    # Encoding joins the pair into one 4-byte character; the offsets counted 6 bytes, and
    # every offset after the pair was off.
    tok = HfBpeTokenizer.from_encoding(encoding("o200k_base"))
    joined, split = "x\U0001f642 hello wörld", "x\ud83d\ude42 hello wörld"
    want = tok(joined, return_offsets_mapping=True)
    got = tok(split, return_offsets_mapping=True)
    assert got["input_ids"] == want["input_ids"]
    assert got["offset_mapping"] == [(s + (s > 1), e + (e > 1)) for s, e in want["offset_mapping"]]
    # r50k spells 🦏 with three byte tokens: each covers the whole pair
    r50k = HfBpeTokenizer.from_encoding(encoding("r50k_base"))
    assert r50k("x\ud83e\udd8fy", return_offsets_mapping=True)["offset_mapping"] == [(0, 1), (1, 3), (1, 3), (1, 3), (3, 4)]
    assert r50k("x\U0001f98fy", return_offsets_mapping=True)["offset_mapping"] == [(0, 1), (1, 2), (1, 2), (1, 2), (2, 3)]
    # a lone surrogate is encoded as U+FFFD, three byte tokens here, each covering it
    for lone in ("x\ud83dy", "x\ude42y", "x\ude42\ud83dy"):
        replaced = lone.replace("\ud83d", "\ufffd").replace("\ude42", "\ufffd")
        assert r50k(lone, return_offsets_mapping=True) == r50k(replaced, return_offsets_mapping=True)


def test_offsets_that_cannot_be_given_raise() -> None:
    tok = make("r50k_base")
    with pytest.raises(NotImplementedError, match="need text"):
        tok([64, 65], return_offsets_mapping=True)
    tok.add_tokens([AddedToken("<x>", lstrip=True)])
    with pytest.raises(NotImplementedError, match="strip spaces"):
        tok("a <x> b", return_offsets_mapping=True)


def test_special_token_text_is_parsed_unless_split_special_tokens() -> None:
    enc = encoding("cl100k_base")
    tok = make("cl100k_base")
    text = "a<|endoftext|>b<|fim_prefix|>"
    assert tok(text)["input_ids"] == enc.encode(text, allowed_special="all")
    assert tok(text, split_special_tokens=True)["input_ids"] == enc.encode_ordinary(text)
    assert tok.tokenize(text, split_special_tokens=True) == tok.convert_ids_to_tokens(enc.encode_ordinary(text))


def test_two_special_tokens_at_one_id_are_both_found(tmp_path: Path) -> None:
    # o200k_harmony has <|endofprompt|> and <|reserved_200018|> at 200018.
    ranks = {bytes([i]): i for i in range(256)}
    enc = hf_bpe.Encoding("twins", pat_str=r"\s+|\S+", mergeable_ranks=ranks, special_tokens={"<|a|>": 256, "<|b|>": 256})
    text = "x<|b|>y<|a|>"
    tok = HfBpeTokenizer.from_encoding(enc)
    assert tok(text)["input_ids"] == enc.encode(text, allowed_special="all") == [120, 256, 121, 256]
    assert tok.tokenize(text) == ["x", "<|b|>", "y", "<|a|>"]
    with pytest.warns(hf_bpe.TokenizerJsonWarning):  # tokenizer.json has one token per id
        tok.save_pretrained(tmp_path / "twins")
    assert HfBpeTokenizer.from_pretrained(tmp_path / "twins")(text)["input_ids"] == [120, 256, 121, 256]


def test_vocab_size_and_len_cover_the_gaps() -> None:
    tok = make("cl100k_base")
    assert tok.vocab_size == len(tok) == 100_277  # <|endofprompt|> is 100276; 100256 is a gap
    assert len(tok.get_vocab()) == 100_261
    assert tok.vocab == tok.get_vocab()  # (as the stock fast tokenizer's; an AttributeError before)
    assert tok.convert_ids_to_tokens([15339, 100257]) == ["hello", "<|endoftext|>"]
    with pytest.raises(UnknownTokenError):
        tok.convert_ids_to_tokens(100256)
    with pytest.raises(UnknownTokenError) as info:  # a KeyError, as in tiktoken
        tok.decode([100256])
    assert isinstance(info.value, KeyError) and info.value.token == 100256
    # A model sized by len(tok) can sample the gap: the error says how to keep it out.
    assert "suppress_tokens" in info.value.__notes__[0]
    with pytest.raises(hf_bpe.TokenIdOverflowError) as overflow:  # no model's id
        tok.decode([-1])
    assert not getattr(overflow.value, "__notes__", None)


def test_added_tokens_get_free_ids_and_survive_both_loaders(tmp_path: Path) -> None:
    tok = make("cl100k_base")
    assert tok.add_tokens(["<new>"]) == 1
    tok.add_special_tokens({"pad_token": "<|pad|>"})
    assert tok.convert_tokens_to_ids(["<new>", "<|pad|>"]) == [100277, 100278]
    assert len(tok) == 100_279
    text = "x<new>y <|pad|><|endoftext|>"
    enc = encoding("cl100k_base")
    expected = enc.encode("x") + [100277] + enc.encode("y ") + [100278, 100257]
    assert tok(text)["input_ids"] == expected
    assert tok.decode(expected) == text
    assert tok.decode(expected, skip_special_tokens=True) == "x<new>y "
    tok.save_pretrained(tmp_path / "tok")
    assert AutoTokenizer.from_pretrained(tmp_path / "tok")(text)["input_ids"] == expected
    assert run_stock(tmp_path / "tok", [text], tmp_path / "stock")["ids"] == [expected]


def test_token_spellings_are_made_only_when_asked_for(tmp_path: Path) -> None:
    # Spelling 200,000 tokens took 0.3 s of each from_pretrained; encoding and decoding
    # never need them, get_vocab and token conversions do.
    make("o200k_base").save_pretrained(tmp_path / "tok")
    tok = AutoTokenizer.from_pretrained(tmp_path / "tok")
    ids = tok("hello <|endoftext|> wörld")["input_ids"]
    assert tok.decode(ids) == "hello <|endoftext|> wörld"
    assert tok._vocab._maps is None
    samples = ["<|endoftext|>", "Ġhello", "hello", "é", "Ã©", "ĠwÃ¶rld", "\u4e00", "Ġ", "", " hello"]
    before = [tok._vocab.id_of(text) for text in samples]
    assert before[:3] == [199999, 40617, 24912] and before[-3:] == [220, None, None]
    assert tok.convert_ids_to_tokens(ids) == ["hello", "Ġ", "<|endoftext|>", "Ġw", "Ã¶r", "ld"]
    assert tok._vocab._maps is not None
    assert [tok._vocab.id_of(text) for text in samples] == before
    assert tok.get_vocab()["Ġhello"] == 40617


def test_an_added_text_that_is_one_token_keeps_that_id() -> None:
    # A byte-level vocabulary *spells* token 165 (the byte 0xE9) as "é"; the text "é"
    # (0xC3 0xA9) is token 2634. Adding it must not make 165 decode as "é".
    tok = make("gpt2")
    twin = tiktoken_twin(encoding("gpt2"))
    assert tok.add_tokens(["é"]) == 0
    assert tok.convert_tokens_to_ids("é") == 2634 == twin.encode_single_token("é")
    assert tok.decode([165, 102, 105]) == twin.decode([165, 102, 105]) == "马"
    assert tok("café")["input_ids"] == twin.encode("café")
    # Token strings keep their ids: tokenize() spells 165 as "é" too (CJK lead bytes);
    # the added "é" is split out of the text, as by stock tokenizers.
    text = "那里 é"
    expected = twin.encode("那里 ") + [2634]
    assert twin.encode("那里")[0] == 165 and tok(text)["input_ids"] == expected
    assert tok.convert_tokens_to_ids(tok.tokenize(text)) == expected
    assert tok.convert_tokens_to_string(tok.convert_ids_to_tokens(twin.encode(text))) == text
    assert tok(text.split(), is_split_into_words=True)["input_ids"] == twin.encode("那里") + [2634]
    tok.add_tokens([AddedToken("[LS]", lstrip=True)])  # ids now go through tokenize()
    assert tok(text)["input_ids"] == expected
    assert tok.batch_encode([text], allowed_special="all")["input_ids"] == [expected]
    assert tok.add_tokens(["Ġworld"]) == 1  # the spelling of " world" is new text
    assert tok.decode(tok("hello world")["input_ids"]) == "hello world"
    assert tok.decode(tok("Ġworld")["input_ids"]) == "Ġworld"


def test_tokens_written_by_hand_and_wrong_types_as_the_stock_fast_tokenizer(tmp_path: Path) -> None:
    # A token list written by hand (" world", not its spelling "Ġworld") was a
    # VocabularyError blaming the vocabulary; None an AttributeError; tokenize(b"...") a
    # regex error ("cannot use a string pattern on a bytes-like object"). From QA.
    tok = make("cl100k_base")
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    for tokens in (["hello", " world"], ["一", "Ġ\u00ad"], ["hello", "Ġworld", "ðŁ", "ĻĤ"]):
        assert tok.convert_tokens_to_string(tokens) == fast.convert_tokens_to_string(tokens), tokens
    with pytest.raises(TypeError):
        fast.convert_tokens_to_string(["hello", None])
    with pytest.raises(TypeError, match="tokens are str, not NoneType"):
        tok.convert_tokens_to_string(["hello", None])  # type: ignore[list-item]
    for not_text in (b"hello", None, 3, np.array([1, 2])):
        with pytest.raises(hf_bpe.TextTypeError, match=f"expected a str to tokenize, got {type(not_text).__name__}"):
            tok.tokenize(not_text)  # type: ignore[arg-type]


def test_an_added_vocabulary_token_keeps_the_tokenizer_json(tmp_path: Path) -> None:
    # "hello" is a gpt2 token spelled "hello": tokenizer.json can hold it as an added
    # token at its id (it is then split out before BPE: "othello" keeps "hello" whole).
    tok = make("gpt2")
    assert tok.add_tokens(["hello", "Hello"]) == 0
    text = "say hello Hello othello there"
    ids = tok(text)["input_ids"]
    assert ids[-3:-1] == [tok.convert_tokens_to_ids("Ġot"), 31373] and tok.decode(ids) == text  # " ot" + "hello"
    tok.save_pretrained(tmp_path / "tok")
    assert (tmp_path / "tok" / "tokenizer.json").exists()
    assert HfBpeTokenizer.from_pretrained(tmp_path / "tok")(text)["input_ids"] == ids
    assert run_stock(tmp_path / "tok", [text], tmp_path / "stock")["ids"] == [ids]
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="also a vocabulary token"):
        enc = load_tokenizer_json(tmp_path / "tok")
    assert enc._mergeable_ranks == encoding("gpt2")._mergeable_ranks and "hello" not in enc.special_tokens_set


def test_an_added_token_that_spells_bytes_is_left_out_of_tokenizer_json(tmp_path: Path) -> None:
    # tokenizers' ByteLevel decoder reads an added token made only of characters of
    # GPT-2's byte alphabet as a spelling of bytes: "café" would decode as "caf\ufffd" in
    # stock transformers. Tokens with other characters (a space, CJK) decode as text.
    text = "un café, 日本 x y"
    safe = make("gpt2")
    safe.add_tokens(["日本", "x y", "[MASK]"])
    safe.save_pretrained(tmp_path / "safe")
    stock = run_stock(tmp_path / "safe", [text], tmp_path / "stock")
    assert stock["ids"] == [safe(text)["input_ids"]] and stock["decoded"] == [text] == [safe.decode(stock["ids"][0])]
    for spelled in ("café", "ñandú", "Zürich"):
        tok = make("gpt2")
        tok.add_tokens([spelled])
        with pytest.warns(hf_bpe.TokenizerJsonWarning, match="ByteLevel decoder would read it as the bytes"):
            tok.save_pretrained(tmp_path / spelled)
        assert not (tmp_path / spelled / "tokenizer.json").exists()
        reloaded = HfBpeTokenizer.from_pretrained(tmp_path / spelled)
        assert reloaded.decode(reloaded(f"un {spelled}")["input_ids"]) == f"un {spelled}"


def test_the_warning_names_every_added_token_tokenizer_json_cannot_hold(tmp_path: Path) -> None:
    # (it named the first: a user with many such tokens mended and saved once per token)
    tok = make("gpt2")
    tok.add_tokens([" foo", "café", AddedToken("<m>", lstrip=True), "ñandú", "[ok]"])
    with pytest.warns(hf_bpe.TokenizerJsonWarning) as caught:
        tok.save_pretrained(tmp_path / "tok")
    message = str(caught[0].message)
    assert len(caught) == 1 and "it cannot hold these added tokens: added token ' foo' reuses rank" in message
    assert message.count("added token '") == 3 and message.endswith("; and 1 more. The folder loads with hf_bpe "
        "(and with AutoTokenizer in a program that imports hf_bpe) but not with stock transformers.")
    assert "[ok]" not in message and not (tmp_path / "tok" / "tokenizer.json").exists()


def test_tokens_that_strip_spaces_never_swallow_a_neighbouring_token(tmp_path: Path) -> None:
    # transformers' Python rules glue a single_word token that is not a word onto its
    # neighbour, or strip the neighbour, even when that neighbour is a special token.
    tok = make("gpt2")
    tok.add_tokens([AddedToken("[W]", single_word=True), AddedToken("[R]", rstrip=True)])
    tok.add_special_tokens({"additional_special_tokens": [" yy"]})
    w, r, yy = tok.convert_tokens_to_ids(["[W]", "[R]", " yy"])
    assert tok("[W]<|endoftext|>")["input_ids"] == [w, 50256]
    assert tok("[R] yy")["input_ids"] == [r, yy]
    assert tok("[R]  x")["input_ids"] == [r, 87]  # the spaces after [R] are stripped
    assert tok("a[W] b")["input_ids"] == encoding("gpt2").encode("a[W] b")  # not a single word
    assert tok.convert_tokens_to_ids(tok.tokenize("[W]<|endoftext|>")) == [w, 50256]
    assert tok.batch_encode(["[W]<|endoftext|>"], allowed_special="all")["input_ids"] == [[w, 50256]]
    # Flags on the encoding's own specials, which batch_encode keeps ordinary by default.
    flagged = make("gpt2", added_tokens_decoder={50256: AddedToken("<|endoftext|>", special=True, lstrip=True, normalized=False)})
    text = "hello <|endoftext|> x"
    assert flagged.batch_encode([text])["input_ids"] == [encoding("gpt2").encode_ordinary(text)]
    assert flagged.batch_encode([text], allowed_special="all")["input_ids"] == [flagged(text)["input_ids"]] == [[31373, 50256, 2124]]
    # Fast tokenizers apply other rules to these flags: no tokenizer.json, not other ids.
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="single_word"):
        tok.save_pretrained(tmp_path / "tok")
    assert not (tmp_path / "tok" / "tokenizer.json").exists()
    assert HfBpeTokenizer.from_pretrained(tmp_path / "tok")("[R] yy[W]<|endoftext|>")["input_ids"] == [r, yy, w, 50256]


def test_flagged_tokens_follow_transformers_rules_where_no_added_token_is_a_neighbour() -> None:
    # transformers' own tokenize (the Python tokenizers' rules) against hf_bpe's; single_word
    # is judged by the neighbours as they were before lstrip/rstrip stripped them.
    from transformers import PreTrainedTokenizer

    tok = make("gpt2")
    flags = [{"rstrip": True, "single_word": True}, {"lstrip": True, "single_word": True}, {"lstrip": True, "rstrip": True}, {"single_word": True}]
    tok.add_tokens([AddedToken(f"<{i}>", **f) for i, f in enumerate(flags)])
    sides = ["", " ", "  ", "x", "x ", " x", "\t", "\u3000", "\u3000x", "\n"]
    for i in range(len(flags)):
        for left in sides:
            for right in sides:
                text = f"hello{left}<{i}>{right[::-1]}world"
                assert tok.tokenize(text) == PreTrainedTokenizer.tokenize(tok, text), text
                text = f"{left}<{i}>{right[::-1]}"
                assert tok.tokenize(text) == PreTrainedTokenizer.tokenize(tok, text), text
    y = tok.convert_tokens_to_ids("<0>")
    assert tok("hello <0> world")["input_ids"] == [31373, 220, y, 6894]  # was lost: "world" read as glued on


def test_overlapping_added_tokens_are_found_alike_by_every_path(tmp_path: Path) -> None:
    # transformers' Trie finds no "c" in "acac" (it gives up on "acc" after "ac"); tok(text),
    # the stock fast tokenizer and tokenize find both, with or without a flagged token.
    tok = make("gpt2")
    tok.add_tokens(["acc", "c", "cx"])
    text = "acac accx acx"
    ids = tok(text)["input_ids"]
    tok.save_pretrained(tmp_path / "tok")
    assert run_stock(tmp_path / "tok", [text], tmp_path / "stock")["ids"] == [ids]
    assert tok.tokenize(text) == tok.convert_ids_to_tokens(ids)
    tok.add_tokens([AddedToken("<unrelated>", lstrip=True)])  # tok(text) then goes through tokenize
    assert tok(text)["input_ids"] == ids


def test_skip_special_tokens_skips_every_special_token_as_stock_does(tmp_path: Path) -> None:
    tok = make("cl100k_base", eos_token="<|endoftext|>")
    tok.add_special_tokens({"additional_special_tokens": ["<a>"]})
    tok.add_tokens(["<plain>"])
    text = "a<|fim_prefix|>b<|endofprompt|>c<a>d<plain>e<|endoftext|>"
    ids = tok(text)["input_ids"]
    assert tok.decode(ids) == text
    assert tok.decode(ids, skip_special_tokens=True) == "abcd<plain>e"
    tok.save_pretrained(tmp_path / "tok")
    assert run_stock(tmp_path / "tok", [text], tmp_path / "stock")["decoded_skipping"] == ["abcd<plain>e"]


def test_a_vocabulary_token_with_a_role_is_not_skipped_as_special(tmp_path: Path) -> None:
    """With pad_token_id = 0 (gpt2's "!"), decode(skip_special_tokens=True) dropped every
    "!" of the text; the stock fast tokenizer skips only added tokens marked special."""
    tok = make("gpt2")
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    for t in (tok, fast):
        t.pad_token_id = 0
    texts = ["Hi!", "Hello there, world!"]
    for t in (tok, fast):
        ids = t(texts, padding=True, padding_side="left")["input_ids"]
        assert t.batch_decode(ids, skip_special_tokens=True) == ["!!!Hi!", "Hello there, world!"], type(t)
    for t in (tok, fast):
        t.pad_token = "hello"
        assert t.decode(t("ahellohello!")["input_ids"], skip_special_tokens=True) == "ahellohello!", type(t)


def test_clean_up_is_skipped_as_for_stock_bpe_tokenizers() -> None:
    tok = make("o200k_base")
    text = "don 't , ok ."
    assert tok.decode(tok(text)["input_ids"], clean_up_tokenization_spaces=True) == text
    tok.clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output = True
    assert tok.decode(tok(text)["input_ids"], clean_up_tokenization_spaces=True) == "don 't, ok."


def test_a_folder_saved_by_stock_transformers_keeps_its_normal_added_tokens(tmp_path: Path) -> None:
    # tokenizer.json lists every added token; the normal ones must stay normal added
    # tokens (found by batch_encode as by tok(text)), not become the encoding's specials.
    make("gpt2").save_pretrained(tmp_path / "ours")
    stock = PreTrainedTokenizerFast(tokenizer_file=str(tmp_path / "ours" / "tokenizer.json"))
    stock.add_tokens(["<extra>", "new_word"])
    stock.add_special_tokens({"pad_token": "<pad>"})
    stock.save_pretrained(tmp_path / "stock")
    tok = HfBpeTokenizer.from_pretrained(tmp_path / "stock")
    text = "a <extra> new_word<pad>"
    assert tok(text)["input_ids"] == stock(text)["input_ids"] == [64, 220, 50257, 220, 50258, 50259]
    assert tok.batch_encode([text])["input_ids"] == [[64, 220, 50257, 220, 50258, *encoding("gpt2").encode_ordinary("<pad>")]]


def test_a_stock_folder_whose_template_adds_bos_keeps_adding_it(tmp_path: Path) -> None:
    # Llama 3's tokenizer.json adds <|begin_of_text|> with a TemplateProcessing post-processor.
    make("gpt2").save_pretrained(tmp_path / "ours")
    data = json.loads((tmp_path / "ours" / "tokenizer.json").read_text(encoding="utf-8"))
    bos = {"id": "<|endoftext|>", "ids": [50256], "tokens": ["<|endoftext|>"]}
    data["post_processor"] = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|endoftext|>": bos}},
    ]}
    (tmp_path / "stock").mkdir()
    (tmp_path / "stock" / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    stock = PreTrainedTokenizerFast(tokenizer_file=str(tmp_path / "stock" / "tokenizer.json"))
    # This pair template has no bos before the second text, where HfBpeTokenizer puts one: said.
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="template for text pairs is not kept"):
        tok = HfBpeTokenizer.from_pretrained(tmp_path / "stock")
    assert tok("Hello world")["input_ids"] == stock("Hello world")["input_ids"] == [50256, 15496, 995]
    tok.save_pretrained(tmp_path / "again")
    assert run_stock(tmp_path / "again", ["Hello world"], tmp_path / "run")["ids"] == [[50256, 15496, 995]]
    # Llama 3's own pair template (a bos before each text) is HfBpeTokenizer's: no warning, same pair ids.
    template = data["post_processor"]["processors"][1]
    template["pair"][2:2] = [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 1}}]
    (tmp_path / "stock" / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    stock = PreTrainedTokenizerFast(tokenizer_file=str(tmp_path / "stock" / "tokenizer.json"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", hf_bpe.TokenizerJsonWarning)
        tok = HfBpeTokenizer.from_pretrained(tmp_path / "stock")
    assert tok("Hello", "world")["input_ids"] == stock("Hello", "world")["input_ids"] == [50256, 15496, 50256, 6894]


def _stock_folder_with_template(folder: Path, docs: list[str], single: list[Any], pair: list[Any], config: dict[str, Any]) -> Path:
    """A folder as stock transformers saves one (tokenizer.json + tokenizer_config.json) of
    a small trained vocabulary with specials ``<|bos|>``, ``<|end|>``, ``<|eot|>``, whose
    post-processor is a TemplateProcessing (``"A"``/``"B"`` the texts, a str a special
    token, ``(token, type_id)``), and ``config`` its tokenizer_config.json."""
    enc = hf_bpe.train_bpe(docs[:40], 600, special_tokens=["<|bos|>", "<|end|>", "<|eot|>"], num_proc=1)

    def piece(item: Any) -> dict[str, Any]:
        text, type_id = item if isinstance(item, tuple) else (item, 0)
        return {"Sequence" if text in ("A", "B") else "SpecialToken": {"id": text, "type_id": type_id}}

    folder.mkdir()
    hf_bpe.save_tokenizer_json(enc, folder / "tokenizer.json")
    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    data["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [piece(p) for p in single],
        "pair": [piece(p) for p in pair],
        "special_tokens": {t: {"id": t, "ids": [i], "tokens": [t]} for t, i in enc.special_tokens.items()},
    }
    (folder / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "PreTrainedTokenizerFast", **config}), encoding="utf-8")
    return folder


@pytest.mark.parametrize("case", ["eos other than the config's", "bos where the config has none"])
def test_a_template_adds_its_token_where_the_config_names_another_or_none(case: str, docs: list[str], tmp_path: Path) -> None:
    """A fine-tune that changes tokenizer_config.json's eos_token (or sets bos_token to
    null) and leaves tokenizer.json's post-processor alone: the stock fast tokenizer adds
    the template's token, and reports the config's role. HfBpeTokenizer added the role's
    token (other ids, also in the folder it saved: Llama 3's files gave [13347, 128001]
    for stock's [13347, 128009]), or, with no role, raised on every call."""
    if case == "eos other than the config's":
        folder = _stock_folder_with_template(
            tmp_path / "stock", docs, ["A", "<|eot|>"], ["A", "<|eot|>", ("B", 1), ("<|eot|>", 1)], {"eos_token": "<|end|>"}
        )
        role, added, role_token = "eos", "<|eot|>", "<|end|>"
    else:
        folder = _stock_folder_with_template(
            tmp_path / "stock", docs, ["<|bos|>", "A"], ["<|bos|>", "A", ("<|bos|>", 1), ("B", 1)], {"bos_token": None}
        )
        role, added, role_token = "bos", "<|bos|>", None
    stock = PreTrainedTokenizerFast.from_pretrained(folder)
    tok = HfBpeTokenizer.from_pretrained(folder)
    added_id = stock.convert_tokens_to_ids(added)
    texts_ = ["Hi there", "a\r\nb  c 123", ""]
    assert tok(texts_)["input_ids"] == stock(texts_)["input_ids"]
    assert all(added_id in row for row in tok(texts_)["input_ids"])
    assert tok("Hi", "there")["input_ids"] == stock("Hi", "there")["input_ids"]
    assert getattr(tok, f"{role}_token") == getattr(stock, f"{role}_token") == role_token
    assert tok.batch_encode(texts_)["input_ids"] == tok(texts_, split_special_tokens=True)["input_ids"]
    # Saved, it stays so for hf_bpe and for stock transformers.
    tok.save_pretrained(tmp_path / "saved")
    again = HfBpeTokenizer.from_pretrained(tmp_path / "saved")
    assert again(texts_)["input_ids"] == stock(texts_)["input_ids"] and getattr(again, f"{role}_token") == role_token
    assert run_stock(tmp_path / "saved", texts_, tmp_path / "run")["ids"] == stock(texts_)["input_ids"]
    # Switched off and on, or retrained, it adds the same token.
    setattr(tok, f"add_{role}_token", False)
    assert all(added_id not in row for row in tok(texts_)["input_ids"])
    setattr(tok, f"add_{role}_token", True)
    assert tok(texts_)["input_ids"] == stock(texts_)["input_ids"]
    retrained = tok.train_new_from_iterator(docs[:40], 500)
    assert retrained("Hi")["input_ids"][0 if role == "bos" else -1] == retrained.convert_tokens_to_ids(added)


def test_a_template_that_adds_other_ids_than_its_tokens_is_not_taken_as_bos(docs: list[str], tmp_path: Path) -> None:
    """The ids a template adds are its ``special_tokens`` entry's, as tokenizers adds them:
    HfBpeTokenizer read only the token's text and added that token's id (1 id for stock's
    2, or another id) without a word. Such a template is no bos/eos: dropped, and said."""
    folder = _stock_folder_with_template(tmp_path / "stock", docs, ["<|bos|>", "A"], ["<|bos|>", "A", ("B", 1)], {})
    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    bos, end = (int(t["id"]) for t in data["added_tokens"][:2])
    for ids in ([end], [bos, end]):
        data["post_processor"]["special_tokens"]["<|bos|>"]["ids"] = ids
        (folder / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
        stock = PreTrainedTokenizerFast.from_pretrained(folder)
        assert stock("Hi")["input_ids"][: len(ids)] == ids
        with pytest.warns(hf_bpe.TokenizerJsonWarning, match=r"the post_processor \(TemplateProcessing\) is not"):
            tok = HfBpeTokenizer.from_pretrained(folder)
        assert tok("Hi")["input_ids"] == stock("Hi")["input_ids"][len(ids):] and not tok.add_bos_token


def test_hf_bpes_own_flags_in_the_config_are_true_or_false(tmp_path: Path) -> None:
    """``hf_bpe_add_eos_token`` was read as truthy (NaN, ``[1]``: on); ``"true"`` made
    transformers add a special token of that text (the key ends in ``_token``) and the flag
    was off, without a word."""
    make("cl100k_base", eos_token="<|endoftext|>").save_pretrained(tmp_path)
    config = json.loads((tmp_path / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert config["hf_bpe_add_eos_token"] is False
    for key in ("hf_bpe_add_eos_token", "hf_bpe_add_bos_token"):
        for value in ("true", 1, float("nan"), [1], None):
            (tmp_path / "tokenizer_config.json").write_text(json.dumps({**config, key: value}), encoding="utf-8")
            with pytest.raises(hf_bpe.VocabFileError, match=f"tokenizer_config.json: {key} must be true or false"):
                HfBpeTokenizer.from_pretrained(tmp_path)
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({**config, "hf_bpe_add_eos_token": True}), encoding="utf-8")
    assert HfBpeTokenizer.from_pretrained(tmp_path)("a")["input_ids"][-1] == 100257


def test_add_bos_and_eos_can_be_switched_on_later(tmp_path: Path) -> None:
    tok = make("r50k_base", bos_token="<|endoftext|>", eos_token="<|endoftext|>")
    plain = tok("hi")["input_ids"]
    tok.add_bos_token = True
    tok.add_eos_token = True
    assert tok("hi")["input_ids"] == [50256, *plain, 50256]
    files = tok.save_pretrained(tmp_path / "tok", legacy_format=False)  # accepted: both formats are written
    assert sorted(Path(f).name for f in files) == ["encoding.json", "tokenizer.json", "tokenizer_config.json", "vocab.tiktoken"]
    assert HfBpeTokenizer.from_pretrained(tmp_path / "tok")("hi")["input_ids"] == [50256, *plain, 50256]


def test_batch_encode_finds_added_tokens_and_only_allowed_special_ones() -> None:
    tok = make("gpt2", eos_token="<|endoftext|>")
    tok.add_special_tokens({"pad_token": "[PAD]"})
    tok.add_tokens(["<new>", " hello world"])
    enc = encoding("gpt2")
    text = "x<new>y hello world [PAD]<|endoftext|>"
    assert tok.batch_encode([text], allowed_special="all")["input_ids"] == [tok(text)["input_ids"]]
    new, hello = tok.convert_tokens_to_ids(["<new>", " hello world"])
    plain = enc.encode("x") + [new] + enc.encode("y") + [hello] + enc.encode_ordinary(" [PAD]<|endoftext|>")
    assert tok.batch_encode({"text": [text]})["input_ids"] == [plain]
    pad_only = plain[: plain.index(hello) + 1] + enc.encode(" ") + [tok.pad_token_id] + enc.encode_ordinary("<|endoftext|>")
    assert tok.batch_encode(text, allowed_special=["[PAD]"])["input_ids"] == pad_only
    tok.add_tokens([AddedToken("<l>", lstrip=True)])
    assert tok.batch_encode([text], allowed_special="all")["input_ids"] == [tok(text)["input_ids"]]
    with pytest.raises(VocabularyError, match="lstrip/rstrip/single_word"):
        tok.batch_encode([text])


def test_batch_encode_gives_wide_ids_once_an_added_token_needs_them() -> None:
    # (the largest id is len(tok) - 1, kept at each change: not a pass over the added
    # tokens each batch, 66 ms a call with 100,000 of them)
    import pyarrow as pa
    from transformers import AddedToken as TransformersAddedToken

    tok = make("gpt2")
    table = pa.table({"text": ["hi"]})
    tok.add_tokens([f"<t{i}>" for i in range(1000)])
    assert tok.batch_encode(table).schema.field("input_ids").type == pa.list_(pa.int32())
    tok.added_tokens_decoder = {2**31: TransformersAddedToken("<big>")}
    assert tok.batch_encode(table).schema.field("input_ids").type == pa.list_(pa.int64())


def test_split_special_tokens_still_finds_added_tokens_that_are_not_special(tmp_path: Path) -> None:
    """split_special_tokens=True makes special tokens text; added tokens that are not
    special are still found, by every path, as the stock fast tokenizer of the folder
    finds them (tok() split them too, batch_encode did not)."""
    enc = encoding("cl100k_base")
    tok = make("cl100k_base", split_special_tokens=True)
    tok.add_tokens(["[MASK]"])
    mask = tok.convert_tokens_to_ids("[MASK]")
    text = "a [MASK]<|endoftext|>[MASK]"
    expected = enc.encode("a ") + [mask] + enc.encode_ordinary("<|endoftext|>") + [mask]
    assert tok(text)["input_ids"] == expected
    assert tok.convert_tokens_to_ids(tok.tokenize(text)) == expected
    with_offsets = tok(text, return_offsets_mapping=True)
    assert with_offsets["input_ids"] == expected and with_offsets["offset_mapping"][2] == (2, 8)
    assert tok.batch_encode({"text": [text]})["input_ids"] == [expected]
    assert tok(text, split_special_tokens=False)["input_ids"] == enc.encode("a ") + [mask, 100257, mask]
    tok.save_pretrained(tmp_path / "saved")
    stock = run_stock(tmp_path / "saved", [text], tmp_path / "stock")
    assert stock["ids_plain"] == [expected]
    # An added token inside a special token's text is not found there: tokenizers looks
    # for all added tokens at once, then leaves the special ones as text.
    tok.add_tokens([AddedToken("ndoft", normalized=False)])
    text = "x<|endoftext|>ndoft"
    inside = enc.encode_ordinary("x<|endoftext|>") + [tok.convert_tokens_to_ids("ndoft")]
    assert tok(text)["input_ids"] == inside
    assert tok.convert_tokens_to_ids(tok.tokenize(text)) == inside
    assert tok(text, return_offsets_mapping=True)["input_ids"] == inside
    assert tok.batch_encode([text])["input_ids"] == [inside]
    tok.save_pretrained(tmp_path / "inside")
    assert run_stock(tmp_path / "inside", [text], tmp_path / "stock2")["ids_plain"] == [inside]


def test_batch_encode_with_added_tokens_finds_both_special_texts_of_one_id() -> None:
    """o200k_harmony has two special texts at 200018; once a token was added, batch_encode
    (allowed_special="all") found only the first and encoded the other as text."""
    enc = encoding("o200k_harmony")
    tok = make("o200k_harmony")
    tok.add_tokens(["[MASK]"])
    text = "a<|reserved_200018|>b<|endofprompt|>"
    expected = enc.encode(text, allowed_special="all")
    assert expected.count(200018) == 2
    mask = [tok.convert_tokens_to_ids("[MASK]")]
    assert tok.batch_encode([text + "[MASK]"], allowed_special="all")["input_ids"] == [expected + mask]
    assert tok(text + "[MASK]")["input_ids"] == expected + mask


def test_train_new_from_iterator_keeps_added_tokens_roles_and_settings(docs: list[str], tmp_path: Path) -> None:
    tok = make("gpt2", eos_token="<|endoftext|>", split_special_tokens=True)
    tok.add_special_tokens({"pad_token": "[PAD]"})
    tok.add_tokens(["<new>"])
    new = tok.train_new_from_iterator(docs[:50], 400)
    assert set(new.get_added_vocab()) == {"<|endoftext|>", "[PAD]", "<new>"}
    # vocab_size counts the added tokens, as it counts the special tokens: len() is 400, as
    # from transformers (the added tokens came after 400 ids)
    assert (len(new), new.encoding.n_vocab, new.convert_tokens_to_ids(["<new>", "[PAD]"])) == (400, 398, [398, 399])
    assert (new.pad_token, new.eos_token, new.split_special_tokens) == ("[PAD]", "<|endoftext|>", True)
    assert new.pad_token_id == new.convert_tokens_to_ids("[PAD]") >= new.encoding.n_vocab
    assert new("a<new>", split_special_tokens=False)["input_ids"][-1] == new.convert_tokens_to_ids("<new>")
    # transformers' signature: length (a progress hint), then new specials, then renames.
    renamed = tok.train_new_from_iterator(docs[:50], 400, len(docs), ["<x>"], {"<|endoftext|>": "<|eot|>", "[PAD]": "<pad>"})
    assert renamed.encoding.special_tokens == {"<|eot|>": 396, "<x>": 397} and len(renamed) == 400
    assert (renamed.eos_token, renamed.pad_token) == ("<|eot|>", "<pad>")
    assert set(renamed.get_added_vocab()) == {"<|eot|>", "<x>", "<pad>", "<new>"}
    # Every role goes to the new tokenizer, as the stock fast tokenizer's version passes them
    # (from QA: only those naming an added or special token did): a text no token has, as a
    # special token counted in vocab_size; a vocabulary token's spelling (gpt2's pad id 220,
    # "Ġ") as the new vocabulary's token of those bytes, and a warning when it has none.
    # clean_up_tokenization_spaces is kept too (it was reset to False).
    roles = make("gpt2", eos_token="<|endoftext|>", bos_token="<s>", clean_up_tokenization_spaces=True)
    roles.sep_token = "<sep>"  # (set, never added)
    roles.pad_token_id, roles.unk_token_id = 220, 262  # "Ġ" and "Ġthe"
    assert (roles.pad_token, roles.unk_token) == ("Ġ", "Ġthe")
    with pytest.warns(hf_bpe.TrainingWarning, match=r"unk_token 'Ġthe' is a token of this tokenizer's vocabulary that the new vocabulary does not have"):
        fresh = roles.train_new_from_iterator(["the cat sat on the mat"] * 3, 262)
    assert (fresh.bos_token, fresh.sep_token, fresh.pad_token, fresh.unk_token) == ("<s>", "<sep>", "Ġ", None)
    assert fresh.convert_tokens_to_ids(["<s>", "<sep>"]) == [260, 261] and len(fresh) == 262 and fresh.pad_token_id == 32
    assert fresh.added_tokens_decoder[261].special and fresh.clean_up_tokenization_spaces
    assert fresh(["a", "b c"], padding=True)["input_ids"] == [[97, 32, 32], [98, 32, 99]]
    with pytest.raises(TypeError, match="min_frequency"):
        tok.train_new_from_iterator(docs[:50], 400, min_frequency=2)
    for bad, kind in ((None, "None"), (b"abc", "a bytes")):  # not a text: named as it is, not as its items
        with pytest.raises(hf_bpe.TrainingError, match=f"text 1 is {kind}, not a str"):
            tok.train_new_from_iterator(["a", bad], 300)
    import datasets

    rows = datasets.Dataset.from_dict({"text": ["a", "b"]})  # iterated, a dataset gives its rows
    with pytest.raises(hf_bpe.TrainingError, match=r"text 0 is a dict.*\(to train on a dataset's column: train_from_dataset"):
        tok.train_new_from_iterator(rows, 300)
    mixed = tok.train_new_from_iterator([docs[:20], docs[20]] + [tuple(docs[21:50])], 400)  # batches and texts
    assert mixed.encoding.mergeable_ranks == new.encoding.mergeable_ranks
    with pytest.raises(TypeError, match="new_special_tokens="):  # hf_bpe's old third argument
        tok.train_new_from_iterator(docs[:50], 400, ["<x>"])
    # One token, not a list: transformers (and this, before) made a special token of each character.
    for one in ("<x>", AddedToken("<x>", special=True)):
        with pytest.raises(hf_bpe.TrainingTypeError, match=r"new_special_tokens takes a list of tokens, not one \w+: new_special_tokens=\['<x>'\]"):
            tok.train_new_from_iterator(docs[:50], 400, new_special_tokens=one)  # type: ignore[arg-type]
    with pytest.raises(hf_bpe.TrainingError, match=r"vocab_size must be an int >= 260 \(it holds the 256 byte tokens, the 2 special token\(s\) and the 2 added token\(s\) of this tokenizer\), got 259"):
        tok.train_new_from_iterator(docs[:50], 259, new_special_tokens=["<x>"])
    assert len(tok.train_new_from_iterator(docs[:50], 260, new_special_tokens=["<x>"])) == 260
    # transformers takes AddedToken among new_special_tokens too
    tokens = tok.train_new_from_iterator(docs[:50], 400, new_special_tokens=[AddedToken("<x>", special=True)])
    assert tokens.encoding.special_tokens == {"<|endoftext|>": 396, "<x>": 397}
    # ... with its flags, as the fast tokenizers keep them (from QA: dropped), and a token
    # given twice once (it was a TrainingError)
    import numpy as np

    flagged = tok.train_new_from_iterator(docs[:50], np.int64(400), new_special_tokens=[AddedToken("<y>", lstrip=True, rstrip=True), "<y>"])
    tok.save_pretrained(tmp_path / "source")
    stock = PreTrainedTokenizerFast.from_pretrained(tmp_path / "source").train_new_from_iterator(
        docs[:50], 400, new_special_tokens=[AddedToken("<y>", lstrip=True, rstrip=True)])
    for trained in (flagged, stock):
        token = trained.added_tokens_decoder[trained.convert_tokens_to_ids("<y>")]
        assert (token.lstrip, token.rstrip, token.special) == (True, True, True), type(trained)
        assert trained.decode(trained("hello <y> world", split_special_tokens=False)["input_ids"]) == "hello<y>world", type(trained)
    # a numpy int as vocab_size counts the added tokens as an int does (from QA: one more)
    assert len(flagged) == 400 and flagged.pad_token_id == 399
    # ... and, as transformers does, new special tokens are extra special tokens: in
    # all_special_tokens, the special-tokens mask, and saved so (they were only the
    # encoding's, which decode(skip_special_tokens=True) alone knew of).
    assert tokens.extra_special_tokens == ["<x>"] and "<x>" in tokens.all_special_tokens
    ids = tokens("a<x>b<|endoftext|>", split_special_tokens=False)["input_ids"]
    assert tokens.get_special_tokens_mask(ids, already_has_special_tokens=True) == [0, 1, 0, 1]
    assert tokens.convert_ids_to_tokens(ids, skip_special_tokens=True) == ["a", "b"]
    assert renamed.extra_special_tokens == ["<x>"]
    tokens.save_pretrained(tmp_path / "extra")
    for loaded in (AutoTokenizer.from_pretrained(tmp_path / "extra"), PreTrainedTokenizerFast.from_pretrained(tmp_path / "extra")):
        assert loaded.extra_special_tokens == ["<x>"], type(loaded)
        assert loaded.get_special_tokens_mask(ids, already_has_special_tokens=True) == [0, 1, 0, 1], type(loaded)
    with pytest.raises(hf_bpe.TrainingTypeError, match="not a single str: wrap it in a list"):  # its characters are no texts
        tok.train_new_from_iterator(docs[0], 300)
    with pytest.raises(hf_bpe.TrainingTypeError, match="train_new_from_iterator takes an iterable of texts, not int"):
        tok.train_new_from_iterator(5, 300)  # type: ignore[arg-type]  (was a bare TypeError from iterating it)
    import pandas as pd

    frames = [pd.DataFrame({"text": docs[i : i + 2]}) for i in range(0, 6, 2)]  # ds.with_format("pandas").iter(2)
    with pytest.raises(hf_bpe.TrainingTypeError, match=r"train_new_from_iterator takes an iterable of texts, not a table \(a DataFrame of columns \['text'\]\)"):
        tok.train_new_from_iterator(frames, 300)  # (it trained on the column names)


def test_vocab_and_encoding_files_given_by_name_are_the_ones_read(tmp_path: Path) -> None:
    import shutil

    other, tiny = make("cl100k_base"), make("r50k_base")
    other.save_pretrained(tmp_path)
    tiny.save_pretrained(tmp_path, filename_prefix="pre")
    loaded = HfBpeTokenizer(vocab_file=str(tmp_path / "pre-vocab.tiktoken"), encoding_file=str(tmp_path / "pre-encoding.json"))
    assert loaded.encoding.name == "r50k_base" and loaded("hello world")["input_ids"] == tiny("hello world")["input_ids"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(tmp_path / "pre-vocab.tiktoken", elsewhere / "my.tiktoken")
    shutil.copy(tmp_path / "pre-encoding.json", elsewhere / "my.json")
    loaded = HfBpeTokenizer(vocab_file=str(elsewhere / "my.tiktoken"), encoding_file=str(elsewhere / "my.json"))
    assert loaded.encoding.name == "r50k_base"


def test_a_folder_of_tokenizer_json_only_and_newer_formats(tmp_path: Path) -> None:
    from hf_bpe.tokenizer_json import save_tokenizer_json

    (tmp_path / "json").mkdir()
    save_tokenizer_json(encoding("r50k_base"), tmp_path / "json" / "tokenizer.json")
    tok = HfBpeTokenizer.from_pretrained(tmp_path / "json")
    assert tok("hello world")["input_ids"] == encoding("r50k_base").encode("hello world")
    before = (tmp_path / "json" / "tokenizer.json").read_bytes()
    with pytest.raises(FileExistsError, match="not a folder"):  # (transformers logs an error, returns None)
        tok.save_pretrained(tmp_path / "json" / "tokenizer.json")
    assert (tmp_path / "json" / "tokenizer.json").read_bytes() == before
    tok.save_pretrained(tmp_path / "saved")
    config_path = tmp_path / "saved" / "tokenizer_config.json"
    for future in (2, "2", None):  # (was a VocabularyError naming no file: formats.md says VocabFileError)
        config_path.write_text(json.dumps({**json.loads(config_path.read_text()), "hf_bpe_format": future}))
        with pytest.raises(hf_bpe.VocabFileError, match=r"saved.tokenizer_config\.json: saved by a newer hf_bpe"):
            HfBpeTokenizer.from_pretrained(tmp_path / "saved")


@pytest.mark.parametrize("with_config", [True, False])
def test_added_tokens_of_a_tokenizer_json_only_folder_stay_what_they_were(tmp_path: Path, with_config: bool) -> None:
    """A folder with only tokenizer.json (a Hub repository saved by stock transformers):
    its added tokens that are not special stay the tokenizer's own added tokens, saved
    again as such, not special tokens of the encoding (they were: a second save marked
    "[MASK]" special, and skip_special_tokens then dropped it)."""
    tok = make("gpt2")
    tok.add_tokens(["[MASK]"])
    tok.save_pretrained(tmp_path / "src")
    for name in ("vocab.tiktoken", "encoding.json", *(() if with_config else ("tokenizer_config.json",))):
        (tmp_path / "src" / name).unlink()
    back = HfBpeTokenizer.from_pretrained(tmp_path / "src")
    assert back.encoding.special_tokens == {"<|endoftext|>": 50256}
    assert back.vocab_size == 50257 and len(back) == 50258
    ids = back("a [MASK] b")["input_ids"]
    assert ids == tok("a [MASK] b")["input_ids"] and 50257 in ids
    assert back.decode(ids, skip_special_tokens=True) == "a [MASK] b"
    back.save_pretrained(tmp_path / "again")
    data = json.loads((tmp_path / "again" / "tokenizer.json").read_text())
    assert [(t["content"], t["special"]) for t in data["added_tokens"]] == [("<|endoftext|>", True), ("[MASK]", False)]
    with pytest.warns(UserWarning, match="also has added tokens that the encoding does not"):
        assert hf_bpe.load_encoding(tmp_path / "again").special_tokens == {"<|endoftext|>": 50256}
    stock = run_stock(tmp_path / "again", ["a [MASK] b"], tmp_path / "stock")
    assert stock["ids"] == [ids] and stock["decoded_skipping"] == ["a [MASK] b"]


def test_nanochat_chat_template() -> None:
    enc = encoding("trained")
    tok = make("trained", chat_template="nanochat")
    assert tok.chat_template == NANOCHAT_CHAT_TEMPLATE
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4."},
        {"role": "user", "content": "And 3+3?"},
    ]
    ids = tok.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)["input_ids"]
    sp = enc._special_tokens
    expected = (
        [sp["<|bos|>"], sp["<|user_start|>"]] + enc.encode("Be brief.\n\nWhat is 2+2?") + [sp["<|user_end|>"]]
        + [sp["<|assistant_start|>"]] + enc.encode("4.") + [sp["<|assistant_end|>"]]
        + [sp["<|user_start|>"]] + enc.encode("And 3+3?") + [sp["<|user_end|>"], sp["<|assistant_start|>"]]
    )
    assert ids == expected
    # "nanochat-train" renders the same text and marks what nanochat trains on
    # (render_conversation's mask: an assistant's text and its <|assistant_end|>).
    training = make("trained", chat_template="nanochat-train")
    assert training.chat_template == NANOCHAT_TRAINING_CHAT_TEMPLATE != NANOCHAT_CHAT_TEMPLATE
    assert "{% generation %}" not in NANOCHAT_CHAT_TEMPLATE  # other Jinja engines refuse the tag
    answer = [*enc.encode("4."), sp["<|assistant_end|>"]]
    first = expected.index(sp["<|assistant_start|>"]) + 1
    mask = [int(first <= i < first + len(answer)) for i in range(len(expected))]
    out = training.apply_chat_template(messages, add_generation_prompt=True, return_dict=True, return_assistant_tokens_mask=True)
    assert out["input_ids"] == expected and out["assistant_masks"] == mask
    assert training.apply_chat_template(messages, tokenize=False) == tok.apply_chat_template(messages, tokenize=False)
    with pytest.raises(VocabularyError, match="nanochat"):
        make("cl100k_base", chat_template="nanochat")
    # A system message that no user message follows was dropped without a word (nanochat
    # refuses it): refused, with either template, whatever comes after it.
    system = {"role": "system", "content": "Be brief."}
    user, assistant = messages[1], messages[2]
    for lost in ([system], [system, assistant], [user, assistant, system], [system, system, user]):
        for template in (tok, training):
            with pytest.raises(jinja2.TemplateError, match="folds a system message into the user message after it"):
                template.apply_chat_template(lost, tokenize=False, add_generation_prompt=True)
    assert tok.apply_chat_template([user, assistant, system, user], tokenize=False).count("Be brief.") == 1


def test_nanochat_chat_template_renders_tool_parts_as_nanochat_does() -> None:
    """An assistant's content may be a list of parts, as in nanochat's tool use: the
    template printed the list's repr (and failed on a user's), silently wrong data for SFT.
    The ids and mask are render_conversation's, whose parts here are never two texts in a
    row (a template renders one text: nanochat encodes each part apart, so for SpellingBee's
    "...3." then "\\n\\nLet me..." the ids differ, as the docs say): tool calls trained,
    tools' answers not."""
    enc = encoding("trained")
    sp = enc._special_tokens
    parts = [
        {"type": "text", "text": "Let me compute. "},
        {"type": "python", "text": "2+2"},
        {"type": "python_output", "text": "4"},
        {"type": "text", "text": " It is 4."},
    ]
    messages = [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": parts}]
    pieces = [  # (ids, trained) as nanochat's render_conversation adds them
        ([sp["<|bos|>"], sp["<|user_start|>"], *enc.encode("What is 2+2?"), sp["<|user_end|>"], sp["<|assistant_start|>"]], 0),
        (enc.encode("Let me compute. "), 1),
        ([sp["<|python_start|>"], *enc.encode("2+2"), sp["<|python_end|>"]], 1),
        ([sp["<|output_start|>"], *enc.encode("4"), sp["<|output_end|>"]], 0),
        ([*enc.encode(" It is 4."), sp["<|assistant_end|>"]], 1),
    ]
    expected = [i for ids, _ in pieces for i in ids]
    mask = [trained for ids, trained in pieces for _ in ids]
    plain = make("trained", chat_template="nanochat")
    assert plain.apply_chat_template(messages, tokenize=True)["input_ids"] == expected
    training = make("trained", chat_template="nanochat-train")
    out = training.apply_chat_template(messages, return_dict=True, return_assistant_tokens_mask=True)
    assert out["input_ids"] == expected and out["assistant_masks"] == mask
    for bad, message in (
        ([{"role": "user", "content": [{"type": "text", "text": "hi"}]}], "content of a user message as text, not parts"),
        ([{"role": "assistant", "content": [{"type": "image", "text": "x"}]}], "parts text, python and python_output, not image"),
    ):
        with pytest.raises(Exception, match=message):
            plain.apply_chat_template(bad, tokenize=False)
    # A vocabulary without the tools' four tokens takes text, and refuses parts.
    five = hf_bpe.Encoding("five", pat_str=enc._pat_str, mergeable_ranks=enc._mergeable_ranks,
                           special_tokens={t: sp[t] for t in list(sp)[:5]})
    tok = HfBpeTokenizer.from_encoding(five, chat_template="nanochat")
    assert tok.apply_chat_template(messages[:1], tokenize=True)["input_ids"] == expected[:len(pieces[0][0]) - 1]
    with pytest.raises(Exception, match="needs the special tokens <\\|python_start"):
        tok.apply_chat_template(messages, tokenize=False)


def test_train_new_from_iterator_keeps_an_eos_switched_on() -> None:
    # The new tokenizer is made with add_eos_token on and its roles set after: a check of
    # the role when made (tried once) refused it.
    tok = make("gpt2", add_eos_token=True)
    new = tok.train_new_from_iterator(["hello world, hello there"] * 50, 270, special_tokens_map={"<|endoftext|>": "<|eot|>"})
    assert new.eos_token == "<|eot|>" and new("hello")["input_ids"][-1] == new.convert_tokens_to_ids("<|eot|>")


def test_missing_bos_is_a_clear_error(tmp_path: Path) -> None:
    # Accepted when made or set, as stock fast tokenizers accept it (and the bos may come
    # later: train_new_from_iterator sets the roles after the switches); refused by a call,
    # and by a save (whose folder stock transformers could not load: from QA).
    tok = make("cl100k_base", add_bos_token=True)  # cl100k has no bos token
    for call in (lambda: tok("hi"), lambda: tok.batch_encode({"text": ["hi"]})):
        with pytest.raises(VocabularyError, match="add_bos_token=True but the tokenizer has no bos_token"):
            call()
    with pytest.raises(VocabularyError, match="not saved: add_bos_token=True but the tokenizer has no bos_token"):
        tok.save_pretrained(tmp_path / "tok")
    assert not (tmp_path / "tok").exists()
    assert tok("hi", add_special_tokens=False)["input_ids"] == [6151]
    tok.bos_token = "<bos>"  # named, but not a token of the vocabulary (was: "has no bos_token")
    for call in (lambda: tok("hi"), lambda: tok.batch_encode({"text": ["hi"]})):
        with pytest.raises(VocabularyError, match=r"bos_token '<bos>' is not in the vocabulary: add it with tok.add_special_tokens"):
            call()
    tok.add_special_tokens({"bos_token": "<bos>"})
    assert tok("hi")["input_ids"][0] == tok.convert_tokens_to_ids("<bos>")
    tok.save_pretrained(tmp_path / "tok")
    assert HfBpeTokenizer.from_pretrained(tmp_path / "tok")("hi")["input_ids"] == tok("hi")["input_ids"]


@pytest.mark.parametrize("dumps", [pickle.dumps, dill.dumps])
def test_pickles_small_and_whole(dumps: Any) -> None:
    tok = make("o200k_base", add_eos_token=True)
    tok.add_tokens(["<new>"])
    data = dumps(tok)
    assert len(data) < 100_000  # a named encoding pickles by name, not by its 200k ranks
    again = pickle.loads(data)
    text = "héllo <new> wörld<|endoftext|>"
    assert again(text)["input_ids"] == tok(text)["input_ids"]


def test_a_missing_transformers_names_the_extra(tmp_path: Path) -> None:
    code = "import sys; sys.modules['transformers'] = None\ntry:\n    from hf_bpe import HfBpeTokenizer\nexcept ImportError as err:\n    print(err)"
    proc = subprocess.run([sys.executable, "-c", code], env=hf_bpe_env(), capture_output=True, text=True, cwd=tmp_path)
    assert "HfBpeTokenizer needs transformers: pip install 'hf_bpe[hf]'" in proc.stdout, proc.stdout + proc.stderr


def test_transformers_version_is_checked_at_import(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys, transformers
        transformers.__version__ = sys.argv[1]
        try:
            import hf_bpe.hf_tokenizer
        except ImportError as err:
            print("refused:", err)
        else:
            print("loaded")
        """
    )
    for version, outcome in (("4.57.1", "refused:"), ("5.23.0", "refused:"), ("5.24.0", "loaded"), ("6.0.0.dev0", "refused:")):
        proc = subprocess.run([sys.executable, "-c", code, version], env=hf_bpe_env(), capture_output=True, text=True, cwd=tmp_path)
        assert outcome in proc.stdout, (version, proc.stdout + proc.stderr)
        assert outcome == "loaded" or "transformers 5.x from 5.24 on" in proc.stdout


def test_plain_calls_equal_transformers_own_path(docs: list[str]) -> None:
    """``tok(str)``/``tok(list)`` skip transformers' per-item machinery; asking for an extra
    output goes through it: both must agree."""
    tok = make("o200k_base", add_eos_token=True)
    plain = tok(docs)
    full = tok(docs, return_special_tokens_mask=True)
    assert plain["input_ids"] == full["input_ids"] and plain["attention_mask"] == full["attention_mask"]
    assert tok(docs[0]).keys() == full.keys() - {"special_tokens_mask"}
    assert tok(docs[0], return_attention_mask=False).keys() == {"input_ids"}
    assert tok(docs[0], return_token_type_ids=True)["token_type_ids"] == [0] * len(plain["input_ids"][0])
    short = make("o200k_base", model_max_length=8)
    with _warns_too_long():
        assert short(docs[0])["input_ids"] == encoding("o200k_base").encode(docs[0], allowed_special="all")


def _warns_too_long() -> Any:
    import contextlib
    import logging

    @contextlib.contextmanager
    def check() -> Any:
        records: list[logging.LogRecord] = []

        class Keep(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record)

        logger = logging.getLogger("transformers.tokenization_utils_base")
        handler = Keep()
        logger.addHandler(handler)
        try:
            yield
        finally:
            logger.removeHandler(handler)
        assert any("longer than the specified maximum" in r.getMessage() for r in records)

    return check()


def test_encoding_without_a_tokenizer_json_still_saves_and_loads_with_hf_bpe(tmp_path: Path) -> None:
    from hf_bpe.errors import PatternError
    from hf_bpe.errors import TokenizerJsonWarning

    ranks = {bytes([i]): i for i in range(256)}
    enc = hf_bpe.Encoding("anchored", pat_str=r"\w+$|\s+|\S", mergeable_ranks=ranks, special_tokens={"<|endoftext|>": 256})
    with pytest.warns(TokenizerJsonWarning, match="stock transformers"):
        hf_bpe.save_encoding(enc, tmp_path / "core")
    assert not (tmp_path / "core" / "tokenizer.json").exists()
    tok = AutoTokenizer.from_pretrained(tmp_path / "core")
    assert isinstance(tok, HfBpeTokenizer)
    assert tok("ab\ncd")["input_ids"] == enc.encode("ab\ncd")
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "tokenizer.json").write_text("{}")  # stale: must not survive
    with pytest.warns(TokenizerJsonWarning), pytest.warns(hf_bpe.RemovedFilesWarning, match="removed tokenizer.json"):
        tok.save_pretrained(tmp_path / "again")
    assert not (tmp_path / "again" / "tokenizer.json").exists()
    with pytest.raises(PatternError):
        tok.to_tokenizer_json()


STOP_STRINGS = """
import sys, types
from hf_bpe import HfBpeTokenizer
from transformers import PreTrainedTokenizerFast
# transformers' stop strings import torch (not installed here) but prepare them without it.
torch = types.ModuleType("torch")
torch.Tensor = torch.LongTensor = torch.FloatTensor = torch.BoolTensor = object
torch.nn = types.ModuleType("torch.nn"); torch.nn.functional = types.ModuleType("torch.nn.functional")
sys.modules.update({"torch": torch, "torch.nn": torch.nn, "torch.nn.functional": torch.nn.functional})
from transformers.generation.stopping_criteria import StopStringCriteria

folder = sys.argv[1]
for tok in (HfBpeTokenizer.from_pretrained(folder), PreTrainedTokenizerFast.from_pretrained(folder)):
    mode = StopStringCriteria._get_stop_string_matching_mode(tok)
    tokens, ids = StopStringCriteria.clean_tokenizer_vocab(tok, stop_string_matching_mode=mode)
    stop = "日本".encode() if mode == "byte_level" else "日本"
    _, ends = StopStringCriteria._stop_string_get_matching_positions(tokens, ids, [stop])
    last = tok("日本", add_special_tokens=False)["input_ids"][-1]  # the last of four tokens of parts of characters
    print(type(tok).__name__, mode, last in ends[stop], hash(tuple(sorted(zip(ids, tokens)))))
"""


def test_stop_strings_match_across_parts_of_characters_as_with_the_stock_fast_tokenizer(tmp_path: Path) -> None:
    """generate(stop_strings=...) reads the tokens' spelling from backend_tokenizer.decoder:
    without it, every token holding part of a character was '\\ufffd' to it, and a stop
    string such as '日本' never matched."""
    make("gpt2").save_pretrained(tmp_path)
    out = subprocess.run([sys.executable, "-c", STOP_STRINGS, str(tmp_path)], env=hf_bpe_env(), cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    lines = [line.split() for line in out.stdout.splitlines()]
    assert [line[:3] for line in lines] == [["HfBpeTokenizer", "byte_level", "True"], ["TokenizersBackend", "byte_level", "True"]], out.stderr[-3000:]
    assert lines[0][3] == lines[1][3]  # the same bytes for every token
    tok, other = make("gpt2"), make("gpt2")
    with pytest.raises(AttributeError, match=r"only \.decoder, not \.to_str.*PreTrainedTokenizerFast"):
        tok.backend_tokenizer.to_str()
    for name in ("pre_tokenizer", "decoder"):  # it would change nothing, or every tokenizer's
        with pytest.raises(AttributeError, match=f"read-only .*\\.{name}"):
            setattr(tok.backend_tokenizer, name, None)
    assert tok.backend_tokenizer.decoder is not other.backend_tokenizer.decoder


@pytest.mark.parametrize("options", [{"add_bos_token": True}, {"add_bos_token": True, "add_eos_token": True}, {}])
def test_special_token_helpers_agree_with_what_the_stock_tokenizer_adds(tmp_path: Path, options: dict[str, Any]) -> None:
    """transformers' helpers around ids (build_inputs_with_special_tokens,
    create_token_type_ids_from_sequences, num_special_tokens_to_add, get_special_tokens_mask)
    give what the stock fast tokenizer of the same folder adds in a call."""
    tok = make("cl100k_base", bos_token="<|fim_prefix|>", eos_token="<|endoftext|>", **options)
    tok.add_tokens(["<new>"])
    tok.save_pretrained(tmp_path)
    fast = PreTrainedTokenizerFast.from_pretrained(tmp_path)
    first, second = "Hello <new> world", "naïve 🙂 text"
    a = tok.encode(first, add_special_tokens=False)
    b = tok.encode(second, add_special_tokens=False)
    assert a == fast.encode(first, add_special_tokens=False) and b == fast.encode(second, add_special_tokens=False)
    single = fast(first, return_token_type_ids=True, return_special_tokens_mask=True)
    pair = fast(first, second, return_token_type_ids=True, return_special_tokens_mask=True)
    assert tok.build_inputs_with_special_tokens(a) == single["input_ids"]
    assert tok.build_inputs_with_special_tokens(a, b) == pair["input_ids"]
    assert tok.create_token_type_ids_from_sequences(a) == single["token_type_ids"]
    assert tok.create_token_type_ids_from_sequences(a, b) == pair["token_type_ids"]
    assert tok.get_special_tokens_mask(a) == single["special_tokens_mask"]
    assert tok.get_special_tokens_mask(a, b) == pair["special_tokens_mask"]
    assert tok.num_special_tokens_to_add() == len(single["input_ids"]) - len(a) == fast.num_special_tokens_to_add()
    assert tok.num_special_tokens_to_add(pair=True) == len(pair["input_ids"]) - len(a) - len(b)
    assert tok.added_tokens_encoder == fast.added_tokens_encoder
    # A text of the vocabulary added keeps its id, below the others: listed first, by id.
    for t in (tok, fast):
        t.add_tokens(["hello"])
    assert list(tok.get_added_vocab().items()) == list(fast.get_added_vocab().items())
    assert list(tok.added_tokens_encoder.items()) == list(fast.added_tokens_encoder.items())
    # save_vocabulary: hf_bpe's two files and tokenizer.json, under the prefix, which load back.
    (tmp_path / "vocab").mkdir()
    files = tok.save_vocabulary(str(tmp_path / "vocab"), filename_prefix="p")
    assert sorted(Path(f).name for f in files) == ["p-encoding.json", "p-tokenizer.json", "p-vocab.tiktoken"]
    again = HfBpeTokenizer(vocab_file=str(tmp_path / "vocab" / "p-vocab.tiktoken"), encoding_file=str(tmp_path / "vocab" / "p-encoding.json"))
    assert again.encode(second, add_special_tokens=False) == b
    assert PreTrainedTokenizerFast(tokenizer_file=str(tmp_path / "vocab" / "p-tokenizer.json")).encode(first) == single["input_ids"]


def test_added_tokens_are_found_in_the_text_as_given_on_every_path() -> None:
    """A lone surrogate is no U+FFFD of an added token: HfBpeTokenizer finds added tokens
    in the text as given (transformers' order) on every path; Encoding.encode repairs the
    text first, as tiktoken does (a special token holding U+FFFD matches there)."""
    import tiktoken

    tok = make("cl100k_base")
    tok.add_tokens(["<\ufffd>"])
    text = "a<\ud800>b<\ufffd>"
    added = tok.convert_tokens_to_ids("<\ufffd>")
    ids = tok.encode(text, add_special_tokens=False)
    assert ids.count(added) == 1 and ids[-1] == added
    assert tok.convert_tokens_to_ids(tok.tokenize(text)) == ids
    assert tok(text, return_offsets_mapping=True)["input_ids"] == ids == tok([text])["input_ids"][0]
    assert tok.batch_encode([text])["input_ids"] == [ids]
    theirs = tiktoken.Encoding("s", pat_str=tok.encoding.pat_str, mergeable_ranks=tok.encoding._mergeable_ranks,
                               special_tokens={"<\ufffd>": 100_300})
    ours = hf_bpe.Encoding("s", pat_str=tok.encoding.pat_str, mergeable_ranks=tok.encoding._mergeable_ranks,
                           special_tokens={"<\ufffd>": 100_300})
    assert ours.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all")
    assert ours.encode(text, allowed_special="all").count(100_300) == 2


def test_a_folder_of_tokenizer_json_only_is_named_after_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mytok").mkdir()
    hf_bpe.save_tokenizer_json(encoding("r50k_base"), tmp_path / "mytok" / "tokenizer.json")
    monkeypatch.chdir(tmp_path / "mytok")
    for given in (".", "./", str(tmp_path / "mytok" / "."), "../mytok", str(tmp_path / "mytok") + "/"):
        assert HfBpeTokenizer.from_pretrained(given).encoding.name == "mytok", given
    (tmp_path / "linked").symlink_to(tmp_path / "mytok")  # a link into a cache: named as the link
    assert HfBpeTokenizer.from_pretrained(str(tmp_path / "linked")).encoding.name == "linked"


def test_ids_given_in_place_of_a_text_must_be_ids_of_the_tokenizer() -> None:
    # transformers passes a list of ints through as the ids; tok([-1]) gave [-1].
    tok = make("cl100k_base")
    tok.add_tokens(["<new>"])
    assert tok([100257, 3, 100277])["input_ids"] == [100257, 3, 100277]
    assert tok([[1, 2], [3]], is_split_into_words=True)["input_ids"] == [[1, 2], [3]]
    for bad, error in [([-1], hf_bpe.TokenIdOverflowError), ([100278], UnknownTokenError),
                       ([100256], UnknownTokenError), ([5, 2**40], hf_bpe.TokenIdOverflowError),
                       ([True], TypeError), ([1, 2.0], TypeError)]:
        with pytest.raises(error):
            tok(bad)
    with pytest.raises(hf_bpe.TokenIdOverflowError):
        tok([[2**40]], is_split_into_words=True)
    with pytest.raises(UnknownTokenError):
        tok("a", [10**7])
    # In batches, whose items transformers encodes one by one from the ids made or checked
    # once (they are not checked again): id lists, pairs of them, a pair of a text and ids,
    # a list of one id list; with truncation and padding, which take transformers' path.
    many = {"padding": True, "truncation": True, "max_length": 4}
    tok.pad_token = "<new>"
    good = tok([[5, 6], ("hello", [7]), ([8], [9, 10]), [[11]]], **many)["input_ids"]
    assert good == [[5, 6, 100277], [15339, 7, 100277], [8, 9, 10], [11, 100277, 100277]]
    for batch in ([[1, 2], [-5]], [([1, 2], [10**7])], [("hello", [10**7])], [[[10**7]]]):
        with pytest.raises((UnknownTokenError, hf_bpe.TokenIdOverflowError)):
            tok(batch, **many)
    with pytest.raises(hf_bpe.TokenIdOverflowError):
        tok([[1]], [[-3]], **many)


def _folder_with_added(tmp_path: Path, entries: dict[str, Any]) -> Path:
    folder = tmp_path / "tok"
    make("gpt2").save_pretrained(folder)
    (folder / "tokenizer.json").unlink()  # hf_bpe's own files: tokenizer_config.json says what is added
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    config["added_tokens_decoder"].update(entries)
    (folder / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "tid, content, message",
    [
        ("-3", "<x>", "the id -3"),
        ("100", "<x>", "the id 100 of the vocabulary token b'\\\\xa7'"),
        ("50256", "<|other|>", "the id 50256 of the special token '<\\|endoftext\\|>'"),
    ],
)
def test_added_tokens_of_a_saved_folder_cannot_give_an_id_two_meanings(tmp_path: Path, tid: str, content: str, message: str) -> None:
    # Hand-edited tokenizer_config.json: "<x>" at -3 encoded to [-3]; at 100 decode([100])
    # gave "<x>" where the encoding gives the byte 0x89; "<|other|>" at 50256 moved the eos.
    folder = _folder_with_added(tmp_path, {tid: {"content": content, "special": True}})
    with pytest.raises(VocabularyError, match=message):
        AutoTokenizer.from_pretrained(folder)


def test_added_tokens_of_a_saved_folder_at_new_or_their_own_ids_load(tmp_path: Path) -> None:
    folder = _folder_with_added(tmp_path, {"50257": {"content": "<x>", "special": True},
                                           "31373": {"content": "hello", "special": False},
                                           "220": {"content": "Ġ", "special": False}})
    tok = AutoTokenizer.from_pretrained(folder)
    assert tok("a<x>")["input_ids"] == [64, 50257]
    assert tok.decode([31373, 220, 50257]) == "hello <x>"


def test_a_role_given_to_a_vocabulary_token_keeps_its_id_through_save_and_load(tmp_path: Path) -> None:
    # gpt2 with pad_token_id = 220 saves "pad_token": "Ġ" (the spelling of " "); loading
    # made "Ġ" a new added token (50257), so the folder's pad id changed.
    tok = make("gpt2")
    tok.pad_token_id = 220
    for round_trip in range(2):
        folder = tmp_path / f"tok{round_trip}"
        with pytest.warns(hf_bpe.TokenizerJsonWarning, match="pad_token is a vocabulary token, 'Ġ' \\(id 220\\)"):
            tok.save_pretrained(folder)
        tok = AutoTokenizer.from_pretrained(folder)
        assert (tok.pad_token, tok.pad_token_id, len(tok)) == ("Ġ", 220, 50257)
        assert tok("aĠb")["input_ids"] == encoding("gpt2").encode("aĠb")  # the text "Ġ" is no pad
    assert run_stock(folder, ["ab"], tmp_path / "stock")["pad_token_id"] == 220
    assert tok.pad(tok(["a", "abc def"]))["input_ids"] == [[64, 220], [39305, 825]]
    restored = pickle.loads(pickle.dumps(tok))
    assert (restored.pad_token_id, len(restored)) == (220, 50257)
    assert tok.add_tokens(["Ġ"]) == 1 and tok("aĠ")["input_ids"] == [64, 50257]  # text, as before the reload


def test_saving_a_role_held_by_a_vocabulary_token_warns_of_what_stock_makes_of_it(tmp_path: Path) -> None:
    """The stock fast tokenizer of a folder whose pad is a vocabulary token (gpt2's
    newline, 198) makes the role's text a special token: decode(skip_special_tokens=True)
    then drops every newline. Saving says so; a role held by an added token does not."""
    tok = make("gpt2")
    tok.pad_token_id = 198
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match=r"pad_token is a vocabulary token, 'Ċ' \(id 198\)") as caught:
        tok.save_pretrained(tmp_path / "newline")
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match="pad_token is a vocabulary token") as direct:
        tok.save_vocabulary(str(tmp_path))  # was "sys:1"
    assert [w.filename for w in (*caught, *direct)] == [__file__, __file__]  # the caller's line
    stock = run_stock(tmp_path / "newline", ["a\nb"], tmp_path / "stock")
    assert stock["pad_token_id"] == 198 and stock["decoded_skipping"] == ["ab"]  # what the warning says
    tok.pad_token = tok.eos_token
    tok.add_special_tokens({"mask_token": "<mask>"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tok.save_pretrained(tmp_path / "eos")
    tok.add_tokens(["<pad>"])  # an added token, not special, then given the role
    tok.pad_token = "<pad>"
    with pytest.warns(hf_bpe.TokenizerJsonWarning, match=r"pad_token is an added token not marked special, '<pad>' \(id 50258\)"):
        tok.save_pretrained(tmp_path / "plain")
    assert tok.decode(tok("a<pad>b")["input_ids"], skip_special_tokens=True) == "a<pad>b"
    assert run_stock(tmp_path / "plain", ["a<pad>b"], tmp_path / "stock2")["decoded_skipping"] == ["ab"]


def test_adding_tokens_again_with_other_flags_replaces_them_and_many_tokens_are_found() -> None:
    tok = make("gpt2")
    assert tok.add_tokens([AddedToken("<q>", special=False)]) == 1
    tok.add_tokens([AddedToken("<q>", special=True)])
    assert tok.added_tokens_decoder[50257].special and len(tok) == 50258
    tok.add_tokens([AddedToken("<q>", special=False)])
    assert not tok.added_tokens_decoder[50257].special
    assert tok.decode([50257], skip_special_tokens=True) == "<q>"
    # One of the vocabulary's special tokens made ordinary goes by its new flags (the stock
    # fast tokenizer's added_tokens_decoder shows them, and it goes on splitting, skipping it).
    cl100k = make("cl100k_base")
    assert cl100k("x<|fim_prefix|>", split_special_tokens=True)["input_ids"] == [87, 27, 91, 69, 318, 14301, 91, 29]
    assert cl100k.add_tokens([AddedToken("<|fim_prefix|>", special=False, normalized=True)]) == 0
    assert not cl100k.added_tokens_decoder[100258].special
    assert cl100k("x<|fim_prefix|>", split_special_tokens=True)["input_ids"] == [87, 100258]
    assert cl100k.decode([87, 100258], skip_special_tokens=True) == "x<|fim_prefix|>"
    # An ordinary added token's text given as special becomes special (as in the fast
    # tokenizer; transformers' Python tokenizers pass over a text already added).
    assert cl100k.add_tokens(["<c>"]) == 1 and cl100k.add_tokens(["<c>"], special_tokens=True) == 0
    assert cl100k.added_tokens_decoder[100277].special
    assert cl100k("x<c>", split_special_tokens=True)["input_ids"] == [87, 64989, 29]
    assert cl100k.decode([87, 100277], skip_special_tokens=True) == "x"
    # A plain text that is a role's or a special token's: added special, or left as it is
    # (as transformers' Python tokenizers do; the stock fast tokenizer adds it as ordinary).
    cl100k.pad_token = "<pad>"
    assert cl100k.add_tokens(["<pad>"]) == 1 and cl100k.added_tokens_decoder[100278].special
    assert cl100k.decode(cl100k("a<pad>b")["input_ids"], skip_special_tokens=True) == "ab"
    assert cl100k.add_tokens(["<|endoftext|>", "<pad>"]) == 0
    assert cl100k.added_tokens_decoder[100257].special and cl100k.added_tokens_decoder[100278].special
    words = [f"<w{i}>" for i in range(3000)]
    assert tok.add_tokens(words[:1500]) == 1500
    for word in words[1500:1510]:
        tok.add_tokens([word])  # one call each
    assert tok.add_special_tokens({"additional_special_tokens": words[1510:]}) == 1490
    ids = tok("a<w0><w1509>b<w2999><q>")["input_ids"]
    assert ids == [64, 50258, 51767, 65, 53257, 50257]
    assert tok.decode(ids, skip_special_tokens=True) == "a<w0><w1509>b<q>"
    size = len(tok)
    with pytest.raises(VocabularyError, match="lone surrogate") as caught:
        tok.add_tokens(["<\ud800>"])
    # as an Encoding's special token: a UnicodeEncodeError too, which transformers raises
    assert isinstance(caught.value, hf_bpe.SpecialTokenTextError) and (caught.value.object, caught.value.start) == ("<\ud800>", 1)
    assert str(caught.value) == "token '<\\ud800>' has a lone surrogate: it has no UTF-8 bytes"
    for tokens in ({"pad_token": "\ud83d"}, {"additional_special_tokens": ["<ok>", "<\udfff>"]}):
        with pytest.raises(UnicodeEncodeError, match="lone surrogate"):
            tok.add_special_tokens(tokens)
    assert len(tok) == size and tok.pad_token is None


class _PickledAs:
    """Pickles as ``made(*args)``: the form an earlier hf_bpe gave an object."""

    def __init__(self, made: Any, *args: Any) -> None:
        self.made, self.args = made, args

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return self.made, self.args


def test_a_tokenizer_pickled_by_an_earlier_hf_bpe_loads() -> None:
    # Pickles of hf_bpe before 2026-12-03 hold the added tokens' regex as "_added_re";
    # those until 2026-12-06 hold "_added_pattern" (an _AddedTokenPattern) and five
    # attributes derived from the added tokens. Left out on unpickling, made afresh.
    from hf_bpe import hf_tokenizer

    tok = make("gpt2")
    tok.add_tokens(["<a>"])
    tok.add_special_tokens({"additional_special_tokens": ["<s>"]})
    bare = HfBpeTokenizer.from_encoding(hf_bpe.Encoding("bytes", pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={}))
    for earlier in (tok, bare):
        texts = tuple(sorted(earlier._added_tokens_encoder))
        oldest = {"_added_re": earlier._added_re}
        older = {
            "_added_pattern": _PickledAs(hf_tokenizer._AddedTokenPattern, texts),
            "_plain_ids": {"<a>": 50257}, "_slow_added": False, "_user_added": True,
            "_decoded_as_text": frozenset({50257}), "_spellings_shadowed": False,
        }  # fmt: skip
        for attributes in (oldest, older):
            state = {**earlier.__getstate__(), **attributes}
            old = pickle.loads(pickle.dumps(_PickledAs(_unpickled, state)))
            assert not set(attributes) & set(vars(old))
            assert old.decode(old("ab")["input_ids"]) == "ab"
            if earlier is tok:
                assert old("x<a>y<s>")["input_ids"] == [87, 50257, 88, 50258]
                assert old.decode([87, 50257, 88, 50258], skip_special_tokens=True) == "x<a>y"


def test_a_shallow_copy_shares_its_added_tokens_as_stock_ones_do(tmp_path: Path) -> None:
    """From QA: copy.copy shared the added tokens but not what is worked out from them, so
    a token added to one was in the other's vocabulary but never encoded by it (nor by the
    stock tokenizer, where both use it)."""
    import copy

    from transformers import PreTrainedTokenizerFast

    tok = make("gpt2")
    tok.save_pretrained(tmp_path)
    results = []
    for t in (tok, PreTrainedTokenizerFast.from_pretrained(tmp_path)):
        t("warm up")
        first = copy.copy(t)
        first.add_tokens(["<new>"])  # on the copy
        second = copy.copy(t)
        second("warm up")
        t.add_tokens(["<other>"])  # on the original
        results.append([(x("a<new>b<other>c")["input_ids"], len(x)) for x in (t, first, second)])
    assert results[0] == results[1] == [([64, 50257, 65, 50258, 66], 50259)] * 3
    deep = copy.deepcopy(tok)
    deep.add_tokens(["<deep>"])
    assert tok("<deep>")["input_ids"] == [27, 22089, 29] and deep("<deep>")["input_ids"] == [50259]


def test_a_tokenizer_pickled_before_its_helpers_left_hf_tokenizer_loads() -> None:
    # Until 2026-12-07 the tokenizer's spellings and its cache of what it knows about
    # its added tokens were classes of hf_bpe.hf_tokenizer (now of hf_bpe.hf_added_tokens):
    # pickles name them there (protocol 2 writes a class's module and name as text lines).
    tok = make("gpt2")
    tok.add_tokens(["<a>"])
    data = pickle.dumps(tok, protocol=2)
    for name in (b"SpelledVocab", b"AddedTokenCache"):
        assert b"hf_bpe.hf_added_tokens\n" + name + b"\n" in data
        data = data.replace(b"hf_bpe.hf_added_tokens\n" + name + b"\n", b"hf_bpe.hf_tokenizer\n_" + name + b"\n")
    assert b"hf_added_tokens" not in data
    old = pickle.loads(data)
    assert old("x<a>y hello")["input_ids"] == [87, 50257, 88, 23748]
    assert old.convert_ids_to_tokens([23748]) == ["Ġhello"] and old.decode([87, 50257]) == "x<a>"
    # A role held by a vocabulary token's spelling (gpt2's pad at 220, "Ġ") is kept as a
    # string that knows its id, a class of hf_tokenizer's then too.
    tok = make("gpt2", pad_token="Ġ")
    data = pickle.dumps(tok, protocol=2)
    assert b"hf_bpe.hf_added_tokens\nSpelledToken\n" in data
    old = pickle.loads(data.replace(b"hf_bpe.hf_added_tokens\nSpelledToken\n", b"hf_bpe.hf_tokenizer\n_Spelled\n"))
    assert old.pad_token_id == 220 and old.pad_token == "Ġ"


def _unpickled(state: dict[str, Any]) -> HfBpeTokenizer:
    tok = HfBpeTokenizer.__new__(HfBpeTokenizer)
    tok.__setstate__(state)
    return tok


def test_tokens_added_while_another_thread_works_out_the_added_tokens_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    # What encoding and decoding need to know about the added tokens is worked out when
    # first asked for after a change. Here a second thread adds a token and uses it at the
    # worst moment, while the first works that out from the tokens before: what the first
    # works out must not stick (the new token's text would be encoded as text, its id
    # unknown to decode).
    import threading

    from hf_bpe import hf_added_tokens

    tok = make("gpt2")
    tok.add_tokens(["<new>"])
    seen: list[Any] = []
    is_rank = hf_added_tokens.is_rank

    def meanwhile(encoding: Any, tid: int) -> bool:
        if tid == 50257 and not seen:
            seen.append("started")

            def other() -> None:
                seen.append(tok.add_tokens(["<newer>"]))
                seen.append(tok.decode(tok("a<newer>")["input_ids"]))

            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
        return is_rank(encoding, tid)

    monkeypatch.setattr(hf_added_tokens, "is_rank", meanwhile)
    assert tok("b<new>")["input_ids"] == [65, 50257]
    assert seen == ["started", 1, "a<newer>"]
    assert tok("a<newer>")["input_ids"] == [64, 50258] and tok.decode([64, 50258, 50257]) == "a<newer><new>"


def test_a_role_given_as_an_added_token_keeps_its_flags_as_in_the_stock_fast_tokenizer(tmp_path: Path) -> None:
    """``from_pretrained(folder, mask_token=AddedToken("<mask>", lstrip=True, rstrip=True))``
    (RoBERTa-style masking): transformers' Python tokenizers add the roles as plain text, so
    the flags were lost and the spaces around the mask became tokens of their own."""
    hf_bpe.save_encoding(encoding("cl100k_base"), tmp_path)
    mask = AddedToken("<mask>", lstrip=True, rstrip=True, special=True, normalized=False)
    stock = PreTrainedTokenizerFast.from_pretrained(tmp_path, mask_token=mask)
    text = "Paris is the <mask> of France."
    for ours in (AutoTokenizer.from_pretrained(tmp_path, mask_token=mask), make("cl100k_base", mask_token=mask)):
        assert isinstance(ours, HfBpeTokenizer)
        assert repr(ours.added_tokens_decoder[ours.mask_token_id]) == repr(stock.added_tokens_decoder[stock.mask_token_id])
        assert ours(text)["input_ids"] == stock(text)["input_ids"] == [60704, 374, 279, 100277, 1073, 9822, 13]


def test_a_checkpoint_saved_by_stock_transformers_keeps_its_padding_side_and_pad_token(tmp_path: Path) -> None:
    """transformers 5 keeps a tokenizer's padding side and pad token in tokenizer.json's
    "padding" section: a fine-tuning script without hf_bpe (pad_token = eos, left padding)
    saved a checkpoint that HfBpeTokenizer loaded right-padding, without a pad token."""
    make("o200k_base").save_pretrained(tmp_path / "base")
    stock = PreTrainedTokenizerFast.from_pretrained(tmp_path / "base")
    stock.pad_token = stock.eos_token = "<|endoftext|>"
    stock.padding_side = "left"
    stock.truncation_side = "left"
    stock(["hello there", "a"], padding=True, truncation=True, max_length=8)  # (as a data collator calls it)
    stock.save_pretrained(tmp_path / "checkpoint")
    padding = json.loads((tmp_path / "checkpoint" / "tokenizer.json").read_text(encoding="utf-8"))["padding"]
    assert padding["direction"] == "Left" and padding["pad_token"] == "<|endoftext|>"
    config = json.loads((tmp_path / "checkpoint" / "tokenizer_config.json").read_text(encoding="utf-8"))
    config.pop("pad_token", None)  # (then only the file's padding names it)
    (tmp_path / "checkpoint" / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    theirs = PreTrainedTokenizerFast.from_pretrained(tmp_path / "checkpoint")
    with warnings.catch_warnings():
        warnings.simplefilter("error", hf_bpe.TokenizerJsonWarning)  # (it said the padding was not kept)
        ours = HfBpeTokenizer.from_pretrained(tmp_path / "checkpoint")
    for attribute in ("padding_side", "pad_token", "truncation_side"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    assert ours.padding_side == "left" and ours.pad_token == "<|endoftext|>"
    texts = ["hello there, friends", "a"]
    assert ours(texts, padding=True).data == theirs(texts, padding=True).data
    assert ours(texts, truncation=True, max_length=2).data == theirs(texts, truncation=True, max_length=2).data


def test_the_keys_come_in_the_fast_tokenizers_order(tmp_path: Path) -> None:
    """transformers' Python tokenizers put the attention mask last; the fast tokenizer puts
    it after input_ids and token_type_ids, and a dataset's columns come in that order."""
    make("o200k_base", pad_token="<|endoftext|>").save_pretrained(tmp_path)
    ours, theirs = HfBpeTokenizer.from_pretrained(tmp_path), PreTrainedTokenizerFast.from_pretrained(tmp_path)
    for options in (
        {"return_special_tokens_mask": True},
        {"return_token_type_ids": True, "return_special_tokens_mask": True, "return_length": True},
        {"return_offsets_mapping": True, "return_special_tokens_mask": True},
        {"padding": True, "return_special_tokens_mask": True, "return_tensors": "np"},
        {"return_overflowing_tokens": True, "truncation": True, "max_length": 3, "stride": 1, "return_special_tokens_mask": True},
        {},
    ):
        for texts in (["hello there", "a"], "hello"):
            assert list(ours(texts, **options).keys()) == list(theirs(texts, **options).keys()), options
