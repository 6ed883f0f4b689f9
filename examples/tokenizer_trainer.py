"""Train a tokenizer on parquet shards and report on it, as the Rust trainer examples do.

Shards are parquet files with a text column (nanochat's FineWeb-Edu shards, or the real-text
shards that ``python examples/realdata.py shards DIR`` writes); shard ``i`` is the ``i``-th
``*.parquet`` file of ``--dataset-dir`` in sorted order::

    python examples/realdata.py shards /tmp/shards --n 8
    python examples/tokenizer_trainer.py --dataset-dir /tmp/shards --shards 0-7 \\
        --vocab-size 32768 --time-encode-decode --tiktoken-save-path /tmp/tok.tiktoken

The report: the shards loaded, ``training_duration`` and ``vocab_size``; then, with
``--time-encode-decode``, the encode and decode timings over batches of ``--batch-size``
documents in ``--num-proc`` processes (each round trip is checked) and the observed bytes
per token.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import hf_bpe
from hf_bpe.patterns import NANOCHAT_SPECIAL_TOKENS
from hf_bpe.trainer import BpeTrainer


def parse_shards(spec: str) -> list[int]:
    """``"0-7"`` (inclusive), ``"3"`` or ``"0,2,5-6"`` → shard numbers.

    >>> parse_shards("0-3,7")
    [0, 1, 2, 3, 7]
    """
    out: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        lo, _, hi = part.partition("-")
        if not (lo.isdigit() and (hi.isdigit() or not _)):
            if part:
                raise argparse.ArgumentTypeError(f"bad shard number or range {part!r} (e.g. 0-7 or 0,2)")
            continue
        first, last = int(lo), int(hi) if _ else int(lo)
        if last < first:
            raise argparse.ArgumentTypeError(f"empty shard range {part!r}")
        out.extend(n for n in range(first, last + 1) if n not in out)
    if not out:
        raise argparse.ArgumentTypeError(f"no shards in {spec!r}")
    return out


def fmt_duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f}ms"
    return f"{seconds * 1e6:.2f}µs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset-dir", required=True, type=Path, help="folder of parquet shards")
    parser.add_argument("--shards", type=parse_shards, default="0-7",
                        help="shard numbers, e.g. 0-7 (inclusive, the default) or 0,2")
    parser.add_argument("--vocab-size", type=int, default=65536, help="tokens, specials included")
    parser.add_argument("--tiktoken-save-path", type=Path, help="write the ranks in tiktoken format")
    parser.add_argument("--save-dir", type=Path, help="write a full hf_bpe/Hugging Face folder")
    parser.add_argument("--time-encode-decode", action="store_true", help="time encode and decode")
    parser.add_argument("--batch-size", type=int, default=512, help="documents per timing batch")
    parser.add_argument("--timing-batches", type=int, default=40, help="batches to time (at most)")
    parser.add_argument("--column", default="text", help="the text column of the shards")
    parser.add_argument("--max-chars", type=int, default=10_000,
                        help="crop each document to this many characters (nanochat: 10000; 0: no crop)")
    parser.add_argument("--pattern", default="rustbpe", help="split pattern: a name or a regex")
    parser.add_argument("--nanochat-specials", action="store_true",
                        help="add nanochat's 9 special tokens after the merges")
    parser.add_argument("--num-proc", type=int, default=None,
                        help="processes for counting and for the timed batches (default: cores)")
    parser.add_argument("--progress", action="store_true", help="show progress bars")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.dataset_dir.is_dir():
        parser.error(f"--dataset-dir {args.dataset_dir}: no such folder")
    files = sorted(p for p in args.dataset_dir.glob("*.parquet") if p.is_file())
    shards = args.shards
    missing = [i for i in shards if i >= len(files)]
    if missing:
        parser.error(f"{args.dataset_dir} has {len(files)} parquet files; no shard {missing[0]}")
    paths = [files[i] for i in shards]
    if args.batch_size < 1 or args.timing_batches < 1:
        parser.error("--batch-size and --timing-batches must be at least 1")
    if args.tiktoken_save_path is not None and args.tiktoken_save_path.is_dir():
        parser.error(f"--tiktoken-save-path {args.tiktoken_save_path} is a directory; give a file name")
    # Where the results go must exist, and be writable, before the training they would hold.
    for target in (args.tiktoken_save_path.parent if args.tiktoken_save_path else None, args.save_dir):
        if target is not None:
            try:
                Path(target).mkdir(parents=True, exist_ok=True)
            except OSError as err:
                parser.error(f"cannot make the folder {target}: {err.strerror}")
            if not os.access(target, os.W_OK):
                parser.error(f"cannot write into {target}")

    print(f"hf_bpe {hf_bpe.__version__} (compiled: {hf_bpe.COMPILED})")
    print(f"Loading Shards: {shards}")
    for i, p in zip(shards, paths):
        print(f"- shard {i}: {p}")
    print()

    specials = NANOCHAT_SPECIAL_TOKENS if args.nanochat_specials else ()
    try:  # the settings are checked before anything is read
        trainer = BpeTrainer(
            args.vocab_size,
            pattern=args.pattern,
            special_tokens=specials,
            num_proc=args.num_proc,
            progress=True if args.progress else False,
        )
    except hf_bpe.HfBpeError as err:
        parser.error(str(err))
    print(f"Training Tokenizer on shards: {shards}")
    start = time.perf_counter()
    with trainer:
        trainer.update_from_parquet(paths, column=args.column, max_chars=args.max_chars)
        counted = time.perf_counter()
        enc = trainer.train(name=args.dataset_dir.name or "bpe")
    duration = time.perf_counter() - start
    print(f"- documents: {trainer.n_documents}")
    print(f"- characters: {trainer.n_chars}")
    print(f"- counting_duration: {counted - start:.2f}s")
    print(f"- training_duration: {duration:.2f}s")
    print(f"- vocab_size: {enc.n_vocab}")

    if args.tiktoken_save_path is not None:
        hf_bpe.dump_tiktoken_bpe(enc._mergeable_ranks, args.tiktoken_save_path)
        print(f"- saved ranks: {args.tiktoken_save_path}")
    if args.save_dir is not None:
        hf_bpe.save_encoding(enc, args.save_dir)
        print(f"- saved folder: {args.save_dir}")

    if args.time_encode_decode:
        processes = args.num_proc or os.cpu_count() or 1
        time_encode_decode(enc, paths, args.column, args.batch_size, args.timing_batches, processes)
    return 0


def time_encode_decode(
    enc: hf_bpe.Encoding, paths: list[Path], column: str, batch_size: int, max_batches: int, processes: int
) -> None:
    import pyarrow.parquet as pq

    batches: list[list[str]] = []
    pending: list[str] = []
    for path in paths:
        for record_batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size, columns=[column]):
            pending.extend(t for t in record_batch.column(0).to_pylist() if t is not None)
            while len(pending) >= batch_size and len(batches) < max_batches:
                batches.append(pending[:batch_size])
                pending = pending[batch_size:]
            if len(batches) >= max_batches:
                break
        if len(batches) >= max_batches:
            break
    if not batches and pending:
        batches.append(pending)
    samples = [t for b in batches for t in b]
    total_bytes = sum(len(t.encode("utf-8")) for t in samples)
    print()
    print("Samples Summary:")
    full = all(len(b) == batch_size for b in batches)
    print(f"- count: {len(samples)}" + (f" (the first {len(batches)} full batches of {batch_size})" if full else ""))
    print(f"- avg size: {total_bytes // max(1, len(samples))}")
    print()
    print("Timing Config:")
    print(f"- batch size: {batch_size}")
    print(f"- processes: {processes}")
    enc.encode_ordinary_batch(["warm up " * 4096] * 16, num_proc=processes)  # starts the workers, untimed

    encode_times: list[float] = []
    encoded: list[list[list[int]]] = []
    for batch in batches:
        t = time.perf_counter()
        ids = enc.encode_ordinary_batch(batch, num_proc=processes)
        encode_times.append(time.perf_counter() - t)
        encoded.append(ids)
    decode_times: list[float] = []
    for batch, ids in zip(batches, encoded):
        t = time.perf_counter()
        texts = enc.decode_batch(ids, num_proc=processes)
        decode_times.append(time.perf_counter() - t)
        if texts != batch:
            raise SystemExit("round trip failed: decode(encode(text)) != text")
    total_tokens = sum(len(x) for ids in encoded for x in ids)
    enc_total = sum(encode_times)
    dec_total = sum(decode_times)
    n = len(samples)
    print()
    print("Timing Encode:")
    print(f"- batch avg: {fmt_duration(enc_total / len(batches))}")
    print(f"- sample avg: {fmt_duration(enc_total / n)}")
    print(f"- avg bps: {total_bytes / enc_total / 1e6:.2f} MB/s")
    print()
    print("Observed Bytes/Token Stats:")
    print(f"- total bytes: {total_bytes}")
    print(f"- total tokens: {total_tokens}")
    print(f"- sample byte/token: {total_bytes / max(1, total_tokens):.2f}")
    print()
    print("Timing Decode:")
    print(f"- batch avg: {fmt_duration(dec_total / len(batches))}")
    print(f"- sample avg: {fmt_duration(dec_total / n)}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (hf_bpe.HfBpeError, ValueError, OSError) as err:  # bad input: one line, not a traceback
        sys.exit(f"error: {err}")
