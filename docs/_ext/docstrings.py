"""A Griffe extension that renders hf_bpe's reST-flavoured docstrings as Markdown.

The docstrings are written for ``help()`` and doctest: ``>>>`` examples, ``::`` literal
blocks and roles such as ``:class:`Encoding```. mkdocstrings reads Markdown, where ``>>>``
would become nested quotes and ``x["a"], y["b"]`` a link, so before rendering:

- every ``::`` literal block and every run of ``>>>`` lines becomes a fenced code block
  (``pycon`` for doctests);
- every ``:role:`target``` becomes inline code (``~a.b.C`` shows ``C``).

Loaded by mkdocs.yml (``extensions: - docs/_ext/docstrings.py:RestToMarkdown``).
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj|const):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    target = match.group(2)
    if match.group(1):
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _fence(lines: list[str]) -> list[str]:
    body = textwrap.dedent("\n".join(lines)).strip("\n").split("\n")
    lang = "pycon" if body and body[0].lstrip().startswith(">>>") else "text"
    return ["", f"```{lang}", *body, "```", ""]


def to_markdown(text: str) -> str:
    """Fence literal blocks and doctests, and turn roles into inline code."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.endswith("::") and not stripped.startswith(">>>"):
            # A literal block: the indented lines after it (blank lines allowed inside).
            base = _indent(line)
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            block: list[str] = []
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > base):
                block.append(lines[j])
                j += 1
            if block:
                prefix = line.rstrip()[:-2].rstrip()
                if prefix:
                    out.append(_ROLE.sub(_role, prefix + ":"))
                out.extend(_fence(block))
                i = j
                continue
        if stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out.extend(_fence(block))
            continue
        out.append(_ROLE.sub(_role, line))
        i += 1
    return "\n".join(out)


class RestToMarkdown(griffe.Extension):
    """Rewrite every docstring with :func:`to_markdown` as Griffe loads it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
