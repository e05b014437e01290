"""How the template writer words questions: length, directions, names, and its own cost.

Runs every example persona through the domain simulator twice — without knowledge-base context
and with every shipped chunk of the question's topic as context — and prints words per question
(the tip line excluded, as issue #7 counts them), how often the name and a knowledge-base line
appear, direction inference on the labelled set of tests/test_directions.py, name addressing on
tests/test_names.py, and the CPU time of one ``compose`` call.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/wording.py
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_domain_writer as writer_tests
from domain_sim import simulate
from grant_interviewer.domain import names
from grant_interviewer.domain.directions import infer_direction
from grant_interviewer.domain.template_writer import TemplateWriter
from test_directions import LABELLED
from test_names import NAMES


def main() -> None:
    """Print the numbers (no thresholds: the tests hold those)."""
    names.preload()
    compose = TemplateWriter.compose
    cpu: list[float] = []

    def timed(self: TemplateWriter, request: object) -> str:
        gc.disable()
        start = time.process_time()
        try:
            return compose(self, request)  # type: ignore[arg-type]
        finally:
            cpu.append(time.process_time() - start)
            gc.enable()

    TemplateWriter.compose = timed  # type: ignore[method-assign]
    print(f"{'persona':24s} {'plain':>6s} {'with KB':>8s} {'KB line':>8s} {'named':>6s}")
    everything: list[int] = []
    for persona in writer_tests._example_personas():
        plain = simulate(persona).questions
        with_kb = writer_tests._simulate_with_kb(persona)
        words_plain = [writer_tests._words(q) for q in plain]
        words_kb = [writer_tests._words(q) for q in with_kb]
        everything += words_plain + words_kb
        kb_lines = sum("\n" in q for q in with_kb)
        name = simulate(persona).state.name or ""
        named = sum(names.address_form(name) in q for q in with_kb[1:]) if name else 0
        print(f"{persona:24s} {statistics.mean(words_plain):6.1f} {statistics.mean(words_kb):8.1f}"
              f" {kb_lines:4d}/{len(with_kb):<3d} {named:3d}/{len(with_kb) - 1}")
    print(f"words per question, all personas and both runs: mean {statistics.mean(everything):.1f},"
          f" max {max(everything)} (issue #7: at most 35; it observed 41-49 before)")
    right = sum(
        infer_direction(a, "en" if a[0].isascii() else "ru")[0] == label for label, a in LABELLED
    )
    print(f"grant direction inferred right: {right}/{len(LABELLED)} labelled descriptions")
    addressed = sum(names.address_form(s, "en" if s.isascii() else "ru") == a for s, a in NAMES)
    naive = sum(s.split()[0] == a.split()[0] for s, a in NAMES)
    print(f"addressing form right: {addressed}/{len(NAMES)} names (first word only: {naive})")
    cpu.sort()
    print(f"compose CPU time over {len(cpu)} questions: median {cpu[len(cpu) // 2] * 1000:.2f} ms,"
          f" p95 {cpu[int(len(cpu) * 0.95)] * 1000:.2f} ms, max {cpu[-1] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
