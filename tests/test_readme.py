"""The README's quick starts and the shipped demo run as written, without warnings."""

import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_python_blocks():
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.DOTALL)


def test_the_readme_has_quick_starts():
    assert len(_readme_python_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(_readme_python_blocks())))
def test_readme_quick_start_runs_without_warnings(index, capsys):
    block = _readme_python_blocks()[index]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile(block, f"README.md block {index}", "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.strip()  # each quick start prints its result


def test_demo_runs_without_warnings():
    script = (
        "import runpy, warnings\n"
        "warnings.simplefilter('error')\n"
        "runpy.run_module('sklearn_rnn.demo', run_name='__main__')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "Held-out R^2: LSTM 0.9" in result.stdout
