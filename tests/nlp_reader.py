"""The offline analyzer as an engine reader, shared by the domain tests (loaded once)."""

from __future__ import annotations

from functools import cache

from grant_interviewer.adapters.nlp.analyzer import OfflineAnalyzer
from grant_interviewer.domain.coverage import FactsReader
from grant_interviewer.domain.packs import load_pack


@cache
def offline_reader() -> FactsReader:
    """``OfflineAnalyzer.read_sync`` with the morphology loaded (what the service wires)."""
    analyzer = OfflineAnalyzer(load_pack)
    analyzer.start()
    assert analyzer._resources.wait(60), analyzer.status()
    return analyzer.read_sync
