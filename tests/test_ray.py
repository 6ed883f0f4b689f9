"""Training and encoding through Ray Data on a real two-node Ray cluster, loopback only.

Ray binds some services to every interface and probes the machine's external address even
when told 127.0.0.1. So the cluster never runs in the test process: this file re-executes
itself (``python tests/test_ray.py checks|docs ...``) inside new network, PID and mount
namespaces (``unshare``). The network namespace has only a loopback interface (brought up
by the child), so nothing can leave 127.0.0.1; the PID namespace makes the kernel end
every Ray process when the child ends, whatever happens (``--kill-child`` ends the child
if the test process dies or times out). The child starts a head node and a second node
(``ray.cluster_utils.Cluster``, one CPU each), runs every check (each caught on its own,
the cluster shut down in ``finally``), and pickles the results; the tests here compare
them with single-process hf_bpe, rustbpe and the tokenizer's own ``batch_encode``.

Skipped where Ray is not installed or no namespace can be made (no root and no
unprivileged user namespaces), and in the uncompiled build's run (see ``_once``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
RAY_INSTALLED = importlib.util.find_spec("ray") is not None
NAMESPACES = ["--net", "--pid", "--fork", "--mount-proc", "--kill-child"]
VOCAB_SIZE = 2048
CORPUS_BYTES = 1_000_000
#: The text that the tripwire batches contain (an index into the documents).
VICTIM_DOC = 17
VICTIM_SLEEP = 300.0
CHILD_TIMEOUT = 600


# ============================================================== the child (in the namespaces)


def _loopback_up() -> None:
    """``ip link set lo up`` without iproute2 (SIOCGIFFLAGS / SIOCSIFFLAGS)."""
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        name = struct.pack("16s", b"lo")
        flags = struct.unpack("16sh", fcntl.ioctl(s, 0x8913, name + b"\0" * 16)[:18])[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sh", b"lo", flags | 0x1) + b"\0" * 14)


def _socket_addresses() -> list[tuple[str, str]]:
    """(local, remote) address of every TCP/UDP socket of this network namespace."""
    addresses = []
    for kind in ("tcp", "tcp6", "udp", "udp6"):
        path = Path("/proc/self/net") / kind
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            addresses.append((_proc_address(fields[1].split(":")[0]), _proc_address(fields[2].split(":")[0])))
    return addresses


def _proc_address(hexaddr: str) -> str:
    import ipaddress

    raw = bytes.fromhex(hexaddr)
    # /proc/net stores each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))


def _start_cluster(temp_dir: str) -> Any:
    import ray
    from ray.cluster_utils import Cluster

    # Two logical CPUs a node, so that a pool of two encoding actors leaves room for the
    # tasks that read the blocks it encodes.
    args = {"num_cpus": 2, "object_store_memory": 150 * 2**20, "node_ip_address": "127.0.0.1"}
    cluster = Cluster(
        initialize_head=True,
        head_node_args={**args, "include_dashboard": False, "temp_dir": temp_dir},
    )
    cluster.add_node(**args)
    ray.init(address=cluster.address, log_to_driver=False, logging_level="WARNING")
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    # A shuffle sized for this cluster: with Ray Data's defaults (200 partitions, its own
    # count of aggregator actors) combine="cluster" took about twice as long (~18 s).
    ctx.default_hash_shuffle_parallelism = 2
    ctx.max_hash_shuffle_aggregators = 2
    return cluster


def _pool(size: int) -> Any:
    import ray

    return ray.data.ActorPoolStrategy(size=size)


def _dataset(shards: Path) -> Any:
    import ray

    return ray.data.read_parquet(str(shards))


class _Tripwire:
    """Marks the first attempt at the victim batch (its pid in ``marker``) and hangs there."""

    def __init__(self, out: Path, kind: str) -> None:
        self.marker = out / f"{kind}.victim"
        self.log = out / f"{kind}.attempts"

    def check(self, is_victim: bool, key: str) -> None:
        import ray

        node = ray.get_runtime_context().get_node_id()
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"pid": os.getpid(), "node": node, "key": key, "victim": is_victim}) + "\n")
        if is_victim and not self.marker.exists():
            tmp = self.marker.with_suffix(".tmp")
            tmp.write_text(str(os.getpid()))
            tmp.rename(self.marker)
            time.sleep(VICTIM_SLEEP)  # killed here


def _killer(marker: Path, record: dict[str, Any]) -> Any:
    """A thread that SIGKILLs the process named in ``marker`` as soon as it appears."""
    import signal
    import threading

    def run() -> None:
        deadline = time.monotonic() + 240
        while not marker.exists():
            if time.monotonic() > deadline:
                record["error"] = "the victim batch never started"
                return
            time.sleep(0.05)
        time.sleep(0.2)
        pid = int(marker.read_text())
        os.kill(pid, signal.SIGKILL)
        record["killed_pid"] = pid

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _attempts(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _run_checks(out: Path, shards: Path, victim: str, temp_dir: str) -> dict[str, Any]:
    import ray

    import hf_bpe
    from hf_bpe import ray_data
    from hf_bpe.hf_tokenizer import HfBpeTokenizer

    results: dict[str, Any] = {}

    def check(name: str, fn: Callable[[], Any]) -> None:
        start = time.perf_counter()
        try:
            results[name] = {"value": fn()}
        except BaseException:  # noqa: BLE001 (reported to the test process)
            results[name] = {"error": traceback.format_exc()}
        results[name]["seconds"] = time.perf_counter() - start
        status = "failed" if "error" in results[name] else "ok"
        print(f"[hf_bpe ray check] {name}: {status} in {results[name]['seconds']:.1f} s", file=sys.stderr, flush=True)

    cluster = None
    try:
        cluster = _start_cluster(temp_dir)

        def environment() -> dict[str, Any]:
            import socket

            return {
                "interfaces": sorted(name for _, name in socket.if_nameindex()),
                "nodes": sum(1 for n in ray.nodes() if n["Alive"]),
            }

        check("environment", environment)

        def train() -> dict[str, Any]:
            enc = ray_data.train_bpe(_dataset(shards), VOCAB_SIZE, special_tokens=["<|endoftext|>"], progress=False)
            return {"ranks": enc._mergeable_ranks, "specials": enc._special_tokens, "pat_str": enc._pat_str}

        check("train", train)

        def counts() -> dict[str, Any]:
            ds = _dataset(shards)
            by_cluster = ray_data.piece_counts(ds, pattern="cl100k_base", max_chars=500, combine="cluster")
            by_driver = ray_data.piece_counts(ds, pattern="cl100k_base", max_chars=500, combine="driver")
            return {"cluster": by_cluster, "driver": by_driver}

        check("counts", counts)

        def encode() -> dict[str, Any]:
            tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"))
            ds = ray_data.encode_dataset(_dataset(shards), tok, add_eos=True, compute=_pool(2), batch_size=64)
            return [(int(r["id"]), [int(i) for i in r["input_ids"]]) for r in ds.take_all()]

        check("encode", encode)

        def sockets() -> list[tuple[str, str]]:
            return _socket_addresses()

        check("sockets", sockets)  # while the cluster is up

        def null_text() -> str:
            bad = ray.data.from_items([{"text": "fine"}, {"text": None}])
            try:
                ray_data.piece_counts(bad)
            except hf_bpe.TrainingError as err:
                return f"{type(err).__name__}: {err}"
            return "no error"

        check("null_text", null_text)

        # ---- a counting task's worker process is SIGKILLed mid-batch; Ray retries the task
        class TripwireCount(ray_data.CountPieces):
            def __call__(self, batch: Any) -> Any:
                texts = batch.column("text").to_pylist()
                _Tripwire(out, "count").check(victim in texts, str(hash(texts[0])))
                return super().__call__(batch)

        def killed_count_worker() -> dict[str, Any]:
            record: dict[str, Any] = {}
            original = ray_data.CountPieces
            ray_data.CountPieces = TripwireCount  # type: ignore[misc]
            try:
                thread = _killer(out / "count.victim", record)
                counts = ray_data.piece_counts(_dataset(shards), pattern="cl100k_base", max_chars=500)
                thread.join(5)
            finally:
                ray_data.CountPieces = original  # type: ignore[misc]
            return {"counts": counts, "attempts": _attempts(out / "count.attempts"), **record}

        check("killed_count_worker", killed_count_worker)

        # ---- an encoding actor is SIGKILLed mid-batch; Ray restarts it and retries the batch
        class TripwireEncoder(ray_data.BatchEncoder):
            def __call__(self, batch: Any) -> Any:
                ids = batch.column("id").to_pylist()
                _Tripwire(out, "encode").check(VICTIM_DOC in ids, str(ids[0]))
                return super().__call__(batch)

        def killed_encoder_actor() -> dict[str, Any]:
            record: dict[str, Any] = {}
            original = ray_data.BatchEncoder
            ray_data.BatchEncoder = TripwireEncoder  # type: ignore[misc]
            try:
                thread = _killer(out / "encode.victim", record)
                tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"))
                ds = ray_data.encode_dataset(_dataset(shards), tok, add_eos=True, compute=_pool(2), batch_size=64)
                rows = [(int(r["id"]), [int(i) for i in r["input_ids"]]) for r in ds.take_all()]
                thread.join(5)
            finally:
                ray_data.BatchEncoder = original  # type: ignore[misc]
            return {"rows": rows, "attempts": _attempts(out / "encode.attempts"), **record}

        check("killed_encoder_actor", killed_encoder_actor)
    except BaseException:  # noqa: BLE001 (reported to the test process)
        results["cluster"] = {"error": traceback.format_exc()}
    finally:
        ray.shutdown()
        if cluster is not None:
            cluster.shutdown()
    return results


FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def _run_docs(page: Path) -> None:
    """Run every ```python block of ``page`` in order, in one namespace (as test_docs does)."""
    text = page.read_text(encoding="utf-8")
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start(1)) + 1
        exec(compile("\n" * (line - 1) + match.group(1), str(page), "exec"), namespace)  # noqa: S102
    import ray

    ray.shutdown()


def _child(argv: list[str]) -> int:
    import signal

    # PID 1 of a namespace ignores SIGTERM unless it handles it: exit through `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    _loopback_up()
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if argv[0] == "checks":
        out, shards, victim_file = Path(argv[1]), Path(argv[2]), Path(argv[3])
        victim = victim_file.read_text(encoding="utf-8")
        results = _run_checks(out, shards, victim, str(Path(os.environ["RAY_TMPDIR"]) / "ray"))
        with open(out / "results.pkl", "wb") as f:
            pickle.dump(results, f)
        return 0
    if argv[0] == "docs":
        _run_docs(Path(argv[1]))
        return 0
    raise SystemExit(f"unknown mode {argv[0]!r}")


# ============================================================== the tests (in the test process)


def _unshare_command() -> tuple[list[str] | None, str]:
    """The unshare prefix that works here (as root, else with a user namespace), or why not."""
    if shutil.which("unshare") is None:
        return None, "the unshare command (util-linux) is not installed"
    errors = []
    for extra in ([], ["--map-root-user"]):
        cmd = ["unshare", *extra, *NAMESPACES]
        result = subprocess.run([*cmd, "true"], capture_output=True, text=True, timeout=60, check=False)
        if result.returncode == 0:
            return cmd, ""
        errors.append(result.stderr.strip())
    return None, f"cannot create network/PID namespaces with unshare ({'; '.join(errors)})"


def _in_namespaces(args: list[str], *, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    prefix, reason = _unshare_command()
    if prefix is None:
        pytest.skip(reason)
    env = dict(os.environ)
    # Ray keeps its auth token under ~/.ray (the test's temporary folder) and its sessions
    # (logs, sockets) in RAY_TMPDIR: a short folder of its own in /tmp, as a socket's path
    # may not exceed 107 bytes (under pytest's tmp_path, with a TMPDIR a few characters
    # longer than /tmp, Ray's plasma store socket did).
    env["HOME"] = str(home)
    ray_tmp = tempfile.mkdtemp(prefix="hf_bpe_ray", dir="/tmp" if os.path.isdir("/tmp") else None)
    env["RAY_TMPDIR"] = ray_tmp
    os.mkdir(os.path.join(ray_tmp, "ray"))
    import hf_bpe

    # The child (and Ray's workers, which inherit its environment) import this hf_bpe.
    env["PYTHONPATH"] = os.pathsep.join([str(Path(hf_bpe.__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
    try:
        return subprocess.run(
            [*prefix, sys.executable, str(HERE), *args],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False,
        )
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)


pytestmark = pytest.mark.skipif(not RAY_INSTALLED, reason="ray is not installed (pip install 'hf_bpe[ray]')")


def _once() -> None:
    """The cluster runs in the compiled build's run only: what Ray adds (pickling to actors
    and tasks, retries, the namespace) is interpreted code, the same in both builds, and
    the core under it is the one every other test checks in both (a cluster of the
    uncompiled build took a minute and a half of the two-core CI's longer half)."""
    if os.environ.get("HF_BPE_EXPECT_COMPILED") == "0":
        pytest.skip("checked once, in the compiled run")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    import realdata

    return realdata.documents("mixed", max_bytes=CORPUS_BYTES)


@pytest.fixture(scope="module")
def cluster_results(texts: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    _once()
    import pyarrow as pa
    import pyarrow.parquet as pq

    work = tmp_path_factory.mktemp("ray")
    shards = work / "shards"
    shards.mkdir()
    n_files = 3
    for i in range(n_files):
        lo, hi = i * len(texts) // n_files, (i + 1) * len(texts) // n_files
        table = pa.table({"id": pa.array(range(lo, hi), pa.int64()), "text": pa.array(texts[lo:hi], pa.string())})
        pq.write_table(table, shards / f"part_{i}.parquet", row_group_size=40)
    (work / "victim.txt").write_text(texts[VICTIM_DOC], encoding="utf-8")
    home = work / "home"
    home.mkdir()
    result = _in_namespaces(["checks", str(work), str(shards), str(work / "victim.txt")], cwd=work, home=home)
    assert result.returncode == 0, result.stderr[-6000:]
    with open(work / "results.pkl", "rb") as f:
        results: dict[str, Any] = pickle.load(f)
    assert "cluster" not in results, results["cluster"]["error"]
    return results


def value(results: dict[str, Any], name: str) -> Any:
    assert "error" not in results[name], f"{name} failed in the cluster:\n{results[name]['error']}"
    return results[name]["value"]


def test_the_cluster_has_two_nodes_and_only_loopback(cluster_results: dict[str, Any]) -> None:
    env = value(cluster_results, "environment")
    assert env == {"interfaces": ["lo"], "nodes": 2}
    pairs = value(cluster_results, "sockets")
    assert len(pairs) > 10, "too few sockets seen: the check is not looking at the cluster's namespace"
    for local, remote in pairs:
        assert _loopback(local) and (_loopback(remote) or _unspecified(remote)), (local, remote)


def _loopback(address: str) -> bool:
    import ipaddress

    ip = ipaddress.ip_address(address)
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def _unspecified(address: str) -> bool:
    import ipaddress

    return ipaddress.ip_address(address).is_unspecified


def test_training_through_ray_equals_single_process_and_rustbpe(
    cluster_results: dict[str, Any], texts: list[str]
) -> None:
    import hf_bpe
    from hf_bpe.patterns import RUSTBPE_PATTERN

    trained = value(cluster_results, "train")
    local = hf_bpe.train_bpe(texts, VOCAB_SIZE, special_tokens=["<|endoftext|>"], num_proc=1, progress=False)
    assert trained["ranks"] == local._mergeable_ranks
    assert trained["specials"] == local._special_tokens == {"<|endoftext|>": VOCAB_SIZE - 1}
    assert trained["pat_str"] == local._pat_str
    rustbpe = pytest.importorskip("rustbpe")
    oracle = rustbpe.Tokenizer()
    oracle.train_from_iterator(iter(texts), VOCAB_SIZE - 1, pattern=RUSTBPE_PATTERN)
    assert trained["ranks"] == {bytes(b): r for b, r in oracle.get_mergeable_ranks()}


def test_counts_combined_on_the_cluster_or_the_driver_equal_local_counts(
    cluster_results: dict[str, Any], texts: list[str]
) -> None:
    from hf_bpe.trainer import PieceCounts, count_pieces

    counts = value(cluster_results, "counts")
    local = count_pieces(texts, pattern="cl100k_base", max_chars=500)
    assert isinstance(counts["cluster"], PieceCounts)
    assert counts["cluster"] == local
    assert counts["driver"] == local
    assert counts["cluster"].total == local.total > 20_000


def test_encoding_through_ray_equals_batch_encode(cluster_results: dict[str, Any], texts: list[str]) -> None:
    import hf_bpe

    pytest.importorskip("transformers")
    from hf_bpe.hf_tokenizer import HfBpeTokenizer

    pairs = value(cluster_results, "encode")
    assert sorted(i for i, _ in pairs) == list(range(len(texts)))  # every row exactly once
    rows = dict(pairs)
    tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"))
    expected = tok.batch_encode({"text": texts}, add_eos=True)["input_ids"]
    assert [rows[i] for i in range(len(texts))] == expected


def test_null_text_raises_training_error(cluster_results: dict[str, Any]) -> None:
    message = value(cluster_results, "null_text")  # a TrainingError, and a TypeError as a null is one
    assert message.startswith("TrainingTypeError: counting on the cluster failed: ") and "null" in message, message


def test_killed_counting_worker_is_retried_nothing_lost_or_counted_twice(
    cluster_results: dict[str, Any], texts: list[str]
) -> None:
    from hf_bpe.trainer import count_pieces

    run = value(cluster_results, "killed_count_worker")
    assert "error" not in run, run["error"]
    victims = [a for a in run["attempts"] if a["victim"]]
    # The victim batch started in the killed process, then again elsewhere.
    assert victims[0]["pid"] == run["killed_pid"]
    assert len(victims) >= 2 and victims[-1]["pid"] != run["killed_pid"]
    assert len({a["node"] for a in run["attempts"]}) == 2  # both nodes counted
    assert run["counts"] == count_pieces(texts, pattern="cl100k_base", max_chars=500)


def test_killed_encoder_actor_is_restarted_every_row_once(
    cluster_results: dict[str, Any], texts: list[str]
) -> None:
    import hf_bpe

    pytest.importorskip("transformers")
    from hf_bpe.hf_tokenizer import HfBpeTokenizer

    run = value(cluster_results, "killed_encoder_actor")
    assert "error" not in run, run["error"]
    victims = [a for a in run["attempts"] if a["victim"]]
    assert victims[0]["pid"] == run["killed_pid"]
    assert len(victims) >= 2 and victims[-1]["pid"] != run["killed_pid"]
    ids = [i for i, _ in run["rows"]]
    assert sorted(ids) == list(range(len(texts)))  # every row exactly once
    tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"))
    expected = tok.batch_encode({"text": texts}, add_eos=True)["input_ids"]
    assert [row for _, row in sorted(run["rows"])] == expected


def test_cluster_page_examples_run_in_the_namespace(tmp_path_factory: pytest.TempPathFactory) -> None:
    _once()
    import realdata

    page = ROOT / "docs" / "cluster.md"
    tmp_path = tmp_path_factory.mktemp("rd")  # short: Ray's socket paths must fit 107 bytes
    work = tmp_path / "work"
    work.mkdir()
    realdata.write_parquet_shards(work / "shards", 2, kind="mixed", max_bytes=200_000, rows_per_group=32)
    home = tmp_path / "home"
    home.mkdir()
    result = _in_namespaces(["docs", str(page)], cwd=work, home=home)
    assert result.returncode == 0, result.stderr[-6000:]


# ============================================================== no cluster needed


def test_arguments_are_checked_before_any_cluster_work() -> None:
    from hf_bpe import ray_data
    from hf_bpe.errors import PatternError, TrainingError, VocabularyError

    with pytest.raises(TrainingError, match="expected a ray.data.Dataset"):
        ray_data.piece_counts(["not", "a", "dataset"])
    with pytest.raises(TrainingError, match="combine"):
        ray_data.piece_counts(object(), combine="somewhere")
    with pytest.raises(PatternError):
        ray_data.piece_counts(object(), pattern="(unclosed")
    # The map steps check their settings when made, on the driver (they were checked on the
    # cluster, or never: a str allowed_special was taken as a set of its characters).
    with pytest.raises(PatternError):
        ray_data.CountPieces(pattern="(unclosed")
    with pytest.raises(TrainingError, match=r"pattern must be a str .*, got int"):
        ray_data.CountPieces(pattern=5)  # type: ignore[arg-type]
    with pytest.raises(TrainingError, match="max_chars"):
        ray_data.CountPieces(max_chars=-1)
    with pytest.raises(TrainingError, match="column must be a column name"):
        ray_data.CountPieces(column=5)  # type: ignore[arg-type]
    assert repr(ray_data.CountPieces(pattern="o200k_base", max_chars=9)) == "CountPieces(column='text', pattern='o200k_base', max_chars=9)"
    assert ray_data.sum_count_tables([]).to_pydict() == {"piece": [], "count": []}
    with pytest.raises(TrainingError, match="vocab_size"):
        ray_data.train_bpe(object(), 10)
    import hf_bpe

    enc = hf_bpe.Encoding("bytes", pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    with pytest.raises(VocabularyError, match="no bos token"):
        ray_data.encoding_payload(enc, add_bos=True)
    with pytest.raises(TypeError, match="allowed_special .* not the string '<\\|x\\|>'"):  # as tok.batch_encode
        ray_data.encode_dataset(object(), enc, allowed_special="<|x|>")
    with pytest.raises(TypeError, match="expected a ray.data.Dataset") as not_a_dataset:  # None: no special token; on to the dataset
        ray_data.encode_dataset(object(), enc, allowed_special=None)
    assert not isinstance(not_a_dataset.value, TrainingError)  # encoding is not training (from review)
    with pytest.raises(TypeError, match="allowed_special .* not the string '<\\|x\\|>'"):
        ray_data.BatchEncoder(ray_data.encoding_payload(enc), allowed_special="<|x|>")
    # Added tokens are not in the explicit vocabulary: refused, not encoded otherwise.
    from hf_bpe import HfBpeTokenizer

    tok = HfBpeTokenizer.from_encoding(enc)
    ray_data.encoding_payload(tok)
    # bos/eos by default as the tokenizer adds them (as tok.batch_encode and tok(text))
    eos = hf_bpe.Encoding("eos", pat_str=r"\S+|\s+", mergeable_ranks=enc.mergeable_ranks, special_tokens={"<|endoftext|>": 256})
    with_eos = HfBpeTokenizer.from_encoding(eos, eos_token="<|endoftext|>", add_eos_token=True)
    assert ray_data.encoding_payload(with_eos)[1:] == ([], [256]) == ray_data.encoding_payload(eos, add_eos=True)[1:]
    assert ray_data.encoding_payload(with_eos, add_eos=False)[1:] == ([], []) == ray_data.encoding_payload(eos)[1:]
    assert with_eos.batch_encode(["ab"])["input_ids"] == [[97, 98, 256]] == [with_eos("ab")["input_ids"]]
    tok.add_tokens(["my_new_token"])
    with pytest.raises(VocabularyError, match="added tokens"):
        ray_data.encoding_payload(tok)
    # A special token that strips spaces around it: batch_encode takes its slow path (ids
    # without the space), the explicit vocabulary could not: refused, not encoded otherwise.
    from tokenizers import AddedToken

    stripping = HfBpeTokenizer.from_encoding(eos)
    stripping.add_special_tokens({"additional_special_tokens": [AddedToken("<|endoftext|>", lstrip=True)]})
    with pytest.raises(VocabularyError, match="lstrip"):
        ray_data.encoding_payload(stripping)
    # A role the tokenizer does not have is an error, as in batch_encode (not the encoding's guess).
    no_eos = HfBpeTokenizer.from_encoding(eos, eos_token=None)
    for encode in (lambda: ray_data.encoding_payload(no_eos, add_eos=True), lambda: no_eos.batch_encode(["a"], add_eos=True)):
        with pytest.raises(VocabularyError, match="no eos_token"):
            encode()


# (Ray's DataContext, made here outside a Ray job by the numpy batch's conversion, warns of
# its own deprecated settings)
@pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")
def test_batch_encoder_and_count_pieces_steps_match_the_local_api(texts: list[str]) -> None:
    import pyarrow as pa

    import hf_bpe
    from hf_bpe import ray_data
    from hf_bpe.trainer import count_pieces

    batch = pa.table({"n": list(range(50)), "text": texts[:50]})
    table = ray_data.CountPieces(pattern="o200k_base")(batch)
    assert dict(zip(table.column("piece").to_pylist(), table.column("count").to_pylist())) == count_pieces(
        texts[:50], pattern="o200k_base"
    )
    enc = hf_bpe.get_encoding("o200k_base")
    encoder = ray_data.BatchEncoder(ray_data.encoding_payload(enc, add_eos=True), keep_text=True)
    out = encoder(batch)
    assert out.column_names == ["n", "text", "input_ids"]
    assert out.column("input_ids").to_pylist() == [enc.encode_ordinary(t) + [enc.eot_token] for t in texts[:50]]
    assert pickle.loads(pickle.dumps(encoder.__class__)) is ray_data.BatchEncoder
    # A bad row is tok.batch_encode's error (a TextTypeError), not a TrainingError: nothing trains.
    bad = pa.table({"text": ["fine", None]})
    for encode in (encoder, lambda b: hf_bpe.HfBpeTokenizer.from_encoding(enc).batch_encode(b)):
        with pytest.raises(hf_bpe.TextTypeError, match="row 1 of the batch's column 'text' is null"):
            encode(bad)
    with pytest.raises(hf_bpe.ColumnError, match="no column 'text'"):
        encoder(pa.table({"body": ["x"]}))
    # A batch in Ray's numpy (or pandas) format with a column of 2-D arrays, embeddings say:
    # pyarrow.table could not make a table of it (ArrowInvalid).
    import numpy as np

    embeddings = np.arange(150, dtype=np.float32).reshape(50, 3)
    numpy_batch = {"emb": embeddings, "text": np.array(texts[:50], dtype=object)}
    for given in (numpy_batch, pa.table({"text": texts[:50]}).to_pandas().assign(n=range(50))):
        out = encoder(given)
        assert out.column("input_ids").to_pylist() == [enc.encode_ordinary(t) + [enc.eot_token] for t in texts[:50]]
    out = encoder(numpy_batch)
    assert np.array_equal(np.stack(out.column("emb").to_numpy(zero_copy_only=False)), embeddings)


def test_settings_of_train_and_encode_are_checked_before_the_cluster_works() -> None:
    """name= was checked after the cluster had counted every block; output_column=5 failed
    in every task, "" made a column without a name; keep_text="no" kept the text."""
    import hf_bpe
    from hf_bpe import ray_data

    with pytest.raises(hf_bpe.TrainingError, match="name must be a str, not int"):
        ray_data.train_bpe(object(), 300, name=5)  # type: ignore[arg-type]
    with pytest.raises(hf_bpe.TrainingError, match="progress must be True, False or None, not 'x'"):
        ray_data.train_bpe(object(), 300, progress="x")  # type: ignore[arg-type]
    enc = hf_bpe.get_encoding("gpt2")
    for output_column in (5, ""):
        with pytest.raises(TypeError, match="output_column must be a column name"):
            ray_data.encode_dataset(object(), enc, output_column=output_column)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="keep_text must be True or False, not 'no'"):
        ray_data.encode_dataset(object(), enc, keep_text="no")  # type: ignore[arg-type]
    for yes in (1, True):  # equal to True: taken (numpy's True too)
        with pytest.raises(TypeError, match="expected a ray.data.Dataset"):  # on to the dataset
            ray_data.encode_dataset(object(), enc, keep_text=yes)
    assert hf_bpe.BpeTrainer(300, progress=0).progress is False  # 0 showed bars


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))


def test_without_ray_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting needs no Ray; the steps that do name the extra to install (from QA: a bare
    "No module named ray")."""
    import hf_bpe
    from hf_bpe import ray_data

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails, as where it is not installed
    enc = hf_bpe.Encoding("bytes", pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
    assert ray_data.CountPieces()({"text": ["a b"]}).to_pydict() == {"piece": [b"a", b" b"], "count": [1, 1]}
    with pytest.raises(ImportError, match=r"hf_bpe.ray_data needs Ray: pip install 'hf_bpe\[ray\]'"):
        ray_data.BatchEncoder([object()])
    with pytest.raises(ImportError, match=r"pip install 'hf_bpe\[ray\]'"):
        ray_data.encode_dataset(_NoSchema(), enc)


class _NoSchema:
    """Stands in for a dataset only as far as the checks before Ray is imported go."""

    def map_batches(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("not reached")

    def schema(self, fetch_if_missing: bool = False) -> None:
        return None
