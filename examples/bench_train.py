"""Training benchmark: hf_bpe vs rustbpe vs Hugging Face tokenizers, same text, same pattern.

Each run trains in a fresh subprocess (so imports, caches and memory do not carry over);
the subprocess loads the text first and times only the training call. The runs are
interleaved (hf_bpe, rustbpe, HF, hf_bpe, ...) so that a busy machine slows all alike;
the table shows the best and the median wall time, the ratio to rustbpe (best vs best), and
the peak memory of the whole process tree (proportional set size, sampled from /proc every
20 ms; on other systems, the largest process's peak RSS from getrusage). hf_bpe's ranks are checked equal
to rustbpe's at every size::

    python examples/bench_train.py --kind mixed --max-bytes 21000000 --vocab-sizes 16384 32768

The text is real (``examples/realdata.py``): ``english`` (11 MB), ``multilingual``
(21 MB), ``code`` (31 MB) or ``mixed`` (all three, interleaved).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TOOLS = ("hf_bpe", "rustbpe", "hf_tokenizers")


def load_texts(kind: str, max_bytes: int) -> list[str]:
    import realdata

    return realdata.documents(kind, max_bytes=max_bytes)


def ranks_digest(ranks: dict[bytes, int]) -> str:
    h = hashlib.sha256()
    for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
        h.update(f"{rank} {token.hex()}\n".encode())
    return h.hexdigest()


# ----------------------------------------------------------------------- child side


def child(tool: str, kind: str, max_bytes: int, vocab_size: int, pattern_name: str, num_proc: int) -> None:
    from hf_bpe.patterns import get_pattern

    pattern = get_pattern(pattern_name)
    texts = load_texts(kind, max_bytes)
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    digest = None
    extra: dict[str, Any] = {}
    if tool == "hf_bpe":
        import hf_bpe
        from hf_bpe.trainer import train_bpe

        start = time.perf_counter()
        enc = train_bpe(texts, vocab_size, pattern=pattern, num_proc=num_proc, progress=False)
        seconds = time.perf_counter() - start
        digest = ranks_digest(enc._mergeable_ranks)
        extra = {"compiled": hf_bpe.COMPILED}
    elif tool == "rustbpe":
        import rustbpe

        start = time.perf_counter()
        tok = rustbpe.Tokenizer()
        tok.train_from_iterator(texts, vocab_size, pattern=pattern)
        seconds = time.perf_counter() - start
        digest = ranks_digest({bytes(b): r for b, r in tok.get_mergeable_ranks()})
    elif tool == "hf_tokenizers":
        from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

        start = time.perf_counter()
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            show_progress=False,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
        tok.train_from_iterator(texts, trainer)
        seconds = time.perf_counter() - start
        extra = {"vocab": tok.get_vocab_size()}
    else:
        raise SystemExit(f"unknown tool {tool}")
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "digest": digest,
                "bytes": n_bytes,
                "rss_self": rss_self,
                "rss_children": rss_children,
                **extra,
            }
        )
    )


# ----------------------------------------------------------------------- parent side


def tree_rss(pid: int) -> int:
    """Memory of ``pid`` and all its descendants (Linux /proc), or 0.

    Proportional set size (Pss: shared pages split among the processes sharing them, so
    forked workers are not counted twice), else resident set size.
    """
    total = 0
    stack = [pid]
    seen = set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            total += _process_memory(p)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def _process_memory(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree_rss(proc.pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{err}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["peak_rss"] = peak[0] or (result["rss_self"] + result["rss_children"])
    return result


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{model}, {cpus} usable CPUs, load average {load:.2f}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", default="mixed", choices=["english", "multilingual", "code", "mixed"])
    parser.add_argument("--max-bytes", type=int, default=21_000_000)
    parser.add_argument("--vocab-sizes", type=int, nargs="+", default=[16384, 32768])
    parser.add_argument("--pattern", default="rustbpe")
    parser.add_argument("--num-proc", type=int, default=None, help="hf_bpe processes (default: cores)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--child", nargs=6, metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.vocab_sizes) < 256:
        parser.error("--vocab-sizes: each size must be at least 256 (the byte tokens)")
    if args.max_bytes < 1 or args.repeats < 1 or (args.num_proc is not None and args.num_proc < 1):
        parser.error("--max-bytes, --repeats and --num-proc must be at least 1")
    if args.child:
        tool, kind, max_bytes, vocab, pattern, num_proc = args.child
        child(tool, kind, int(max_bytes), int(vocab), pattern, int(num_proc))
        return 0

    import importlib.util

    modules = {"rustbpe": "rustbpe", "hf_tokenizers": "tokenizers"}
    for tool in [t for t in args.tools if t in modules and importlib.util.find_spec(modules[t]) is None]:
        print(f"{tool}: {modules[tool]} is not installed, skipped (pip install {modules[tool]})")
        args.tools.remove(tool)
    num_proc = args.num_proc or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    import hf_bpe

    print(f"machine: {machine()}")
    print(f"hf_bpe {hf_bpe.__version__} (compiled: {hf_bpe.COMPILED}), num_proc={num_proc}")
    texts = load_texts(args.kind, args.max_bytes)
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    print(f"text: {args.kind}, {len(texts)} documents, {n_bytes / 1e6:.1f} MB; pattern {args.pattern}")
    print()
    header = f"{'vocab':>6}  {'tool':<14} {'best s':>7} {'median s':>9} {'vs rustbpe':>10} {'peak mem':>9}  ranks"
    print(header)
    print("-" * len(header))
    for vocab in args.vocab_sizes:
        results: dict[str, list[dict[str, Any]]] = {t: [] for t in args.tools}
        for _ in range(args.repeats):
            for tool in args.tools:
                results[tool].append(
                    run_child([tool, args.kind, str(args.max_bytes), str(vocab), args.pattern, str(num_proc)])
                )
        best = {t: min(r["seconds"] for r in rs) for t, rs in results.items()}
        ref_digest = results["rustbpe"][0]["digest"] if "rustbpe" in results else None
        for tool in args.tools:
            rs = results[tool]
            ratio = f"{best[tool] / best['rustbpe']:.2f}x" if "rustbpe" in best else "-"
            peak = max(r["peak_rss"] for r in rs) / 2**20
            if tool == "hf_bpe" and ref_digest is not None:
                same = all(r["digest"] == ref_digest for r in rs)
                ranks = "identical to rustbpe" if same else "DIFFERENT from rustbpe"
            elif tool == "hf_tokenizers":
                ranks = "(own algorithm)"
            else:
                ranks = ""
            print(
                f"{vocab:>6}  {tool:<14} {best[tool]:>7.2f} {statistics.median(r['seconds'] for r in rs):>9.2f} "
                f"{ratio:>10} {peak:>7.0f}MB  {ranks}"
            )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
