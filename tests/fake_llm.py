"""Fake LLM providers on 127.0.0.1 for tests and benches: OpenAI chat completions and GigaChat
(OAuth + chat), with scripted behaviours.

A *behaviour* decides one chat request: ``normal`` (a sensible question built from the prompt's
topic lines), ``slow`` (never answers in time), ``429`` (with ``Retry-After``), ``500``,
``529``, ``malformed`` (broken JSON), ``empty``, ``wrong_language``, ``duplicate`` (repeats the
latest asked question), ``echo`` (recites the rules), ``invented`` (a number nobody gave),
``json:<text>`` (that content verbatim). ``script`` is consumed one behaviour per request, then
``default`` applies. The GigaChat fake enforces ``streams`` like the real personal scope: a
request beyond it gets 429, counted in ``over_limit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_TOPIC = re.compile(r"^(?:Тема вопроса|Topic of the question): (.+)$", re.MULTILINE)
_ABOUT = re.compile(r"^(?:Что нужно узнать|What to find out): (.+)$", re.MULTILINE)
_PERSON = re.compile(r"^(?:Собеседник|The person): ([^;]+);", re.MULTILINE)
_MISSING = re.compile(r"(?:не хватило|lacked): (.+?)\.$", re.MULTILINE)
_ASKED = re.compile(r"^- (.+)$", re.MULTILINE)


def question_for(prompt: str) -> str:
    """What a well-behaved model would ask for this user prompt."""
    topic = _TOPIC.search(prompt)
    about = _ABOUT.search(prompt)
    person = _PERSON.search(prompt)
    missing = _MISSING.search(prompt)
    english = prompt.startswith("Topic of the question")
    title = topic.group(1) if topic else "?"
    what = (about.group(1) if about else "").rstrip(".?! ")
    what = what[:1].lower() + what[1:]
    name = person.group(1).strip() if person else ""
    known = name not in ("", "не указано", "not given")
    if missing:
        lack = missing.group(1).rstrip(".")
        if english:
            return f"Let us add a detail on “{title}”: {lack}?"
        return f"Давайте уточним тему «{title}»: {lack}?"
    if english:
        return f"{name + ', ' if known else ''}tell me about “{title}”: {what}?"
    return f"{name + ', ' if known else ''}расскажите о теме «{title}»: {what}?"


@dataclass
class FakeLLM:
    """Shared behaviour and bookkeeping of both fakes."""

    default: str = "normal"
    delay: float = 0.0  # seconds a normal answer takes (the "model time")
    retry_after: float = 0.1
    streams: int | None = None  # enforced concurrency (GigaChat personal: 1)
    script: deque[str] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    over_limit: int = 0
    tokens_issued: int = 0
    statuses: list[int] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def then(self, *behaviours: str) -> FakeLLM:
        """Queue behaviours for the next requests."""
        self.script.extend(behaviours)
        return self

    def _next(self) -> str:
        return self.script.popleft() if self.script else self.default

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, routes: Iterable[web.RouteDef]) -> None:
        app = web.Application()
        app.add_routes(list(routes))
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _chat(self, request: web.Request) -> tuple[int, dict[str, str], str | None, str]:
        """(status, headers, content or None for an error body, raw body) of one request."""
        body = await request.json()
        self.requests.append(body)
        messages = body.get("messages") or []
        prompt = messages[-1]["content"] if messages else ""
        behaviour = self._next()
        if behaviour == "slow":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), timeout=60)
            return 200, {}, "Слишком поздно?", ""
        if behaviour in ("429", "500", "529", "503"):
            headers = {"Retry-After": f"{self.retry_after}"} if behaviour == "429" else {}
            return int(behaviour), headers, None, '{"error": {"message": "scripted"}}'
        if behaviour == "malformed":
            return 200, {}, None, '{"choices": [ {"message": '
        if self.delay:
            await asyncio.sleep(self.delay)  # the model "thinks"
        if behaviour == "empty":
            return 200, {}, "", ""
        if behaviour == "wrong_language":
            english = prompt.startswith("Topic of the question")
            text = ("Расскажите подробнее о вашем проекте?" if english
                    else "Could you tell me more about your project, please?")
            return 200, {}, text, ""
        if behaviour == "duplicate":
            asked = _ASKED.findall(prompt.split("(не повторяй их):")[-1].split(
                "(do not repeat them):")[-1])
            return 200, {}, asked[-1] if asked else question_for(prompt), ""
        if behaviour == "echo":
            system = messages[0]["content"] if messages else ""
            rule = next((line for line in system.splitlines() if line.startswith("5.")), system)
            return 200, {}, rule.rstrip(".") + "?", ""
        if behaviour == "invented":
            return 200, {}, "Вы писали, что бюджет 7 777 777 рублей: на что он пойдёт?", ""
        if behaviour.startswith("json:"):
            return 200, {}, behaviour[5:], ""
        return 200, {}, question_for(prompt), ""


class FakeOpenAI(FakeLLM):
    """``POST /v1/chat/completions`` as an OpenAI-compatible server answers it."""

    async def serve(self) -> FakeOpenAI:
        await self.start([web.post("/v1/chat/completions", self._completions)])
        return self

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    async def _completions(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            status, headers, content, raw = await self._chat(request)
        finally:
            self.in_flight -= 1
        self.statuses.append(status)
        if content is None:
            return web.Response(status=status, headers=headers, text=raw,
                                content_type="application/json")
        payload = {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": "fake-model",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
        return web.json_response(payload, status=status, headers=headers)


class FakeGigaChat(FakeLLM):
    """GigaChat: ``POST /api/v2/oauth`` (Basic credentials → token) and
    ``POST /api/v1/chat/completions`` (Bearer token), with a streams limit."""

    token_ttl_ms: int = 30 * 60 * 1000

    async def serve(self) -> FakeGigaChat:
        await self.start([web.post("/api/v2/oauth", self._oauth),
                          web.post("/api/v1/chat/completions", self._completions)])
        return self

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def auth_url(self) -> str:
        return f"{self.url}/api/v2/oauth"

    async def _oauth(self, request: web.Request) -> web.Response:
        form = await request.post()
        if not request.headers.get("Authorization", "").startswith("Basic ") or not form.get(
            "scope"
        ):
            return web.json_response({"message": "bad credentials"}, status=401)
        self.tokens_issued += 1
        expires = int(time.time() * 1000) + self.token_ttl_ms
        return web.json_response({"access_token": f"tok-{self.tokens_issued}",
                                  "expires_at": expires})

    async def _completions(self, request: web.Request) -> web.Response:
        if not request.headers.get("Authorization", "").startswith("Bearer tok-"):
            return web.json_response({"message": "no token"}, status=401)
        if self.streams is not None and self.in_flight >= self.streams:
            self.over_limit += 1
            self.statuses.append(429)
            return web.json_response({"message": "too many requests"}, status=429,
                                     headers={"Retry-After": "1"})
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            status, headers, content, raw = await self._chat(request)
        finally:
            self.in_flight -= 1
        self.statuses.append(status)
        if content is None:
            return web.Response(status=status, headers=headers, text=raw,
                                content_type="application/json")
        payload = {
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "created": int(time.time()), "model": "GigaChat:fake", "object": "chat.completion",
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
        return web.json_response(payload, status=status, headers=headers)


def dumps(value: Any) -> str:
    """Stable JSON for golden files."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


GIGACHAT_KEY = "Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ="  # base64("client-id:client-secret"), fake


def reset_llm_registries() -> None:
    """Forget process-wide limiters, guards and SDK clients (each test has its own loop)."""
    from grant_interviewer.adapters.llm.gigachat import reset_clients
    from grant_interviewer.adapters.llm.guard import reset_guards
    from grant_interviewer.adapters.llm.limits import reset_limiters

    reset_limiters()
    reset_guards()
    reset_clients()


def llm_settings(fake: FakeLLM, data_dir: Any, **overrides: Any) -> Any:
    """Settings for the service against ``fake`` (retrieval off, no exports)."""
    from grant_interviewer.settings import Settings

    options: dict[str, Any] = {"data_dir": data_dir, "embedding_backend": "none"}
    if isinstance(fake, FakeGigaChat):
        options |= {"llm_provider": "gigachat", "llm_url": fake.base_url,
                    "gigachat_auth_url": fake.auth_url, "gigachat_credentials": GIGACHAT_KEY}
    else:
        options |= {"llm_provider": "openai", "llm_url": fake.base_url,
                    "llm_model": "fake-model", "llm_api_key": "sk-test"}
    options |= overrides
    return Settings(**options)


def serve_forever() -> None:  # pragma: no cover - used by benches as a separate process
    """``python tests/fake_llm.py openai|gigachat [delay]``: serve until killed; prints the port.

    Benches run the fake in its own process so its work is not counted as ours.
    """
    import sys

    kind = sys.argv[1] if len(sys.argv) > 1 else "openai"
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0

    async def run() -> None:
        fake = FakeGigaChat(delay=delay) if kind == "gigachat" else FakeOpenAI(delay=delay)
        await fake.serve()
        print(fake.port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(run())


if __name__ == "__main__":  # pragma: no cover
    serve_forever()


async def warm_offline_analyzer() -> None:
    """Load the offline analyzer's morphology first, so a timed turn times the writer, not the
    one-off dictionary load (which the service bounds on its own)."""
    from grant_interviewer.adapters.nlp.resources import get_resources

    resources = get_resources()
    resources.start()
    await asyncio.to_thread(resources.wait, 60.0)
