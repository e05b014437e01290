"""Which reference points an interview's answers cover, recomputed from the answered turns.

:func:`recompute` is the single source of truth for ``state.topics``, ``state.slots``,
``state.name``, ``state.level`` and ``state.project_type``: it replays every answered turn in
order, so ``/back``, resuming and re-loading from storage need no special handling.
"""

from __future__ import annotations

import re
from typing import Any

from grant_interviewer.domain.analysis import (
    Extraction,
    analyze,
    extract_name,
    infer_level,
    infer_project_type,
)
from grant_interviewer.domain.model import (
    ContentPack,
    InterviewState,
    ReferencePoint,
    TopicState,
    TopicStatus,
)

__all__ = ["SKIP_MARKER", "covers", "evaluate", "recompute"]

SKIP_MARKER = "/skip"
CROSS_MIN_WORDS_SLOTS = 20  # an answer this long may complete another topic by its slots
CROSS_MIN_WORDS_KEYWORDS = 40  # ... or, for slot-less topics, by two of its keywords
BROAD_TOPIC = "project_essence"  # its answer is a summary and may cover other topics
_MONEY_DEFAULT = {"co_funding": "co_funding_amount", "budget_breakdown": ""}
# slots that describe another slot and follow it when an answer settles that slot
_COMPANIONS = {
    "beneficiaries": ("beneficiary_group", "age_range"),
    "duration_months": ("start_month",),
}
_WORD = re.compile(r"\w+")


def evaluate(rp: ReferencePoint, text: str, slots: dict[str, Any]) -> tuple[bool, list[str]]:
    """Whether ``text`` (with the interview's ``slots``) completes ``rp``, and what is missing."""
    rule = rp.completeness
    missing = [slot for slot in rule.required_slots if slot not in slots]
    words = len(_WORD.findall(text))
    if len(text) < rule.min_chars or words < rule.min_words:
        missing.append("details")
    if rule.keywords and not _keyword_hits(rule.keywords, text):
        missing.append("numbers" if all(k.isdigit() for k in rule.keywords) else "focus")
    return not missing, missing


def covers(rp: ReferencePoint, extraction: Extraction, text: str, *, broad: bool) -> bool:
    """Whether an answer given to another topic is substantive enough to complete ``rp`` too.

    ``broad`` says the answer was a summary (the project essence) or carries several facts at
    once; only such answers complete other topics by their slots (a project title is explicit
    enough on its own). Slot-less topics need their first keyword (the anchor) and another one.
    """
    rule = rp.completeness
    if rule.required_slots:
        if extraction.words < CROSS_MIN_WORDS_SLOTS:
            return False
        if not broad and set(rule.required_slots) != {"project_title"}:
            return False
        if not all(slot in extraction.slots for slot in rule.required_slots):
            return False
        return evaluate(rp, text, extraction.slots)[0]
    if not rule.keywords or extraction.words < CROSS_MIN_WORDS_KEYWORDS:
        return False
    hits = _keyword_hits(tuple(k for k in rule.keywords if len(k) >= 4), text)
    return rule.keywords[0] in hits and len(hits) >= 2 and evaluate(rp, text, extraction.slots)[0]


def _is_broad(rp: ReferencePoint, extraction: Extraction) -> bool:
    facts = set(extraction.slots) - {"beneficiary_group", "age_range", "start_month"}
    return rp.id == BROAD_TOPIC or len(facts) >= 3


def _keyword_hits(keywords: tuple[str, ...], text: str) -> set[str]:
    low = text.lower()
    return {k for k in keywords if k in low}


def _fallback_slots(rp_id: str, answer: str, extraction: Extraction) -> None:
    """Topic-specific readings of a short direct answer (a bare title is the title)."""
    if rp_id == "project_title" and "project_title" not in extraction.slots:
        first = answer.strip().split("\n")[0].strip(" «»\"“”'.!")
        if 3 <= len(first) <= 150 and len(first.split()) <= 15 and not extraction.unsure:
            extraction.slots["project_title"] = first


def recompute(pack: ContentPack, state: InterviewState) -> None:
    """Rebuild topics, slots, name, level and project type from the turns."""
    topics = {rp.id: TopicState() for rp in pack.reference_points}
    slots: dict[str, Any] = {}
    owned: set[str] = set()  # slots set by an answer to the topic that requires them
    texts: list[str] = []
    skipped_last: dict[str, bool] = {}
    for turn in state.turns:
        if turn.kind == "name":
            state.name = extract_name(turn.answer) if turn.answer else None
            continue
        rp_id = turn.reference_point
        if rp_id is None or rp_id not in topics:
            continue
        rp = pack.point(rp_id)
        topic = topics[rp_id]
        topic.asked += 1
        if turn.kind == "followup":
            topic.followups += 1
        if turn.answer is None:
            continue
        if turn.answer == SKIP_MARKER:
            skipped_last[rp_id] = True
            continue
        skipped_last[rp_id] = False
        answer = turn.answer
        texts.append(answer)
        default = _MONEY_DEFAULT.get(rp_id, "requested_amount")
        extraction = analyze(answer, state.lang, default_money=default)
        _fallback_slots(rp_id, answer, extraction)
        topic.answers.append(answer)
        covered = [rp]
        broad = _is_broad(rp, extraction)
        for other in pack.reference_points:
            if other.id == rp_id or skipped_last.get(other.id):
                continue
            other_topic = topics[other.id]
            if other_topic.covered_by_turn is not None:
                continue
            if covers(other, extraction, answer, broad=broad):
                other_topic.answers.append(answer)
                other_topic.covered_by_turn = turn.index
                covered.append(other)
        direct = {slot for c in covered for slot in c.completeness.required_slots}
        direct |= {extra for slot in direct for extra in _COMPANIONS.get(slot, ())}
        for slot, value in extraction.slots.items():
            # an answer to the topic that needs a slot wins; otherwise the first mention stays
            if slot in direct or slot not in slots:
                slots[slot] = value
            if slot in direct:
                owned.add(slot)
        if topic.covered_by_turn is None and evaluate(rp, "\n".join(topic.answers), slots)[0]:
            topic.covered_by_turn = turn.index
    # without a name turn, state.name stays as given (a /restart keeps the earlier name)
    for rp in pack.reference_points:
        topic = topics[rp.id]
        complete, missing = evaluate(rp, "\n".join(topic.answers), slots)
        if complete:
            topic.status = TopicStatus.COMPLETE
        elif skipped_last.get(rp.id) and not rp.required:
            topic.status = TopicStatus.SKIPPED
        elif topic.answers:
            topic.status = TopicStatus.PARTIAL
        else:
            topic.status = TopicStatus.MISSING
        topic.missing = [] if complete else missing
        if not complete:
            topic.covered_by_turn = None
    state.topics = topics
    state.slots = slots
    state.level = infer_level(texts)
    state.project_type = infer_project_type(texts)
