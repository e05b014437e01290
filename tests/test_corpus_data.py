"""The labelled answer corpus is well-formed, consistent and big enough to measure against."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from corpus_data import CLASSES, CorpusError, load_corpus

MONTHS = {"start", "end", "duration_months"}


def _months_between(start: str, end: str) -> int:
    (y1, m1), (y2, m2) = (map(int, start.split("-")), map(int, end.split("-")))
    return (y2 - y1) * 12 + (m2 - m1) + 1


def test_corpus_loads_with_unique_ids() -> None:
    """Both files load, every id is unique, Russian items come first."""
    items = load_corpus()
    assert len({i.id for i in items}) == len(items)
    assert [i.lang for i in items] == sorted((i.lang for i in items), key=("ru", "en").index)


def test_corpus_has_the_required_counts() -> None:
    """≥230 items (≈200 Russian, ≈30 English), ≥120 substantive, every class represented."""
    ru, en = load_corpus("ru"), load_corpus("en")
    assert len(ru) >= 195 and len(en) >= 30 and len(ru) + len(en) >= 230
    classes = Counter(i.cls for i in ru + en)
    assert set(classes) == CLASSES
    assert classes["substantive"] >= 120
    assert classes["non_answer"] >= 30
    for cls in ("deferral", "refers_back", "correction", "off_topic", "question_back"):
        assert classes[cls] >= 5, cls
    assert {i.cls for i in en} == CLASSES


def test_short_valid_answers_are_in_the_corpus() -> None:
    """Short substantive answers (≤ 3 words) are there, so false rejection is measured on them."""
    short = [i for i in load_corpus() if i.is_content and len(i.text.split()) <= 3]
    assert len(short) >= 30


def test_periods_are_consistent() -> None:
    """Where start, end and duration are all labelled, the duration is the inclusive month count."""
    checked = 0
    for item in load_corpus():
        if set(item.values) >= MONTHS:
            span = _months_between(item.values["start"], item.values["end"])
            assert span == item.values["duration_months"], item.id
            checked += 1
    assert checked >= 10


def test_content_answers_mostly_serve_the_asked_topic() -> None:
    """Most content answers serve the topic asked; a few serve another (activities for tasks)."""
    content = [i for i in load_corpus() if i.is_content]
    elsewhere = [i.id for i in content if i.asked not in i.topics]
    assert 0 < len(elsewhere) <= len(content) // 20, elsewhere


def test_loader_rejects_a_bad_label(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown topic id, value key or class is a CorpusError naming the item."""
    import corpus_data

    bad = [{"id": "ru-x", "asked": "goal", "text": "t", "class": "substantive",
            "topics": ["gaol"]}]
    (tmp_path / "answers_ru.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True), "utf-8")
    monkeypatch.setattr(corpus_data, "CORPUS_DIR", tmp_path)
    corpus_data._load_file.cache_clear()
    try:
        with pytest.raises(CorpusError, match=r"'ru-x'.*unknown topic ids \['gaol'\]"):
            load_corpus("ru")
    finally:
        corpus_data._load_file.cache_clear()


def test_holdout_corpus_loads() -> None:
    """The held-out files load: ≥85 items (≥70 ru, ≥15 en), ≥15 non-content, ids unique."""
    ru, en = load_corpus("ru", holdout=True), load_corpus("en", holdout=True)
    items = load_corpus(holdout=True)
    assert [i.id for i in items] == [i.id for i in ru + en]
    assert len(ru) >= 70 and len(en) >= 15 and len(items) >= 85
    assert all(i.id.startswith(f"h{i.lang}-") for i in items)
    assert sum(not i.is_content for i in items) >= 15
    assert not {i.id for i in items} & {i.id for i in load_corpus()}
    for item in items:
        if set(item.values) >= MONTHS:
            span = _months_between(item.values["start"], item.values["end"])
            assert span == item.values["duration_months"], item.id
