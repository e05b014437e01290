"""Which reference points each sentence of an answer serves.

A sentence serves a topic when it holds one of the topic's cues (lemmas from the content pack,
``ReferencePoint.cues``) or a fact that belongs to it (an amount requested → the budget, a period
→ the timeline, a place → the geography, the main target group's size → the audience). Every
content sentence of an answer also serves the topic the question was about: it is the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from grant_interviewer.adapters.nlp.tokens import Sentence
from grant_interviewer.domain.model import ContentPack


@dataclass(frozen=True)
class _Cue:
    parts: tuple[str, ...]  # lemmas; a trailing "*" matches any ending

    def matches(self, lemmas: list[str]) -> bool:
        size = len(self.parts)
        for start in range(len(lemmas) - size + 1):
            if all(_part_matches(part, lemmas[start + k]) for k, part in enumerate(self.parts)):
                return True
        return False


def _part_matches(part: str, lemma: str) -> bool:
    if part.endswith("*"):
        return lemma.startswith(part[:-1])
    return lemma == part


class TopicCues:
    """The compiled cues of a content pack."""

    def __init__(self, pack: ContentPack) -> None:
        self._cues: dict[str, tuple[_Cue, ...]] = {
            rp.id: tuple(_Cue(tuple(c.split())) for c in rp.cues) for rp in pack.reference_points
        }

    def topics_of(self, sentence: Sentence) -> list[str]:
        """The topics whose cues occur in ``sentence``."""
        lemmas = [t.lemma for t in sentence.tokens if t.text[:1].isalnum()]
        lowers = [t.lower for t in sentence.tokens if t.text[:1].isalnum()]
        return [rp_id for rp_id, cues in self._cues.items()
                if any(c.matches(lemmas) or c.matches(lowers) for c in cues)]


def assign(
    sentences: list[Sentence],
    cues: TopicCues,
    fact_topics: dict[int, set[str]],
    *,
    asked: str | None,
    content: bool,
) -> list[tuple[str, tuple[str, ...]]]:
    """Each sentence's text with the topics it serves (none for a non-answer)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for sentence in sentences:
        if not content:
            out.append((sentence.text, ()))
            continue
        topics = _ordered([*([asked] if asked else []), *cues.topics_of(sentence),
                           *sorted(fact_topics.get(sentence.index, ()))])
        out.append((sentence.text, tuple(topics)))
    return out


def _ordered(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
