"""The composition root picks adapters and defaults from settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from grant_interviewer.bootstrap import score_threshold
from grant_interviewer.settings import Settings

PERSONA = Path(__file__).resolve().parents[1] / "examples" / "personas" / "cooperative_ru.yaml"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, 0.78),  # the default model: its measured off-topic/on-topic boundary
        ({"kb_score_threshold": 0.5}, 0.5),  # an explicit value always wins
        ({"embedding_model": "/models/other-e5.bin"}, None),  # unknown scale: no default
        ({"embedding_backend": "sentence-transformers"}, None),
        ({"embedding_backend": "openai", "embedding_url": "http://127.0.0.1:1"}, None),
    ],
)
def test_score_threshold_defaults_only_for_models_with_a_known_scale(
        env: dict[str, object], expected: float | None) -> None:
    """A model whose similarity scale was measured gets its threshold; others keep every hit."""
    assert score_threshold(Settings(**env)) == expected  # type: ignore[arg-type]


def test_export_dir_default_folder_or_none(tmp_path: Path) -> None:
    """By default questionnaires go to settings.export_dir; ``export_dir=None`` writes none."""
    from grant_interviewer.bootstrap import service_config

    settings = Settings(data_dir=tmp_path)
    assert service_config(settings).export_dir == tmp_path / "exports"
    assert service_config(settings, export_dir=tmp_path / "x").export_dir == tmp_path / "x"
    assert service_config(settings, export_dir=None).export_dir is None


@pytest.mark.parametrize(("env_value", "expected"), [(None, 7), ("5", 5)])
async def test_question_budget_comes_from_the_pack_unless_set(
        env_value: str | None, expected: int, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset GRANT_INTERVIEWER_MAX_QUESTIONS: the pack's max_questions; set: the setting wins."""
    import dataclasses

    from grant_interviewer.adapters.storage.repository import SqlRepository
    from grant_interviewer.bootstrap import service_config
    from grant_interviewer.domain.model import ContentPack
    from grant_interviewer.domain.packs import load_pack
    from grant_interviewer.service import InterviewService
    from grant_interviewer.settings import get_settings
    from grant_interviewer.simulation import load_persona, simulate

    if env_value is not None:
        monkeypatch.setenv("GRANT_INTERVIEWER_MAX_QUESTIONS", env_value)

    def pack_of_seven(lang: str) -> ContentPack:
        return dataclasses.replace(load_pack(lang), max_questions=7)

    persona = load_persona(PERSONA)
    repository = await SqlRepository.open(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        service = InterviewService(repository=repository, pack_loader=pack_of_seven,
                                   config=service_config(get_settings(), export_dir=None))
        assert service.engine("ru").max_questions == expected
        report = await simulate(service, persona, user_id="budget", go_on=False)
    finally:
        await repository.close()
    assert report.questions == expected


def test_the_first_question_comes_before_the_background_loads(tmp_path: Path) -> None:
    """`build_app` + `service.start()` import no offline analyzer and start no loader thread:
    the loads begin one event-loop iteration later (after the caller showed the question), and
    then the analyzer imports in the background and reads answers as before."""
    import json
    import subprocess
    import sys

    code = (
        "import asyncio, json, sys, threading\n"
        "from grant_interviewer.bootstrap import build_app\n"
        "from grant_interviewer.settings import Settings\n"
        "ANALYZER = 'grant_interviewer.adapters.nlp.analyzer'\n"
        "def loaders():\n"
        "    return sorted(t.name for t in threading.enumerate() if t.name.startswith(\n"
        "        ('nlp-', 'embedding-load')))\n"
        "async def main():\n"
        f"    app = await build_app(Settings(data_dir={str(tmp_path)!r}))\n"
        "    reply = await app.service.start('u')\n"
        "    seen = {'question': reply.kind, 'at_question': [ANALYZER in sys.modules, loaders()]}\n"
        "    await asyncio.sleep(0)  # one iteration: the deferred starts run\n"
        "    seen['next_iteration'] = loaders()\n"
        "    for thread in threading.enumerate():\n"
        "        if thread.name == 'nlp-import':\n"
        "            thread.join(60)\n"
        "    seen['imported'] = ANALYZER in sys.modules\n"
        "    answer = await app.service.handle('u', 'Меня зовут Анна Петрова')\n"
        "    seen['name'] = (await app.service.find('u')).name\n"
        "    seen['answered'] = answer.kind\n"
        "    await app.aclose()\n"
        "    print(json.dumps(seen))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["question"] == "question"
    assert seen["at_question"] == [False, []]
    assert "nlp-import" in seen["next_iteration"]
    assert any(name.startswith("embedding-load") for name in seen["next_iteration"])
    assert seen["imported"] is True
    assert seen["name"] and "Анна" in seen["name"]


async def test_the_deferred_analyzer_reads_answers_without_start(tmp_path: Path) -> None:
    """Used before `start()` (or with no event loop), the analyzer imports on demand."""
    from grant_interviewer.bootstrap import DeferredAnalyzer
    from grant_interviewer.domain.packs import load_pack

    analyzer = DeferredAnalyzer(load_pack)
    assert analyzer.morph is None and "morphology" in analyzer.status()
    facts = analyzer.read_sync("Нас 12 человек, бюджет 500 000 рублей", "ru", None)
    assert facts.money and facts.money[0].amount == 500_000
