"""The encoding benchmark (``examples/bench_encode.py``), run for real on a little real text.

Speed is never asserted here (it is what the benchmark reports); what is checked is that
the benchmark runs, checks every library's ids against tiktoken's, and reports each
library's best round and its median ratio to tiktoken.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "examples" / "bench_encode.py"


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ), timeout=600)


def test_ratio_is_the_median_of_the_rounds_ratios() -> None:
    # In a subprocess: importing the benchmark sets environment variables for its peers.
    code = (f"import sys; sys.path.insert(0, {str(BENCH.parent)!r}); import bench_encode as b; "
            "print(b.ratio([2.0, 9.0, 2.0], [1.0, 3.0, 0.5]), b.ratio([4.0, 4.0], [1.0, 2.0]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
                            timeout=300)
    assert result.returncode == 0, result.stderr
    # Rounds' ratios 2, 3, 4 -> 3 (their best rounds, 2.0 and 0.5, would say 4); 4 and 2 -> 3.
    assert result.stdout.split() == ["3.0", "3.0"]


def test_a_small_run_checks_ids_and_reports_rounds(tmp_path: Path) -> None:
    result = bench("--mb", "0.03", "--runs", "3", "--skip", "decode", "batch", "load", "worst", "patterns",
                   "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "ids checked against tiktoken: all equal" in result.stdout
    assert "MB/s, best round (x tiktoken, median of the rounds)" in result.stdout
    rows = json.loads((tmp_path / "bench_encode.json").read_text(encoding="utf-8"))["encode"]
    assert {r["encoding"] for r in rows} == {"o200k_base", "cl100k_base"}
    assert {r["kind"] for r in rows} == {"english", "multilingual", "code"}
    for row in rows:
        assert row["mismatched_docs"] == 0, row
        seconds = row["seconds"]
        assert len(seconds) == (2 if row["library"] == "HF tokenizers" else 3), row
        assert row["mb_per_s"] == row["mb"] / min(seconds)
        if row["library"] == "tiktoken":
            assert row["x_tiktoken"] == 1.0
    hf = [r for r in rows if r["library"].startswith("hf_bpe")]
    assert len({(r["encoding"], r["kind"], r["library"]) for r in hf}) == 2 * 3 * 3  # cold, steady, warm
    peers = {r["library"] for r in rows if not r["library"].startswith("hf_bpe")}
    assert "tiktoken" in peers
    for row in hf:
        # The closest peer is the one hf_bpe leads by the least, each lead the median of the
        # rounds' ratios, as for tiktoken.
        mine = row["seconds"]
        leads = {r["library"]: statistics.median(a / b for a, b in zip(r["seconds"], mine)) for r in rows
                 if r["encoding"] == row["encoding"] and r["kind"] == row["kind"] and r["library"] in peers}
        assert row["closest_peer"] == min(leads, key=leads.__getitem__), row
        assert row["x_closest_peer"] == min(leads.values()) <= row["x_tiktoken"] == leads["tiktoken"], row
    assert "x tiktoken / x the closest peer (goal: 3x / 2x" in result.stdout
    # the transformers front beside the stock fast tokenizer, outputs checked equal
    front = json.loads((tmp_path / "bench_encode.json").read_text(encoding="utf-8"))["hf"]
    assert len(front) == 8 and all(r["hf_bpe_ms"] > 0 and r["stock_ms"] > 0 and r["x_stock"] > 0 for r in front)


def test_the_goal_is_not_said_met_beside_peers_that_were_not_measured() -> None:
    """Without bpe-openai and wordchipper installed, the closest peer became tiktoken and
    cells got the goal's * that a run with them would deny."""
    row = {"encoding": "o200k_base", "kind": "code", "x_tiktoken": 4.0, "x_closest_peer": 3.0, "closest_peer": "tiktoken"}
    rows = [{**row, "library": mode} for mode in ("hf_bpe (cold)", "hf_bpe (steady)", "hf_bpe (warm)")]
    code = (f"import sys; sys.path.insert(0, {str(BENCH.parent)!r}); import bench_encode as b; rows = {rows!r}; "
            "print(b.goal_table([{**r, 'peers_missing': []} for r in rows])); print('=====');"
            "print(b.goal_table([{**r, 'peers_missing': ['wordchipper']} for r in rows]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert result.returncode == 0, result.stderr
    complete, partial = result.stdout.split("=====")
    assert "| code | 4.00x / 3.00x (tiktoken) * |" in complete and "not measured" not in complete
    assert "| code | 4.00x / 3.00x (tiktoken) | 4.00x / 3.00x (tiktoken) |" in partial
    assert "(not measured: wordchipper; no * without every peer)" in partial


def test_arguments_it_cannot_measure_with_are_refused_before_measuring(tmp_path: Path) -> None:
    """``--mb 0.003`` found no document and reported 0.0 MB/s with ids "all equal"; an
    ``--out`` folder that cannot be written into failed after the whole run; ``--quick``
    dropped ``--runs`` without a word."""
    for args, said in (
        (["--mb", "0.003"], "--mb must be at least 0.02"),
        (["--out", "/proc"], "--out /proc: "),
        (["--quick", "--runs", "5"], "--quick sets 1 MB and 2 rounds"),
    ):
        result = bench(*args, cwd=tmp_path)
        assert result.returncode == 2 and said in result.stderr and "== encode" not in result.stdout, (args, result.stderr)


def test_without_transformers_the_rest_is_measured_and_reported(tmp_path: Path) -> None:
    """hf_bpe without its [hf] extra: the last section raised ImportError after the others
    had run, and no table, goal or file came out."""
    shadow = tmp_path / "shadow" / "transformers"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named transformers (a test)')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(shadow.parent), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, str(BENCH), "--mb", "0.02", "--runs", "1", "--skip", "decode", "batch", "load", "worst", "patterns",
         "--out", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "(skipped: No module named transformers (a test); pip install 'hf_bpe[hf]')" in result.stdout
    assert "ids checked against tiktoken: all equal" in result.stdout
    assert "hf" not in json.loads((tmp_path / "bench_encode.json").read_text(encoding="utf-8"))
