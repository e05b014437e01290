"""The terminal chat: a rich console over :class:`InterviewService`.

On a terminal the answer is edited with ``prompt_toolkit`` (imported only when the chat runs):
arrows, Home/End and history within the session; Enter sends, Alt-Enter (Esc Enter) adds a
line, and a paste arrives whole as one answer (bracketed paste), however many lines and
characters it has. The only length limit is the service's ``max_answer_chars``: a longer answer
stays in the editor with a message saying how long it is, the cursor where the excess begins.

When stdin or stdout is not a terminal (a pipe, a test), every input line is one message, read
by a daemon thread and handed to the event loop through a queue.

In both cases the event loop keeps running while the person types (the model loads in the
background) and Ctrl-C / Ctrl-D end the chat at once. Every answer is committed before the next
question shows, so quitting loses nothing; the goodbye line prints the exact command that
resumes, runnable as printed even from a venv that is not activated.

The choices a reply offers (``Reply.actions``) are shown as one hint line; after the finishing
reply the files are rendered (``InterviewService.write_exports``) and listed.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import sys
import threading
from typing import TYPE_CHECKING, Protocol

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from grant_interviewer.service import Reply

if TYPE_CHECKING:
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.validation import Validator

    from grant_interviewer.service import InterviewService
    from grant_interviewer.settings import Settings

PROGRAM = "grant-interviewer"
PROMPT = "› "
_EOF = object()

_WORDS = {
    "ru": {
        "commands": "Команды: /skip /back /status /finish /continue /restart /help",
        "keys": "Enter — отправить, Alt-Enter — новая строка, ↑ — прежние ответы, Ctrl-D — выйти",
        "reply": "Ответьте",
        "saved": "Ответы сохранены. Продолжить:",
        "written": "Анкета записана:",
        "too_long": "В ответе {length} символов, а можно не больше {limit}: сократите его "
        "или разбейте на части.",
    },
    "en": {
        "commands": "Commands: /skip /back /status /finish /continue /restart /help",
        "keys": "Enter sends, Alt-Enter adds a line, ↑ recalls earlier answers, Ctrl-D quits",
        "reply": "Reply",
        "saved": "Answers saved. Resume with:",
        "written": "Questionnaire written:",
        "too_long": "The answer has {length} characters, at most {limit} fit: shorten or "
        "split it.",
    },
}


def _words(lang: str) -> dict[str, str]:
    return _WORDS.get(lang, _WORDS["en"])


class ChatInput(Protocol):
    """Where the chat's messages come from."""

    async def read(self, lang: str) -> str | None:
        """The next message; ``None`` at end of input. Ctrl-C raises ``KeyboardInterrupt``."""


class PipeInput:
    """Line-per-message input from a non-terminal stdin (pipes, tests)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._reader, args=(loop,), daemon=True, name="stdin").start()

    def _reader(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read stdin lines in a daemon thread and post them to the loop (``_EOF`` at the end)."""
        while True:
            try:
                line = sys.stdin.readline()
            except (OSError, ValueError, UnicodeDecodeError):
                line = ""
            if not line:
                loop.call_soon_threadsafe(self._queue.put_nowait, _EOF)
                return
            loop.call_soon_threadsafe(self._queue.put_nowait, line.rstrip("\r\n"))

    async def read(self, lang: str) -> str | None:
        self._console.print(f"[bold]{PROMPT.strip()}[/] ", end="")
        line = await self._queue.get()
        if line is _EOF:
            self._console.print()
            return None
        assert isinstance(line, str)
        return line


class TerminalInput:
    """A ``prompt_toolkit`` editor: Enter sends, Alt-Enter adds a line, pastes arrive whole."""

    def __init__(self, max_chars: int) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import InMemoryHistory

        self.max_chars = max_chars  # the service's max_answer_chars
        self._lang = "ru"
        self._session: PromptSession[str] = PromptSession(
            history=InMemoryHistory(),
            multiline=True,  # Enter is rebound below; multi-line shows pasted lines as typed
            prompt_continuation=lambda width, line, wrap: " " * width,
            key_bindings=_key_bindings(),
            validator=_length_validator(self),
            validate_while_typing=False,
            enable_open_in_editor=False,
        )

    def too_long(self, length: int) -> str | None:
        """The message for an answer over the limit (``None`` when it fits)."""
        if length <= self.max_chars:
            return None
        sep = " " if self._lang == "ru" else ","
        return _words(self._lang)["too_long"].format(
            limit=f"{self.max_chars:,}".replace(",", sep), length=f"{length:,}".replace(",", sep)
        )

    async def read(self, lang: str) -> str | None:
        self._lang = lang
        try:
            return await self._session.prompt_async([("bold", PROMPT)])
        except EOFError:
            return None


def _key_bindings() -> KeyBindings:
    from prompt_toolkit.filters import has_focus
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    bindings = KeyBindings()
    editing = has_focus("DEFAULT_BUFFER")

    @bindings.add("enter", filter=editing)
    def _send(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    @bindings.add("escape", "enter", filter=editing)
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return bindings


def _length_validator(terminal: TerminalInput) -> Validator:
    from prompt_toolkit.document import Document
    from prompt_toolkit.validation import ValidationError, Validator

    from grant_interviewer.domain.validation import AnswerRejected, clean_answer

    class _Length(Validator):
        """Keep an over-long answer in the editor (the service would refuse it anyway)."""

        def validate(self, document: Document) -> None:
            text = document.text
            if len(text) <= terminal.max_chars:
                return
            try:  # the service's own cleaning decides what counts (whitespace is tidied first)
                clean_answer(text, max_chars=terminal.max_chars)
            except AnswerRejected as exc:
                if exc.code == "too_long":  # the cursor goes to where the excess begins
                    message = terminal.too_long(len(text)) or ""
                    at = terminal.max_chars
                    raise ValidationError(message=message, cursor_position=at) from exc

    return _Length()


def _is_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def open_input(console: Console, max_chars: int) -> ChatInput:
    """The editor on a terminal, line-per-message reading otherwise."""
    if _is_terminal():
        return TerminalInput(max_chars)
    return PipeInput(console)


def render(console: Console, reply: Reply) -> None:
    """Show a reply: notices and the question in a panel with the progress.

    The text is shown literally (an answer quoted back such as ``[draft]`` is not rich markup).
    """
    style = {"error": "yellow", "finished": "green", "info": "blue", "confirm": "magenta"}.get(
        reply.kind, "cyan"
    )
    progress = f"{reply.done}/{reply.total}" if reply.total else ""
    kb = " · kb" if reply.kb_context else ""
    console.print(
        Panel(
            Text(reply.text), border_style=style, subtitle=f"{progress}{kb}", subtitle_align="right"
        )
    )


def actions_line(reply: Reply) -> str | None:
    """The reply's choices as one hint: "Ответьте /finish confirm — завершить, /continue — …"."""
    if not reply.actions:
        return None
    choices = ", ".join(f"{a.command} — {a.label[:1].lower()}{a.label[1:]}" for a in reply.actions)
    return f"{_words(reply.lang)['reply']} {choices}"


async def run_chat(settings: Settings, *, user_id: str, lang: str | None) -> int:
    """Run the interactive interview; returns the process exit code.

    The chat ends when the interview finishes with nothing left to offer; a reply that offers
    choices (finished with required topics missing: ``/continue``) keeps it open.
    """
    from grant_interviewer.bootstrap import build_app
    from grant_interviewer.interfaces.cli.common import resume_gc

    console = Console(highlight=False)
    app = await build_app(settings)
    service = app.service
    spoken = lang or settings.lang  # the interview's language once known (a resumed one keeps it)
    try:
        terminal = _is_terminal()
        # On a terminal the editor (prompt_toolkit: ~100-170 ms of imports) is set up once the
        # first question is on screen, while the person reads it.
        source = None if terminal else open_input(console, settings.max_answer_chars)
        reply = await _opening(service, user_id, lang)
        spoken = reply.lang
        render(console, reply)
        console.print(Text(_words(spoken)["commands"], style="dim"))
        if terminal:
            console.print(Text(_words(spoken)["keys"], style="dim"))
        if source is None:
            source = open_input(console, settings.max_answer_chars)
        resume_gc()  # paused by the console script while it started
        while True:
            if reply.kind == "finished":  # the finishing turn: render the files now
                files = await service.write_exports(reply.session_id)
                if files:
                    console.print(Text(_words(spoken)["written"], style="green"))
                    for path in files:
                        console.print(Text(f"  • {path}"), soft_wrap=True)
            hint = actions_line(reply)
            if hint:
                console.print(Text(hint, style="bold"))
            elif reply.finished:
                return 0
            line = await source.read(spoken)
            if line is None:
                _saved(console, spoken, user_id)
                return 0
            reply = await service.handle(user_id, line)
            spoken = reply.lang
            render(console, reply)
    except (KeyboardInterrupt, asyncio.CancelledError):
        console.print()
        _saved(console, spoken, user_id)
        return 130
    finally:
        resume_gc()
        await app.aclose()


async def _opening(service: InterviewService, user_id: str, lang: str | None) -> Reply:
    """The first reply: the active interview resumed, or an offer to reopen the latest one.

    A finished interview that lacks required topics is offered back (``/continue`` or
    ``/restart``, the service's own reply to a user with no active interview); otherwise a new
    interview begins.
    """
    from grant_interviewer.errors import SessionNotFoundError

    try:
        latest = await service.status(user_id)
    except SessionNotFoundError:
        latest = None
    if latest is not None and latest.finished:
        offer = await service.handle(user_id, "/start")
        if offer.actions:
            return offer
    return await service.start(user_id, lang=lang)


def resume_command(user_id: str) -> str:
    """The shell command that resumes this chat, as it can be typed in a new shell.

    ``grant-interviewer`` when that name on PATH is the program running now; otherwise the path
    this program was started by (a venv that is not activated), so the line works as printed.
    """
    program = PROGRAM
    started = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if started and os.path.isfile(started) and not started.endswith(".py"):
        found = shutil.which(PROGRAM)
        try:
            same = found is not None and os.path.samefile(found, started)
        except OSError:
            same = False
        if not same:
            program = shlex.quote(os.path.abspath(started))
    return f"{program} chat --user {shlex.quote(user_id)}"


def _saved(console: Console, lang: str, user_id: str) -> None:
    # soft_wrap: a long path is never broken by an inserted newline, so it can be copied whole
    line = Text(f"{_words(lang)['saved']} {resume_command(user_id)}", style="dim")
    console.print(line, soft_wrap=True)
