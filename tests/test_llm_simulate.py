"""`grant-interviewer simulate --json` with an LLM configured: the report says which writer
produced each question and which source gave each fact."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from fake_llm import FakeOpenAI

PERSONA = Path(__file__).resolve().parent.parent / "examples" / "personas" / "cooperative_ru.yaml"


async def test_simulate_json_reports_writers_and_fact_sources(tmp_path: Path) -> None:
    """The CLI runs a whole interview on a fake OpenAI-compatible model and reports per turn the
    writer (the model's name, or template) and per value the turn and source that gave it."""
    fake = await FakeOpenAI().serve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANT_INTERVIEWER_")}
    env |= {"GRANT_INTERVIEWER_DATA_DIR": str(tmp_path / "data"),
            "GRANT_INTERVIEWER_EMBEDDING_BACKEND": "none",
            "GRANT_INTERVIEWER_LLM_PROVIDER": "openai",
            "GRANT_INTERVIEWER_LLM_URL": fake.base_url,
            "GRANT_INTERVIEWER_LLM_MODEL": "fake-model",
            "GRANT_INTERVIEWER_MAX_QUESTIONS": "8"}
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from grant_interviewer.interfaces.cli.app import main; main()",
            "simulate",
            "--persona", str(PERSONA), "--json", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
    finally:
        await fake.stop()
    assert process.returncode == 0, err.decode()
    report = json.loads(out)
    writers = [t["writer"] for t in report["turns"]]
    assert writers[0] == "template"
    assert any(w.startswith("openai:fake-model") for w in writers[1:])
    assert sum(report["writers"].values()) == len(report["turns"])
    sources = report["fact_sources"]
    assert sources["requested_amount"]["reference_point"] == "budget_total"
    assert all(s["source"] in ("rules", "offline", "llm", "merged") for s in sources.values())
    assert fake.requests
