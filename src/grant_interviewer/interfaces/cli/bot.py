"""``grant-interviewer bot``: the Telegram bot, by long polling or behind a webhook.

Any error that escapes the bot is reported in one line with the token masked (aiohttp errors may
quote a request URL, and aiogram puts the token into every URL); the traceback goes to the log,
masked as well.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from grant_interviewer.errors import ConfigurationError

if TYPE_CHECKING:
    from grant_interviewer.settings import Settings

logger = logging.getLogger(__name__)


def check_webhook_options(url: str, listen: str) -> str | None:
    """What is wrong with ``--webhook URL --listen HOST:PORT``, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return f"--webhook must be an http(s) URL, not {url!r}"
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        return f"--listen must be HOST:PORT, not {listen!r}"
    return None


async def run_bot(settings: Settings, *, webhook: str | None, listen: str) -> int:
    """Build the bot and run it until stopped; returns the exit code."""
    from grant_interviewer.bootstrap import build_telegram, telegram_token

    token = telegram_token(settings)  # before anything else: a missing token is one line
    tbot = await build_telegram(settings)
    try:
        if webhook is None:
            from grant_interviewer.interfaces.telegram.runner import run_polling

            await run_polling(tbot)
        else:
            from grant_interviewer.interfaces.telegram.runner import derived_secret, run_webhook

            configured = settings.telegram_webhook_secret
            secret = configured.get_secret_value() if configured else derived_secret(token)
            await run_webhook(tbot, url=webhook, listen=listen, secret=secret)
        return 0
    except Exception as exc:
        logger.error("the bot stopped", exc_info=exc)  # masked by the bot's redactor
        raise ConfigurationError(
            f"the bot stopped: {tbot.redactor.redact(f'{type(exc).__name__}: {exc}')}"
        ) from None
    finally:
        await tbot.aclose()
