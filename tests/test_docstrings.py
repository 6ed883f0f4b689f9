"""Every ``>>>`` example in hf_bpe's docstrings runs and shows what it says."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

import hf_bpe

MODULES = sorted(m.name for m in pkgutil.iter_modules(hf_bpe.__path__, "hf_bpe."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Examples make folders with tempfile.mkdtemp() and leave them: in pytest's tmp_path.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    if str(module.__file__).endswith((".so", ".pyd")):
        tests = _compiled_module_doctests(module)
        assert tests or name.endswith("_data"), f"no examples found for the compiled {name}"
    else:
        tests = doctest.DocTestFinder(exclude_empty=True).find(module, name, extraglobs={"hf_bpe": hf_bpe})
    for test in tests:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} docstring example(s) failed in {name}"


def _compiled_module_doctests(module: ModuleType) -> list[doctest.DocTest]:
    """The examples of a module compiled by mypyc (which drops docstrings), read from its
    ``.py`` source beside it and run against the compiled module's names."""
    source = Path(str(module.__file__)).with_name(module.__name__.rsplit(".", 1)[1] + ".py")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    parser = doctest.DocTestParser()
    tests = []
    nodes: list[tuple[str, ast.AST]] = [(module.__name__, tree)]
    while nodes:
        qualname, node = nodes.pop()
        docstring = ast.get_docstring(node)  # type: ignore[arg-type]
        if docstring and ">>>" in docstring:
            globs = {**vars(module), "hf_bpe": hf_bpe}
            tests.append(parser.get_doctest(docstring, globs, qualname, str(source), getattr(node, "lineno", 0)))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                nodes.append((f"{qualname}.{child.name}", child))
    return tests
