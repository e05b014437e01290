"""The resume line works as printed after the README install, in a brand-new venv.

README: `python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/grant-interviewer chat`
— the venv is not activated, so `grant-interviewer` is not on PATH and the line must name the
program by its path. The install takes about a minute (pip reads the local package index).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _clean_env(data_dir: Path) -> dict[str, str]:
    """A shell's environment without any venv: the test runner's bin directory is not on PATH."""
    ours = Path(sys.executable).parent
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p) != ours]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update({"PATH": os.pathsep.join(path), "GRANT_INTERVIEWER_DATA_DIR": str(data_dir),
                "GRANT_INTERVIEWER_EMBEDDING_BACKEND": "none", "PYTHONIOENCODING": "utf-8",
                "COLUMNS": "300"})
    return env


@pytest.mark.slow
def test_resume_line_runs_as_printed_after_the_readme_install(tmp_path: Path) -> None:
    """In a fresh venv that is not activated, the printed resume line, run by a shell, resumes."""
    env = _clean_env(tmp_path / "data")
    python3 = shutil.which("python3", path=env["PATH"]) or sys._base_executable
    home, elsewhere = tmp_path / "checkout", tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    subprocess.run([python3, "-m", "venv", ".venv"], cwd=home, env=env, check=True, timeout=120)
    subprocess.run([".venv/bin/pip", "install", "-q", "-e", str(ROOT)], cwd=home, env=env,
                   check=True, timeout=540, capture_output=True)
    assert shutil.which("grant-interviewer", path=env["PATH"]) is None  # not activated
    first = subprocess.run([".venv/bin/grant-interviewer", "chat"], cwd=home, env=env,
                           input="Анна\n", text=True, capture_output=True, timeout=120)
    assert first.returncode == 0, first.stderr
    printed = re.search(r"^Ответы сохранены\. Продолжить: (.+)$", first.stdout, re.MULTILINE)
    assert printed is not None, first.stdout
    again = subprocess.run(["/bin/sh", "-c", printed.group(1)], cwd=elsewhere, env=env,
                           input="", text=True, capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "Анна, с возвращением" in again.stdout
