"""What each section of the anketa holds: only content, and each long text only once.

Two guards on top of the understanding's contract (a topic's answers are the sentences that serve
it):

* **Non-answers are never content.** A turn whose stored facts class the answer as a non-answer,
  a deferral, a reference back, off-topic or a question back contributes nothing to any section;
  a topic left with nothing but such text is ``missing``.
* **One long text, one section.** If the same long text (a pasted first paragraph) sits in
  several sections, it stays in the section whose question it answered (else the first of them
  in priority order) and the others point there instead of repeating it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grant_interviewer.domain.anketa.text import normalized, sentences
from grant_interviewer.domain.model import InterviewState, ReferencePoint, TopicStatus

LONG_TEXT_CHARS = 200  # with at least two sentences: a paragraph, not a fact serving two topics


@dataclass(frozen=True)
class SectionContent:
    """The answers a section shows, its status and where its copied text went instead."""

    answers: tuple[str, ...]
    status: TopicStatus
    see_also: str | None = None  # the reference point that holds this section's copied text
    emptied: bool = False  # it had answers, all of them non-answers


def _non_content(state: InterviewState) -> tuple[set[str], list[str]]:
    """(normalised non-answer texts and their sentences, the whole non-answers normalised)."""
    pieces: set[str] = set()
    wholes: list[str] = []
    for turn in state.turns:
        if turn.answer is None or turn.facts is None or turn.facts.answer_class.is_content:
            continue
        whole = normalized(turn.answer)
        wholes.append(whole)
        pieces.add(whole)
        pieces.update(normalized(s.text) for s in turn.facts.sentences)
    return pieces, wholes


def _is_long(text: str) -> bool:
    return len(text) >= LONG_TEXT_CHARS and len(sentences(text)) >= 2


def section_contents(
    state: InterviewState, points: Sequence[ReferencePoint]
) -> dict[str, SectionContent]:
    """The content of every reference point's section (``points`` in priority order)."""
    pieces, wholes = _non_content(state)
    kept: dict[str, list[str]] = {}
    statuses: dict[str, TopicStatus] = {}
    emptied: set[str] = set()
    for rp in points:
        topic = state.topics.get(rp.id)
        status = TopicStatus(topic.status) if topic is not None else TopicStatus.MISSING
        raw = [a.strip() for a in (topic.answers if topic else []) if a and a.strip()]
        content = [
            a for a in raw
            if normalized(a) not in pieces and not any(normalized(a) in w for w in wholes)
        ]  # fmt: skip
        if raw and not content and status != TopicStatus.SKIPPED:
            status = TopicStatus.MISSING  # it held only non-answers
            emptied.add(rp.id)
        kept[rp.id], statuses[rp.id] = content, status

    see_also: dict[str, str] = {}
    holders: dict[str, list[str]] = {}
    for rp in points:
        for answer in kept[rp.id]:
            if _is_long(answer):
                holders.setdefault(normalized(answer), []).append(rp.id)
    for text, ids in holders.items():
        unique = list(dict.fromkeys(ids))
        if len(unique) < 2:
            continue
        owner = _owner(state, text, unique)
        for rp_id in unique:
            if rp_id == owner:
                continue
            kept[rp_id] = [a for a in kept[rp_id] if normalized(a) != text]
            if not kept[rp_id]:
                see_also[rp_id] = owner
    return {
        rp.id: SectionContent(tuple(kept[rp.id]), statuses[rp.id], see_also.get(rp.id),
                              rp.id in emptied)
        for rp in points
    }


def _owner(state: InterviewState, text: str, holders: list[str]) -> str:
    """The section a copied text belongs to: the one whose question it answered."""
    for turn in state.turns:
        if turn.answer and turn.reference_point in holders and text in normalized(turn.answer):
            return turn.reference_point
    return holders[0]
