"""The `grant-interviewer` command line: settings errors, logging, simulate, sessions, output.

Driven through typer's CliRunner (in-process) and, where the real entry point matters (exit
status, stderr, no traceback), through the installed console script in a subprocess.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from grant_interviewer.adapters.embeddings.manager import reset_managers
from grant_interviewer.interfaces.cli.app import app
from grant_interviewer.interfaces.cli.chat import render
from grant_interviewer.service import Reply

ROOT = Path(__file__).resolve().parents[1]
PERSONA = ROOT / "examples" / "personas" / "cooperative_ru.yaml"
SCRIPT = Path(sys.executable).with_name("grant-interviewer")


@pytest.fixture(autouse=True)
def no_shared_models() -> Iterator[None]:
    """No model manager survives a test (the `kb` and `simulate` commands share them)."""
    reset_managers()
    yield
    reset_managers()


def _run(*args: str, env: dict[str, str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `grant-interviewer` script with the test's environment plus ``env``."""
    command = [str(SCRIPT)] if SCRIPT.exists() else [
        sys.executable, "-c", "from grant_interviewer.interfaces.cli.app import main; main()"]
    return subprocess.run([*command, *args], env={**os.environ, **(env or {})}, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


# --- invalid settings -----------------------------------------------------------------------

COMMANDS = [
    ["chat"],
    ["simulate", "--persona", str(PERSONA)],
    ["export", "someone"],
    ["sessions"],
    ["kb", "ingest"],
    ["kb", "search", "co-financing"],
    ["kb", "status"],
    ["kb", "precompute", "--output", "unused"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_reports_invalid_settings(args: list[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command: one `Error:` line per invalid variable, exit status 2, no exception."""
    monkeypatch.setenv("GRANT_INTERVIEWER_LANG", "de")
    monkeypatch.setenv("GRANT_INTERVIEWER_KB_TOP_K", "0")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 2, result.output
    assert "GRANT_INTERVIEWER_LANG='de'" in errors[0] + errors[1]
    assert "GRANT_INTERVIEWER_KB_TOP_K='0'" in errors[0] + errors[1]


def test_invalid_settings_from_the_real_entry_point() -> None:
    """The installed script prints the friendly error on stderr, exits 2, shows no traceback."""
    result = _run("sessions", env={"GRANT_INTERVIEWER_LOG_LEVEL": "loud"})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "pydantic" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: invalid GRANT_INTERVIEWER_LOG_LEVEL='loud': not a log level; use DEBUG, INFO, "
        "WARNING, ERROR or CRITICAL (any case)"
    ]


def test_help_works_with_invalid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """`COMMAND --help` does not read the settings, so it works while they are broken."""
    monkeypatch.setenv("GRANT_INTERVIEWER_LANG", "de")
    result = CliRunner().invoke(app, ["kb", "ingest", "--help"])
    assert result.exit_code == 0, result.output
    assert "PATHS" in result.output


# --- logging --------------------------------------------------------------------------------

def test_log_level_and_misspelt_names_apply_to_kb_commands(tmp_path: Path) -> None:
    """`kb` commands log at GRANT_INTERVIEWER_LOG_LEVEL and name a misspelt variable once.

    `kb ingest` without paths (re)builds only the shipped knowledge base and says so.
    """
    result = _run("kb", "ingest", env={"GRANT_INTERVIEWER_LOG_LEVEL": "info",
                                       "GRANT_INTERVIEWER_KB_TOP_KK": "4"})
    assert result.returncode == 0, result.stderr
    assert "only the shipped knowledge base" in result.stdout
    assert " INFO grant_interviewer." in result.stderr, result.stderr
    misspelt = [line for line in result.stderr.splitlines() if "KB_TOP_KK" in line]
    assert len(misspelt) == 1, result.stderr
    assert " WARNING grant_interviewer.settings: " in misspelt[0]
    assert "did you mean GRANT_INTERVIEWER_KB_TOP_K?" in misspelt[0]


def test_default_log_level_hides_info(tmp_path: Path) -> None:
    """Without GRANT_INTERVIEWER_LOG_LEVEL only warnings and errors are logged."""
    result = _run("sessions")
    assert result.returncode == 0, result.stderr
    assert " INFO " not in result.stderr


# --- simulate -------------------------------------------------------------------------------

def test_simulate_writes_no_exports_by_default(isolated_settings: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A simulation leaves the data directory's exports/ alone (its database is throw-away)."""
    monkeypatch.setenv("GRANT_INTERVIEWER_EMBEDDING_BACKEND", "none")
    result = CliRunner().invoke(app, ["simulate", "--persona", str(PERSONA)])
    assert result.exit_code == 0, result.output
    assert "finished after" in result.output
    assert not (isolated_settings / "exports").exists()
    assert "written:" not in result.output


def test_simulate_export_dir_and_kb_marks(isolated_settings: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`--export-dir` writes md/json/docx there; questions with context show a literal [kb]."""
    monkeypatch.setenv("GRANT_INTERVIEWER_KB_WAIT_SECONDS", "60")  # context from question one
    out = tmp_path / "sim-exports"
    result = CliRunner().invoke(app, ["simulate", "--persona", str(PERSONA),
                                      "--export-dir", str(out)], terminal_width=200)
    assert result.exit_code == 0, result.output
    written = sorted(path.suffix for path in out.iterdir())
    assert written == [".docx", ".json", ".md"]
    assert result.output.count("written: ") == 3
    assert not (isolated_settings / "exports").exists()
    assert "[kb]:" in result.output


def test_simulate_errors_keep_their_brackets(tmp_path: Path) -> None:
    """Error text is printed literally, not read as rich markup."""
    missing = tmp_path / "[draft] persona.yaml"
    result = CliRunner().invoke(app, ["simulate", "--persona", str(missing)])
    assert result.exit_code == 2
    assert f"persona file not found: {missing}" in result.output.replace("\n", "")


# --- sessions -------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("mysql://user@localhost/db", "unsupported database 'mysql://user@localhost/db'"),
    ("postgresql://user:secret@127.0.0.1:1/db", "could not open the database "
                                                "(postgresql+asyncpg://user:***@127.0.0.1:1/db)"),
])
def test_sessions_reports_database_errors(url: str, expected: str) -> None:
    """A bad or unreachable database: a clear `Error:` line, exit status 1, no traceback."""
    result = _run("sessions", env={"GRANT_INTERVIEWER_DATABASE_URL": url})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and expected in last, result.stderr
    assert "secret" not in result.stderr


def test_sessions_expands_home_in_data_dir(tmp_path: Path) -> None:
    """GRANT_INTERVIEWER_DATA_DIR=~/… puts the database in the home directory, not in ./~."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    work.mkdir()
    result = _run("sessions", cwd=work, env={"HOME": str(home),
                                             "GRANT_INTERVIEWER_DATA_DIR": "~/gi-data"})
    assert result.returncode == 0, result.stderr
    assert (home / "gi-data" / "interviews.sqlite3").is_file()
    assert not (work / "~").exists()


# --- chat output ----------------------------------------------------------------------------

def test_chat_shows_reply_text_literally() -> None:
    """A reply quoting `[draft]` or `[bold]` shows the brackets instead of styling text."""
    out = io.StringIO()
    console = Console(file=out, width=100, highlight=False, color_system=None)
    render(console, Reply(session_id="s", kind="question",
                          text="You said: [draft] budget [bold]50 000[/bold]"))
    assert "You said: [draft] budget [bold]50 000[/bold]" in out.getvalue()


# --- the garbage collector while a command starts --------------------------------------------

_GC_PROBE = """
import gc, json, sys
from grant_interviewer.interfaces.cli import app, chat, common
seen = {}
shown = chat.render
def render(console, reply):
    seen.setdefault("at_first_question", gc.isenabled())
    shown(console, reply)
chat.render = render
real_settings = common.cli_settings
def settings(**kwargs):
    seen["before_settings"] = gc.isenabled()
    result = real_settings(**kwargs)
    seen["after_settings"] = gc.isenabled()
    return result
app.cli_settings = settings
sys.argv = ["grant-interviewer", *sys.argv[1:]]
try:
    app.main()
except SystemExit:
    pass
seen["after"] = gc.isenabled()
sys.stderr.write(json.dumps(seen) + "\\n")
"""


@pytest.mark.parametrize(("args", "expected"), [
    (["chat", "--user", "gc"], {"before_settings": False, "after_settings": False,
                                "at_first_question": False, "after": True}),
    (["sessions"], {"before_settings": False, "after_settings": True, "after": True}),
])
def test_the_console_script_pauses_the_collector_only_while_starting(
        args: list[str], expected: dict[str, bool]) -> None:
    """`main()` stops the cyclic GC for the start: `chat` turns it back on once its first
    question is on screen, every other command once its settings are read; it is on after."""
    import json

    done = subprocess.run([sys.executable, "-c", _GC_PROBE, *args], input="", env={
        **os.environ, "GRANT_INTERVIEWER_EMBEDDING_BACKEND": "none"}, capture_output=True,
        text=True, timeout=120, check=False)
    assert json.loads(done.stderr.strip().splitlines()[-1]) == expected, done.stderr


def test_resume_gc_only_undoes_pause_gc() -> None:
    """Outside the console script (tests, an embedding program) the collector is left alone."""
    import gc

    from grant_interviewer.interfaces.cli.common import pause_gc, resume_gc

    assert gc.isenabled()
    resume_gc()
    assert gc.isenabled()
    gc.disable()
    try:
        pause_gc()  # already off by someone else: not ours to turn on
        resume_gc()
        assert not gc.isenabled()
    finally:
        gc.enable()
    pause_gc()
    assert not gc.isenabled()
    resume_gc()
    resume_gc()
    assert gc.isenabled()
