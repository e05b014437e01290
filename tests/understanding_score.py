"""Scores an answer analyzer against the labelled corpus (``tests/corpus``).

Used by ``tests/test_understanding_corpus.py`` (which holds the numbers to the issue's targets)
and ``bench/understanding.py`` (which prints them next to the legacy regular-expression reading).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from corpus_data import CorpusItem, load_corpus
from grant_interviewer.domain.understanding.facts import AnswerFacts
from grant_interviewer.domain.understanding.merge import facts_values

Reader = Callable[[str, str, str], AnswerFacts]  # (text, lang, asked) → facts
NON_CONTENT = frozenset({"non_answer", "deferral", "refers_back", "off_topic", "question_back"})


@dataclass
class Score:
    """Counts behind the corpus metrics; ``misses`` lists what went wrong, for reading."""

    values_labelled: int = 0
    values_correct: int = 0
    values_predicted: int = 0
    non_content: int = 0
    non_content_caught: int = 0
    content: int = 0
    content_rejected: int = 0
    classes_right: int = 0
    items: int = 0
    topic_tp: int = 0
    topic_fp: int = 0
    topic_fn: int = 0
    millis: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def value_accuracy(self) -> float:
        """Labelled values read right (with their role), of all labelled values."""
        return self.values_correct / self.values_labelled if self.values_labelled else 1.0

    @property
    def value_precision(self) -> float:
        """Values read right, of all values read."""
        return self.values_correct / self.values_predicted if self.values_predicted else 1.0

    @property
    def non_answers_caught(self) -> float:
        """Non-answers (and deferrals, references back, questions back) not taken as content."""
        return self.non_content_caught / self.non_content if self.non_content else 1.0

    @property
    def wrongly_rejected(self) -> float:
        """Content answers taken for non-answers."""
        return self.content_rejected / self.content if self.content else 0.0

    @property
    def topic_f1(self) -> float:
        """Micro F1 of (answer, topic) pairs over content answers."""
        precision = self.topic_tp / (self.topic_tp + self.topic_fp) if self.topic_tp else 0.0
        recall = self.topic_tp / (self.topic_tp + self.topic_fn) if self.topic_tp else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").replace("«", "").replace("»", "")
                    .replace('"', "").split())


def predicted_values(facts: AnswerFacts) -> dict[str, Any]:
    """The corpus keys of what one answer's facts say."""
    values: dict[str, Any] = {}
    for slot, found in facts_values(facts).items():
        value = found.value
        if isinstance(value, dict) and "amount" in value:
            value = value["amount"]
        values[slot] = value
    if facts.persons:
        values["person"] = facts.persons[0].full
    return {k: v for k, v in values.items() if k in _CORPUS_KEYS}


_CORPUS_KEYS = frozenset({
    "requested_amount", "total_cost", "co_funding_amount", "co_funding_share", "beneficiaries",
    "duration_months", "start", "end", "region", "settlements", "organization", "person",
    "project_title",
})


def value_matches(key: str, expected: Any, got: Any) -> bool:
    """Whether a read value equals its label (amounts within 0.5%, text folded)."""
    if got is None:
        return False
    if key == "co_funding_share":
        return abs(float(got) - float(expected)) <= 0.005
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        try:
            return abs(float(got) - float(expected)) <= max(0.005 * abs(float(expected)), 0.5)
        except (TypeError, ValueError):
            return False
    if key == "settlements":
        return {_fold(s) for s in expected} == {_fold(s) for s in got}
    return _fold(str(expected)) == _fold(str(got))


def score(read: Reader, items: list[CorpusItem] | None = None) -> Score:
    """Run ``read`` over the corpus and count."""
    result = Score()
    for item in items if items is not None else load_corpus():
        started = time.perf_counter()
        facts = read(item.text, item.lang, item.asked)
        result.millis.append((time.perf_counter() - started) * 1000.0)
        result.items += 1
        got_class = facts.answer_class.value
        if got_class == item.cls:
            result.classes_right += 1
        content_predicted = got_class not in NON_CONTENT
        if item.cls in NON_CONTENT:
            result.non_content += 1
            if not content_predicted:
                result.non_content_caught += 1
            else:
                result.misses.append(f"{item.id} non-answer taken as {got_class}: {item.text!r}")
        else:
            result.content += 1
            if not content_predicted:
                result.content_rejected += 1
                result.misses.append(f"{item.id} content rejected as {got_class}: "
                                     f"{item.text[:80]!r}")
            predicted_topics = set(facts.topics) if content_predicted else set()
            labelled = set(item.topics)
            result.topic_tp += len(predicted_topics & labelled)
            result.topic_fp += len(predicted_topics - labelled)
            result.topic_fn += len(labelled - predicted_topics)
            if predicted_topics != labelled:
                result.misses.append(f"{item.id} topics {sorted(predicted_topics)} != "
                                     f"{sorted(labelled)}")
        got_values = predicted_values(facts) if content_predicted else {}
        result.values_predicted += len(got_values)
        for key, expected in item.values.items():
            result.values_labelled += 1
            got = got_values.get(key)
            if value_matches(key, expected, got):
                result.values_correct += 1
            else:
                result.misses.append(f"{item.id} {key}: {got!r} != {expected!r} "
                                     f"({item.text[:70]!r})")
        for key in set(got_values) - set(item.values):
            result.misses.append(f"{item.id} extra {key}={got_values[key]!r} "
                                 f"({item.text[:70]!r})")
    return result
