"""The offline answer analyzer: one answer → :class:`AnswerFacts`, no network, no hub model.

Runs in a worker thread (``asyncio.to_thread``): ~1–5 ms for a short answer, tens of ms for a
pasted page (``bench/understanding.py`` prints the numbers). The morphology loads in the
background (:mod:`.resources`); an answer that arrives before it is ready waits at most
``morph_wait`` seconds and is then read from word forms alone.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from grant_interviewer.adapters.nlp import asides
from grant_interviewer.adapters.nlp import lexicon_data as words
from grant_interviewer.adapters.nlp.classify import classify
from grant_interviewer.adapters.nlp.lexicon import Lexicon
from grant_interviewer.adapters.nlp.names import read_orgs_and_title, read_persons
from grant_interviewer.adapters.nlp.numbers_facts import is_population, read_numbers, read_period
from grant_interviewer.adapters.nlp.places import load_gazetteer, read_places
from grant_interviewer.adapters.nlp.resources import NlpResources, get_resources
from grant_interviewer.adapters.nlp.tokens import Sentence, Token, is_list_item, tokenize
from grant_interviewer.adapters.nlp.topics import TopicCues, assign
from grant_interviewer.domain.model import ContentPack, InterviewState
from grant_interviewer.domain.understanding.facts import (
    AnswerClass,
    AnswerFacts,
    Count,
    Money,
    Period,
    Person,
    SentenceTopics,
    Share,
)
from grant_interviewer.gc_policy import freeze_loaded

logger = logging.getLogger(__name__)

BACKGROUND_WAIT = 120.0
_WARM_LOCK = threading.Lock()
_WARM_SAMPLES = (
    ("ru", "Проект «Тёплый дом» в Арзамасе Нижегородской области: с марта по декабрь 2027 года "
           "занятия для 60 пожилых людей, просим полтора миллиона рублей, софинансирование "
           "триста тысяч. Руководитель — Ирина Соколова."),
    ("en", "The Warm House project in Kazan runs from March to December 2027 for 60 older "
           "people; we ask for 1.5 million roubles and bring 300 thousand of our own."),
)
# Answers up to this long are read on the event loop: measured on the personas' answers, up to
# 100 characters p50 0.5 / max 2.3 ms, 100-200 p50 1.6 / max 4.5 ms — less than the loop gives
# other work between two waits anyway, and a worker thread's hand-off costs ~0.1 ms of CPU and
# two switches of the interpreter lock a turn. Longer ones (~1 ms per 60 characters; a pasted
# application ~100 ms) go to a worker thread, so the loop never stalls on them.
INLINE_CHARS = 200
MAX_ANALYZED_CHARS = 8_000  # a longer paste is read in its first part (facts come early)
_TITLE_PREFIXES = ("название проекта", "проект называется", "называется", "название",
                   "рабочее название", "назовем", "назвали", "project title",
                   "the project is called",
                   "it is called", "called", "title")


class OfflineAnalyzer:
    """Implements the ``AnswerAnalyzer`` port with razdel, pymorphy3, number-parser, rapidfuzz."""

    name = "offline"

    def __init__(self, pack_loader: Callable[[str], ContentPack], *,
                 resources: NlpResources | None = None, morph_wait: float = 1.5) -> None:
        self._packs = pack_loader
        self._resources = resources or get_resources()
        self._morph_wait = morph_wait
        self._cues: dict[str, TopicCues] = {}
        self._warm: threading.Thread | None = None
        self._warmed = False  # the warm-up read its samples: every first-use cost is paid

    def start(self) -> None:
        """Begin loading the morphology in the background (instant, idempotent); once it is
        loaded, the same background work reads two sample answers, so that the first real
        one does not pay the first-use costs (~100 ms here: rapidfuzz's import, pymorphy3's
        first parses, the packs' topic cues)."""
        self._resources.start()
        with _WARM_LOCK:
            if self._warm is None:
                self._warm = threading.Thread(target=self._warm_up, name="nlp-warm-up",
                                              daemon=True)
                self._warm.start()

    def _warm_up(self) -> None:
        if not self._resources.wait(BACKGROUND_WAIT):
            return
        try:
            for lang, sample in _WARM_SAMPLES:
                self.analyze_sync(sample, lang=lang, asked="project_essence")
        except Exception:  # the first answer pays instead
            logger.exception("analyzer warm-up failed")
            return
        self._warmed = True
        freeze_loaded("the answer analyzer")

    @property
    def morph(self) -> Any:
        """The loaded ``pymorphy3.MorphAnalyzer`` (None while loading): shared with the anketa."""
        return self._resources.morph

    def status(self) -> dict[str, Any]:
        """Readiness of the models."""
        return self._resources.status()

    def read_sync(self, text: str, lang: str, asked: str | None) -> AnswerFacts:
        """``analyze_sync`` in the engine's reader signature (answers stored without facts)."""
        return self.analyze_sync(text, lang=lang, asked=asked)

    async def analyze(self, text: str, *, lang: str, asked: str | None,
                      state: InterviewState) -> AnswerFacts:
        """The facts of one answer: a short one read right here once the warm-up is done
        (see ``INLINE_CHARS``), anything else in a worker thread."""
        if self._warmed and len(text) <= INLINE_CHARS:
            return self.analyze_sync(text, lang=lang, asked=asked)
        return await asyncio.to_thread(self.analyze_sync, text, lang=lang, asked=asked)

    def analyze_sync(self, text: str, *, lang: str, asked: str | None) -> AnswerFacts:
        """The facts of one answer (blocking: call from a worker thread)."""
        if self._resources.morph is None:
            self._resources.wait(self._morph_wait)
        lexicon = _lexicon(self._resources.morph)
        load_gazetteer(lexicon)
        cues = self._cues.get(lang)
        if cues is None:
            cues = self._cues[lang] = TopicCues(self._packs(lang))
        return analyze_text(text[:MAX_ANALYZED_CHARS], lang=lang, asked=asked, lexicon=lexicon,
                            cues=cues)


@lru_cache(maxsize=4)
def _lexicon(morph: Any) -> Lexicon:
    return Lexicon(morph)


def analyze_text(text: str, *, lang: str, asked: str | None, lexicon: Lexicon,
                 cues: TopicCues) -> AnswerFacts:
    """The pure reading of one answer (see :class:`OfflineAnalyzer`)."""
    sentences = tokenize(text, lang, lexicon)
    money: list[Money] = []
    shares: list[Share] = []
    counts: list[tuple[int, Count, bool]] = []  # sentence, count, participation cue
    periods: list[Period] = []
    fact_topics: dict[int, set[str]] = {}
    rest_is_co_funding = False
    for sentence in sentences:
        numbers = read_numbers(sentence, asked=asked, lang=lang)
        rest_is_co_funding |= numbers.rest_is_co_funding
        topics = fact_topics.setdefault(sentence.index, set())
        for amount in numbers.money:
            money.append(amount)
            topics.add({"co_funding": "co_funding", "item": "budget_breakdown"}.get(
                amount.role, "budget_total"))
        for share in numbers.shares:
            shares.append(share)
            if share.role == "co_funding":
                topics.add("co_funding")
        counts.extend((sentence.index, c, cue)
                      for c, cue in zip(numbers.counts, numbers.participation, strict=True))
        project_time = _about_the_project_time(sentence, asked, cues)
        period = read_period(sentence, numbers.years) if project_time or asked in (
            "project_essence", None) else None  # "каток открыт с декабря по март": a schedule
        durations = numbers.periods if project_time else []
        for found in [*durations, *([period] if period else [])]:
            periods.append(found)
            topics.add("timeline")
    names_only = asked in ("project_title", "organization", "team")
    if asked == "budget_total" and len(money) == 1 and money[0].role == "total":
        # the one amount in an answer to "how much do you ask for?", said as "бюджет 1,3 млн"
        money[0] = Money(**{**money[0].__dict__, "role": "requested"})
    place = read_places(sentences, lexicon, lang=lang, names_only=names_only)
    if place is not None:
        for sentence in sentences:
            if read_places([sentence], lexicon, lang=lang, names_only=names_only) is not None:
                fact_topics.setdefault(sentence.index, set()).add("geography")
    persons = [p for p in read_persons(sentences, lang=lang)
               if asked in ("team", None) or _leader_named(sentences, p)]
    orgs, titles = read_orgs_and_title(sentences, asked=asked, lang=lang)
    title = titles[0] if titles else None
    if asked in ("partners", "co_funding", "team", "budget_breakdown", "activities"):
        orgs = []  # organisations named there are partners and venues, not the applicant
    main = _main_count([(c, cue) for _, c, cue in counts], asked=asked)
    final_counts = tuple(
        Count(**{**c.__dict__, "main": c is main,
                 "group": _group(c.of, sentences, lexicon) if c is main else ""})
        for _, c, _ in counts
    )
    for index, count, _ in counts:
        if count is main:
            fact_topics.setdefault(index, set()).add("target_audience")
    has_facts = bool(money or shares or periods or place or title
                     or any(c.of in words.PEOPLE for c in final_counts))
    word_tokens = [t for s in sentences for t in s.tokens if t.text.isalpha()]
    unknown = sum(1 for t in word_tokens if not _known(t.text, lexicon))
    cue_topics = _with_list_headings(sentences, {s.index: cues.topics_of(s) for s in sentences})
    aside = not has_facts and asides.weigh(sentences, cues).is_aside
    answer_class, confidence = classify(text, has_facts=has_facts, unknown_words=unknown,
                                        words=len(word_tokens), aside=aside)
    if answer_class.is_content and asked == "project_title" and title is None and not (
            money or shares or periods or any(c.of in words.PEOPLE for c in final_counts)):
        # a bare line answers "what is it called?" unless it states a figure: "бюджет 120 000
        # рублей" to "Название — «Тёплый дом», верно?" is the budget, not a new title (topic
        # cue words are no sign: "Точка роста — клуб для подростков" is a title)
        title = _bare_title(text)
    if answer_class == AnswerClass.CORRECTION and len(titles) > 1:
        title = titles[-1]  # "«особое детство» ой нет, «солнечный круг»"
    if title is not None and answer_class.is_content:
        for sentence in sentences:
            if title in sentence.text:
                fact_topics.setdefault(sentence.index, set()).add("project_title")
    if answer_class == AnswerClass.CORRECTION:
        money, final_counts = _corrected(money), _corrected_counts(final_counts)
    extra: dict[str, Any] = {"co_funding_rest": True} if rest_is_co_funding else {}
    assigned = assign(sentences, cue_topics, fact_topics, asked=asked,
                      content=answer_class.is_content)
    if not answer_class.is_content:
        return AnswerFacts(answer_class=answer_class, class_confidence=confidence,
                           sentences=tuple(SentenceTopics(t, ()) for t, _ in assigned))
    return AnswerFacts(
        answer_class=answer_class,
        class_confidence=confidence,
        sentences=tuple(SentenceTopics(text=t, topics=topics) for t, topics in assigned),
        money=tuple(money),
        shares=tuple(shares),
        counts=final_counts,
        periods=tuple(periods),
        places=(place,) if place else (),
        orgs=tuple(orgs),
        persons=tuple(persons),
        title=title,
        extra=extra,
    )


# Heads that say only "people": the group is then told by the words around them.
_GENERIC_PEOPLE = frozenset({"человек", "люди", "участник", "чел", "благополучатель",
                             "people", "person", "persons", "participants", "beneficiaries"})
_ADJECTIVE_TAGS = frozenset({"ADJF", "PRTF"})
# English has no morphology here: the few words that say who "people" are ("older people")
_ENGLISH_QUALIFIERS = frozenset({"older", "elderly", "young", "local", "rural", "disabled",
                                 "lonely", "low-income", "senior", "vulnerable", "displaced"})


def _group(lemma: str, sentences: list[Sentence], lexicon: Lexicon) -> str:
    """How the main target group reads in the questionnaire: "подростки" for "120 подростков";
    for "60 человек" the group the answer describes ("клуб для одиноких пожилых людей" →
    "одинокие пожилые люди", "Подростки 14–17 лет…, всего 120 человек" → "подростки")."""
    if lemma in _GENERIC_PEOPLE:
        described = _described_group(sentences, lexicon)
        if described:
            return described
    return _plural(lemma, lexicon)


def _described_group(sentences: list[Sentence], lexicon: Lexicon) -> str:
    """The first group of people the answer names: a specific head noun ("подростки"), or a
    generic one with its adjectives ("пожилых людей" → "пожилые люди"); "" if none."""
    morph = getattr(lexicon, "_morph", None)
    for sentence in sentences:
        tokens = sentence.tokens
        english = _english_group(tokens)
        if english:
            return english
        if morph is None:
            continue
        for i, token in enumerate(tokens):
            if token.lemma not in words.PEOPLE or not token.text.isalpha() or (
                    token.lemma in words.TEAM or token.lemma in words.AUDIENCE):
                continue
            if token.tags & _ADJECTIVE_TAGS and i + 1 < len(tokens) and (
                    tokens[i + 1].lemma in words.PEOPLE):
                continue  # "пожилых людей": the adjective goes with the noun after it
            start = i
            while start > 0 and tokens[start - 1].tags & _ADJECTIVE_TAGS and (
                    tokens[start - 1].text.isalpha()):
                start -= 1
            if token.lemma in _GENERIC_PEOPLE and start == i:
                continue  # "60 человек" alone says nothing about who they are
            adjectives = [_plural_adjective(t.lemma, morph) for t in tokens[start:i]]
            return " ".join([*adjectives, _plural(token.lemma, lexicon)])
    return ""


def _english_group(tokens: tuple[Token, ...]) -> str:
    """"Teenagers and young adults…" → "teenagers"; "older people" → "older people"."""
    for i, token in enumerate(tokens):
        low = token.lower
        if low not in words.PEOPLE or not low.isascii() or not low.isalpha() or (
                low in words.TEAM or low in words.AUDIENCE):
            continue
        before = tokens[i - 1].lower if i > 0 else ""
        if before in _ENGLISH_QUALIFIERS:
            return f"{before} {low}"
        if low not in _GENERIC_PEOPLE:
            return low
    return ""


def _plural_adjective(lemma: str, morph: Any) -> str:
    for parse in morph.parse(lemma):
        if parse.tag.POS in _ADJECTIVE_TAGS:
            inflected = parse.inflect({"plur", "nomn"})
            if inflected is not None:
                return str(inflected.word)
    return lemma


def _plural(lemma: str, lexicon: Lexicon) -> str:
    """"подросток" → "подростки": how the target group reads in the questionnaire."""
    morph = getattr(lexicon, "_morph", None)
    if morph is None or not any("а" <= ch <= "я" for ch in lemma):
        return lemma
    inflected = morph.parse(lemma)[0].inflect({"plur", "nomn"})
    return str(inflected.word) if inflected is not None else lemma


def _known(word: str, lexicon: Lexicon) -> bool:
    if any("а" <= ch <= "я" for ch in word.lower()):
        return lexicon.info(word).known or not lexicon.has_morphology
    vowels = sum(1 for ch in word.lower() if ch in "aeiouy")
    return vowels > 0 and not (len(word) >= 4 and vowels == 1 and word.lower() in (
        "asdf", "qwer", "zxcv", "sdfg", "hjkl", "fdsa"))


def _main_count(counts: list[tuple[Count, bool]], *, asked: str | None) -> Count | None:
    """The project's main target group: people, not spectators, the team or a place's
    population; one with a participation cue ("в проекте будут участвовать 75") first. Outside
    the audience question only a count with such a cue ("для 200 семей") is the target group."""
    people = [(c, cue) for c, cue in counts
              if c.of in words.PEOPLE and (cue or not is_population(c))]
    participants = [(c, cue) for c, cue in people
                    if c.of not in words.AUDIENCE and c.of not in words.TEAM]
    cued = [c for c, cue in participants if cue]
    if asked == "target_audience":
        if len(participants) > 1 and cued:
            return cued[0]
        if participants:
            return participants[0][0]
        return people[0][0] if people else None
    if asked in ("results", "team", "co_funding", "partners", "problem", "activities", "tasks",
                 "sustainability", "info_coverage", "risks", "organization",
                 "budget_breakdown"):
        return None
    if cued:
        return cued[0]
    return participants[0][0] if participants else None


_DURATION_LEADS = frozenset({"на", "течение", "продлится", "длится", "рассчитан", "рассчитать",
                             "for", "over", "lasts", "last", "within"})


def _about_the_project_time(sentence: Sentence, asked: str | None, cues: TopicCues) -> bool:
    """Whether a duration in ``sentence`` is the project's ("продлится 12 месяцев", "на 12
    месяцев"), not a fact about the past ("за два года число правонарушений выросло")."""
    if asked == "timeline" or "timeline" in cues.topics_of(sentence):
        return True
    return asked in ("project_essence", None) and any(
        t.lower in _DURATION_LEADS or t.lemma in _DURATION_LEADS for t in sentence.tokens)


_HEADED_LIST = re.compile(r":\s*(?:1[.)]|[-–•])")


def _with_list_headings(sentences: list[Sentence], cue_topics: dict[int, list[str]]
                        ) -> dict[int, list[str]]:
    """Items of a list under a heading ("Задачи:" then "1) …", "2) …") serve the heading's
    topics, as does the rest of a sentence that opens with one ("Задачи: 1) …; 2) …")."""
    heading: list[str] = []
    for sentence in sentences:
        text = sentence.text.strip()
        if heading and is_list_item(text):
            cue_topics[sentence.index] = list(dict.fromkeys([*cue_topics[sentence.index],
                                                             *heading]))
            continue
        opens_list = text.endswith(":") or _HEADED_LIST.search(text) is not None
        heading = list(cue_topics[sentence.index]) if opens_list else []
    return cue_topics


_LEADER_CUES = ("руководител", "координатор", "директор", "председател", "lead", "head",
                "coordinator", "director", "manager")


def _leader_named(sentences: list[Sentence], person: Person) -> bool:
    """Whether a sentence names ``person`` as the project's head."""
    for sentence in sentences:
        low = sentence.text.lower()
        if person.first and person.first in sentence.text and any(c in low for c in _LEADER_CUES):
            return True
    return False


def _corrected(money: list[Money]) -> list[Money]:
    """In a correction ("не 300, а 350 тысяч") the last amount of each role stands."""
    last: dict[str, Money] = {}
    for amount in money:
        last[amount.role] = amount
    return list(last.values())


def _corrected_counts(counts: tuple[Count, ...]) -> tuple[Count, ...]:
    if len(counts) < 2:
        return counts
    corrected, before = counts[-1], counts[-2]
    # "40 детей, ой не 40 а 45": the corrected figure counts what the first one did
    group = corrected.group or (before.group if before.of == corrected.of else "")
    return (Count(**{**corrected.__dict__, "main": True, "group": group}),)


def _bare_title(text: str) -> str | None:
    """A direct answer to "what is the project called?": the first line, cue words dropped."""
    first = text.strip().split("\n")[0].strip()
    lowered = first.lower()
    for prefix in _TITLE_PREFIXES:
        if lowered.startswith(prefix):
            first = first[len(prefix):].lstrip(" :—–-")
            break
    first = first.strip(" «»\"“”'.!")
    if 2 <= len(first) <= 150 and len(first.split()) <= 15:
        return first
    return None


def sentences_of(text: str, lang: str, lexicon: Lexicon) -> list[Sentence]:
    """The tokenised sentences of a text (for tests and benchmarks)."""
    return tokenize(text, lang, lexicon)
