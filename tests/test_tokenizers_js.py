"""The tokenizer.json hf_bpe saves, read by Hugging Face's JavaScript tokenizers (the
``@huggingface/tokenizers`` package transformers.js uses, run in Node.js): tiktoken's ids.

That reader drops possessive marks from a regex and takes ``$`` as the end of a line, as
Oniguruma does: cl100k's ``\\s++$`` written as such then backtracked to the white space
before a newline, and blank lines got other ids there than in Python."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import realdata
from hf_support import NAMED, encoding, texts, tiktoken_twin

import hf_bpe
from hf_bpe.tokenizer_json import save_tokenizer_json

# What is checked is the file, which both builds write alike (test_tokenizer_json.py reads
# the uncompiled build's files with HF tokenizers): once, in the compiled run.
pytestmark = pytest.mark.skipif(os.environ.get("HF_BPE_EXPECT_COMPILED") == "0", reason="checked once, in the compiled run")

#: Reads ``{"tokenizer": path, "texts": [...]}`` on stdin, writes the ids of each text.
_ENCODE_IN_NODE = """
import { readFileSync } from "node:fs";
const { Tokenizer } = await import(process.argv[1]);
const job = JSON.parse(readFileSync(0, "utf8"));
const tokenizer = new Tokenizer(JSON.parse(readFileSync(job.tokenizer, "utf8")), {});
const ids = job.texts.map((text) => tokenizer.encode(text, { add_special_tokens: false }).ids);
process.stdout.write(JSON.stringify(ids));
"""

#: White space at the end of the text and around newlines: where ``\\s++$`` matters.
_WHITE_SPACE_TEXTS = ["a\n\n\nb", "x  \n\n  y", "end\n\n", "a\n\n  b", "a\n  ", "tab\t\n", " \n \n ", "z \r\n\r\n"]


def _ids_in_node(tokenizer_json: Path, docs: list[str]) -> list[list[int]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (it comes with the npm the test data is fetched with)")
    job = json.dumps({"tokenizer": str(tokenizer_json), "texts": docs})
    module = realdata.tokenizers_js().resolve().as_uri()
    done = subprocess.run([node, "--input-type=module", "-e", _ENCODE_IN_NODE, module],
                          input=job, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", (*NAMED, "trained"))
def test_saved_tokenizer_json_gives_tiktoken_ids_in_javascript(name: str, tmp_path: Path) -> None:
    enc = encoding(name)
    save_tokenizer_json(enc, tmp_path / "tokenizer.json")
    docs = [doc for doc in texts(60_000) + _WHITE_SPACE_TEXTS if "<|" not in doc]  # (no special tokens)
    oracle = tiktoken_twin(enc)
    theirs = _ids_in_node(tmp_path / "tokenizer.json", docs)
    wrong = [(doc[:80], ids[:20]) for doc, ids in zip(docs, theirs) if ids != oracle.encode_ordinary(doc)]
    assert wrong == [], f"{len(wrong)} of {len(docs)} texts differ, e.g. {wrong[:3]}"


def test_a_gpt2_style_file_resaved_by_hf_bpe_still_reads_the_same_in_javascript(tmp_path: Path) -> None:
    """A file of HF's own making with GPT-2's lone ByteLevel pre-tokenizer gave tiktoken's
    ids in JavaScript, and no longer did once hf_bpe had loaded and saved it again."""
    enc = hf_bpe.get_encoding("r50k_base")
    save_tokenizer_json(enc, tmp_path / "saved.json")
    data = json.loads((tmp_path / "saved.json").read_text(encoding="utf-8"))
    data["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    (tmp_path / "gpt2.json").write_text(json.dumps(data), encoding="utf-8")
    save_tokenizer_json(hf_bpe.load_tokenizer_json(tmp_path / "gpt2.json"), tmp_path / "resaved.json")
    docs = [doc for doc in _WHITE_SPACE_TEXTS + texts(20_000) if "<|" not in doc]
    expected = [enc.encode_ordinary(doc) for doc in docs]
    assert _ids_in_node(tmp_path / "gpt2.json", docs) == expected
    assert _ids_in_node(tmp_path / "resaved.json", docs) == expected
