"""Markdown chunking and the shipped knowledge base's coverage of reference points."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from grant_interviewer.adapters.knowledge.chunking import chunk_markdown, point_id_for
from grant_interviewer.adapters.knowledge.ingest import shipped_chunks, shipped_fingerprint
from grant_interviewer.domain.packs import load_pack

RP_IDS = {
    "project_title", "project_essence", "problem", "target_audience", "geography", "goal",
    "tasks", "activities", "timeline", "results", "budget_total", "budget_breakdown",
    "co_funding", "team", "organization", "partners", "risks", "sustainability", "info_coverage",
}

DOC = """---
lang: en
---
# Guide
<!-- rp: problem -->
Intro text.

## Budget
<!-- rp: budget_total, budget_breakdown -->
Budget text.

### Details
Nested text inherits the budget tags.

## Untagged
Inherits the guide's tags.
"""


def test_heading_path_tags_and_front_matter() -> None:
    """Chunks carry the heading path, the nearest heading's tags and the front-matter language."""
    chunks = chunk_markdown(DOC, source="guide.md")
    by_heading = {c.heading: c for c in chunks}
    assert list(by_heading) == ["Guide", "Guide > Budget", "Guide > Budget > Details",
                                "Guide > Untagged"]
    assert by_heading["Guide"].reference_points == ("problem",)
    assert by_heading["Guide > Budget > Details"].reference_points == ("budget_total",
                                                                       "budget_breakdown")
    assert by_heading["Guide > Untagged"].reference_points == ("problem",)
    assert all(c.lang == "en" and c.source == "guide.md" for c in chunks)
    assert "<!--" not in "".join(c.text for c in chunks)
    assert chunk_markdown(DOC, source="x", lang="ru")[0].lang == "ru"


def test_long_sections_split_at_sentences_with_overlap() -> None:
    """A long section becomes pieces ≤ max_chars that end at sentences and overlap a little."""
    sentences = [f"Предложение номер {i} рассказывает о проекте подробно." for i in range(40)]
    chunks = chunk_markdown("# Долгий раздел\n" + " ".join(sentences), source="long.md",
                            max_chars=300, overlap=100)
    assert len(chunks) > 5
    assert all(len(c.text) <= 300 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)
    for first, second in itertools.pairwise(chunks):
        assert first.text.splitlines()[-1] == second.text.splitlines()[0]  # the overlap
    assert chunks[0].lang == "ru"


def test_hash_ids_are_deterministic() -> None:
    """The same text gives the same hash and UUID id; a one-word change gives new ones."""
    a = chunk_markdown("# T\nOne text.", source="a.md")[0]
    b = chunk_markdown("# T\nOne text.", source="b.md")[0]
    c = chunk_markdown("# T\nAnother text.", source="a.md")[0]
    assert a.content_hash == b.content_hash and a.point_id == b.point_id
    assert c.content_hash != a.content_hash
    assert point_id_for(a.content_hash) == a.point_id and len(a.point_id) == 36


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_shipped_kb_covers_every_reference_point(lang: str) -> None:
    """Each language has 40–150 chunks, every reference point tagged on at least two of them."""
    chunks = [c for c in shipped_chunks() if c.lang == lang]
    assert 40 <= len(chunks) <= 150  # 26 general + 78 examples by grant direction
    counts = Counter(rp for c in chunks for rp in c.reference_points)
    assert set(counts) == RP_IDS
    assert min(counts.values()) >= 2
    assert all(c.reference_points for c in chunks)
    assert max(len(c.text) for c in chunks) <= 700


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_shipped_tags_match_the_content_pack(lang: str) -> None:
    """The knowledge base serves exactly the content pack's reference points."""
    pack_ids = {point.id for point in load_pack(lang).reference_points}
    assert pack_ids == RP_IDS


def test_fingerprint_is_stable() -> None:
    """The shipped-KB fingerprint is the same on every call."""
    assert shipped_fingerprint() == shipped_fingerprint(shipped_chunks())
