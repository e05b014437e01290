"""The offline analyzer against the labelled corpus: the issue's targets, held by tests."""

from __future__ import annotations

import pytest

from corpus_data import load_corpus
from grant_interviewer.adapters.nlp.analyzer import OfflineAnalyzer
from grant_interviewer.domain.packs import load_pack
from understanding_score import Score, score


@pytest.fixture(scope="module")
def result() -> Score:
    """The whole corpus read once by the offline analyzer (morphology loaded)."""
    analyzer = OfflineAnalyzer(load_pack)
    analyzer.start()
    assert analyzer._resources.wait(60), analyzer.status()
    return score(lambda text, lang, asked: analyzer.analyze_sync(text, lang=lang, asked=asked))


def test_values_are_read_with_their_role(result: Score) -> None:
    """At least 95% of the labelled values (amounts with their role, counts of the main group,
    months, places, names) are read right, and what is read is right."""
    assert result.value_accuracy >= 0.95, "\n".join(result.misses)
    assert result.value_precision >= 0.95, "\n".join(result.misses)


def test_non_answers_are_caught(result: Score) -> None:
    """At least 95% of non-answers, deferrals, references back and questions back are not
    taken for content."""
    assert result.non_answers_caught >= 0.95, "\n".join(result.misses)


def test_substantive_answers_are_rarely_rejected(result: Score) -> None:
    """At most 2% of real answers (short ones included) are taken for non-answers."""
    assert result.wrongly_rejected <= 0.02, "\n".join(result.misses)


def test_answers_are_matched_to_the_topics_they_serve(result: Score) -> None:
    """Topic F1 over (answer, topic) pairs is at least 0.85."""
    assert result.topic_f1 >= 0.85, "\n".join(result.misses)


def test_the_corpus_is_big_enough_to_mean_something() -> None:
    """The targets are measured on at least 200 answers, Russian and English."""
    items = load_corpus()
    assert len(items) >= 200
    assert {item.lang for item in items} == {"ru", "en"}
