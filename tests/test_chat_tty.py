"""The terminal chat on a real pseudo-terminal: the `grant-interviewer` entry point under pexpect.

Keys are sent as a terminal sends them (Left = ESC [ D, Alt-Enter = ESC CR, a paste wrapped in
the bracketed-paste markers ESC [200~ … ESC [201~); what was stored is read back through
`grant-interviewer export`. pexpect is no terminal emulator, so prompt_toolkit is told not to
wait for cursor-position replies (PROMPT_TOOLKIT_NO_CPR=1).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

ENTRY = Path(sys.executable).parent / "grant-interviewer"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
LEFT, HOME, END, ALT_ENTER, ENTER, CTRL_C, CTRL_D, CTRL_K = (
    "\x1b[D", "\x1b[H", "\x1b[F", "\x1b\r", "\r", "\x03", "\x04", "\x0b"
)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PARAGRAPH = ("Мы откроем бесплатный подростковый клуб в Кемерове: кружки робототехники и медиа для "
             "120 подростков 14–17 лет, наставники с местных предприятий. ")


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "GRANT_INTERVIEWER_DATA_DIR": str(data_dir),
            "GRANT_INTERVIEWER_EMBEDDING_BACKEND": "none", "PYTHONIOENCODING": "utf-8",
            "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm-256color"}


class Chat:
    """`grant-interviewer chat --user tty` on a pty, answered question by question."""

    def __init__(self, data_dir: Path, *args: str) -> None:
        self.child = pexpect.spawn(
            str(ENTRY), ["chat", "--user", "tty", *args], env=_env(data_dir), encoding="utf-8",
            dimensions=(50, 200), timeout=60,
        )
        self.child.delaybeforesend = None
        self.greeting = self.next_prompt()

    def next_prompt(self) -> str:
        """Wait for a reply panel and the input prompt after it; return what came before."""
        self.child.expect("╯")
        before = str(self.child.before)
        self.child.expect("›")
        return before

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def answer(self, keys: str) -> str:
        """Type ``keys``, press Enter, return the reply panel's text."""
        self.send(keys + ENTER)
        return self.next_prompt()

    def paste(self, text: str) -> None:
        self.send(PASTE_START + text + PASTE_END)

    def quit(self) -> int:
        """Ctrl-D at an empty prompt; the exit status."""
        self.send(CTRL_D)
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus is not None
        return int(self.child.exitstatus)


def _answers(data_dir: Path) -> list[str]:
    """The answers stored for user `tty`, from `grant-interviewer export --format json`."""
    out = subprocess.run([str(ENTRY), "export", "tty", "--format", "json"], capture_output=True,
                         text=True, env=_env(data_dir), timeout=60, check=True).stdout
    return [turn["answer"] for turn in json.loads(out)["log"] if turn["answer"] is not None]


@pytest.fixture(autouse=True)
def _entry_point() -> None:
    if not ENTRY.exists():
        pytest.fail(f"the console script is not installed next to {sys.executable}")


def test_multi_line_paste_is_one_answer(tmp_path: Path) -> None:
    """A bracketed paste of three lines, then Enter, is stored as one three-line answer."""
    chat = Chat(tmp_path)
    chat.answer("Анна")
    chat.paste("Первая строка про клуб.\r\nВторая строка: 120 подростков.\nТретья — наставники.")
    chat.answer("")
    assert chat.quit() == 0
    assert _answers(tmp_path) == [
        "Анна", "Первая строка про клуб.\nВторая строка: 120 подростков.\nТретья — наставники."
    ]


def test_arrow_keys_edit_the_answer(tmp_path: Path) -> None:
    """Left arrow, Home and End move the cursor: the corrected text is stored, no escape codes."""
    chat = Chat(tmp_path)
    chat.answer("Анна")
    chat.answer(f"Тёплый дм{LEFT}о{HOME}Проект «{END}»")
    assert chat.quit() == 0
    assert _answers(tmp_path) == ["Анна", "Проект «Тёплый дом»"]


def test_alt_enter_adds_a_line_and_enter_sends(tmp_path: Path) -> None:
    """Alt-Enter (ESC CR) inserts a newline; only the plain Enter after it sends the answer."""
    chat = Chat(tmp_path)
    chat.answer("Анна")
    chat.answer(f"Клуб для подростков.{ALT_ENTER}Кружки робототехники.")
    assert chat.quit() == 0
    assert _answers(tmp_path) == ["Анна", "Клуб для подростков.\nКружки робототехники."]


def test_a_20k_paste_is_stored_whole_and_a_longer_one_is_kept_for_editing(
    tmp_path: Path,
) -> None:
    """A 20 000-character paste arrives whole; a longer one stays in the editor until cut."""
    text = "\n".join([PARAGRAPH.strip()] * 200)[:20_000].strip()
    assert len(text) > 19_900
    longer = "\n".join([PARAGRAPH.strip()] * 131) + " Ещё" * 400  # 18 994 + 1 600 on one line
    chat = Chat(tmp_path)
    chat.answer("Анна")
    chat.paste(text)
    chat.answer("")
    chat.paste(longer)
    chat.send(ENTER)
    chat.child.expect("можно не больше 20 000")  # the editor's message; nothing was sent
    assert len(_answers(tmp_path)) == 2
    chat.answer(CTRL_K)  # the cursor stands where the excess begins: cut the rest, send
    assert chat.quit() == 0
    assert _answers(tmp_path) == ["Анна", text, longer[:20_000]]


def test_ctrl_c_at_the_prompt_saves_and_prints_the_resume_command(tmp_path: Path) -> None:
    """Ctrl-C in the editor exits with 130 and the resume line; the typed-ahead draft is dropped."""
    chat = Chat(tmp_path)
    chat.answer("Анна")
    chat.send("черновик")
    chat.send(CTRL_C)
    chat.child.expect("Ответы сохранены. Продолжить: ")
    chat.child.expect(pexpect.EOF)
    hint = ANSI.sub("", str(chat.child.before)).strip()
    chat.child.close()
    assert chat.child.exitstatus == 130
    assert hint.endswith("chat --user tty")
    assert _answers(tmp_path) == ["Анна"]


def test_sigint_to_the_process_saves_and_exits(tmp_path: Path) -> None:
    """SIGINT sent to the process (not typed) while it waits ends the chat the same way."""
    chat = Chat(tmp_path)
    chat.answer("Анна")
    chat.child.kill(signal.SIGINT)
    chat.child.expect("Ответы сохранены")
    chat.child.expect(pexpect.EOF)
    chat.child.close()
    assert chat.child.exitstatus == 130
    assert "Traceback" not in str(chat.child.before)
    resumed = Chat(tmp_path)
    assert "Анна, с возвращением" in resumed.greeting
    assert resumed.quit() == 0
