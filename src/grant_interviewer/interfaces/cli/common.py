"""What every ``grant-interviewer`` command shares: settings, logging and error output.

* :func:`cli_settings` is the first thing every command calls: it installs the stderr log handler
  (once per process), reads the settings (invalid values: one ``Error:`` line per variable, exit
  status 2, no traceback) and applies ``GRANT_INTERVIEWER_LOG_LEVEL``.
* :func:`print_error` prints ``Error: …`` to stderr; exception texts are escaped for rich, so
  ``pip install 'grant-interviewer[postgres]'`` keeps its brackets.

Only light modules are imported here (typer, rich); the settings (pydantic-settings, ~150 ms)
are imported when a command runs, so `--help` stays fast.
"""

from __future__ import annotations

import gc
import logging
import sys
from typing import TYPE_CHECKING, TextIO

import typer
from rich.console import Console
from rich.markup import escape

from grant_interviewer.errors import InvalidSettingsError

if TYPE_CHECKING:
    from grant_interviewer.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SETTINGS_EXIT_CODE = 2


class _StderrHandler(logging.StreamHandler[TextIO]):
    """A handler that writes to whatever ``sys.stderr`` is when a record is emitted.

    Test runners (and ``CliRunner``) replace ``sys.stderr``; a handler that kept the stream it was
    created with would write into a closed buffer.
    """

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: int | str | None = None) -> None:
    """Install the CLI's stderr handler on the root logger (once) and set the level if given."""
    root = logging.getLogger()
    if not any(isinstance(handler, _StderrHandler) for handler in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
    if level is not None:
        root.setLevel(level)


_gc_paused = False


def pause_gc() -> None:
    """Stop the cyclic garbage collector while a command starts (the console script's ``main``).

    Starting imports and builds ~140,000 objects that live as long as the process (modules,
    classes, SQLAlchemy and pydantic structures); the collector would run ~200 times over them
    before ``chat`` shows its first question, ~8 % of that time. :func:`resume_gc` turns it
    back on: every command except ``chat`` when its settings are read, ``chat`` once its first
    question is on screen.
    """
    global _gc_paused
    if gc.isenabled():
        gc.disable()
        _gc_paused = True


def resume_gc() -> None:
    """Turn the collector back on if :func:`pause_gc` stopped it (idempotent)."""
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.enable()


def cli_settings(*, keep_gc_paused: bool = False) -> Settings:
    """The settings for a command, with logging configured; exit 2 on invalid settings.

    The garbage collector is resumed here (:func:`resume_gc`) unless ``keep_gc_paused`` (the
    chat, which resumes it after its first question).
    """
    from grant_interviewer.settings import get_settings

    if not keep_gc_paused:
        resume_gc()

    configure_logging()  # so warnings raised while reading the settings are formatted
    try:
        settings = get_settings()
    except InvalidSettingsError as exc:
        for problem in exc.problems:
            print_error(problem)
        raise typer.Exit(SETTINGS_EXIT_CODE) from None
    configure_logging(settings.log_level)
    return settings


def print_error(message: object) -> None:
    """Print ``Error: <message>`` in red to stderr; the message is never read as rich markup."""
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"[bold red]Error:[/] {escape(str(message))}")
