"""The terminal chat through the real `grant-interviewer` entry point, in subprocesses."""

from __future__ import annotations

import json
import os
import selectors
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ENTRY = Path(sys.executable).parent / "grant-interviewer"
ESSENCE = ("Мы откроем бесплатный подростковый клуб в Кемерове: кружки робототехники и медиа для "
           "120 подростков 14–17 лет, наставники с местных предприятий.")


def _env(data_dir: Path, *, on_path: bool = False) -> dict[str, str]:
    """The chat's environment; the venv's bin directory is on PATH only when ``on_path``."""
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != ENTRY.parent]
    if on_path:
        path.insert(0, str(ENTRY.parent))
    return {**os.environ, "GRANT_INTERVIEWER_DATA_DIR": str(data_dir),
            "GRANT_INTERVIEWER_EMBEDDING_BACKEND": "none", "COLUMNS": "300",
            "PYTHONIOENCODING": "utf-8", "PATH": os.pathsep.join(path)}


def _chat(data_dir: Path, stdin: str, *args: str, user: str = "tty",
          on_path: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ENTRY), "chat", "--user", user, *args], input=stdin, text=True,
                          capture_output=True, env=_env(data_dir, on_path=on_path),
                          timeout=120, check=False)


@pytest.fixture(autouse=True)
def _entry_point() -> None:
    if not ENTRY.exists():
        pytest.fail(f"the console script is not installed next to {sys.executable}")


def test_ctrl_d_saves_and_the_next_chat_resumes(tmp_path: Path) -> None:
    """End of input mid-interview keeps every answer; `chat` again greets and asks what is next."""
    first = _chat(tmp_path, f"Анна\n{ESSENCE}\n")
    assert first.returncode == 0, first.stderr
    assert "Ответы сохранены" in first.stdout and "chat --user tty" in first.stdout
    again = _chat(tmp_path, "/status\n")
    assert again.returncode == 0, again.stderr
    assert "Анна, с возвращением" in again.stdout
    assert "✅ Суть проекта" in again.stdout  # the answer given before Ctrl-D is there


def test_finish_in_chat_writes_the_questionnaire_files(tmp_path: Path) -> None:
    """/finish confirm ends the interview, writes md, json and docx and lists the files."""
    result = _chat(tmp_path, f"Анна\n{ESSENCE}\n/finish confirm\n")
    assert result.returncode == 0, result.stderr
    written = sorted((tmp_path / "exports").glob("anketa-*"))
    assert [p.suffix for p in written] == [".docx", ".json", ".md"]
    assert "Анкета записана:" in result.stdout
    assert all(f"  • {p}\n" in result.stdout for p in written)  # the files are listed
    assert "не хватает" in result.stdout.lower()
    assert "Ответьте /continue — продолжить" in result.stdout  # the gaps can still be filled


def test_finish_asks_to_confirm_while_required_topics_are_missing(tmp_path: Path) -> None:
    """/finish with gaps shows the service's choices as one hint line and writes no files yet."""
    result = _chat(tmp_path, f"Анна\n{ESSENCE}\n/finish\n")
    assert result.returncode == 0, result.stderr
    assert "Ответьте /finish confirm — завершить, /continue — продолжить\n" in result.stdout
    assert not list((tmp_path / "exports").glob("anketa-*"))


def test_chat_offers_continue_for_a_finished_interview_with_gaps(tmp_path: Path) -> None:
    """`chat` after a finish with required topics missing offers /continue, which reopens it."""
    first = _chat(tmp_path, f"Анна\n{ESSENCE}\n/finish confirm\n")
    assert first.returncode == 0, first.stderr
    again = _chat(tmp_path, "/continue\n")
    assert again.returncode == 0, again.stderr
    offer, _, after = again.stdout.partition("Продолжаем — дополним то, чего не хватает.")
    assert "Это интервью завершено, но в анкете не хватает" in offer
    assert "Ответьте /continue — продолжить, /restart — начать заново" in offer
    assert "Как к вам обращаться" not in again.stdout  # no new interview was begun
    assert after.count("›") == 1  # reopened: the next question waits for an answer
    status = _chat(tmp_path, "/status\n")
    assert "✅ Суть проекта" in status.stdout and "Анна, с возвращением" in status.stdout


def test_english_chat_and_hostile_input(tmp_path: Path) -> None:
    """--lang en speaks English throughout; binary junk is refused, markup is kept as text."""
    markup = "[bold]<script>alert(1)</script>[/bold] DROP TABLE sessions;--"
    result = _chat(tmp_path, f"Ann\n\x00\x01\x02\n{markup}\n", "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "How should I address you?" in result.stdout
    assert "rather than text" in result.stdout  # the NUL/control-character answer is refused
    resume = f"{shlex.quote(str(ENTRY))} chat --user tty"  # the venv is not on PATH here
    assert f"Answers saved. Resume with: {resume}\n" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    finished = _chat(tmp_path, "/finish confirm\n")
    assert finished.returncode == 0, finished.stderr
    export = json.loads(next((tmp_path / "exports").glob("anketa-*.json")).read_text("utf-8"))
    assert markup in [turn["answer"] for turn in export["log"]]  # stored verbatim, not executed


def test_resume_line_names_the_program_on_path_and_quotes_the_user(tmp_path: Path) -> None:
    """With the program on PATH the resume line is the bare command; the user id is shell-quoted."""
    result = _chat(tmp_path, "Анна\n", user="Анна О'Нил", on_path=True)
    assert result.returncode == 0, result.stderr
    resume = "grant-interviewer chat --user " + shlex.quote("Анна О'Нил")
    assert f"Ответы сохранены. Продолжить: {resume}\n" in result.stdout
    assert shlex.split(resume)[-1] == "Анна О'Нил"


def test_piped_lines_are_messages_and_the_service_limits_their_length(tmp_path: Path) -> None:
    """Each piped line is one message, kept whole; a line over max_answer_chars gets the limit."""
    long_line = (ESSENCE + " ") * 130  # ~19 000 characters on one line
    over = "а" * 20_001
    result = _chat(tmp_path, f"Анна\n{long_line}\n{over}\n")
    assert result.returncode == 0, result.stderr
    assert "не больше 20000 символов" in result.stdout
    finished = _chat(tmp_path, "/finish confirm\n")
    assert finished.returncode == 0, finished.stderr
    export = json.loads(next((tmp_path / "exports").glob("anketa-*.json")).read_text("utf-8"))
    assert [turn["answer"] for turn in export["log"]][:2] == ["Анна", long_line.strip()]


def test_ctrl_c_saves_and_exits_cleanly(tmp_path: Path) -> None:
    """SIGINT while waiting for an answer exits with 130, no traceback, answers kept."""
    proc = subprocess.Popen([str(ENTRY), "chat", "--user", "tty"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(tmp_path))
    assert proc.stdin is not None
    proc.stdin.write("Анна\n".encode())
    proc.stdin.flush()
    seen = _read_prompts(proc, 2)  # the prompt after the name question, then after the next one
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err
    assert "Ответы сохранены" in seen + out.decode()
    resumed = _chat(tmp_path, "")
    assert "Анна, с возвращением" in resumed.stdout


def _read_prompts(proc: subprocess.Popen[bytes], count: int, timeout: float = 60.0) -> str:
    """Read the child's stdout until its input prompt has appeared ``count`` times."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    data = b""
    while data.decode(errors="replace").count("›") < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not selector.select(remaining):
            proc.kill()
            raise AssertionError(f"no {count} prompts within {timeout} s; got {data!r}")
        chunk = os.read(fd, 65536)
        if not chunk:
            raise AssertionError(f"chat exited early; got {data.decode(errors='replace')!r}")
        data += chunk
    return data.decode(errors="replace")


def test_prompt_toolkit_is_imported_only_when_the_chat_runs() -> None:
    """Loading the CLI and the chat module (as `--help` does) does not import prompt_toolkit."""
    code = ("import sys, grant_interviewer.interfaces.cli.app, "
            "grant_interviewer.interfaces.cli.chat; print('prompt_toolkit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
