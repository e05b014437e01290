"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the bot.

It speaks the HTTP API aiogram's real client uses (``POST /bot<token>/<method>`` with form or
multipart data) and keeps what a test needs to look at:

* updates the test "sends" as a user (``say``, ``tap``, ``push``), served by long-poll
  ``getUpdates`` with Telegram's offset semantics (an update is confirmed by a later offset);
* what the bot sent: messages (HTML checked as strictly as Telegram does, the 4,096-character
  limit enforced), chat actions, documents (multipart with ``attach://``), callback answers,
  edits, the command menus, webhook calls;
* scripted flood control: ``flood(method, retry_after)`` makes the next call of a method
  answer 429 with ``retry_after``;
* held calls: after ``hold(method)`` every call of the method waits (it is in ``held``, the bot's
  turn hangs on it) until ``unhold(method)`` lets the later calls through — the held ones never
  get an answer, so a test can kill the bot mid-turn deterministically;
* ``redeliver(update)``: an update queued again with its old ``update_id``, as Telegram does when
  the bot never confirmed it; ``confirmed`` is the offset the bot has confirmed up to.

Tests wait for what they expect with :meth:`FakeTelegram.wait_for` (a condition notified on
every request), never with sleeps.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456789:AAHfakeTokenForTests-0123456789abcdef"
BOT_ID = 123456789
LIMIT = 4096

_TAG = re.compile(r"</?(b|strong|i|em|u|ins|s|strike|del|code|pre|tg-spoiler|blockquote)>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class BadRequest(Exception):
    """A request Telegram would refuse with 400."""


def parse_html(text: str) -> str:
    """The displayed text of an HTML-mode message; BadRequest as Telegram would refuse it."""
    bare = _TAG.sub("", text)
    if "<" in bare or ">" in bare:
        raise BadRequest("Bad Request: can't parse entities: unsupported start tag")
    if "&" in _ENTITY.sub("", bare):
        raise BadRequest("Bad Request: can't parse entities: unescaped '&'")
    return html.unescape(bare)


def utf16_len(text: str) -> int:
    """Telegram's length: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Sent:
    """A message the bot sent (``text`` as the person sees it)."""

    chat_id: int
    message_id: int
    text: str
    raw: str
    parse_mode: str | None
    buttons: list[list[dict[str, Any]]]
    at: float


@dataclass
class Document:
    """A document the bot sent."""

    chat_id: int
    filename: str
    data: bytes
    caption: str | None
    at: float = 0.0


@dataclass
class FakeUser:
    """A Telegram user of the tests."""

    id: int
    first_name: str = "Анна"
    language_code: str = "ru"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name,
                "language_code": self.language_code}

    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


@dataclass
class FakeTelegram:
    """The fake Bot API server (``await start()`` gives its base URL)."""

    token: str = TOKEN
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    chat_actions: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    webhook: dict[str, Any] | None = None
    rejected: list[tuple[str, str]] = field(default_factory=list)
    delivered: list[int] = field(default_factory=list)  # update ids handed out by getUpdates
    held: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _holds: dict[str, asyncio.Event] = field(default_factory=dict)
    _floods: dict[str, list[int]] = field(default_factory=dict)
    _flooded: list[tuple[str, float]] = field(default_factory=list)
    _next_update: int = 1000
    _message_ids: dict[int, int] = field(default_factory=dict)
    _offset: int = 0
    _changed: asyncio.Condition | None = None
    _runner: web.AppRunner | None = None
    url: str = ""

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; returns the base URL for the bot."""
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ the test's side
    def flood(self, method: str, retry_after: int = 1) -> None:
        """The next call of ``method`` gets 429 Too Many Requests with ``retry_after``."""
        self._floods.setdefault(method, []).append(retry_after)

    def hold(self, method: str) -> None:
        """From now on, calls of ``method`` wait unanswered (see ``held``)."""
        self._holds.setdefault(method, asyncio.Event())

    def unhold(self, method: str) -> None:
        """Later calls of ``method`` are answered again; the held ones stay unanswered."""
        self._holds.pop(method, None)

    @property
    def confirmed(self) -> int:
        """Every update below this id is confirmed by the bot (the highest offset it sent)."""
        return self._offset

    async def redeliver(self, update: dict[str, Any]) -> None:
        """Queue ``update`` again as it was (same ``update_id``): an unconfirmed delivery."""
        assert self._changed is not None
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()

    @property
    def flooded(self) -> list[tuple[str, float]]:
        """(method, wall-clock time) of every 429 answered."""
        return self._flooded

    def _message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (its ``update_id`` is assigned here)."""
        assert self._changed is not None
        self._next_update += 1
        update = {"update_id": self._next_update, **update}
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()
        return update

    def message(self, user: FakeUser, text: str | None = None, *, date: int | None = None,
                **extra: Any) -> dict[str, Any]:
        """A message from ``user`` in their private chat, dated two seconds ahead: a person
        answers after reading the question (Telegram's dates have whole seconds, and the
        service takes a message dated within a second of the question as written before it)."""
        message: dict[str, Any] = {
            "message_id": self._message_id(user.id),
            "date": date if date is not None else int(time.time()) + 2,
            "chat": user.chat(),
            "from": user.as_dict(),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                word = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": len(word)}]
        message.update(extra)
        return message

    async def say(self, user: FakeUser, text: str, *, date: int | None = None) -> dict[str, Any]:
        """``user`` sends ``text``."""
        return await self.push({"message": self.message(user, text, date=date)})

    async def tap(self, user: FakeUser, sent: Sent, data: str) -> dict[str, Any]:
        """``user`` taps the button with callback ``data`` under the bot's message ``sent``."""
        datas = [b.get("callback_data") for row in sent.buttons for b in row]
        assert data in datas, f"no button {data!r} under the message; buttons: {datas}"
        message = {"message_id": sent.message_id, "date": int(sent.at), "chat": {
            "id": sent.chat_id, "type": "private", "first_name": user.first_name},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"}, "text": sent.text}
        return await self.push({"callback_query": {
            "id": f"cb{self._next_update}", "from": user.as_dict(), "chat_instance": "1",
            "message": message, "data": data}})

    def to(self, chat_id: int) -> list[Sent]:
        """Messages the bot sent to ``chat_id``, in order."""
        return [s for s in self.sent if s.chat_id == chat_id]

    def docs(self, chat_id: int) -> list[Document]:
        return [d for d in self.documents if d.chat_id == chat_id]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy (re-checked on every request); returns it."""
        assert self._changed is not None
        async with asyncio.timeout(timeout):
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
        return result

    async def replies(self, chat_id: int, count: int, timeout: float = 15.0) -> list[Sent]:  # noqa: ASYNC109
        """Wait until the bot has sent ``count`` messages to ``chat_id`` in all; returns them."""
        messages: list[Sent] = await self.wait_for(
            lambda: (m := self.to(chat_id)) and len(m) >= count and m, timeout)
        return messages

    # ------------------------------------------------------------------ the bot's side
    async def _handle(self, request: web.Request) -> web.Response:
        assert self._changed is not None
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_params(request)
        async with self._changed:
            self.calls.append((method, params))
            self._changed.notify_all()
        hold = self._holds.get(method)
        if hold is not None:
            async with self._changed:
                self.held.append((method, params))
                self._changed.notify_all()
            await hold.wait()  # never set: the server's cleanup cancels it
        floods = self._floods.get(method)
        if floods:
            retry_after = floods.pop(0)
            self._flooded.append((method, time.time()))
            return web.json_response({
                "ok": False, "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after}}, status=429)
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            result = handler(params, files)
        except BadRequest as exc:
            self.rejected.append((method, str(exc)))
            return _error(400, str(exc))
        async with self._changed:
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        assert self._changed is not None
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if offset:
            async with self._changed:
                self._offset = max(self._offset, offset)
                self.updates = [u for u in self.updates if u["update_id"] >= self._offset]
                self._changed.notify_all()
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not self.updates and time.monotonic() < deadline:
                try:
                    async with asyncio.timeout(deadline - time.monotonic()):
                        await self._changed.wait()
                except TimeoutError:
                    break
            batch = self.updates[:limit]
        self.delivered += [u["update_id"] for u in batch]
        return web.json_response({"ok": True, "result": batch})

    def _bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Grant Interviewer",
                "username": "grant_interviewer_test_bot"}

    def _m_getMe(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self._bot_user()

    def _m_deleteWebhook(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    def _m_setWebhook(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    def _m_setMyCommands(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        self.commands[params.get("language_code") or ""] = json.loads(params["commands"])
        return True

    def _m_sendChatAction(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        self.chat_actions.append(params)
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        self.callback_answers.append(params)
        return True

    def _shown(self, params: dict[str, Any]) -> str:
        raw = str(params.get("text", ""))
        shown = parse_html(raw) if params.get("parse_mode") == "HTML" else raw
        if not shown.strip():
            raise BadRequest("Bad Request: message text is empty")
        if utf16_len(shown) > LIMIT:
            raise BadRequest("Bad Request: message is too long")
        return shown

    def _m_sendMessage(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        shown = self._shown(params)
        markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else {}
        sent = Sent(chat_id=chat_id, message_id=self._message_id(chat_id), text=shown,
                    raw=str(params["text"]), parse_mode=params.get("parse_mode"),
                    buttons=markup.get("inline_keyboard", []), at=time.time())
        self.sent.append(sent)
        return {"message_id": sent.message_id, "date": int(sent.at), "text": shown,
                "chat": {"id": chat_id, "type": "private"}, "from": self._bot_user()}

    def _m_editMessageText(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        shown = self._shown(params)
        for sent in self.sent:
            if sent.chat_id == chat_id and sent.message_id == message_id:
                markup = json.loads(params["reply_markup"]) if params.get("reply_markup") else {}
                sent.text, sent.buttons = shown, markup.get("inline_keyboard", [])
                break
        else:
            raise BadRequest("Bad Request: message to edit not found")
        self.edits.append(params)
        return {"message_id": message_id, "date": int(time.time()), "text": shown,
                "chat": {"id": chat_id, "type": "private"}, "from": self._bot_user()}

    def _m_sendDocument(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        ref = str(params.get("document", ""))
        if not ref.startswith("attach://") or ref[len("attach://"):] not in files:
            raise BadRequest("Bad Request: document must be uploaded with attach://")
        filename, data = files[ref[len("attach://"):]]
        self.documents.append(Document(chat_id, filename, data, params.get("caption"), time.time()))
        return {"message_id": self._message_id(chat_id), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"}, "from": self._bot_user(),
                "document": {"file_id": f"f{len(self.documents)}", "file_unique_id": "u",
                             "file_name": filename}}


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """Form fields as strings and uploaded files as (filename, bytes)."""
    if request.content_type == "application/json":
        return dict(await request.json()), {}
    params: dict[str, Any] = {}
    files: dict[str, Any] = {}
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = (value.filename, value.file.read())
        else:
            params[key] = value if isinstance(value, str) else bytes(value).decode()
    return params, files


def _error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description},
                             status=status)
