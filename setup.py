"""Build hook: compile the hot modules with mypyc.

The modules listed in COMPILED_MODULES hold hf_bpe's typed hot loops (splitting, merging,
decoding, counting, training merges, parsing vocabulary lines); mypyc turns them into one C extension. Everything
else (the Encoding front, files, downloads, transformers and datasets glue) stays plain
Python: it runs once per call, not once per byte.

``HF_BPE_COMPILE`` chooses:

* unset (or ``auto``): compiled if a C compiler works here, else the uncompiled package
  with a warning (and a note in it, for ``import hf_bpe`` to warn too). Found out first by building a tiny extension, before mypyc spends half a
  minute writing C that cannot be compiled, and again if building the core itself fails;
* ``1`` (``true``, ``yes``, ``on``): compiled, or the install fails and says why (for
  packagers and CI, which must not get the slow package by accident);
* ``0`` (``false``, ``no``, ``off``): uncompiled.

pip's runs of this file for metadata (before the build) and ``sdist`` skip all of it: they
need no extension modules. pip keeps built wheels in its cache by the source's hash, not by
``HF_BPE_COMPILE``: to switch an installed package from one build to the other, reinstall
with ``--no-cache-dir --force-reinstall``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings

from setuptools import Distribution, Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

COMPILED_MODULES = [
    "hf_bpe/scanners.py",
    "hf_bpe/pattern_matcher.py",
    "hf_bpe/pieces.py",
    "hf_bpe/token_table.py",
    "hf_bpe/piece_merge.py",
    "hf_bpe/piece_encoder.py",
    "hf_bpe/decode.py",
    "hf_bpe/vocab_lines.py",
    "hf_bpe/piece_counter.py",
    "hf_bpe/merges.py",
    "hf_bpe/merges_packed.py",
]


#: A note left in the built package when the build fell back to the uncompiled package
#: (not when ``HF_BPE_COMPILE=0`` chose it): pip shows a build's warnings only with ``-v``,
#: so ``import hf_bpe`` warns instead, once per process, that it runs uncompiled and why.
FALLBACK_NOTE = os.path.join("hf_bpe", "UNCOMPILED_FALLBACK")
#: Why this build fell back, if it did before the build commands ran (the compiler probe).
fell_back: list[str] = []


def write_fallback_note(build_lib: str, reason: str) -> None:
    os.makedirs(os.path.join(build_lib, "hf_bpe"), exist_ok=True)
    with open(os.path.join(build_lib, FALLBACK_NOTE), "w", encoding="utf-8") as note:
        note.write(reason + "\n")


class BuildPy(build_py):
    """Copy the package; add the fallback note if the probe found no compiler (and drop one
    an earlier build left in the same build folder)."""

    def run(self) -> None:
        super().run()
        note = os.path.join(self.build_lib, FALLBACK_NOTE)
        if fell_back:
            write_fallback_note(self.build_lib, fell_back[-1])
        elif os.path.exists(note):
            os.remove(note)


class OptionalBuildExt(build_ext):
    """Build the extension if a compiler works; otherwise warn and ship pure Python.

    On any failure every extension already built is removed too: the compiled modules
    share one library, so a partial build would not import.
    """

    def run(self) -> None:
        try:
            super().run()
        except Exception as err:  # no compiler, missing headers, ...
            for path in self.get_outputs():
                if os.path.exists(path):
                    os.remove(path)
            reason = f"compiling the core with mypyc failed ({err})"
            _fall_back(reason)
            if not self.inplace:  # (an editable install's tree gets no note)
                write_fallback_note(self.build_lib, reason)


def compile_mode() -> str:
    """``"auto"``, ``"required"`` or ``"off"``, from ``HF_BPE_COMPILE`` (see the module's doc)."""
    value = os.environ.get("HF_BPE_COMPILE", "auto").strip().lower()
    if value in ("0", "false", "no", "off"):
        return "off"
    if value in ("1", "true", "yes", "on"):
        return "required"
    if value in ("", "auto"):
        return "auto"
    raise SystemExit(f"hf_bpe: HF_BPE_COMPILE={value!r}: use 1 (compile, or fail), 0 (uncompiled) or leave it unset (compile if possible)")


def _fall_back(reason: str) -> None:
    if compile_mode() == "required":
        raise SystemExit(
            f"hf_bpe: HF_BPE_COMPILE=1 asks for the compiled core, but {reason}. Install a C "
            "compiler and the Python headers, or leave HF_BPE_COMPILE unset to accept the "
            "uncompiled (slower) package."
        )
    message = (
        f"hf_bpe: {reason}; installing the uncompiled (slower) package instead. Install a "
        "C compiler and the Python headers and reinstall (pip install --no-cache-dir "
        "--force-reinstall: pip's cache keeps the uncompiled wheel) to get the compiled core."
    )
    warnings.warn(message)
    print(f"WARNING: {message}", file=sys.stderr)
    fell_back.append(reason)


def remove_stale_inplace_builds(root: str = ".") -> list[str]:
    """Remove the compiled modules a compiled editable install left in the source tree
    (``hf_bpe/*.so`` and the shared ``hf_bpe_core__mypyc`` library), when an uncompiled one
    replaces it: Python would import them before the ``.py`` files, and the library they
    need is no longer on the path. Returns what it removed."""
    names = {os.path.splitext(os.path.basename(m))[0] for m in COMPILED_MODULES}
    removed = []
    for folder, prefixes in ((os.path.join(root, "hf_bpe"), names), (root, {"hf_bpe_core__mypyc"})):
        for entry in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
            stem = entry.split(".", 1)[0]
            if stem in prefixes and entry.endswith((".so", ".pyd")):
                os.remove(os.path.join(folder, entry))
                removed.append(os.path.join(folder, entry))
    return removed


#: An extension module with nothing in it: if it builds, the compiler, Python's headers
#: and the linker all work.
_PROBE_SOURCE = """#include <Python.h>
static struct PyModuleDef probe = {PyModuleDef_HEAD_INIT, "_hf_bpe_probe", NULL, -1, NULL};
PyMODINIT_FUNC PyInit__hf_bpe_probe(void) { return PyModule_Create(&probe); }
"""


def extension_build_problem() -> str | None:
    """Why no C extension builds here (the compiler's error), or None if one does.

    Builds :data:`_PROBE_SOURCE` in a temporary folder the way the core is built (the same
    ``build_ext``, so ``CC``, ``CFLAGS`` and ``LDSHARED`` count alike)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "probe.c")
        with open(source, "w", encoding="ascii") as f:
            f.write(_PROBE_SOURCE)
        command = build_ext(Distribution({"ext_modules": [Extension("_hf_bpe_probe", [source])]}))
        command.build_temp = command.build_lib = tmp
        try:
            command.ensure_finalized()
            command.run()
        except Exception as err:  # CompileError, LinkError, a missing compiler, ...
            return str(err) or type(err).__name__
    return None


#: What pip runs setup.py for before the build itself: ``egg_info`` (the build's
#: requirements) and ``dist_info`` (the metadata); and ``sdist``, which ships sources.
#: None of them needs the extension modules.
METADATA_COMMANDS = ("egg_info", "dist_info", "sdist")
#: Commands that build or install: with any of these on the command line, the extension
#: modules are made whatever came first.
BUILD_COMMANDS = ("build", "build_ext", "bdist_wheel", "bdist", "bdist_egg", "editable_wheel", "develop", "install")


def metadata_only(args: list[str]) -> bool:
    """Whether setup.py runs only to write metadata (its arguments, without the script).

        >>> metadata_only(["dist_info", "--output-dir", "/tmp/meta"]), metadata_only(["bdist_wheel"])
        (True, False)
    """
    commands = [arg for arg in args if not arg.startswith("-")]
    return bool(commands) and commands[0] in METADATA_COMMANDS and not set(args) & set(BUILD_COMMANDS)


def ext_modules() -> list:
    if metadata_only(sys.argv[1:]):
        return []  # the probe, mypyc and any warning wait for the build itself
    if compile_mode() == "off":
        print("hf_bpe: HF_BPE_COMPILE=0, installing uncompiled", file=sys.stderr)
        return _uncompiled()
    problem = extension_build_problem()
    if problem is not None:
        _fall_back(f"no C extension can be built here ({problem})")
        return _uncompiled()
    modules = [m for m in COMPILED_MODULES if os.path.exists(m)]
    try:
        from mypyc.build import mypycify
    except ImportError as err:
        _fall_back(f"mypyc is not available ({err})")
        return _uncompiled()
    try:
        # Errors of the interpreted modules the compiled ones import (and those that
        # hf_bpe/__init__.py names for type checkers: the transformers front, whose
        # transformers is not in pip's build environment) are not the build's business:
        # tests/test_typing.py checks them against the installed releases.
        args = ["--ignore-missing-imports", "--follow-imports=silent", *modules]
        return mypycify(args, opt_level="3", group_name="hf_bpe_core")
    except (Exception, SystemExit) as err:  # mypyc reports type errors by exiting
        _fall_back(f"mypyc could not compile the core ({err})")
        return _uncompiled()


def _uncompiled() -> list:
    """No extension modules; an editable install also drops a compiled one's leftovers."""
    if {"editable_wheel", "develop"} & set(sys.argv[1:]):
        for path in remove_stale_inplace_builds():
            print(f"hf_bpe: removed {path}, left by a compiled editable install", file=sys.stderr)
    return []


if __name__ == "__main__":  # pip runs this file as __main__; tests import its parts
    setup(ext_modules=ext_modules(), cmdclass={"build_ext": OptionalBuildExt, "build_py": BuildPy})
