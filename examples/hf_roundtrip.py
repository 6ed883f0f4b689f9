"""Load a saved tokenizer folder through transformers, encode and decode, and report.

    python examples/hf_roundtrip.py FOLDER [--tiktoken PATH] [--max-mb 2] [--num-proc 2]

Checks, on real text, that the folder written by ``hf_bpe.save_encoding`` (or the trainer
example's ``--save-dir``):

- loads with ``AutoTokenizer`` after ``import hf_bpe`` as an ``HfBpeTokenizer``;
- loads with stock transformers in a process where hf_bpe cannot be imported, as a fast
  ``tokenizers`` tokenizer, giving the same ids;
- gives the ids of the ``.tiktoken`` file saved beside it;
- tokenizes a ``datasets.Dataset`` with ``map(tok.batch_encode, batched=True, num_proc=N)``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# transformers' advice that PyTorch is missing (no model is loaded here), in this process
# and the stock one: not part of the report.
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

import realdata  # noqa: E402

import hf_bpe  # noqa: E402

# Runs in a child process that cannot import hf_bpe: what a user without hf_bpe gets.
STOCK = """
import json, sys
sys.modules["hf_bpe"] = None
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained(sys.argv[1])
docs = json.load(sys.stdin)
ids = tok(docs, add_special_tokens=False)["input_ids"]
print(json.dumps({"class": type(tok).__name__, "ids": ids}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--tiktoken", type=Path, help="the .tiktoken file saved with the folder")
    parser.add_argument("--max-mb", type=float, default=2.0, help="MB of real text to check")
    parser.add_argument("--num-proc", type=int, default=2, help="processes for dataset.map")
    args = parser.parse_args()
    if not args.folder.is_dir():
        parser.error(f"{args.folder}: no such folder")
    if not args.max_mb > 0 or args.num_proc < 1:
        parser.error("--max-mb must be a positive number and --num-proc at least 1")

    from datasets import Dataset
    from transformers import AutoTokenizer

    docs = realdata.documents("mixed", max_bytes=int(args.max_mb * 1e6))
    nbytes = sum(len(d.encode()) for d in docs)
    enc = hf_bpe.load_encoding(args.folder)
    expected = enc.encode_ordinary_batch(docs)

    print(f"\nHugging Face round trip of {args.folder} ({len(docs)} docs, {nbytes / 1e6:.2f} MB):")
    start = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(args.folder)
    print(f"- AutoTokenizer: {type(tok).__name__}, len {len(tok):,}, loaded in {time.perf_counter() - start:.2f}s")
    rates, results = [], []
    for _ in range(2):
        start = time.perf_counter()
        results.append(tok(docs, add_special_tokens=False)["input_ids"])
        rates.append(nbytes / 1e6 / (time.perf_counter() - start))
    check(results[0] == results[1] == expected, "AutoTokenizer ids equal the Encoding's")
    ids = results[0]
    print(f"- encode: {rates[0]:.1f} MB/s on the first call (every piece new to this tokenizer), "
          f"{rates[1]:.1f} MB/s on the second (pieces cached)")
    check(tok.batch_decode(ids) == docs, "batch_decode gives the text back")

    if not (args.folder / "tokenizer.json").is_file():  # o200k_harmony's, say: hf_bpe's files only
        print("- skipped: stock transformers without hf_bpe (the folder has no tokenizer.json)")
    else:
        child = subprocess.run([sys.executable, "-I", "-c", STOCK, str(args.folder)], input=json.dumps(docs),
                               capture_output=True, text=True)
        if child.returncode != 0:
            raise SystemExit(f"check failed: stock transformers without hf_bpe could not load {args.folder}:\n"
                             f"{child.stderr.strip()}")
        stock = json.loads(child.stdout)
        check(stock["ids"] == expected, f"stock transformers without hf_bpe ({stock['class']}) gives the same ids")

    if args.tiktoken is not None:
        check(hf_bpe.load_tiktoken_bpe(args.tiktoken) == dict(enc.mergeable_ranks),
              f"{args.tiktoken.name} holds the same ranks")

    dataset = Dataset.from_dict({"text": docs})
    start = time.perf_counter()
    # (a folder saved with add_bos_token/add_eos_token: compared without them, as above)
    mapped = dataset.map(tok.batch_encode, batched=True, num_proc=args.num_proc, remove_columns=["text"],
                         fn_kwargs={"add_bos": False, "add_eos": False})
    seconds = time.perf_counter() - start
    check(mapped["input_ids"][:] == expected, f"dataset.map(tok.batch_encode, num_proc={args.num_proc}) gives the same ids")
    print(f"- dataset.map: {nbytes / 1e6 / seconds:.1f} MB/s with {args.num_proc} processes (startup included)")

    if tok.pad_token is None:  # transformers pads only with a pad token
        if enc.special_tokens:
            tok.pad_token = min(enc.special_tokens, key=enc.special_tokens.__getitem__)
        else:  # a vocabulary trained without special tokens: add one (it gets the next free id)
            tok.add_special_tokens({"pad_token": "<|pad|>"})
    padded = tok(docs[:4], padding=True, truncation=True, max_length=64, return_attention_mask=True)
    print(f"- padded batch: {len(padded['input_ids'])} x {len(padded['input_ids'][0])} ids, "
          f"pad token {tok.pad_token!r}, attention mask sums {[sum(m) for m in padded['attention_mask']]}")


def check(ok: bool, what: str) -> None:
    print(f"- {'ok' if ok else 'FAILED'}: {what}")
    if not ok:
        raise SystemExit(f"check failed: {what}")


if __name__ == "__main__":
    try:
        main()
    except (hf_bpe.HfBpeError, ValueError, OSError) as err:  # bad input: one line, not a traceback
        sys.exit(f"error: {err}")
