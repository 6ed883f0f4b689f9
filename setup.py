"""Build hook: compile the hot modules with mypyc.

The modules listed in COMPILED_MODULES hold hf_bpe's typed hot loops (splitting, merging,
decoding, counting, training merges, parsing vocabulary lines); mypyc turns them into one C extension. Everything
else (the Encoding front, files, downloads, transformers and datasets glue) stays plain
Python: it runs once per call, not once per byte.

``HF_BPE_COMPILE=0 pip install .`` installs the same sources uncompiled. Without a working
C compiler the build falls back to the uncompiled package with a warning: found out first
by building a tiny extension, before mypyc spends half a minute writing C that cannot be
compiled, and again if building the core itself fails. pip's runs of this file for metadata
(before the build) skip both: they need no extension modules.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings

from setuptools import Distribution, Extension, setup
from setuptools.command.build_ext import build_ext

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
            _fall_back(f"compiling the core with mypyc failed ({err})")


def _fall_back(reason: str) -> None:
    message = (
        f"hf_bpe: {reason}; installing the uncompiled (slower) package instead. Install a "
        "C compiler and the Python headers and reinstall to get the compiled core."
    )
    warnings.warn(message)
    print(f"WARNING: {message}", file=sys.stderr)


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
#: requirements) and ``dist_info`` (the metadata). Neither needs the extension modules.
METADATA_COMMANDS = ("egg_info", "dist_info")
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
    if os.environ.get("HF_BPE_COMPILE", "1").strip().lower() in ("0", "false", "no", "off"):
        print("hf_bpe: HF_BPE_COMPILE=0, installing uncompiled", file=sys.stderr)
        return []
    problem = extension_build_problem()
    if problem is not None:
        _fall_back(f"no C extension can be built here ({problem})")
        return []
    modules = [m for m in COMPILED_MODULES if os.path.exists(m)]
    try:
        from mypyc.build import mypycify
    except ImportError as err:
        _fall_back(f"mypyc is not available ({err})")
        return []
    try:
        return mypycify(["--ignore-missing-imports", *modules], opt_level="3", group_name="hf_bpe_core")
    except (Exception, SystemExit) as err:  # mypyc reports type errors by exiting
        _fall_back(f"mypyc could not compile the core ({err})")
        return []


if __name__ == "__main__":  # pip runs this file as __main__; tests import its parts
    setup(ext_modules=ext_modules(), cmdclass={"build_ext": OptionalBuildExt})
