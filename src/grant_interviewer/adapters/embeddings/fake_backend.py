"""A deterministic test backend: hash-based vectors, with injectable load delay and failures.

It goes through exactly the same manager code paths as a real model. Configure it per model
name with :func:`configure_fake` (in this process; a worker process uses the defaults):

    cfg = configure_fake("counting", failures=2, gate=threading.Event())
    spec = ModelSpec(backend="fake", model="counting")

Tests and benchmarks only.
"""

from __future__ import annotations

import hashlib
import math
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grant_interviewer.errors import EmbeddingError, MissingExtraError

if TYPE_CHECKING:
    from grant_interviewer.adapters.embeddings.manager import ModelSpec


@dataclass
class FakeConfig:
    """Behaviour of the fake model named ``name``; counters are updated by the backend."""

    name: str
    dim: int = 32
    load_delay: float = 0.0  # seconds the load blocks (in the loading thread)
    encode_delay: float = 0.0  # seconds each encode blocks
    failures: int = 0  # the first N loads raise EmbeddingError
    missing: bool = False  # raise MissingExtraError, as if the backend were not installed
    gate: threading.Event | None = None  # when set, the load blocks until the event is set
    loads: int = 0  # load attempts so far
    encodes: int = 0  # encode calls so far
    encode_threads: set[int] = field(default_factory=set)  # thread ids that encoded
    load_calls: queue.Queue[int] = field(default_factory=queue.Queue, repr=False)  # attempt nos
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


_CONFIGS: dict[str, FakeConfig] = {}


def configure_fake(name: str, **options: object) -> FakeConfig:
    """Register (replace) the behaviour of the fake model ``name`` and return its config."""
    config = FakeConfig(name=name, **options)  # type: ignore[arg-type]
    _CONFIGS[name] = config
    return config


def clear_fakes() -> None:
    """Forget every fake configuration."""
    _CONFIGS.clear()


def config_from_name(model: str) -> FakeConfig:
    """Defaults for an unregistered name; ``name?dim=8&encode_delay=5`` sets numeric options
    (this is how a fake model in a worker process is configured)."""
    name, _, query = model.partition("?")
    config = FakeConfig(name=name or "default")
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        if key == "dim":
            config.dim = int(value)
        elif key in ("load_delay", "encode_delay"):
            setattr(config, key, float(value))
    return config


def fake_vector(text: str, dim: int) -> list[float]:
    """A deterministic unit vector for ``text`` (same text → same vector)."""
    values: list[float] = []
    counter = 0
    while len(values) < dim:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values.extend(byte / 255.0 - 0.5 for byte in digest)
        counter += 1
    values = values[:dim]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


class FakeEncoder:
    """Deterministic vectors; queries and passages of the same text coincide."""

    def __init__(self, config: FakeConfig) -> None:
        self._config = config
        self.model_id = f"fake:{config.name}"
        self.dim = config.dim

    def encode(self, texts: list[str], *, query: bool) -> list[list[float]]:
        """Hash each text to a vector and record the calling thread."""
        with self._config.lock:
            self._config.encodes += 1
            self._config.encode_threads.add(threading.get_ident())
        if self._config.encode_delay:
            time.sleep(self._config.encode_delay)
        return [fake_vector(text, self.dim) for text in texts]

    def close(self) -> None:
        """Nothing to release."""


def load(spec: ModelSpec) -> FakeEncoder:
    """Count the load, honour the configured gate / delay / failures, return the encoder."""
    config = _CONFIGS.get(spec.model) or config_from_name(spec.model)
    with config.lock:
        config.loads += 1
        attempt = config.loads
    config.load_calls.put(attempt)
    if config.missing:
        raise MissingExtraError("fake-backend", "fake")
    if config.gate is not None:
        config.gate.wait()
    if config.load_delay:
        time.sleep(config.load_delay)
    if attempt <= config.failures:
        raise EmbeddingError(f"fake load failure {attempt} of {config.failures}")
    return FakeEncoder(config)
