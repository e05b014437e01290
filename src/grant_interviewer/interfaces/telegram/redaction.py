"""Keep the bot token out of logs and error messages.

aiogram puts the token into every request URL (``…/bot<token>/sendMessage``), and aiohttp errors
quote the URL (``TooManyRedirects``, ``InvalidURL``…), which aiogram copies into its own exception
messages and logs ("Failed to fetch updates - TelegramNetworkError: …"). :class:`TokenRedactor`
replaces the token in every log record of the process, its exception text and stack included,
as the record is created (a log-record factory, so handlers added later are covered too), and
:func:`redact` does the same for a message shown to the operator.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

MASK = "<telegram-token>"


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret (and its URL-encoded form) replaced by a mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK).replace(secret.replace(":", "%3A"), MASK)
    return text


class TokenRedactor:
    """Installs a log-record factory that masks the token; a context manager (restores it)."""

    def __init__(self, token: str) -> None:
        # The whole token, and its secret half: the numeric bot id before ':' is public.
        secret_part = token.partition(":")[2]
        self._secrets = tuple(s for s in (token, secret_part) if len(s) >= 8)
        self._previous: Callable[..., logging.LogRecord] | None = None

    def redact(self, text: str) -> str:
        """Mask the token in ``text``."""
        return redact(text, self._secrets)

    def install(self) -> None:
        """Mask the token in every log record created from now on."""
        if self._previous is not None:
            return
        previous = logging.getLogRecordFactory()
        self._previous = previous

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            self._scrub(record)
            return record

        logging.setLogRecordFactory(factory)

    def uninstall(self) -> None:
        """Restore the previous record factory."""
        if self._previous is not None:
            logging.setLogRecordFactory(self._previous)
            self._previous = None

    def _scrub(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: let the handler report it as usual
            return
        exception = ""
        if record.exc_info and record.exc_info[1] is not None:
            # The traceback is formatted here, masked, and made part of the message: no handler
            # gets the raw exception (whose text may quote a request URL) to format again.
            exception = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        clean = self.redact(f"{message}\n{exception}" if exception else message)
        if exception or clean != message:
            record.msg, record.args = clean, None
            record.exc_info, record.exc_text = None, None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)

    def __enter__(self) -> TokenRedactor:
        self.install()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.uninstall()
