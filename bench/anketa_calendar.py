"""The calendar plan's time reading: our patterns against dateparser's ``search_dates``.

Each labelled activity sentence (Russian and English, as applicants write them) has the project
months it covers for a 12-month project starting in March 2027 (None: the sentence names no
time). Both readers see the same sentences:

* ``anketa.plan``   — ``calendar_plan`` (project months, quarters, month names, whole period);
* ``dateparser``    — the baseline: ``search_dates`` with Russian and English, the project start
  as the relative base; the months of the dates it finds, as project months.

Printed: exact-range accuracy overall and on the subset that names calendar months only (the
part dateparser is built for), false times on the sentences without one, and the time per
sentence. dateparser is not a dependency: ``pip install dateparser`` to run the baseline.
The sentences were written alongside the patterns, so our score is an upper bound.

Then the cost of a whole ``build_anketa`` (the shipped Russian pack, every topic answered, a
calendar plan, results, budget items): the first build + ``to_dict`` in a fresh process
(imports razdel and number-parser, loads pymorphy3), then the median of later builds alone (what
the finishing turn pays on the event loop) and with ``to_dict`` (the lazy calendar, indicators
and checks read too).

Usage:  python bench/anketa_calendar.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import warnings
from datetime import datetime

from grant_interviewer.domain.anketa.plan import calendar_plan

START = (2027, 3)
# (sentence, (first, last) project month or None, names calendar months only)
CASES: list[tuple[str, tuple[int, int] | None, bool]] = [
    ("Месяцы 1–2: набор участников и подготовка площадки", (1, 2), False),
    ("В марте–апреле 2027 г. проведём 12 мастер-классов", (1, 2), True),
    ("В мае — фестиваль", (3, 3), True),
    ("С сентября по декабрь — занятия в клубе", (7, 10), True),
    ("Итоговая конференция в декабре 2027 года", (10, 10), True),
    ("Во втором квартале издадим сборник", (4, 6), False),
    ("Ежемесячно — встречи клуба", (1, 12), False),
    ("Первые два месяца — закупка оборудования", (1, 2), False),
    ("Проведём 5 встреч с родителями", None, False),
    ("С 3-го по 5-й месяц — тренировки", (3, 5), False),
    ("Набор волонтёров (месяц 1)", (1, 1), False),
    ("Занятия в 3-м месяце", (3, 3), False),
    ("Итоговая конференция в последнем месяце", (12, 12), False),
    ("В течение 12 месяцев — занятия три раза в неделю", (1, 12), False),
    ("Летний лагерь в июле", (5, 5), True),
    ("Июнь–август 2027: летняя смена", (4, 6), True),
    ("В январе 2028 года — выставка работ", (11, 11), True),
    ("Ноябрь 2027 – февраль 2028: цикл лекций", (9, 12), True),
    ("Подготовка методички: 4–6 месяцы", (4, 6), False),
    ("На втором месяце запустим сайт", (2, 2), False),
    ("Разработаем программу курса", None, False),
    ("Закупим оборудование для робототехники", None, False),
    ("Фестиваль в конце проекта", (12, 12), False),
    ("Весь период — консультации юриста", (1, 12), False),
    ("Months 1-2: recruit volunteers", (1, 2), False),
    ("From May to August: workshops", (3, 6), True),
    ("In the third quarter we publish a booklet", (7, 9), False),
    ("A closing fair in December 2027", (10, 10), True),
    ("Weekly meetings throughout the project", (1, 12), False),
    ("We train the mentors", None, False),
]


def ours(sentence: str) -> tuple[int, int] | None:
    """Our reading: the row's project months."""
    rows = calendar_plan([sentence], lang="ru", start="2027-03", duration=12)
    row = rows[0] if rows else None
    if row is None or row.first_month is None or row.last_month is None:
        return None
    return row.first_month, row.last_month


def baseline(sentence: str) -> tuple[int, int] | None:
    """dateparser's reading: the months of the dates ``search_dates`` finds."""
    from dateparser.search import search_dates

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = search_dates(sentence, languages=["ru", "en"], settings={
            "RELATIVE_BASE": datetime(*START, 1), "PREFER_DATES_FROM": "future"})  # fmt: skip
    if not found:
        return None
    months = [(d.year - START[0]) * 12 + d.month - START[1] + 1 for _, d in found]
    return min(months), max(months)


def score(reader: object, repeat: int) -> dict[str, float]:
    """Accuracy (all, calendar-months subset), false times and ms per sentence."""
    assert callable(reader)
    got = [reader(sentence) for sentence, _, _ in CASES]
    began = time.perf_counter()
    for _ in range(repeat):
        for sentence, _, _ in CASES:
            reader(sentence)
    per = (time.perf_counter() - began) / (repeat * len(CASES)) * 1000
    right = [g == want for g, (_, want, _) in zip(got, CASES, strict=True)]
    cal = [r for r, (_, _, only) in zip(right, CASES, strict=True) if only]
    none = [g is not None for g, (_, want, _) in zip(got, CASES, strict=True) if want is None]
    return {"accuracy": sum(right) / len(right), "calendar_months": sum(cal) / len(cal),
            "false_times": sum(none) / len(none), "ms": per}  # fmt: skip


BUILD = """
import time
from grant_interviewer.domain.anketa import build_anketa
from grant_interviewer.domain.model import InterviewState, TopicState, TopicStatus
from grant_interviewer.domain.packs import load_pack
pack = load_pack("ru")
answer = {"activities": "Месяцы 1–2: набор участников; 2) занятия в 3–10 месяцах; "
                        "3) фестиваль в конце проекта. Ежемесячно — встречи с родителями.",
          "results": "Помощь получат двести семей, проведём 48 мастер-классов и 12 концертов. "
                     "Не менее 80% участников отметят, что стали увереннее. Дети подружатся."}
topics = {rp.id: TopicState(TopicStatus.COMPLETE, [answer.get(rp.id, rp.description)])
          for rp in pack.reference_points}
slots = {"requested_amount": {"amount": 1500000.0, "currency": "RUB"},
         "co_funding_amount": {"amount": 390000.0, "currency": "RUB"}, "start": "2027-03",
         "duration_months": 12, "budget_items": [{"item": "Зарплата", "amount": 700000},
         {"item": "Оборудование", "amount": 800000}]}
state = InterviewState("s", "u", "ru", pack.id, topics=topics, slots=slots)
began = time.perf_counter(); build_anketa(state, pack).to_dict(); cold = time.perf_counter() - began
def median(work):
    runs = []
    for _ in range(30):
        began = time.perf_counter(); work(); runs.append(time.perf_counter() - began)
    return sorted(runs)[15] * 1000, max(runs) * 1000
build = median(lambda: build_anketa(state, pack))
full = median(lambda: build_anketa(state, pack).to_dict())
print(f"build_anketa + to_dict: first in a fresh process {cold * 1000:.0f} ms; then "
      f"build alone median {build[0]:.1f} ms (max {build[1]:.1f}), with to_dict (calendar, "
      f"indicators, checks) median {full[0]:.1f} ms (max {full[1]:.1f})")
"""


def main() -> None:
    """Print both readers' scores on the labelled sentences."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    ours("прогрев")  # imports razdel once, outside the timing
    print(f"{len(CASES)} labelled activity sentences (12-month project from 2027-03)")
    print(f"{'reader':<12} {'exact':>7} {'cal.months':>11} {'false time':>11} {'ms/sentence':>12}")
    results = {"anketa.plan": score(ours, args.repeat)}
    try:
        baseline("прогрев")
        results["dateparser"] = score(baseline, max(1, args.repeat // 10))
    except ImportError:
        print("(dateparser is not installed: pip install dateparser for the baseline)")
    for name, r in results.items():
        print(f"{name:<12} {r['accuracy']:>7.0%} {r['calendar_months']:>11.0%} "
              f"{r['false_times']:>11.0%} {r['ms']:>12.2f}")  # fmt: skip
    if "dateparser" in results:
        ratio = results["dateparser"]["ms"] / results["anketa.plan"]["ms"]
        print(f"dateparser takes {ratio:.0f}x the time per sentence")
    subprocess.run([sys.executable, "-c", BUILD], check=True)


if __name__ == "__main__":
    main()
