"""Checks of the documentation's code: gallery examples and user-guide snippets.

The docs build (``python -m sphinx -W -b html docs <out>``) runs every example
of the gallery; these tests keep the suite fast and catch what can be caught
without training:

* every example compiles and has the structure sphinx-gallery needs;
* every Python code block of the user guide compiles, and the ``>>>``
  snippets of the user guide run as doctests (tiny models, a few seconds);
* the examples' requirements (names that must exist in ``sklearn_rnn``) are
  declared in ``docs/conf.py``.

Running the examples themselves takes about a minute; it happens only when
``SKLEARN_RNN_RUN_EXAMPLES=1`` is set (the docs build runs them anyway).
"""

import ast
import doctest
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
GUIDE = sorted((ROOT / "docs").rglob("*.rst"))
GUIDE = [p for p in GUIDE if not {"_build", "generated", "auto_examples"} & set(p.relative_to(ROOT / "docs").parts)]
# sg_execution_times.rst is written by the docs build (and git-ignored), not a source page.
GUIDE = [p for p in GUIDE if not p.name.startswith("_") and p.name != "sg_execution_times.rst"]


def _example_requirements():
    """EXAMPLE_REQUIREMENTS from docs/conf.py, read without executing it."""
    tree = ast.parse((ROOT / "docs" / "conf.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLE_REQUIREMENTS" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("docs/conf.py defines no EXAMPLE_REQUIREMENTS")


def _missing(example_name):
    import importlib

    missing = []
    for dotted in _example_requirements().get(example_name, []):
        module_name, _, attribute = f"sklearn_rnn.{dotted}".rpartition(".")
        try:
            if not hasattr(importlib.import_module(module_name), attribute):
                missing.append(dotted)
        except ImportError:
            missing.append(dotted)
    return missing


def test_there_are_examples_and_pages():
    assert len(EXAMPLES) >= 5
    assert any(p.name == "rnn_lstm_gru.rst" for p in GUIDE)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_structure(path):
    source = path.read_text()
    tree = ast.parse(source, filename=str(path))
    docstring = ast.get_docstring(tree)
    assert docstring, "an example starts with a docstring: its title and introduction"
    overline, title, underline = docstring.splitlines()[:3]
    assert set(overline) == {"="} and overline == underline, "the title is over- and underlined with '='"
    assert len(overline) >= len(title), "the title's over- and underline are at least as long as the title"
    assert "# %%" in source, "examples are split into cells with '# %%'"


def test_example_requirements_name_existing_examples():
    names = {p.name for p in EXAMPLES}
    assert set(_example_requirements()) <= names


def _python_blocks(text):
    """The Python ``code-block`` directives of a reST page, dedented."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if re.match(r"\s*\.\. code-block:: python\s*$", lines[i]):
            indent = len(lines[i]) - len(lines[i].lstrip())
            i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                body.append(lines[i])
                i += 1
            blocks.append(textwrap.dedent("\n".join(body)))
        else:
            i += 1
    return blocks


@pytest.mark.parametrize("path", GUIDE, ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_user_guide_code_blocks_compile(path):
    for block in _python_blocks(path.read_text()):
        if ">>>" in block:
            parser = doctest.DocTestParser()
            block = "\n".join(example.source for example in parser.get_examples(block))
        compile(block, str(path), "exec")


@pytest.mark.parametrize("path", [p for p in GUIDE if ">>>" in p.read_text()], ids=lambda p: p.name)
def test_user_guide_doctests(path):
    result = doctest.testfile(
        str(path), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False
    )
    assert result.failed == 0


@pytest.mark.skipif(
    os.environ.get("SKLEARN_RNN_RUN_EXAMPLES") != "1",
    reason="set SKLEARN_RNN_RUN_EXAMPLES=1 to run the examples (the docs build runs them too)",
)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path, tmp_path):
    missing = _missing(path.name)
    if missing:
        pytest.skip(f"sklearn_rnn lacks {missing}")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env, check=True, timeout=300)
