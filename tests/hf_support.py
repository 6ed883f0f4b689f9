"""Shared helpers of the Hugging Face front's tests: real encodings, real text, and a
"stock transformers without hf_bpe" subprocess."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import realdata

import hf_bpe
from hf_bpe.patterns import NANOCHAT_PATTERN, NANOCHAT_SPECIAL_TOKENS

NAMED = ("r50k_base", "cl100k_base", "o200k_base")
NANOCHAT_SPECIALS = NANOCHAT_SPECIAL_TOKENS

#: Strings that exercise the edges: specials inside text, empty text, lone spaces,
#: trailing whitespace, characters split across tokens, digits runs, contractions.
EDGE_TEXTS = [
    "",
    " ",
    "\n\n",
    "hello<|endoftext|>world <|endoftext|>",
    "<|bos|>x<|user_start|> y",
    "I'm sure they'll SAY it's 1234567 o'clock...  \n\n   ",
    "héllo wörld 中文 日本語 😀😀 \u0301a \u00a0 \u3000",
    "def f(x):\n\treturn x**2  # done\r\n",
]


def texts(max_bytes: int = 120_000) -> list[str]:
    """Real documents of the three kinds, plus the edge strings."""
    docs: list[str] = []
    for kind in ("english", "multilingual", "code"):
        docs += realdata.documents(kind, max_bytes=max_bytes)
    return docs + EDGE_TEXTS


@functools.lru_cache(maxsize=None)
def trained_encoding(vocab_size: int = 2048) -> hf_bpe.Encoding:
    """A vocabulary trained here (rustbpe, nanochat's pattern) plus nanochat's specials."""
    import rustbpe

    trainer = rustbpe.Tokenizer()
    corpus = realdata.documents("english", max_bytes=400_000) + realdata.documents("code", max_bytes=200_000)
    trainer.train_from_iterator(iter(corpus), vocab_size, pattern=NANOCHAT_PATTERN)
    ranks = {bytes(tok): rank for tok, rank in trainer.get_mergeable_ranks()}
    specials = {text: len(ranks) + i for i, text in enumerate(NANOCHAT_SPECIALS)}
    return hf_bpe.Encoding("trained-nanochat", pat_str=NANOCHAT_PATTERN, mergeable_ranks=ranks, special_tokens=specials)


def encoding(name: str) -> hf_bpe.Encoding:
    return trained_encoding() if name == "trained" else hf_bpe.get_encoding(name)


def tiktoken_twin(enc: Any) -> Any:
    """tiktoken's own Encoding over the same ranks, pattern and specials: the oracle."""
    import tiktoken

    return tiktoken.Encoding(
        enc.name + "-oracle",
        pat_str=enc._pat_str,
        mergeable_ranks=dict(enc._mergeable_ranks),
        special_tokens=dict(enc._special_tokens),
    )


def hf_bpe_env() -> dict[str, str]:
    """Environment for a subprocess that imports the same hf_bpe (and realdata) as we do."""
    env = dict(os.environ)
    package_root = str(Path(hf_bpe.__file__).resolve().parents[1])
    examples = str(Path(__file__).resolve().parents[1] / "examples")
    env["PYTHONPATH"] = os.pathsep.join([package_root, examples, env.get("PYTHONPATH", "")])
    env.setdefault("HF_BPE_ALLOW_SOURCE", "1")
    return env


def run_on_small_disk(code: str, size: int, work: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` (a Python program; hf_support importable) with a private tmpfs of
    ``size`` bytes mounted at ``work / "small"``, its ``sys.argv[1]``: a real full disk.
    Skips the test where that cannot be made (not root, no unshare, no mount)."""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare for a private tmpfs")
    env = hf_bpe_env()
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), env["PYTHONPATH"]])  # hf_support
    mount = f'mkdir -p "$0" && mount -t tmpfs -o size={size} tmpfs "$0" && exec "$1" -c "$2" "$0"'
    proc = subprocess.run([unshare, "-m", "sh", "-c", mount, str(work / "small"), sys.executable, code],
                          capture_output=True, text=True, env=env, timeout=600)
    if "mount" in proc.stderr and proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    return proc


_STOCK = textwrap.dedent(
    """
    import json, sys
    sys.modules["hf_bpe"] = None          # hf_bpe is not installed in this world
    try:
        import hf_bpe
    except ImportError:
        pass
    else:
        raise SystemExit("hf_bpe is importable: not a stock environment")
    from transformers import AutoTokenizer
    job = json.load(open(sys.argv[1], encoding="utf-8"))
    tok = AutoTokenizer.from_pretrained(job["source"])
    texts = job["texts"]
    out = {
        "class": type(tok).__name__,
        "is_fast": tok.is_fast,
        "len": len(tok),
        "pad_token_id": tok.pad_token_id,
        "ids": [tok(t)["input_ids"] for t in texts],
        "ids_plain": [tok(t, add_special_tokens=False)["input_ids"] for t in texts],
        "decoded": [tok.decode(tok(t, add_special_tokens=False)["input_ids"]) for t in texts],
        "decoded_skipping": [
            tok.decode(tok(t, add_special_tokens=False)["input_ids"], skip_special_tokens=True) for t in texts
        ],
        "modules": sorted(m for m, mod in sys.modules.items() if m.startswith("hf_bpe") and mod is not None),
    }
    json.dump(out, open(sys.argv[2], "w", encoding="utf-8"))
    """
)


def run_stock(source: str | os.PathLike[str], texts: list[str], work: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Load ``source`` with stock ``AutoTokenizer`` in a fresh interpreter where hf_bpe
    cannot be imported (``-I``: no PYTHONPATH, no user site, cwd elsewhere); return what it
    produced for ``texts``."""
    work.mkdir(parents=True, exist_ok=True)
    script = work / "stock.py"
    script.write_text(_STOCK, encoding="utf-8")
    job = work / "job.json"
    job.write_text(json.dumps({"source": str(source), "texts": texts}), encoding="utf-8")
    result_path = work / "result.json"
    run_env = dict(env if env is not None else os.environ)
    run_env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "-I", str(script), str(job), str(result_path)],
        cwd=str(work),
        env=run_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    assert result["modules"] == [], result["modules"]
    return result
