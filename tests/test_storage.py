"""The SQL repository: one test class run on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from grant_interviewer.adapters.storage.repository import SqlRepository
from grant_interviewer.domain.model import (
    InterviewState,
    ProjectType,
    SessionStatus,
    TopicState,
    TopicStatus,
    Turn,
    UserLevel,
)
from grant_interviewer.errors import ConfigurationError, StorageError
from grant_interviewer.ports import Repository

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PERSONAS = Path(__file__).resolve().parent.parent / "examples" / "personas"
T0 = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)

Opener = Callable[[], Awaitable[SqlRepository]]


async def _postgres_or_skip() -> None:
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        reason = f"PostgreSQL at 127.0.0.1:5432 is unreachable ({type(exc).__name__}: {exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests")
        pytest.skip(reason)
    await conn.close()


async def _drop_schema(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("+asyncpg", ""))
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Open repositories on one fresh database (a SQLite file or a PostgreSQL schema)."""
    opened: list[SqlRepository] = []
    kwargs: dict[str, Any] = {}
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'dir' / 'interviews.sqlite3'}"
    else:
        await _postgres_or_skip()
        url = PG_URL
        kwargs["schema"] = f"test_{uuid.uuid4().hex[:16]}"

    async def open_repo() -> SqlRepository:
        repo = await SqlRepository.open(url, **kwargs)
        opened.append(repo)
        return repo

    yield open_repo
    for repo in opened:
        await repo.close()
    if "schema" in kwargs:
        await _drop_schema(kwargs["schema"])


@pytest.fixture
async def repo(opener: Opener) -> SqlRepository:
    """A repository on a fresh, migrated database."""
    return await opener()


def make_state(
    session_id: str | None = None, *, user_id: str = "u1", turns: int = 3, answered: bool = True
) -> InterviewState:
    """A state exercising every field: turns, topics, slots, enums and datetimes."""
    sid = session_id or uuid.uuid4().hex
    state = InterviewState(
        session_id=sid,
        user_id=user_id,
        lang="ru",
        pack_id="fpg-ru",
        name="Анна",
        level=UserLevel.EXPERT,
        project_type=ProjectType.EDUCATIONAL,
        slots={
            "requested_amount": {"amount": 1_500_000.0, "currency": "RUB"},
            "duration_months": 12,
            "region": "Республика Татарстан",
            "beneficiaries": 250,
        },
        topics={
            "problem": TopicState(
                status=TopicStatus.COMPLETE,
                answers=["Дети в сёлах без кружков"],
                followups=1,
                asked=2,
                covered_by_turn=1,
                missing=[],
            ),
            "budget": TopicState(status=TopicStatus.PARTIAL, answers=["1,5 млн"], missing=["co"]),
        },
        created_at=T0,
        updated_at=T0 + timedelta(minutes=5),
    )
    for i in range(turns):
        add_turn(state, answered=answered or i < turns - 1)
    return state


def add_turn(state: InterviewState, *, answered: bool = True, answer: str | None = None) -> Turn:
    """Append a turn (answered unless told otherwise) to ``state``."""
    i = len(state.turns)
    turn = Turn(
        index=i,
        kind="name" if i == 0 else "topic",
        reference_point=None if i == 0 else f"rp{i}",
        question=f"Вопрос №{i}?",
        asked_at=T0 + timedelta(minutes=i),
        answer=(answer or f"Ответ {i} 🙂") if answered else None,
        answered_at=T0 + timedelta(minutes=i, seconds=30) if answered else None,
        kb_sources=[f"kb/{i}.md#раздел"] if i else [],
        latency_ms=12.5 * i if i else None,
        writer="template" if i % 2 else "llm:gigachat",
    )
    state.turns.append(turn)
    return turn


class TestRepository:
    """Behaviour every backend shares."""

    def test_implements_the_port(self, repo: SqlRepository) -> None:
        """SqlRepository satisfies the Repository protocol."""
        assert isinstance(repo, SqlRepository)
        port: Repository = repo
        assert port is repo

    async def test_create_get_round_trip(self, repo: SqlRepository) -> None:
        """A full state (turns, topics, slots, enums, aware datetimes) comes back equal."""
        state = make_state(answered=False)
        state.finished_at = T0 + timedelta(hours=1)
        await repo.create(state)
        loaded = await repo.get(state.session_id)
        assert loaded is not None
        assert loaded.to_dict() == state.to_dict()
        assert loaded == state
        assert all(t.asked_at.tzinfo is not None for t in loaded.turns)
        assert loaded.created_at.utcoffset() == timedelta(0)
        assert isinstance(loaded.level, UserLevel) and isinstance(loaded.status, SessionStatus)
        assert loaded.pending_turn is not None

    async def test_get_unknown_returns_none(self, repo: SqlRepository) -> None:
        """Unknown ids give None, not an error."""
        assert await repo.get("nope") is None
        assert await repo.active_for_user("nobody") is None
        assert await repo.latest_for_user("nobody") is None
        assert await repo.find("nothing") is None

    async def test_non_utc_datetimes_are_stored_as_the_same_instant(
        self, repo: SqlRepository
    ) -> None:
        """A +03:00 datetime comes back as the same instant in UTC."""
        msk = timezone(timedelta(hours=3))
        state = make_state(turns=1)
        state.created_at = datetime(2025, 5, 1, 12, 0, tzinfo=msk)
        await repo.create(state)
        loaded = await repo.get(state.session_id)
        assert loaded is not None
        assert loaded.created_at == state.created_at
        assert loaded.created_at.tzinfo == UTC and loaded.created_at.hour == 9

    async def test_save_adds_turns_and_bumps_version(self, repo: SqlRepository) -> None:
        """Saving after new turns persists them and bumps the version each time."""
        state = make_state(turns=1)
        await repo.create(state)
        for expected_version in (1, 2, 3):
            add_turn(state)
            state.topics["problem"].answers.append("ещё")
            state.slots["duration_months"] = expected_version
            await repo.save(state)
            assert state.version == expected_version
        loaded = await repo.get(state.session_id)
        assert loaded is not None and loaded == state
        assert [t.index for t in loaded.turns] == [0, 1, 2, 3]

    async def test_back_shrinks_and_rewrites_turns(self, repo: SqlRepository) -> None:
        """/back drops trailing turns; an edited earlier answer is stored."""
        state = make_state(turns=5)
        await repo.create(state)
        del state.turns[3:]
        state.turns[2].answer = None
        state.turns[2].answered_at = None
        await repo.save(state)
        loaded = await repo.get(state.session_id)
        assert loaded is not None and len(loaded.turns) == 3 and loaded.pending_turn is not None
        state.turns[2].answer = "новый ответ"
        state.turns[2].answered_at = T0
        add_turn(state, answered=False)
        await repo.save(state)
        loaded = await repo.get(state.session_id)
        assert loaded is not None and loaded == state
        state.turns.clear()
        await repo.save(state)
        loaded = await repo.get(state.session_id)
        assert loaded is not None and loaded.turns == []

    async def test_stale_copy_cannot_overwrite(self, repo: SqlRepository) -> None:
        """Optimistic concurrency: saving an outdated copy raises StorageError, nothing lost."""
        state = make_state()
        await repo.create(state)
        first = await repo.get(state.session_id)
        second = await repo.get(state.session_id)
        assert first is not None and second is not None
        add_turn(first, answer="первый")
        await repo.save(first)
        add_turn(second, answer="второй")
        with pytest.raises(StorageError, match="another writer"):
            await repo.save(second)
        assert second.version == 0
        loaded = await repo.get(state.session_id)
        assert loaded is not None and loaded.turns[-1].answer == "первый"
        assert loaded.version == 1

    async def test_save_of_unknown_session_fails(self, repo: SqlRepository) -> None:
        """Saving a session that was never created raises StorageError."""
        with pytest.raises(StorageError, match="does not exist"):
            await repo.save(make_state())

    async def test_create_twice_fails(self, repo: SqlRepository) -> None:
        """A duplicate session id is a StorageError, not a driver exception."""
        state = make_state()
        await repo.create(state)
        with pytest.raises(StorageError):
            await repo.create(make_state(state.session_id, user_id="other"))

    async def test_active_and_latest_for_user(self, repo: SqlRepository) -> None:
        """One active session per user; latest is the most recently updated of any status."""
        old = make_state(user_id="alice")
        await repo.create(old)
        with pytest.raises(StorageError):  # a second active session for the same user
            await repo.create(make_state(user_id="alice"))
        old.status = SessionStatus.ABANDONED
        await repo.save(old)
        new = make_state(user_id="alice")
        new.updated_at = old.updated_at + timedelta(seconds=1)
        await repo.create(new)
        await repo.create(make_state(user_id="bob"))
        active = await repo.active_for_user("alice")
        assert active is not None and active.session_id == new.session_id
        new.status = SessionStatus.FINISHED
        new.finished_at = new.updated_at
        await repo.save(new)
        assert await repo.active_for_user("alice") is None
        latest = await repo.latest_for_user("alice")
        assert latest is not None and latest.session_id == new.session_id
        assert latest.status is SessionStatus.FINISHED
        found = await repo.find("alice")
        assert found is not None and found.session_id == new.session_id
        by_id = await repo.find(old.session_id)
        assert by_id is not None and by_id.status is SessionStatus.ABANDONED

    async def test_delete_user_removes_every_session_and_turn(self, repo: SqlRepository) -> None:
        """delete_user deletes all of one user's sessions with their turns, and nobody else's."""
        old = make_state(user_id="carol")
        old.status = SessionStatus.FINISHED
        await repo.create(old)
        await repo.create(make_state(user_id="carol"))
        other = make_state(user_id="dave")
        await repo.create(other)
        assert await repo.delete_user("carol") == 2
        assert await repo.latest_for_user("carol") is None
        assert await repo.get(old.session_id) is None
        assert await repo.get(other.session_id) == other
        assert await repo.delete_user("carol") == 0
        fresh = make_state(user_id="carol")  # the user can begin again
        await repo.create(fresh)
        assert await repo.active_for_user("carol") == fresh

    async def test_list_sessions_newest_first(self, repo: SqlRepository) -> None:
        """list_sessions orders by updated_at, newest first, and honours the limit."""
        ids = []
        for i in range(5):
            state = make_state(user_id=f"user{i}", turns=i)
            state.updated_at = T0 + timedelta(hours=i)
            await repo.create(state)
            ids.append(state.session_id)
        listed = await repo.list_sessions(limit=3)
        assert [s.session_id for s in listed] == ids[::-1][:3]
        assert [len(s.turns) for s in listed] == [4, 3, 2]
        assert len(await repo.list_sessions()) == 5
        assert await repo.list_sessions(limit=0) == []

    async def test_second_repository_sees_saved_data(self, opener: Opener) -> None:
        """Crash durability: a save is visible to a second repository opened without closing."""
        first = await opener()
        state = make_state()
        await first.create(state)
        add_turn(state, answer="сохранено до сбоя")
        await first.save(state)
        second = await opener()  # the first one is never closed before this read
        loaded = await second.get(state.session_id)
        assert loaded is not None and loaded == state
        add_turn(loaded)
        await second.save(loaded)
        stale = await first.get(state.session_id)
        assert stale is not None and stale.version == 2 and len(stale.turns) == 5

    async def test_text_is_stored_verbatim(self, repo: SqlRepository) -> None:
        """Russian, emoji, quotes, SQL injection attempts and 100 KB answers round-trip exactly."""
        tricky = [
            "Ёжик в тумане — «кавычки» и 'апострофы' 👩‍👩‍👧‍👦🇷🇺",
            "'); DROP TABLE sessions; --",
            "Robert'); DELETE FROM turns WHERE ('1'='1",
            "line1\nline2\ttab \\ backslash %s %(name)s {x}",
            "Я" * 100_000,
        ]
        state = make_state(turns=1, user_id="'; DROP TABLE turns; --")
        state.name = tricky[0]
        state.slots["region"] = tricky[1]
        for text in tricky:
            add_turn(state, answer=text)
        await repo.create(state)
        loaded = await repo.get(state.session_id)
        assert loaded is not None
        assert [t.answer for t in loaded.turns[1:]] == tricky
        assert loaded.name == tricky[0] and loaded.slots["region"] == tricky[1]
        assert len(await repo.list_sessions()) == 1
        assert (await repo.active_for_user("'; DROP TABLE turns; --")) == loaded

    async def test_migrations_are_idempotent(self, opener: Opener) -> None:
        """Opening the same database again migrates nothing and keeps the data."""
        from grant_interviewer.adapters.storage import migrate

        first = await opener()
        state = make_state()
        await first.create(state)
        second = await opener()
        assert await second.get(state.session_id) == state
        async with second._engine.connect() as conn:
            assert await conn.run_sync(migrate.current_revision) == migrate.head_revision()

    async def test_schema_matches_models(self, repo: SqlRepository) -> None:
        """The migrated schema equals the SQLAlchemy tables (autogenerate finds no diffs)."""
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        from grant_interviewer.adapters.storage.tables import for_dialect

        def diff(sync_conn: Any) -> list[Any]:
            context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
            return list(compare_metadata(context, for_dialect(sync_conn.dialect.name)))

        async with repo._engine.connect() as conn:
            assert await conn.run_sync(diff) == []

    async def test_concurrent_saves_of_different_sessions(self, repo: SqlRepository) -> None:
        """Many sessions saved concurrently all persist, none conflicts with another."""
        states = [make_state(user_id=f"c{i}", turns=1) for i in range(12)]
        await asyncio.gather(*(repo.create(s) for s in states))

        async def talk(state: InterviewState) -> None:
            for _ in range(4):
                add_turn(state)
                await repo.save(state)

        await asyncio.gather(*(talk(s) for s in states))
        for state in states:
            loaded = await repo.get(state.session_id)
            assert loaded is not None and loaded == state and loaded.version == 4

    async def test_reads_from_the_snapshot_equal_database_reads(self, opener: Opener) -> None:
        """A whole interview (real analyzer facts): every state rebuilt from the process's
        snapshot equals what a repository without one reads from the database."""
        from grant_interviewer.bootstrap import build_analyzer, service_config
        from grant_interviewer.domain.packs import load_pack
        from grant_interviewer.service import InterviewService
        from grant_interviewer.settings import get_settings
        from grant_interviewer.simulation import MAX_TURNS, load_persona, next_answer

        repo, reader = await opener(), await opener()
        service = InterviewService(
            repository=repo, pack_loader=load_pack, retriever=None,
            analyzer=build_analyzer(load_pack),
            config=service_config(get_settings(), export_dir=None),
        )
        persona = load_persona(PERSONAS / "cooperative_ru.yaml")
        used: dict[str, int] = {}
        reply = await service.start("snap", lang=persona.lang)
        with_facts = 0
        for _ in range(MAX_TURNS):
            if reply.finished or reply.question is None:
                break
            reply = await service.handle("snap", next_answer(persona, reply, used))
            cached = await repo.latest_for_user("snap")
            assert cached is not None and repo._known(cached.session_id, cached.version)
            stored = await reader.get(cached.session_id)  # reader has no snapshot of it
            assert stored is not None and cached == stored  # facts included, field by field
            # the facts' data keeps the tuples the analyzer made where a read gives JSON lists
            assert json.dumps(cached.to_dict()) == json.dumps(stored.to_dict())
            with_facts = sum(t.facts is not None for t in cached.turns)
            reader._snapshots.clear()
        assert reply.finished and with_facts >= 5

    async def test_a_loaded_state_is_the_callers_own_copy(self, repo: SqlRepository) -> None:
        """Changing a loaded state without saving it changes nothing the next load returns."""
        state = make_state()
        await repo.create(state)
        loaded = await repo.active_for_user(state.user_id)
        assert loaded == state
        assert loaded is not None and loaded is not state
        loaded.slots["requested_amount"]["amount"] = 1.0
        loaded.topics["problem"].answers.append("не сохранено")
        loaded.turns[1].kb_sources.append("kb/x.md")
        loaded.turns[1].message_ids.append("m-1")
        add_turn(loaded)
        state.slots["requested_amount"]["amount"] = 2.0  # the creator's copy changes too
        again = await repo.get(state.session_id)
        assert again is not None and again != loaded
        assert again.slots["requested_amount"]["amount"] == 1_500_000.0
        assert again.to_dict() == make_state(state.session_id).to_dict() | {
            "created_at": again.created_at.isoformat(),
            "updated_at": again.updated_at.isoformat(),
        }
        assert len(again.turns) == 3 and again.turns[1].message_ids == []

    async def test_writes_of_another_process_are_seen(self, opener: Opener) -> None:
        """A second repository (another process) saving, finishing or deleting a session is
        seen by the first, whose snapshot of the older version is not used."""
        first, second = await opener(), await opener()
        state = make_state(user_id="shared")
        await first.create(state)
        assert await first.active_for_user("shared") == state
        other = await second.active_for_user("shared")
        assert other is not None
        del other.turns[2:]  # /back in the other process, turns dropped
        await second.save(other)
        seen = await first.active_for_user("shared")
        assert seen is not None and seen.version == 1 and len(seen.turns) == 2
        add_turn(seen, answer="снова")
        await first.save(seen)  # the first process knows version 1 from its read
        assert (await second.get(state.session_id)) == seen
        other = await second.get(state.session_id)
        assert other is not None
        other.status = SessionStatus.FINISHED
        await second.save(other)
        assert await first.active_for_user("shared") is None
        latest = await first.latest_for_user("shared")
        assert latest is not None and latest.status is SessionStatus.FINISHED
        assert await second.delete_user("shared") == 1
        assert await first.get(state.session_id) is None
        assert await first.latest_for_user("shared") is None

    async def test_a_save_unknown_to_this_process_drops_trailing_turns(
        self, opener: Opener
    ) -> None:
        """A repository that never saw the session's rows still deletes the dropped turns."""
        first = await opener()
        state = make_state(turns=5)
        await first.create(state)
        second = await opener()
        del state.turns[2:]
        await second.save(state)  # no snapshot in second: every row upserted, the rest deleted
        reader = await opener()
        loaded = await reader.get(state.session_id)
        assert loaded is not None and len(loaded.turns) == 2 and loaded == state

    async def test_a_failed_save_leaves_the_snapshot_alone(self, repo: SqlRepository) -> None:
        """A save that fails in the database changes neither the version nor later reads."""
        state = make_state(user_id="fail")
        await repo.create(state)
        clash = make_state(user_id="fail-2")
        await repo.create(clash)
        clash.user_id = "fail"  # a second active session of "fail": the unique index refuses
        add_turn(clash, answer="не сохранится")
        with pytest.raises(StorageError):
            await repo.save(clash)
        assert clash.version == 0
        loaded = await repo.get(clash.session_id)
        assert loaded is not None and loaded.user_id == "fail-2" and len(loaded.turns) == 3
        assert await repo.active_for_user("fail") == state


async def test_in_memory_sqlite_works_through_the_async_engine() -> None:
    """``sqlite+aiosqlite://`` (one in-memory database) keeps working: create, save, reads,
    /back, delete."""
    repo = await SqlRepository.open("sqlite+aiosqlite://")
    try:
        assert repo._thread is None
        state = make_state(turns=4)
        await repo.create(state)
        del state.turns[2:]
        await repo.save(state)
        repo._snapshots.clear()
        loaded = await repo.active_for_user(state.user_id)
        assert loaded == state and loaded is not None and len(loaded.turns) == 2
        add_turn(loaded)
        await repo.save(loaded)
        assert await repo.get(state.session_id) == loaded
        await repo.ping()
        assert await repo.delete_user(state.user_id) == 1
        assert await repo.list_sessions() == []
    finally:
        await repo.close()


async def test_unreachable_postgres_is_a_storage_error_without_password() -> None:
    """A connection failure becomes StorageError and the password never shows."""
    url = "postgresql+asyncpg://grant:s3cr3t-pw@127.0.0.1:1/nowhere"
    with pytest.raises(StorageError) as caught:
        await SqlRepository.open(url)
    assert "s3cr3t-pw" not in str(caught.value)
    assert "***" in str(caught.value)


async def test_unsupported_url_is_a_configuration_error() -> None:
    """Only SQLite and PostgreSQL are accepted."""
    with pytest.raises(ConfigurationError, match="unsupported database"):
        await SqlRepository.open("mysql://root:pw@localhost/db")


async def test_plain_sqlite_url_gets_the_async_driver(tmp_path: Path) -> None:
    """`sqlite:///file` is upgraded to aiosqlite and its parent directory is created."""
    path = tmp_path / "a" / "b" / "db.sqlite3"
    repo = await SqlRepository.open(f"sqlite:///{path}")
    try:
        await repo.create(make_state())
        assert path.exists()
        assert repo.url.startswith("sqlite+aiosqlite:///")
    finally:
        await repo.close()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    """SQLite connections use WAL, enforce foreign keys and wait on locks."""
    from sqlalchemy import text

    repo = await SqlRepository.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        async with repo._engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 10_000
    finally:
        await repo.close()


def test_migrate_command_line_needs_no_ini(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m ...storage.migrate --url URL upgrade head` migrates a fresh database."""
    import sqlite3

    from grant_interviewer.adapters.storage import migrate

    db = tmp_path / "cli.sqlite3"
    assert migrate.main(["--url", f"sqlite+aiosqlite:///{db}", "upgrade", "head"]) == 0
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert {"sessions", "turns", "alembic_version"} <= tables
    assert version == (migrate.head_revision(),)


async def test_sqlite_writes_waiting_together_share_one_commit(tmp_path: Path) -> None:
    """Saves queued while the SQLite thread is busy are committed in one transaction; a
    refused save (stale copy, second active session) and a failing statement cost only
    themselves; every other save is stored."""
    import threading

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    repo = await SqlRepository.open(f"sqlite:///{tmp_path / 'group.sqlite3'}")
    try:
        thread = repo._thread
        assert thread is not None
        states = [make_state(user_id=f"g{i}", turns=1) for i in range(12)]
        for state in states:
            await repo.create(state)
        stale = await repo.get(states[0].session_id)
        assert stale is not None
        await repo.save(states[0])  # the copy in `stale` is now outdated
        clash = states[1]
        clash.user_id = "g2"  # g2 already has an active session: the unique index refuses

        async def batch(extra: list[Any]) -> list[Any]:
            gate = threading.Event()
            blocker = asyncio.ensure_future(thread.call(lambda _c: gate.wait(10), write=False))
            saves = []
            for state in states:
                add_turn(state)
                saves.append(asyncio.ensure_future(repo.save(state)))
            others = [asyncio.ensure_future(coro) for coro in extra]
            asyncio.get_running_loop().call_soon(gate.set)  # after every save is queued
            await blocker
            return await asyncio.gather(*saves, *others, return_exceptions=True)

        before = thread.commits
        outcomes = await batch([repo.save(stale)])
        assert thread.commits == before + 1  # one transaction for the 13 writes
        assert isinstance(outcomes[1], StorageError)  # the clash
        assert isinstance(outcomes[-1], StorageError) and "another writer" in str(outcomes[-1])
        assert [o for i, o in enumerate(outcomes[:-1]) if i != 1] == [None] * 11

        clash.user_id = "g1"
        del clash.turns[-1]
        bad = thread.call(lambda conn: conn.execute(text("SELECT * FROM nowhere")), write=True)
        before = thread.commits
        outcomes = await batch([bad])  # not a refusal: the group is written again one by one
        assert isinstance(outcomes[-1], OperationalError) and outcomes[:-1] == [None] * 12
        assert thread.commits == before + 12
    finally:
        await repo.close()
    reader = await SqlRepository.open(f"sqlite:///{tmp_path / 'group.sqlite3'}")
    try:
        for state in states:
            loaded = await reader.get(state.session_id)
            assert loaded == state
        assert len(states[0].turns) == 3 and len(states[1].turns) == 2
    finally:
        await reader.close()
