"""push_to_hub end to end against a loopback Hub: push with hf_bpe, load back with
AutoTokenizer with hf_bpe (HfBpeTokenizer) and without it (stock fast), ids identical."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_hub import FakeHub
from hf_support import encoding, hf_bpe_env, run_stock, texts


@pytest.fixture()
def hub() -> Iterator[FakeHub]:
    server = FakeHub().start()
    try:
        yield server
    finally:
        server.stop()


def hub_env(hub: FakeHub, home: Path) -> dict[str, str]:
    # HF_ENDPOINT is read when huggingface_hub is imported: only fresh processes see it.
    env = hf_bpe_env()
    env.update(HF_ENDPOINT=hub.url, HF_TOKEN="hf_loopback_token", HF_HOME=str(home), HF_HUB_DISABLE_TELEMETRY="1")
    env.pop("HF_HUB_OFFLINE", None)
    return env


def test_push_then_load_with_and_without_hf_bpe(hub: FakeHub, tmp_path: Path) -> None:
    sample = texts(30_000)
    (tmp_path / "texts.json").write_text(json.dumps(sample))
    push = textwrap.dedent(
        """
        import json, hf_bpe
        from hf_bpe.hf_tokenizer import HfBpeTokenizer
        tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("cl100k_base"), add_eos_token=True)
        tok.push_to_hub("someone/cl100k-hf-bpe", commit_message="hf_bpe tokenizer")
        texts = json.load(open("texts.json"))
        print(json.dumps([tok(t)["input_ids"] for t in texts]))
        """
    )
    env = hub_env(hub, tmp_path / "home-push")
    proc = subprocess.run([sys.executable, "-c", push], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    pushed_ids = json.loads(proc.stdout.strip().splitlines()[-1])
    files = hub.repos["someone/cl100k-hf-bpe"]
    assert {"tokenizer_config.json", "tokenizer.json", "vocab.tiktoken", "encoding.json", "README.md"} <= set(files)
    assert hub.commits == ["someone/cl100k-hf-bpe@main: hf_bpe tokenizer"]
    assert "auto_map" not in json.loads(files["tokenizer_config.json"])

    load = textwrap.dedent(
        """
        import json, hf_bpe
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained("someone/cl100k-hf-bpe")
        texts = json.load(open("texts.json"))
        print(type(tok).__name__, json.dumps([tok(t)["input_ids"] for t in texts]))
        """
    )
    env = hub_env(hub, tmp_path / "home-load")
    proc = subprocess.run([sys.executable, "-c", load], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    class_name, ids = proc.stdout.strip().splitlines()[-1].split(" ", 1)
    assert class_name == "HfBpeTokenizer"
    assert json.loads(ids) == pushed_ids
    # Offline, from what that load cached (the files, and the absence of the others).
    proc = subprocess.run([sys.executable, "-c", load], env={**env, "HF_HUB_OFFLINE": "1"}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert proc.stdout.strip().splitlines()[-1] == f"HfBpeTokenizer {ids}"

    stock_env = hub_env(hub, tmp_path / "home-stock")
    stock = run_stock("someone/cl100k-hf-bpe", sample, tmp_path / "stock", env=stock_env)
    assert stock["class"] == "TokenizersBackend" and stock["is_fast"]
    assert stock["ids"] == pushed_ids
    enc = encoding("cl100k_base")
    assert pushed_ids == [enc.encode(t, allowed_special="all") + [100257] for t in sample]


def test_unknown_repo_is_a_clear_error(hub: FakeHub, tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import hf_bpe
        from transformers import AutoTokenizer
        try:
            AutoTokenizer.from_pretrained("someone/missing")
        except OSError as err:
            print("OSError:", err)
        """
    )
    env = hub_env(hub, tmp_path / "home")
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "OSError:" in proc.stdout
    assert os.environ.get("HF_ENDPOINT") != hub.url  # the test process itself never talked to it


def test_save_pretrained_with_push_uploads_the_finished_folder(hub: FakeHub, tmp_path: Path) -> None:
    # transformers pushes from inside save_pretrained, before hf_bpe has finished
    # tokenizer_config.json; the Hub must get what the folder holds.
    push = textwrap.dedent(
        """
        import hf_bpe
        from hf_bpe.hf_tokenizer import HfBpeTokenizer
        tok = HfBpeTokenizer.from_encoding(hf_bpe.get_encoding("r50k_base"), add_eos_token=True)
        tok.save_pretrained("local", push_to_hub=True, repo_id="someone/saved", commit_message="saved")
        """
    )
    proc = subprocess.run([sys.executable, "-c", push], env=hub_env(hub, tmp_path / "home"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    files = hub.repos["someone/saved"]
    assert files["tokenizer_config.json"] == (tmp_path / "local" / "tokenizer_config.json").read_bytes()
    config = json.loads(files["tokenizer_config.json"])
    assert config["hf_bpe_add_eos_token"] is True and "backend" not in config


def test_a_push_without_tokenizer_json_deletes_the_old_one_in_its_commit(hub: FakeHub, tmp_path: Path) -> None:
    # The second tokenizer's pattern cannot be written for HF (\b): a tokenizer.json left
    # from the first push would be what stock transformers loads.
    push = textwrap.dedent(
        """
        import sys, hf_bpe
        from hf_bpe.hf_tokenizer import HfBpeTokenizer
        ranks = {bytes([i]): i for i in range(256)} | {b"yo": 256}
        patterns = {"first": r"\\S+|\\s+", "second": r"\\b\\w+\\b|\\s+|[^\\w\\s]+"}
        name, message = sys.argv[1:]
        enc = hf_bpe.Encoding(name, pat_str=patterns[name], mergeable_ranks=ranks, special_tokens={})
        HfBpeTokenizer.from_encoding(enc).push_to_hub("someone/twice", commit_message=message)
        """
    )

    def run(name: str, message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", push, name, message], env=hub_env(hub, tmp_path / "home"),
                              cwd=tmp_path, capture_output=True, text=True, timeout=600)

    for name, message in (("first", "v1"), ("second", "v2")):
        proc = run(name, message)
        assert proc.returncode == 0, proc.stderr[-4000:]
    assert "tokenizer.json" not in hub.repos["someone/twice"]
    assert {"encoding.json", "vocab.tiktoken", "tokenizer_config.json"} <= set(hub.repos["someone/twice"])
    # In the upload's own commit: a second commit for the deletion left both tokenizers'
    # files side by side between the two (and for good, had it failed).
    assert hub.commits == ["someone/twice@main: v1", "someone/twice@main: v2"]
    # A push that fails changes nothing.
    before = dict(hub.repos["someone/twice"])
    hub.refuse_commits = True
    proc = run("first", "v3")
    assert proc.returncode != 0 and "500" in proc.stderr, proc.stderr[-4000:]
    assert hub.repos["someone/twice"] == before and len(hub.commits) == 2


def test_a_chat_template_removed_is_removed_from_the_repository(hub: FakeHub, tmp_path: Path) -> None:
    def run(code: str) -> None:
        script = textwrap.dedent(
            """
            import hf_bpe
            from hf_bpe.hf_tokenizer import HfBpeTokenizer
            from transformers.utils.hub import hf_api
            from transformers import AutoTokenizer
            enc = hf_bpe.Encoding("t", pat_str=r"\\S+|\\s+", mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={})
            """
        ) + textwrap.dedent(code)
        proc = subprocess.run([sys.executable, "-c", script], env=hub_env(hub, tmp_path / "home"), cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-4000:]

    run(
        """
        tok = HfBpeTokenizer.from_encoding(enc, chat_template={"default": "{{ messages }}", "tool_use": "T{{ messages }}"})
        tok.push_to_hub("someone/chat", commit_message="v1")
        assert "additional_chat_templates/tool_use.jinja" in hf_api().list_repo_files("someone/chat")
        tok.chat_template = "{{ messages }}"
        tok.push_to_hub("someone/chat", commit_message="v2")
        assert AutoTokenizer.from_pretrained("someone/chat").chat_template == "{{ messages }}"
        # a tokenizer saved beside it under a prefix: the files without one are not its
        tok.chat_template = None
        tok.save_pretrained("local", push_to_hub=True, repo_id="someone/chat", filename_prefix="pre")
        """
    )
    files = hub.repos["someone/chat"]
    assert "chat_template.jinja" in files and "pre-tokenizer_config.json" in files
    assert not any(name.startswith("additional_chat_templates/") for name in files)
    assert hub.commits == ["someone/chat@main: v1", "someone/chat@main: v2", "someone/chat@main: Upload tokenizer"]
    run('HfBpeTokenizer.from_encoding(enc).push_to_hub("someone/chat", commit_message="v3")')
    assert "tokenizer.json" in hub.repos["someone/chat"] and "chat_template.jinja" not in hub.repos["someone/chat"]
    assert hub.commits[-1] == "someone/chat@main: v3", hub.commits
    # A processor's repository: its chat templates are the processor's (from QA: a
    # tokenizer pushed there without a template deleted the processor's).
    run(
        """
        api = hf_api()
        for name in ("processor_config.json", "chat_template.jinja", "additional_chat_templates/short.jinja"):
            api.upload_file(path_or_fileobj=b"{}" if name.endswith(".json") else b"{{ processor }}",
                            path_in_repo=name, repo_id="someone/chat")
        HfBpeTokenizer.from_encoding(enc).push_to_hub("someone/chat", commit_message="v4")
        """
    )
    files = hub.repos["someone/chat"]
    assert files["chat_template.jinja"] == files["additional_chat_templates/short.jinja"] == b"{{ processor }}"
    assert hub.commits[-1] == "someone/chat@main: v4", hub.commits


@pytest.mark.parametrize("where", ["revision='dev'", "create_pr=True"])
def test_a_push_to_a_branch_or_pull_request_leaves_main_alone(hub: FakeHub, tmp_path: Path, where: str) -> None:
    # The stale tokenizer.json goes where the upload went: deleting it on main bypassed
    # the review create_pr asks for (and left it in the pull request).
    push = textwrap.dedent(
        f"""
        import hf_bpe
        from hf_bpe.hf_tokenizer import HfBpeTokenizer
        ranks = {{bytes([i]): i for i in range(256)}} | {{b"yo": 256}}
        first = hf_bpe.Encoding("first", pat_str=r"\\S+|\\s+", mergeable_ranks=ranks, special_tokens={{}})
        HfBpeTokenizer.from_encoding(first).push_to_hub("someone/reviewed", commit_message="v1")
        second = hf_bpe.Encoding("second", pat_str=r"\\b\\w+\\b|\\s+|[^\\w\\s]+", mergeable_ranks=ranks, special_tokens={{}})
        HfBpeTokenizer.from_encoding(second).push_to_hub("someone/reviewed", commit_message="v2", {where})
        # Loaded back, each revision its own tokenizer (the fake hub gave both one commit
        # id, which the Hub's cache keys files by: main's came back for the branch).
        from transformers import AutoTokenizer
        revision = "dev" if "dev" in {where!r} else "refs/pr/1"
        for rev in ("main", revision, "main"):
            print(AutoTokenizer.from_pretrained("someone/reviewed", revision=rev).encoding.name)
        """
    )
    proc = subprocess.run([sys.executable, "-c", push], env=hub_env(hub, tmp_path / "home"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    revision = "dev" if "dev" in where else "refs/pr/1"
    main, changed = hub.files("someone/reviewed"), hub.files("someone/reviewed", revision)
    assert "tokenizer.json" in main and json.loads(main["encoding.json"])["name"] == "first"
    assert "tokenizer.json" not in changed and json.loads(changed["encoding.json"])["name"] == "second"
    assert all(not c.startswith("someone/reviewed@main") for c in hub.commits[1:]), hub.commits
    assert proc.stdout.split() == ["first", "second", "first"]


def test_a_repository_missing_one_file_of_the_pair_loads_its_tokenizer_json(hub: FakeHub, tmp_path: Path) -> None:
    """A repository with tokenizer.json whose vocab.tiktoken (or encoding.json) is missing
    loads from tokenizer.json, as stock transformers does, with a warning (it failed with
    transformers' "Unable to load vocabulary from file"); without tokenizer.json the error
    names the missing file (a MissingFileError, an OSError too). A repository of tokenizer.json only names its encoding after
    the repository, not after the cache's commit folder."""
    from hf_bpe.hf_tokenizer import HfBpeTokenizer

    HfBpeTokenizer.from_encoding(encoding("cl100k_base"), eos_token="<|endoftext|>", add_eos_token=True).save_pretrained(tmp_path / "tok")
    full = {p.name: p.read_bytes() for p in (tmp_path / "tok").iterdir() if p.is_file()}
    hub.repos["someone/no-vocab"] = {k: v for k, v in full.items() if k != "vocab.tiktoken"}
    hub.repos["someone/no-encoding"] = {k: v for k, v in full.items() if k != "encoding.json"}
    hub.repos["someone/json-only"] = {k: full[k] for k in ("tokenizer.json", "tokenizer_config.json")}
    hub.repos["someone/half-pair"] = {k: v for k, v in full.items() if k not in ("vocab.tiktoken", "tokenizer.json")}
    code = textwrap.dedent(
        """
        import warnings, hf_bpe
        from transformers import AutoTokenizer
        for repo in ("no-vocab", "no-encoding", "json-only", "half-pair"):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    tok = AutoTokenizer.from_pretrained("someone/" + repo)
                except Exception as err:
                    print(repo, type(err).__name__, err)
                    continue
            said = [str(w.message) for w in caught if issubclass(w.category, hf_bpe.TokenizerJsonWarning)]
            print(repo, type(tok).__name__, tok.encoding.name, tok("hello world")["input_ids"], said)
        """
    )
    env = hub_env(hub, tmp_path / "home")
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    lines = dict(line.split(" ", 1) for line in proc.stdout.strip().splitlines())
    for repo, missing in (("no-vocab", "vocab.tiktoken"), ("no-encoding", "encoding.json")):
        assert lines[repo].startswith(f"HfBpeTokenizer {repo} [15339, 1917, 100257] ["), lines[repo]
        assert missing in lines[repo] and "loading tokenizer.json instead" in lines[repo], lines[repo]
    assert lines["json-only"] == "HfBpeTokenizer json-only [15339, 1917, 100257] []"
    assert lines["half-pair"].startswith("MissingFileError ") and "vocab.tiktoken" in lines["half-pair"], lines["half-pair"]
