"""The ``grant-interviewer`` command line: chat, simulate, export, kb, sessions, bot.

Only typer, rich and the settings are imported at module level; every command imports what it
needs when it runs, so ``grant-interviewer --help`` stays fast. Every command starts with
:func:`~grant_interviewer.interfaces.cli.common.cli_settings` (settings, logging).
"""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from grant_interviewer.interfaces.cli.common import cli_settings, pause_gc, print_error, resume_gc

app = typer.Typer(
    name="grant-interviewer",
    help="Interview a grant applicant and produce the application questionnaire (анкета).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

logger = logging.getLogger(__name__)

LangOption = Annotated[
    str | None, typer.Option("--lang", "-l", help="Interview language: ru or en.")
]


def _fail(message: object, code: int = 2) -> NoReturn:
    print_error(message)
    raise typer.Exit(code)


def _check_lang(lang: str | None) -> str | None:
    if lang is not None and lang not in ("ru", "en"):
        _fail(f"unknown language {lang!r}: use ru or en")
    return lang


@app.command()
def chat(
    lang: LangOption = None,
    user: Annotated[
        str | None, typer.Option("--user", "-u", help="Your user id (default: OS user name).")
    ] = None,
) -> None:
    """Start or resume an interview in the terminal."""
    from grant_interviewer.errors import GrantInterviewerError
    from grant_interviewer.interfaces.cli.chat import run_chat

    settings = cli_settings(keep_gc_paused=True)  # resumed once the first question shows
    try:
        code = asyncio.run(
            run_chat(settings, user_id=user or _default_user(), lang=_check_lang(lang))
        )
    except GrantInterviewerError as exc:
        _fail(exc)
    raise typer.Exit(code)


@app.command()
def simulate(
    persona: Annotated[Path, typer.Option("--persona", "-p", help="Persona YAML file.")],
    lang: LangOption = None,
    typing_delay: Annotated[
        float, typer.Option("--typing-delay", min=0.0, max=60.0, help="Seconds per answer.")
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: a throw-away SQLite file)."),
    ] = None,
    export_dir: Annotated[
        Path | None,
        typer.Option("--export-dir", help="Write the finished questionnaire (md, json, docx) "
                     "into this folder (default: write no files)."),
    ] = None,
) -> None:
    """Run a whole interview against a simulated applicant and print the transcript."""
    from grant_interviewer.errors import GrantInterviewerError

    settings = cli_settings()
    try:
        report = asyncio.run(
            _simulate(settings, persona, _check_lang(lang), typing_delay, database, as_json,
                      export_dir)
        )
    except GrantInterviewerError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    elif export_dir is not None:
        for path in sorted(export_dir.glob(f"anketa-{report['session_id']}.*")):
            typer.echo(f"written: {path}")


async def _simulate(
    settings: Any,
    persona_path: Path,
    lang: str | None,
    typing_delay: float,
    database: str | None,
    as_json: bool,
    export_dir: Path | None = None,
) -> dict[str, Any]:
    import dataclasses
    import tempfile

    from rich.console import Console
    from rich.markup import escape

    from grant_interviewer.bootstrap import build_app
    from grant_interviewer.domain.packs import load_pack
    from grant_interviewer.simulation import load_persona, simulate

    persona = load_persona(persona_path, known_ids=load_pack(lang or "ru").ids)
    if lang:
        persona = dataclasses.replace(persona, lang=lang)
    console = Console(stderr=as_json, highlight=False)
    with tempfile.TemporaryDirectory(prefix="gi-sim-") as tmp:
        url = database or f"sqlite+aiosqlite:///{Path(tmp) / 'simulation.sqlite3'}"
        sim_settings = settings.model_copy(update={"database_url": url})
        app_ = await build_app(sim_settings, export_dir=export_dir)  # None: no files
        try:

            def show(turn: dict[str, Any]) -> None:
                if as_json:
                    return
                kb = escape(" [kb]") if turn["kb_context"] else ""
                topic = escape(str(turn["reference_point"] or "name"))
                console.print(f"[bold cyan]Q ({topic}){kb}:[/] {escape(str(turn['question']))}")
                console.print(f"[green]A:[/] {escape(str(turn['answer']))}\n")

            report = await simulate(
                app_.service,
                persona,
                user_id=f"sim:{persona.name}",
                typing_delay=typing_delay,
                on_turn=show,
            )
        finally:
            await app_.aclose()
    if not as_json:
        status = "finished" if report.finished else "not finished"
        missing = ", ".join(str(m["id"]) for m in report.missing) or "nothing"
        console.print(
            f"[bold]{status}[/] after {report.questions} questions; missing: {escape(missing)}"
        )
    return report.to_dict()


@app.command()
def export(
    session_or_user: Annotated[str, typer.Argument(help="A session id or a user id.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, json or docx.")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Export the questionnaire of a session (or a user's latest session)."""
    from grant_interviewer.errors import GrantInterviewerError

    if fmt not in ("md", "json", "docx"):
        _fail(f"unknown format {fmt!r}: use md, json or docx")
    if fmt == "docx" and output is None:
        _fail("DOCX is binary: give a file with -o FILE.docx")
    settings = cli_settings()
    try:
        data = asyncio.run(_export(settings, session_or_user, fmt))
    except GrantInterviewerError as exc:
        _fail(exc)
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    _write_atomic(output, data)
    typer.echo(f"Written {output} ({len(data)} bytes)")


async def _export(settings: Any, session_or_user: str, fmt: str) -> bytes:
    from grant_interviewer.bootstrap import build_app

    app_ = await build_app(settings, retriever=False)
    try:
        return await app_.service.export(session_or_user, fmt)
    finally:
        await app_.aclose()


@app.command()
def sessions(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000)] = 20,
) -> None:
    """List recent interviews."""
    from grant_interviewer.errors import GrantInterviewerError

    settings = cli_settings()
    try:
        rows = asyncio.run(_sessions(settings, limit))
    except GrantInterviewerError as exc:
        _fail(exc, code=1)
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table("session", "user", "lang", "status", "name", "questions", "updated")
    for row in rows:
        table.add_row(*[Text(str(v)) for v in row])
    Console().print(table)


async def _sessions(settings: Any, limit: int) -> list[tuple[object, ...]]:
    from grant_interviewer.bootstrap import build_app

    app_ = await build_app(settings, retriever=False)
    try:
        states = await app_.repository.list_sessions(limit=limit)
    finally:
        await app_.aclose()
    return [
        (
            s.session_id,
            s.user_id,
            s.lang,
            s.status.value,
            s.name or "",
            len(s.turns),
            s.updated_at.strftime("%Y-%m-%d %H:%M"),
        )
        for s in states
    ]


@app.command()
def bot(
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="Public HTTPS URL Telegram posts updates to (webhook "
                     "mode); default: long polling."),
    ] = None,
    listen: Annotated[
        str, typer.Option("--listen", help="HOST:PORT the webhook server listens on.")
    ] = "127.0.0.1:8080",
) -> None:
    """Run the Telegram bot (long polling, or a webhook with --webhook URL --listen HOST:PORT)."""
    from grant_interviewer.errors import GrantInterviewerError

    settings = cli_settings()
    if webhook is not None:
        from grant_interviewer.interfaces.cli.bot import check_webhook_options

        problem = check_webhook_options(webhook, listen)
        if problem:
            _fail(problem)
    from grant_interviewer.interfaces.cli.bot import run_bot

    try:
        code = asyncio.run(run_bot(settings, webhook=webhook, listen=listen))
    except GrantInterviewerError as exc:
        _fail(exc, code=1)
    except KeyboardInterrupt:
        code = 130
    raise typer.Exit(code)


def _write_atomic(path: Path, data: bytes) -> None:
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "local"


def _mount_kb() -> None:
    try:
        from grant_interviewer.interfaces.cli.kb import kb_app
    except ImportError:  # pragma: no cover - kb sub-app missing in a broken install
        return
    app.add_typer(
        kb_app, name="kb", help="Manage the knowledge base (ingest, search, status, precompute)."
    )


_mount_kb()


def main() -> None:
    """Console-script entry point (the garbage collector paused while the command starts)."""
    pause_gc()
    try:
        app()
    finally:
        resume_gc()
