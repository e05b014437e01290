"""Which reference points an interview's answers cover, rebuilt from the answers' stored facts.

:func:`recompute` is the single source of truth for ``state.topics``, ``state.slots``,
``state.name``, ``state.level`` and ``state.project_type``. It replays the answered turns in
order, but it does not analyse them again: every answer's :class:`AnswerFacts` was computed once
(when it was given) and stored with its turn, so ``/back``, resuming and re-loading from storage
are cheap. A turn without stored facts (saved by an earlier version) is read with ``read``.

A topic's ``answers`` are the sentences that serve it — from the answer to its own question and
from any other answer (an expert's first message may serve ten topics) — never a whole pasted
paragraph copied everywhere, and never a non-answer ("не знаю", "писала выше").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from grant_interviewer.domain.analysis import extract_name, infer_level, infer_project_type
from grant_interviewer.domain.model import (
    ContentPack,
    InterviewState,
    ReferencePoint,
    TopicState,
    TopicStatus,
    Turn,
)
from grant_interviewer.domain.understanding.facts import AnswerFacts
from grant_interviewer.domain.understanding.legacy import legacy_facts
from grant_interviewer.domain.understanding.merge import merge_values

__all__ = ["SKIP_MARKER", "FactsReader", "count_asked", "evaluate", "recompute"]

SKIP_MARKER = "/skip"
# topics that, when complete only through a passing mention, are confirmed in one short question
# ("Название — «Точка роста», верно?") instead of being taken silently or asked anew
CONFIRMED_WHEN_INFERRED = frozenset({"project_title", "geography"})
_CONFIRMED_SLOTS = {"project_title": ("project_title",), "geography": ("region", "settlements")}
_YES = frozenset({"да", "верно", "да верно", "ага", "угу", "так и есть", "правильно", "все верно",
                  "да все верно", "именно", "точно", "ок", "yes", "correct", "right", "yes correct",
                  "that's right", "yep", "да, верно"})
_NO = frozenset({"нет", "неверно", "не так", "не верно", "no", "wrong", "not right", "нет не так"})
_WORD = re.compile(r"\w+")

FactsReader = Callable[[str, str, "str | None"], AnswerFacts]  # (text, lang, asked) → facts


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


def _confirmations(state: InterviewState, slots: dict[str, Any]) -> dict[str, bool]:
    """Answers to confirmation questions: True ("да, верно"), False ("нет": the value read in
    passing is dropped, so the topic is asked properly)."""
    found: dict[str, bool] = {}
    for turn in state.turns:
        if turn.kind != "confirm" or not turn.answer or turn.reference_point is None:
            continue
        plain = _plain(turn.answer)
        owned = _CONFIRMED_SLOTS.get(turn.reference_point, ())
        if plain in _YES:
            found[turn.reference_point] = True
            slots["inferred"] = [s for s in slots.get("inferred") or () if s not in owned]
        elif plain in _NO:
            found[turn.reference_point] = False
            for slot in owned:
                slots.pop(slot, None)
        elif turn.facts is not None and (turn.facts.title or turn.facts.places
                                         or not turn.facts.answer_class.is_content):
            # a value of its own (read as the answer), or "не знаю" / "потом" (the value read
            # in passing stands: asking again would nag)
            found[turn.reference_point] = True
        # content about something else leaves the value unconfirmed: asked again later
    return found


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower().replace("ё", "е")).split())


def _keyword_hits(keywords: tuple[str, ...], text: str) -> set[str]:
    low = text.lower()
    return {k for k in keywords if k in low}


def _legacy_reader(text: str, lang: str, asked: str | None) -> AnswerFacts:
    return legacy_facts(text, lang, asked)


def recompute(pack: ContentPack, state: InterviewState, *,
              read: FactsReader | None = None) -> None:
    """Rebuild topics, slots, name, level and project type from the turns and their facts."""
    reader = read or _legacy_reader
    topics = {rp.id: TopicState() for rp in pack.reference_points}
    answers: list[tuple[str | None, AnswerFacts]] = []
    texts: list[str] = []
    skipped_last: dict[str, bool] = {}
    for turn in state.turns:
        if turn.kind == "name":
            state.name = extract_name(turn.answer) if turn.answer else None
            continue
        rp_id = turn.reference_point
        if rp_id is None or rp_id not in topics:
            continue
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
        if turn.kind == "confirm" and _plain(turn.answer) in _YES | _NO:
            continue  # "да, верно" / "нет" to a confirmation: see _confirmations
        if turn.facts is None:  # saved by an earlier version: read once, kept with the turn
            turn.facts = reader(turn.answer, state.lang, rp_id)
        facts = turn.facts
        answers.append((rp_id, facts))
        topic.last_class = facts.answer_class.value
        topic.weak += 1  # a direct answer; reset below if the topic ends up complete
        if not facts.answer_class.is_content:
            continue
        texts.append(turn.answer)
        for sentence in facts.sentences:
            for served in sentence.topics:
                target = topics.get(served)
                if target is None or (served != rp_id and skipped_last.get(served)):
                    continue
                if sentence.text not in target.answers:
                    target.answers.append(sentence.text)
                if served != rp_id and target.covered_by_turn is None:
                    target.covered_by_turn = turn.index
    slots = merge_values(answers)
    confirmed = _confirmations(state, slots)
    # without a name turn, state.name stays as given (a /restart keeps the earlier name)
    approximate = set(slots.get("approximate") or ())
    for rp in pack.reference_points:
        topic = topics[rp.id]
        complete, missing = evaluate(rp, " ".join(topic.answers), slots)
        if complete and rp.id in CONFIRMED_WHEN_INFERRED and confirmed.get(rp.id) is None and set(
                rp.completeness.required_slots) & set(slots.get("inferred") or ()):
            complete, missing = False, ["confirm"]
        if (complete and topic.followups == 0 and topic.weak <= 1
                and approximate & set(rp.completeness.required_slots)):
            # "миллион где-то" as the first answer: kept, and asked once for the exact figure
            # the form needs (a figure given after weak answers is taken as it is)
            complete, missing = False, ["exact"]
        if complete:
            topic.status = TopicStatus.COMPLETE
        elif skipped_last.get(rp.id) and not rp.required:
            topic.status = TopicStatus.SKIPPED
        elif topic.answers:
            topic.status = TopicStatus.PARTIAL
        else:
            topic.status = TopicStatus.MISSING
        topic.missing = [] if complete else missing
        if complete:
            topic.weak = 0
        else:
            topic.covered_by_turn = None
    state.topics = topics
    state.slots = slots
    state.level = infer_level(texts)
    state.project_type = infer_project_type(texts)



def count_asked(state: InterviewState, turn: Turn) -> bool:
    """Bring ``state``'s coverage, rebuilt by :func:`recompute` before ``turn`` was appended
    unanswered, up to date as a rebuild would; False when only a rebuild can (then nothing
    changed).

    In the replay an unanswered turn only counts as asked (and as a follow-up); the one rule
    that reads those counts is the "exact figure" one (a first approximate answer with no
    follow-up yet), so a follow-up on a topic that rule holds open needs the rebuild.
    """
    if turn.answer is not None or turn.kind == "name" or turn.reference_point is None:
        return False
    topic = state.topics.get(turn.reference_point)
    if topic is None:
        return False
    if turn.kind == "followup":
        if topic.followups == 0 and topic.missing == ["exact"]:
            return False
        topic.followups += 1
    topic.asked += 1
    return True
