"""Load a named encoding offline, encode and decode real text, and report.

    python examples/quickstart.py [--encoding o200k_base] [--max-mb 8]

OpenAI's download servers are not needed: the vocabulary comes from the verified test-data
cache that ``examples/realdata.py`` fills from package registries, which hf_bpe reads as a
tiktoken cache (``TIKTOKEN_CACHE_DIR``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realdata  # noqa: E402

import hf_bpe  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoding", default="o200k_base", choices=hf_bpe.list_encoding_names())
    parser.add_argument("--max-mb", type=float, default=8.0, help="MB of text per corpus")
    args = parser.parse_args()
    if not 0.01 <= args.max_mb <= 1000:
        parser.error("--max-mb must be from 0.01 to 1000")

    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(realdata.tiktoken_cache_dir()))
    start = time.perf_counter()
    enc = hf_bpe.get_encoding(args.encoding)
    print(f"hf_bpe {hf_bpe.__version__} (compiled: {hf_bpe.COMPILED}); "
          f"{enc.name}: {enc.n_vocab:,} ids, loaded in {time.perf_counter() - start:.2f} s")
    print(f"{'corpus':<13} {'docs':>6} {'MB':>7} {'tokens':>10} {'bytes/token':>12} {'encode MB/s':>12} {'decode MB/s':>12}")
    for kind in ("english", "multilingual", "code"):
        docs = realdata.documents(kind, max_bytes=int(args.max_mb * 1e6))
        nbytes = sum(len(d.encode()) for d in docs)
        start = time.perf_counter()
        ids = enc.encode_ordinary_batch(docs)
        encode_s = time.perf_counter() - start
        start = time.perf_counter()
        texts = enc.decode_batch(ids)
        decode_s = time.perf_counter() - start
        assert texts == docs, "decode(encode(text)) must give the text back"
        tokens = sum(map(len, ids))
        print(f"{kind:<13} {len(docs):>6} {nbytes / 1e6:>7.2f} {tokens:>10,} {nbytes / tokens:>12.2f} "
              f"{nbytes / 1e6 / encode_s:>12.1f} {nbytes / 1e6 / decode_s:>12.1f}")
    sample = "hf_bpe encodes like tiktoken: naïve café, 中文, 🙂"
    print(f"\n{sample!r}\n -> {enc.encode(sample)}\n -> {enc.decode(enc.encode(sample))!r}")


if __name__ == "__main__":
    main()
