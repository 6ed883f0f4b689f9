"""The installed package: compiled or not, as the test run expects."""

from __future__ import annotations

import importlib
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hf_bpe


def test_compiled_flag_matches_the_install() -> None:
    expected = os.environ.get("HF_BPE_EXPECT_COMPILED")
    if expected is None:
        pytest.skip("HF_BPE_EXPECT_COMPILED not set: the runner did not say which build it installed")
    assert hf_bpe.COMPILED is (expected == "1")
    suffix = ".py" if expected == "0" else (".so", ".pyd")
    from conftest import compiled_modules

    listed = compiled_modules()  # every module setup.py compiles
    assert len(listed) >= 11
    for path in listed:
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert module.__file__ is not None and module.__file__.endswith(suffix), module.__file__
    # Chosen (HF_BPE_COMPILE=0 for the uncompiled run) or compiled: no note of a fallback.
    assert not (Path(hf_bpe.__file__).parent / "UNCOMPILED_FALLBACK").exists()


def test_child_processes_import_the_hf_bpe_under_test(tmp_path) -> None:
    """The tests' child processes (``python -c``, a script, ``-m hf_bpe``) run where pytest
    runs, the repo root: they must import the installed build, not the source tree."""
    from conftest import ROOT

    script = tmp_path / "which.py"
    script.write_text("import hf_bpe; print(hf_bpe.__file__)", encoding="utf-8")
    for command in ([sys.executable, "-c", script.read_text()], [sys.executable, str(script)]):
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
        assert out.stdout.strip() == hf_bpe.__file__, command


def test_version_and_typing_marker() -> None:
    assert hf_bpe.__version__.count(".") == 2
    assert os.path.exists(os.path.join(os.path.dirname(hf_bpe.__file__), "py.typed"))


def test_core_import_does_not_pull_heavy_modules(tmp_path) -> None:
    # The HF libraries, and what only downloads (urllib, http) or batches (multiprocessing)
    # need: importing them would add to every program's start-up time.
    heavy = ("transformers", "datasets", "tokenizers", "pyarrow", "urllib.request", "http.client", "multiprocessing")
    code = (
        "import sys, hf_bpe; enc = hf_bpe.Encoding('b', pat_str='.', "
        "mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={}); "
        "enc.encode('x'); "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    # cwd: `python -c` puts the working directory first on sys.path (the source tree, from
    # the repository's root).
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "[]"


def test_imports_where_the_os_has_no_fork(tmp_path) -> None:
    """``os.fork`` and ``os.register_at_fork`` are missing where there is no fork (Windows):
    hf_bpe called ``register_at_fork`` unguarded when importing four of its modules
    (AttributeError). Here both are removed before hf_bpe is imported; encoding, decoding,
    saving, loading and a batch still work."""
    code = (
        "import os; del os.fork, os.register_at_fork\n"
        "import hf_bpe, hf_bpe.parallel, hf_bpe.registry, hf_bpe.atomic_files, hf_bpe.char_classes\n"
        "enc = hf_bpe.Encoding('b', pat_str=r'\\p{L}+|\\p{N}+|\\s+|[^\\s\\p{L}\\p{N}]+', mergeable_ranks={bytes([i]): i for i in range(256)},"
        " special_tokens={'<|end|>': 256})\n"
        "ids = enc.encode('hé 1<|end|>', allowed_special='all')\n"
        "assert enc.decode(ids) == 'hé 1<|end|>' and ids[-1] == 256, ids\n"
        "hf_bpe.save_encoding(enc, 'saved')\n"
        "assert hf_bpe.load_encoding('saved').encode('hé') == enc.encode('hé')\n"
        "print(enc.encode_ordinary_batch(['ab', 'c'], num_proc=1))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[[97, 98], [99]]"


def test_a_star_import_needs_no_optional_package(tmp_path) -> None:
    """`from hf_bpe import *` imported HfBpeTokenizer, so transformers: an ImportError where
    it is not installed (and a second of start-up where it is). dir() lists the names
    imported on first use that __all__ lists, so help() and inspect work without transformers."""
    code = (
        "import inspect, pydoc, sys; sys.modules['transformers'] = None\n"
        "from hf_bpe import *\n"
        "import hf_bpe\n"
        "assert 'HfBpeTokenizer' not in globals() and callable(train_bpe) and callable(shutdown_pools)\n"
        "assert {'train_bpe', 'BpeTrainer', 'get_encoding'} <= set(dir(hf_bpe)) and 'HfBpeTokenizer' not in dir(hf_bpe)\n"
        # tab completion offers the API, not what the package imports for itself
        "assert not {'os', 'logging', 'warnings', 'import_module', 'Any', 'annotations', 'encoding'} & set(dir(hf_bpe))\n"
        "assert dict(inspect.getmembers(hf_bpe))['train_bpe'] is train_bpe and 'get_encoding' in pydoc.render_doc(hf_bpe)\n"
        "print(sorted(m for m in ('transformers', 'datasets', 'numpy') if sys.modules.get(m) is not None))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr


def test_install_without_a_c_compiler_falls_back_to_pure_python(tmp_path) -> None:
    """A build whose compiler fails still installs, uncompiled, with a warning (unless
    HF_BPE_COMPILE=1 asks for the compiled core: see the next test)."""
    if os.environ.get("HF_BPE_EXPECT_COMPILED") == "0":
        pytest.skip("checked once, in the compiled run")
    from conftest import ROOT

    source = tmp_path / "source"  # a copy: pip builds in the tree it is given
    # (.hypothesis: the other test run writes there meanwhile; out: the main job's results)
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv*", "build", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache", "out"))
    env = {**os.environ, "CC": "/bin/false"}
    env.pop("HF_BPE_COMPILE", None)  # unset: compiled if possible
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(tmp_path / "wheel"), str(source)],
        capture_output=True, text=True, env=env,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    # Found out by setup.py's probe, before mypyc ran (see the next test for a later
    # failure), and said once: pip's runs of setup.py for metadata neither probe nor warn.
    output = build.stdout + build.stderr
    assert output.count("WARNING: hf_bpe: no C extension can be built here") == 1, output[-4000:]
    assert "installing the uncompiled (slower) package instead" in output
    (wheel,) = (tmp_path / "wheel").glob("hf_bpe-*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True)
    assert not list((target / "hf_bpe").glob("*.so")) and not list(target.glob("*.so"))
    code = "import hf_bpe; print(hf_bpe.COMPILED, hf_bpe.Encoding('b', pat_str='.', mergeable_ranks={bytes([i]): i for i in range(256)}, special_tokens={}).encode('hi'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(target)}, check=True)
    assert out.stdout.strip() == "False [104, 105]"
    # pip shows the build's warning only with -v: the package says it at import instead.
    assert "RuntimeWarning: hf_bpe runs uncompiled (encoding about 30x slower): when it was installed, no C extension can be built here" in out.stderr, out.stderr
    assert out.stderr.count("hf_bpe runs uncompiled") == 1


def test_compiling_asked_for_is_compiled_or_fails(tmp_path) -> None:
    """HF_BPE_COMPILE=1 (packagers, CI) never gets the slow package by accident."""
    if os.environ.get("HF_BPE_EXPECT_COMPILED") == "0":
        pytest.skip("checked once, in the compiled run")
    from conftest import ROOT

    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv*", "build", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache", "out"))
    env = {**os.environ, "CC": "/bin/false", "HF_BPE_COMPILE": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "wheel"), str(source)],
        capture_output=True, text=True, env=env,
    )
    assert build.returncode != 0
    assert "HF_BPE_COMPILE=1 asks for the compiled core, but no C extension can be built here" in build.stdout + build.stderr
    assert not list((tmp_path / "wheel").glob("*.whl"))


def test_compile_modes() -> None:
    from conftest import ROOT

    parts = runpy.run_path(str(ROOT / "setup.py"), run_name="hf_bpe_setup")
    cases = {None: "auto", "": "auto", "auto": "auto", "1": "required", "Yes": "required", "0": "off", " off ": "off"}
    saved = os.environ.get("HF_BPE_COMPILE")
    try:
        for value, mode in cases.items():
            if value is None:
                os.environ.pop("HF_BPE_COMPILE", None)
            else:
                os.environ["HF_BPE_COMPILE"] = value
            assert parts["compile_mode"]() == mode, value
        os.environ["HF_BPE_COMPILE"] = "maybe"
        with pytest.raises(SystemExit, match="HF_BPE_COMPILE='maybe'"):
            parts["compile_mode"]()
    finally:
        if saved is None:
            os.environ.pop("HF_BPE_COMPILE", None)
        else:
            os.environ["HF_BPE_COMPILE"] = saved


def test_an_uncompiled_editable_install_removes_a_compiled_ones_modules(tmp_path) -> None:
    """After ``pip install -e .`` compiled, the tree holds hf_bpe/*.so and the shared
    library at its root; an uncompiled editable install must not import them."""
    from conftest import ROOT

    parts = runpy.run_path(str(ROOT / "setup.py"), run_name="hf_bpe_setup")
    (tmp_path / "hf_bpe").mkdir()
    left = ["hf_bpe/pieces.cpython-311-x86_64-linux-gnu.so", "hf_bpe/decode.cpython-311-x86_64-linux-gnu.so",
            "hf_bpe_core__mypyc.cpython-311-x86_64-linux-gnu.so"]
    kept = ["hf_bpe/pieces.py", "hf_bpe/other.cpython-311-x86_64-linux-gnu.so", "hf_bpe_core__mypyc.c", "setup.py"]
    for name in left + kept:
        (tmp_path / name).write_text("")
    removed = parts["remove_stale_inplace_builds"](str(tmp_path))
    assert sorted(os.path.relpath(path, tmp_path) for path in removed) == sorted(left)
    assert all((tmp_path / name).exists() for name in kept)


def test_only_the_build_itself_makes_the_extension_modules() -> None:
    """pip runs setup.py three times (build requirements, metadata, the wheel); mypyc and
    the compiler probe run only for the wheel (or any other build or install)."""
    from conftest import ROOT

    parts = runpy.run_path(str(ROOT / "setup.py"), run_name="hf_bpe_setup")
    metadata_only = parts["metadata_only"]
    # The argument lists of setuptools' build backend, then a build by hand.
    assert metadata_only(["egg_info"])
    assert metadata_only(["--quiet", "dist_info", "--output-dir", "/tmp/meta", "--keep-egg-info"])
    assert metadata_only(["egg_info", "--egg-base", "/tmp/build"])
    assert metadata_only(["sdist", "--formats", "gztar", "--dist-dir", "/tmp/dist"])
    assert not metadata_only(["bdist_wheel", "--dist-dir", "/tmp/dist"])
    assert not metadata_only(["editable_wheel", "--dist-dir", "/tmp/dist"])
    assert not metadata_only(["build_ext", "--inplace"])
    assert not metadata_only(["egg_info", "build_ext"])
    assert not metadata_only([])


def test_a_core_that_fails_to_build_leaves_no_half_built_library(tmp_path) -> None:
    """Past the probe, a build of the core that fails partway (one extension built, the
    next not) removes what it built and warns: setup.py's build command, run here on two
    small extensions with the real compiler."""
    from conftest import ROOT
    from setuptools import Distribution, Extension

    parts = runpy.run_path(str(ROOT / "setup.py"), run_name="hf_bpe_setup")  # not __main__: no setup()
    assert parts["extension_build_problem"]() is None  # this machine builds extensions
    good, bad = tmp_path / "good.c", tmp_path / "bad.c"
    good.write_text(parts["_PROBE_SOURCE"])
    bad.write_text("this is not C\n")
    extensions = [Extension("_hf_bpe_probe", [str(good)]), Extension("broken", [str(bad)])]
    command = parts["OptionalBuildExt"](Distribution({"ext_modules": extensions}))
    command.build_temp, command.build_lib = str(tmp_path / "temp"), str(tmp_path / "lib")
    command.ensure_finalized()
    with pytest.warns(UserWarning, match=r"compiling the core with mypyc failed .*installing the uncompiled"):
        command.run()
    assert list((tmp_path / "temp").rglob("good.o"))  # the first extension was built ...
    left = [p for p in (tmp_path / "lib").rglob("*") if p.is_file()]  # ... and removed,
    assert left == [tmp_path / "lib" / "hf_bpe" / "UNCOMPILED_FALLBACK"]  # the note for import left
    assert left[0].read_text().startswith("compiling the core with mypyc failed (")


def test_sources_compile_without_warnings() -> None:
    """An invalid escape in a string (a DeprecationWarning on 3.11, a SyntaxWarning since
    3.12 and an error to come) shows up only when a module is compiled from source."""
    import warnings
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in sorted([*root.glob("hf_bpe/*.py"), *root.glob("tests/*.py"), *root.glob("examples/*.py")]):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compile(path.read_text(encoding="utf-8"), str(path), "exec")




def test_the_sdist_leaves_out_data_left_in_the_tree(tmp_path, monkeypatch) -> None:
    """A vocabulary, corpus, archive or generated C file left beside the tests, examples
    or docs (which the sdist takes whole) stays out of it: MANIFEST.in read by setuptools'
    own reader of it, as an sdist build reads it, in a tree that has such files."""
    import warnings

    from conftest import ROOT
    from setuptools.command.egg_info import FileList

    kept = ["tests/conftest.py", "examples/run.sh", "docs/index.md", "mkdocs.yml"]
    left = ["tests/o200k_base.tiktoken", "examples/shard_0.parquet", "docs/corpus.tar.gz", "tests/core.c", "tests/__pycache__/x.pyc"]
    for name in kept + left:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("a file\n")
    monkeypatch.chdir(tmp_path)
    files = FileList()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (setuptools warns of names it finds no file for)
        for line in (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                files.process_template_line(line)
    assert set(kept) <= set(files.files)
    assert not set(left) & set(files.files), set(left) & set(files.files)
