"""The analyzer's first-use work happens in the background after start(), not on an answer."""

from __future__ import annotations

from grant_interviewer.adapters.nlp.analyzer import OfflineAnalyzer
from grant_interviewer.domain.packs import load_pack


def test_start_reads_sample_answers_in_the_background_once() -> None:
    """After start() the topic cues of both languages are built by the warm-up thread (the
    first real answer then pays no first-use cost); a second start() starts nothing new."""
    analyzer = OfflineAnalyzer(load_pack)
    analyzer.start()
    warm = analyzer._warm
    assert warm is not None
    warm.join(120)
    assert not warm.is_alive()
    assert set(analyzer._cues) == {"ru", "en"}
    analyzer.start()
    assert analyzer._warm is warm
