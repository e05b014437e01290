"""Answer understanding on the labelled corpus: precision, recall and speed.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/understanding.py [--misses]

Reads every answer of ``tests/corpus`` (345 labelled answers, Russian and English) with the
offline analyzer (the default configuration) and, as the baseline in the same run, with the
regular-expression reading the engine used before (``domain/understanding/legacy.py``), and
prints value accuracy and precision, non-answers caught, real answers wrongly rejected, topic F1,
and the time per answer (the morphology loaded; its load time is printed separately).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from corpus_data import load_corpus
from grant_interviewer.adapters.nlp.analyzer import OfflineAnalyzer
from grant_interviewer.adapters.nlp.resources import get_resources
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.domain.understanding.legacy import legacy_facts
from understanding_score import Score, score


def _row(name: str, result: Score) -> str:
    times = sorted(result.millis)
    p95 = times[int(0.95 * (len(times) - 1))]
    return (f"{name:10} values {result.value_accuracy:6.1%}"
            f" (precision {result.value_precision:6.1%})"
            f" | non-answers caught {result.non_answers_caught:6.1%}"
            f" | wrongly rejected {result.wrongly_rejected:5.1%}"
            f" | topic F1 {result.topic_f1:.3f}"
            f" | ms/answer p50 {statistics.median(times):.2f} p95 {p95:.2f} max {times[-1]:.1f}")


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="list what the analyzer got wrong")
    parser.add_argument("--holdout", action="store_true",
                        help="score the held-out corpus (answers not used while developing)")
    args = parser.parse_args()
    started = time.perf_counter()
    resources = get_resources()
    resources.start()
    resources.wait(120)
    print(f"morphology + gazetteer loaded in {time.perf_counter() - started:.2f} s "
          f"(background, once per process)")
    analyzer = OfflineAnalyzer(load_pack)
    items = load_corpus(holdout=args.holdout)
    offline = score(lambda text, lang, asked: analyzer.analyze_sync(text, lang=lang, asked=asked),
                    items)
    legacy = score(legacy_facts, items)
    print("held-out corpus" if args.holdout else "development corpus")
    print(f"corpus: {offline.items} answers ({offline.content} with content, "
          f"{offline.non_content} non-answers), {offline.values_labelled} labelled values")
    print(_row("offline", offline))
    print(_row("baseline", legacy))
    values = offline.value_accuracy / max(legacy.value_accuracy, 1e-9)
    caught = offline.non_answers_caught / max(legacy.non_answers_caught, 1e-9)
    print(f"ratios: value accuracy x{values:.2f}, non-answers caught x{caught:.2f}")
    print("targets: values >= 95%, non-answers caught >= 95%, wrongly rejected <= 2%, F1 >= 0.85")
    if args.misses:
        print("\n".join(offline.misses))


if __name__ == "__main__":
    main()
