"""Starting the bot: the token is required and never shown, the extra is hinted, options checked."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("aiogram")

from aiohttp import web

from fake_telegram import TOKEN
from grant_interviewer.errors import ConfigurationError, MissingExtraError
from grant_interviewer.interfaces.cli.app import app
from grant_interviewer.interfaces.telegram.redaction import MASK, TokenRedactor
from grant_interviewer.settings import Settings

SECRET_HALF = TOKEN.partition(":")[2]


def test_bot_without_a_token_is_one_clear_line() -> None:
    """`grant-interviewer bot` with no token: exit 1 and one line naming the variable."""
    result = CliRunner().invoke(app, ["bot"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "GRANT_INTERVIEWER_TELEGRAM_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.output


def test_a_malformed_token_is_refused_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value that is not a bot token is refused and not repeated."""
    monkeypatch.setenv("GRANT_INTERVIEWER_TELEGRAM_BOT_TOKEN", "not-a-token-s3cr3t")
    result = CliRunner().invoke(app, ["bot"])
    assert result.exit_code == 1 and "s3cr3t" not in result.output
    assert "is not a bot token" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--webhook", "ftp://x", "--listen", "127.0.0.1:8080"], "--webhook must be"),
    (["--webhook", "https://bot.example.org/tg", "--listen", "8080"], "--listen must be"),
])
def test_webhook_options_are_checked(args: list[str], message: str) -> None:
    """Bad --webhook / --listen values are one-line errors (exit 2)."""
    result = CliRunner().invoke(app, ["bot", *args])
    assert result.exit_code == 2 and message in result.output


async def test_missing_extra_gives_the_pip_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without aiogram installed the error says: pip install 'grant-interviewer[telegram]'."""
    from grant_interviewer.bootstrap import build_telegram

    prefixes = ("aiogram", "grant_interviewer.interfaces.telegram")
    for name in [m for m in sys.modules if m.startswith(prefixes)]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "aiogram", None)  # import aiogram → ImportError
    with pytest.raises(MissingExtraError, match=r"grant-interviewer\[telegram\]"):
        await build_telegram(Settings(telegram_bot_token=TOKEN))


def test_redactor_masks_messages_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    """Log records never carry the token: message, %-arguments, exception text and traceback."""
    log = logging.getLogger("grant_interviewer.test_redaction")
    with TokenRedactor(TOKEN), caplog.at_level(logging.DEBUG):
        log.warning("url http://api/bot%s/getMe", TOKEN)
        log.info("secret half %s", SECRET_HALF)
        try:
            raise RuntimeError(f"POST http://api/bot{TOKEN.replace(':', '%3A')}/sendMessage")
        except RuntimeError:
            log.exception("request failed")
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in text and SECRET_HALF not in text
    assert text.count(MASK) >= 4 and "RuntimeError" in text and "Traceback" in text
    log.warning("after %s", TOKEN)  # uninstalled: other code is not affected
    assert TOKEN in caplog.records[-1].getMessage()


@pytest.fixture
async def redirect_loop() -> AsyncIterator[str]:
    """A Bot API that answers every request with a redirect to itself (aiohttp's
    TooManyRedirects then quotes the request URL, token included)."""
    async def handler(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(location=str(request.rel_url))

    application = web.Application()
    application.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_a_failing_api_never_shows_the_token(
    redirect_loop: str, isolated_settings: Path, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An HTTP error that quotes the request URL: the error and every log line are masked."""
    from grant_interviewer.interfaces.cli.bot import run_bot

    settings = Settings(data_dir=isolated_settings, telegram_bot_token=TOKEN,
                        telegram_api_url=redirect_loop, embedding_backend="none")
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigurationError) as raised:
        await run_bot(settings, webhook=None, listen="127.0.0.1:0")
    shown = str(raised.value) + caplog.text + "".join(r.getMessage() for r in caplog.records)
    shown += "".join(capsys.readouterr())
    assert "TooManyRedirects" in shown and MASK in shown
    assert SECRET_HALF not in shown
    assert len(str(raised.value).splitlines()) == 1
