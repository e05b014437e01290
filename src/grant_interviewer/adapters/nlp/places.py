"""Places: federal subjects and settlements, normalised with a gazetteer.

The gazetteer (``content/geo/ru.yaml``: every federal subject with its aliases, and settlements
mapped to their subject) is data, indexed once per process by lemma keys, so "в Кемерове",
"Томской области" and "Екатеринбурге" find "Кемерово", "Томская область", "Екатеринбург" through
pymorphy3 instead of inflection patterns. A capitalised ``Geox`` word after a place word
("в Асино", "село Чикола") that the gazetteer lacks is still kept as a settlement.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from typing import Any

from grant_interviewer.adapters.nlp import lexicon_data as words
from grant_interviewer.adapters.nlp.lexicon import Lexicon
from grant_interviewer.adapters.nlp.tokens import Sentence, Token
from grant_interviewer.domain.understanding.facts import Place

logger = logging.getLogger(__name__)

MAX_WORDS = 4  # the longest name looked up ("Ханты-Мансийский автономный округ — Югра")


@dataclass
class Gazetteer:
    """Lemma-key indexes of subjects and settlements."""

    subjects: dict[str, str] = field(default_factory=dict)  # key → official subject name
    settlements: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # → (name, subj)
    capitals: dict[str, str] = field(default_factory=dict)  # subject → capital
    common: set[str] = field(default_factory=set)  # keys of names that are ordinary words too
    english: dict[str, str] = field(default_factory=dict)  # subject → its English name

    def key(self, lexicon: Lexicon, text: str) -> str:
        """The lookup key of a name: the lemmas of its words ("-" as a space: "Йошкар Ола")."""
        from razdel import tokenize

        words_ = [w for t in tokenize(text.replace("-", " ")) if (w := t.text).isalnum()]
        return " ".join(lexicon.lemma(w) for w in words_)


_CACHE: dict[bool, Gazetteer] = {}
_LOCK = threading.Lock()


def load_gazetteer(lexicon: Lexicon) -> Gazetteer:
    """The gazetteer indexed with ``lexicon`` (built once per process and morphology state)."""
    with _LOCK:
        cached = _CACHE.get(lexicon.has_morphology)
        if cached is not None:
            return cached
        gazetteer = _build(lexicon)
        _CACHE[lexicon.has_morphology] = gazetteer
        return gazetteer


def _build(lexicon: Lexicon) -> Gazetteer:
    import yaml

    gazetteer = Gazetteer()
    try:
        text = (importlib_resources.files("grant_interviewer.content") / "geo" / "ru.yaml"
                ).read_text(encoding="utf-8")
        data: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader",
                                                              yaml.SafeLoader)) or {}
    except (OSError, yaml.YAMLError) as exc:
        logger.warning("gazetteer unavailable (%s); places are kept as written", exc)
        return gazetteer
    for subject in data.get("subjects") or []:
        name = str(subject["name"])
        for alias in [name, *(subject.get("aliases") or []), subject.get("en") or ""]:
            if alias:
                gazetteer.subjects.setdefault(gazetteer.key(lexicon, str(alias)), name)
        if subject.get("capital"):
            gazetteer.capitals[name] = str(subject["capital"])
        if subject.get("en"):
            gazetteer.english[name] = str(subject["en"])
    for settlement, subject_name in (data.get("settlements") or {}).items():
        gazetteer.settlements.setdefault(gazetteer.key(lexicon, str(settlement)),
                                         (str(settlement), str(subject_name)))
    for english, settlement in (data.get("settlements_en") or {}).items():
        found = gazetteer.settlements.get(gazetteer.key(lexicon, str(settlement)))
        if found is not None:  # an English answer names it in English
            gazetteer.settlements.setdefault(gazetteer.key(lexicon, str(english)),
                                             (str(english), found[1]))
    for settlement in (data.get("ambiguous") or {}):
        gazetteer.settlements.setdefault(gazetteer.key(lexicon, str(settlement)),
                                         (str(settlement), None))
    gazetteer.common = {gazetteer.key(lexicon, str(w)) for w in data.get("common_words") or []}
    gazetteer.subjects.pop("", None)
    gazetteer.settlements.pop("", None)
    return gazetteer


_SETTLEMENT_WORDS = frozenset({"село", "поселок", "деревня", "станица", "хутор", "аул", "пгт",
                               "слобода", "village", "town"})
_QUOTES = {"«": "»", '"': '"', "“": "”", "„": "“"}


def _quoted_spans(tokens: tuple[Token, ...]) -> set[int]:
    """Indexes of tokens inside quotes («Тёплый дом» is a name, not the village Тёплое)."""
    inside: set[int] = set()
    closing: str | None = None
    for index, token in enumerate(tokens):
        if closing is not None:
            if token.text == closing or (closing == "»" and token.text == '"'):
                closing = None
            else:
                inside.add(index)
        elif token.text in _QUOTES:
            closing = _QUOTES[token.text]
    return inside


def read_places(sentences: list[Sentence], lexicon: Lexicon, *, lang: str = "ru",
                names_only: bool = False) -> Place | None:
    """The subject and settlements named in an answer (None when it names no place).

    ``names_only``: the answer is a title or a name ("Живая память Арзамаса"): only an explicit
    subject counts, not a settlement inside the name."""
    gazetteer = load_gazetteer(lexicon)
    # an answer typed all in lower case ("кострома", "живем в томске") still names places
    lowercase = not any(ch.isupper() for s in sentences for ch in s.text) and sum(
        len(s.tokens) for s in sentences) <= 6
    subjects: list[str] = []
    settlements: list[str] = []
    settlement_subjects: list[str] = []
    for sentence in sentences:
        tokens = sentence.tokens
        quoted = _quoted_spans(tokens)
        last_place_end = -10  # index of the last token of the last place found
        i = 0
        while i < len(tokens):
            if i in quoted:
                i += 1
                continue
            negated = i > 0 and tokens[i - 1].lower == "не"  # "не Томск, а Северск"
            after_place_word = i > 0 and (tokens[i - 1].lemma in words.PLACE_PREPOSITIONS
                                          or tokens[i - 1].lemma in _SETTLEMENT_WORDS
                                          or (i == last_place_end + 2 and tokens[i - 1].lower in
                                              (",", "и", "and")))
            matched = 0
            for size in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
                window = [t for t in tokens[i:i + size]]
                if not (window[0].text[:1].isupper() or lowercase) and not (
                        size > 1 and window[-1].lemma in ("область", "край", "округ",
                                                          "республика")):
                    continue
                keys = _keys(window)
                key = next((k for k in keys if k in gazetteer.subjects or k in
                            gazetteer.settlements), keys[0] if keys else "")
                if key in gazetteer.subjects:
                    if not negated:
                        _add(subjects, gazetteer.subjects[key])
                    matched = size
                    break
                if key in gazetteer.settlements and (window[0].text[:1].isupper() or lowercase):
                    if i > 0 and tokens[i - 1].lower in ("по", "на", "along", "on"):
                        continue  # "сплавы по Шуе", "на Онеге": a river or a lake
                    if (key in gazetteer.common or (size == 1 and {"Name", "Surn", "Patr"}
                            & window[0].tags)) and not after_place_word:
                        continue  # "Ольга", "Мирный", "Бор": a place only after "в", "село"
                    if negated or names_only:
                        matched = size
                        break
                    name, subject = gazetteer.settlements[key]
                    _add(settlements, name)
                    if subject:
                        settlement_subjects.append(subject)
                    matched = size
                    last_place_end = i + size - 1
                    break
            if matched:
                i += matched
                continue
            token = tokens[i]
            if (i > 0 and tokens[i - 1].lemma in _SETTLEMENT_WORDS and token.text[:1].isupper()
                    and not names_only and not negated):
                # "деревня Малое Лесное": a settlement the gazetteer lacks, as written
                run = [token]
                while (i + len(run) < len(tokens) and tokens[i + len(run)].text[:1].isupper()
                       and len(run) < 3 and i + len(run) not in quoted
                       and not _starts_region(tokens, i + len(run))):
                    run.append(tokens[i + len(run)])
                if not _starts_region(tokens, i):
                    _add(settlements, " ".join(t.text for t in run))
                    last_place_end = i + len(run) - 1
                    i += len(run)
                    continue
            if ("Geox" in token.tags and token.text[:1].isupper() and after_place_word
                    and len(token.text) > 2 and not names_only and not negated):
                _add(settlements, token.lemma[:1].upper() + token.lemma[1:])
            i += 1
    if not subjects and not settlements:
        return None
    subject = subjects[0] if subjects else None
    if subject is None and settlement_subjects and len(set(settlement_subjects)) == 1:
        subject = settlement_subjects[0]
    elif subject is None and settlement_subjects:
        subject = max(set(settlement_subjects), key=settlement_subjects.count)
    # A federal city is its own subject and its own settlement.
    if subject in ("Москва", "Санкт-Петербург", "Севастополь") and subject not in settlements:
        settlements.insert(0, subject)
    if lang == "en" and subject is not None:
        subject = gazetteer.english.get(subject, subject)
    return Place(subject=subject, settlements=tuple(settlements),
                 confidence=0.95 if subjects or settlement_subjects else 0.6)


def _keys(window: list[Token]) -> list[str]:
    """Lookup keys of a run of words: each word's lemma readings combined ("Великом Устюге" →
    "великий устюг" as well as "великое устюг"), hyphenated words split like the index."""
    options: list[list[str]] = []
    for token in window:
        if not (token.text.isalnum() or "-" in token.text):
            continue
        readings = list(token.lemmas or (token.lemma,))
        if "-" in token.text:
            readings.insert(0, " ".join(token.lower.split("-")))
        options.append(readings[:3])
    keys = [""]
    for readings in options:
        keys = [f"{k} {r}".strip() for k in keys for r in readings][:9]
    return keys


def _starts_region(tokens: tuple[Token, ...], index: int) -> bool:
    """"Забайкальского края", "Бийского района": an adjective naming a region, not a village."""
    return index + 1 < len(tokens) and tokens[index + 1].lemma in (
        "край", "область", "район", "округ", "республика", "улус")


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)
