"""The project head (руководитель проекта): a person the answers name as leading the project.

The understanding gives the persons each answer names (``AnswerFacts.persons``), not their
roles; the head is the named person whose sentence says they lead («Руководитель — Анна Петровна
Соколова», «I lead the project, Natalia Orlova»), preferring answers about the team.
"""

from __future__ import annotations

import re

from grant_interviewer.domain.anketa.text import sentences
from grant_interviewer.domain.model import InterviewState, Turn

_LEADS = re.compile(
    r"руковод\w*|возглав\w*|\bлидер\w*|\bI\s+(?:lead|head|run|manage)\b|\bleads?\b|"
    r"\bhead(?:ed|s)?\s+(?:of|by)\b|project\s+(?:lead|manager|head)",
    re.IGNORECASE,
)


def _turn_sentences(turn: Turn) -> list[str]:
    facts = turn.facts
    if facts is not None and facts.sentences:
        return [s.text for s in facts.sentences]
    return sentences(turn.answer or "")


def _about_team(turn: Turn) -> bool:
    facts = turn.facts
    return turn.reference_point == "team" or (
        facts is not None and any("team" in s.topics for s in facts.sentences)
    )


def project_head(state: InterviewState) -> str | None:
    """The full name of the person the answers name as the project's head, if any."""
    turns = [t for t in state.turns if t.answer and t.facts is not None and t.facts.persons
             and t.facts.answer_class.is_content]  # fmt: skip
    for turn in sorted(turns, key=lambda t: not _about_team(t)):  # team answers first
        assert turn.facts is not None
        for sentence in _turn_sentences(turn):
            if not _LEADS.search(sentence):
                continue
            for person in turn.facts.persons:
                # a name's stem, so that «Соколовой» matches «Соколова»
                stems = [p[: max(3, len(p) - 2)] for p in (person.last, person.first) if p]
                if person.full and any(stem in sentence for stem in stems):
                    return person.full
    return None
