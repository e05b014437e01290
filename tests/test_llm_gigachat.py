"""GigaChat through the real gigachat SDK against a fake OAuth + chat server on 127.0.0.1: one
token per process, the one-stream limit respected by every interview at once, failures fall back
within the budget."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fake_llm import FakeGigaChat, llm_settings, reset_llm_registries, warm_offline_analyzer
from grant_interviewer.bootstrap import build_app
from grant_interviewer.errors import ConfigurationError
from grant_interviewer.simulation import load_persona, simulate

PERSONAS = Path(__file__).resolve().parent.parent / "examples" / "personas"


@pytest.fixture
async def fake() -> AsyncIterator[FakeGigaChat]:
    """A fake GigaChat (OAuth and chat) enforcing one stream, like a personal account."""
    reset_llm_registries()
    await warm_offline_analyzer()
    server = await FakeGigaChat(streams=1).serve()
    yield server
    await server.stop()
    reset_llm_registries()


async def test_ten_interviews_share_one_stream_and_one_token(
    fake: FakeGigaChat, tmp_path: Path
) -> None:
    """Ten interviews at once on a 1-stream account: the provider never sees a second concurrent
    request (no 429 provoked), one OAuth token serves all, no reply waits past its budget."""
    budget = 2.0
    fake.delay = 0.03
    app = await build_app(llm_settings(fake, tmp_path / "data", llm_timeout=budget,
                                       max_questions=5), export_dir=None, retriever=False)
    persona = load_persona(PERSONAS / "cooperative_ru.yaml")
    try:
        reports = await asyncio.gather(*(
            simulate(app.service, persona, user_id=f"tg:{n}", typing_delay=0.01)
            for n in range(10)))
        states = [await app.service.find(r.session_id) for r in reports]
    finally:
        await app.aclose()
    assert all(r.finished for r in reports)
    assert fake.over_limit == 0 and 429 not in fake.statuses
    assert fake.max_in_flight == 1
    assert fake.tokens_issued == 1
    waits = [t["reply_ms"] for r in reports for t in r.turns if "reply_ms" in t]
    assert max(waits) <= (budget + 2.0) * 1000  # our own part bounded generously for CI
    writers = [t.writer for s in states for t in s.turns[1:]]
    assert sum(w.startswith("gigachat:") for w in writers) > len(writers) // 2


@pytest.mark.parametrize("behaviour", ["429", "529", "slow", "malformed", "echo"])
async def test_gigachat_failures_fall_back_to_templates(
    fake: FakeGigaChat, tmp_path: Path, behaviour: str
) -> None:
    """GigaChat failing or misbehaving: template questions, the interview completes."""
    fake.default = behaviour
    fake.retry_after = 0.05
    app = await build_app(llm_settings(fake, tmp_path / "data", llm_timeout=0.4,
                                       max_questions=4, llm_breaker_failures=100),
                          export_dir=None, retriever=False)
    try:
        report = await simulate(app.service, load_persona(PERSONAS / "cooperative_ru.yaml"),
                                user_id="u1")
        state = await app.service.find(report.session_id)
    finally:
        await app.aclose()
    assert report.finished
    assert all(t.writer == "template" for t in state.turns)
    assert fake.requests


async def test_an_expired_token_is_refreshed_once(fake: FakeGigaChat, tmp_path: Path) -> None:
    """A token that expires is refreshed by the shared client, not fetched per interview."""
    fake.token_ttl_ms = 1  # already within the SDK's refresh margin when it arrives
    app = await build_app(llm_settings(fake, tmp_path / "data", llm_prefetch=False,
                                       max_questions=4), export_dir=None, retriever=False)
    try:
        await simulate(app.service, load_persona(PERSONAS / "cooperative_ru.yaml"), user_id="u1")
    finally:
        await app.aclose()
    chats = len(fake.requests)
    assert fake.tokens_issued == chats  # a fresh token before each call, as the SDK should


def test_gigachat_needs_its_authorization_key(tmp_path: Path) -> None:
    """llm_provider=gigachat without credentials is a configuration error naming the setting."""
    from grant_interviewer.adapters.llm import build_chat_client
    from grant_interviewer.settings import Settings

    settings = Settings(data_dir=tmp_path, llm_provider="gigachat")
    with pytest.raises(ConfigurationError, match="GIGACHAT_CREDENTIALS"):
        build_chat_client(settings)


def test_tls_verification_is_never_silently_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Turning verification off logs a warning; a CA bundle that is not a file is an error."""
    from grant_interviewer.adapters.llm import build_chat_client
    from grant_interviewer.settings import Settings

    key = "Y2xpZW50OnNlY3JldA=="
    with caplog.at_level(logging.WARNING):
        build_chat_client(Settings(data_dir=tmp_path, llm_provider="gigachat",
                                   gigachat_credentials=key, llm_verify_tls=False))
    assert "verification of the LLM provider is OFF" in caplog.text
    with pytest.raises(ConfigurationError, match="CA_BUNDLE"):
        build_chat_client(Settings(data_dir=tmp_path, llm_provider="gigachat",
                                   gigachat_credentials=key,
                                   llm_ca_bundle=tmp_path / "missing.pem"))
    assert Settings(data_dir=tmp_path).llm_verify_tls is True
