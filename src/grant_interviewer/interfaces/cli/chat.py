"""The terminal chat: a rich console over :class:`InterviewService`.

Input is read by a daemon thread and handed to the event loop through a queue, so the loop keeps
running (the model loads in the background while the person types) and Ctrl-C / Ctrl-D end the
chat at once. Every answer is already committed when the next question shows, so quitting loses
nothing; running ``chat`` again with the same user resumes.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from grant_interviewer.service import Reply

if TYPE_CHECKING:
    from grant_interviewer.settings import Settings

_EOF = object()


def _reader(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[object]) -> None:
    """Read stdin lines in a daemon thread and post them to the loop (``_EOF`` at the end)."""
    while True:
        try:
            line = sys.stdin.readline()
        except (OSError, ValueError, UnicodeDecodeError):
            line = ""
        if not line:
            loop.call_soon_threadsafe(queue.put_nowait, _EOF)
            return
        loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))


def render(console: Console, reply: Reply) -> None:
    """Show a reply: notices and the question in a panel with the progress.

    The text is shown literally (an answer quoted back such as ``[draft]`` is not rich markup).
    """
    style = {"error": "yellow", "finished": "green", "info": "blue"}.get(reply.kind, "cyan")
    progress = f"{reply.done}/{reply.total}" if reply.total else ""
    kb = " · kb" if reply.kb_context else ""
    console.print(
        Panel(
            Text(reply.text), border_style=style, subtitle=f"{progress}{kb}", subtitle_align="right"
        )
    )
    if reply.actions:
        console.print(Text("  ·  ".join(f"{a.command} — {a.label}" for a in reply.actions),
                           style="dim"))


async def run_chat(settings: Settings, *, user_id: str, lang: str | None) -> int:
    """Run the interactive interview; returns the process exit code."""
    from grant_interviewer.bootstrap import build_app

    console = Console(highlight=False)
    app = await build_app(settings)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    threading.Thread(target=_reader, args=(loop, queue), daemon=True, name="stdin").start()
    spoken = lang or settings.lang  # the interview's language once known (a resumed one keeps it)
    try:
        reply = await app.service.start(user_id, lang=lang)
        spoken = reply.lang
        render(console, reply)
        hint = (
            "Команды: /skip /back /status /finish /restart /help"
            if spoken == "ru"
            else "Commands: /skip /back /status /finish /restart /help"
        )
        console.print(f"[dim]{hint}[/]")
        while not reply.finished:
            console.print("[bold]›[/] ", end="")
            line = await queue.get()
            if line is _EOF:
                console.print()
                _saved(console, spoken, user_id)
                return 0
            assert isinstance(line, str)
            reply = await app.service.handle(user_id, line)
            render(console, reply)
        files = await app.service.write_exports(reply.session_id)
        for path in files:
            console.print(f"  • {escape(str(path))}")
        return 0
    except (KeyboardInterrupt, asyncio.CancelledError):
        console.print()
        _saved(console, spoken, user_id)
        return 130
    finally:
        await app.aclose()


def _saved(console: Console, lang: str, user_id: str) -> None:
    user_id = escape(user_id)
    if lang == "ru":
        console.print(
            f"[dim]Ответы сохранены. Продолжить: grant-interviewer chat --user {user_id}[/]"
        )
    else:
        console.print(
            f"[dim]Answers saved. Resume with: grant-interviewer chat --user {user_id}[/]"
        )
