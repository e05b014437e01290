"""Results as indicators: a number, its unit and what it measures («200 семей», «48 занятий»).

Number words become digits first (``number-parser``: «двести семей» -> «200 семей», «сорок восемь»
-> 48); then a number followed by a word is an indicator unless the word says it is a date, a
duration, money, an age or a multiplier («2027 года», «12 месяцев», «500 тысяч рублей», «14 лет»,
«в 2 раза»), or is a preposition («1 из задач»). In Russian the word must be a noun (``pymorphy3``):
a number followed by a verb counts what the sentence counted before it («120 подростков побывают
на занятиях, 40 будут ходить регулярно» -> 40 подростков). A sentence of the results without any
number is a qualitative result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from grant_interviewer.domain.anketa.text import clean_item, items

_QUALIFIERS = ("не менее", "не меньше", "не более", "более", "свыше", "около", "порядка",
               "почти", "до", "at least", "more than", "over", "about", "around", "up to",
               "nearly")  # fmt: skip
_WORD = r"[A-Za-zА-Яа-яЁё]+(?:-[A-Za-zА-Яа-яЁё]+)*"
_INDICATOR_TAIL = (
    r"(?![\d.,]*\d)(?P<mult>\s*(?:тыс\.|тысяч[аи]?\b|тыс\b|thousand\b))?"
    rf"\s*(?P<unit>%|{_WORD})"
)
_INDICATOR = {  # "1,5 тыс." in Russian; "1,000 guides" in English
    lang: re.compile(
        rf"(?:(?P<qual>{'|'.join(_QUALIFIERS)})\s+)?(?<![\d.,])(?P<num>{number}){_INDICATOR_TAIL}",
        re.IGNORECASE,
    )
    for lang, number in (
        ("ru", r"\d{1,3}(?:[ \u00a0]\d{3})+|\d+(?:[.,]\d+)?"),
        ("en", r"\d{1,3}(?:[ \u00a0,]\d{3})+(?![.,]\d)|\d+(?:\.\d+)?"),
    )
}
_NEXT_WORDS = re.compile(rf"\s+({_WORD})(?:\s+({_WORD}))?")
_ADJECTIVES = frozenset({"ADJF", "PRTF", "NUMR"})
# Words after a number that make it something other than a result indicator.
_NOT_UNITS = re.compile(
    r"^(?:лет|год\w*|гг?|месяц\w*|мес|недел\w*|дн\w*|день|час\w*|минут\w*|рубл\w*|руб|млн|"
    r"миллион\w*|млрд|миллиард\w*|раз|раза|января|февраля|марта|апреля|мая|июня|июля|августа|"
    r"сентября|октября|ноября|декабря|"
    r"в|во|на|и|из|с|со|по|к|до|для|от|за|а|но|или|о|об|у|при|что|как|"
    r"years?|months?|weeks?|days?|hours?|minutes?|rub\w*|roubles?|million|billion|times|"
    r"of|in|on|and|to|for|from|by|at|with|or|per)$",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"^(?:%|процент\w*|percent|per cent)$", re.IGNORECASE)


@dataclass(frozen=True)
class Indicator:
    """A quantitative result."""

    value: int | float
    unit: str  # as written after the number ("семей", "домашних библиотечек", "%")
    what: str  # the sentence that states it
    qualifier: str = ""  # "не менее", "at least" ... as written

    def to_dict(self) -> dict[str, object]:
        """JSON-ready data."""
        return {"value": self.value, "unit": self.unit, "what": self.what,
                "qualifier": self.qualifier}  # fmt: skip


@cache
def _own_morph() -> Any:
    """A Russian morphological analyzer of this module's own, loaded on first use (0.5–0.9 s:
    its dictionaries ship inside ``pymorphy3-dicts-ru``), for callers that pass none."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


def prepare() -> None:
    """Import and load what indicator reading needs (call it off the event loop at start-up)."""
    _own_morph()
    _digits("два", "ru")


def _pos(word: str, morph: Any) -> str | None:
    """The likeliest part of speech ("NOUN", "ADJF", "VERB" …); of a hyphenated word's last part
    when the whole is unknown as a noun."""
    morph = morph if morph is not None else _own_morph()
    pos = morph.parse(word)[0].tag.POS
    if pos != "NOUN" and "-" in word:
        tail = morph.parse(word.rsplit("-", 1)[-1])[0].tag.POS
        pos = tail if tail == "NOUN" else pos
    return str(pos) if pos is not None else None


_EN_ADJECTIVE = re.compile(r"(?:er|ly|al|ive|ous|ic|ful|less|ed|ing|new|old|young)$", re.I)
_EN_PLURAL = re.compile(r"(?:s|people|children|men|women)$", re.IGNORECASE)


def _english_unit(word: str, after: str) -> str:
    """An English unit: no morphology here, so an adjective-looking word followed by a plural
    takes the plural along («200 older people», «20 local groups»)."""
    following = _NEXT_WORDS.match(after)
    if following and _EN_ADJECTIVE.search(word) and _EN_PLURAL.search(following.group(1)):
        return f"{word} {following.group(1)}"
    return word


def _unit(word: str, after: str, morph: Any) -> str | None:
    """What a number counts: the noun after it, with the adjectives before that noun
    («60 домашних библиотечек»); ``""`` when a verb follows (the count of the thing counted
    before); None when nothing countable follows."""
    if not re.search("[а-яё]", word, re.IGNORECASE):
        return _english_unit(word, after)
    pos = _pos(word, morph)
    if pos == "NOUN":
        return word
    if pos not in _ADJECTIVES:
        return ""
    chain = [word]
    following = _NEXT_WORDS.match(after)
    for extra in following.groups() if following else ():
        if extra is None:
            break
        chain.append(extra)
        extra_pos = _pos(extra, morph)
        if extra_pos == "NOUN":
            return " ".join(chain)
        if extra_pos not in _ADJECTIVES:
            break
    return None


def _digits(sentence: str, lang: str) -> str:
    from number_parser import parse  # pure Python; imported on first use

    try:
        return str(parse(sentence, language="en" if lang == "en" else "ru"))
    except Exception:  # number-parser is young; a sentence it trips on keeps its digits only
        return sentence


def _value(raw: str, mult: str | None, lang: str) -> int | float:
    digits = re.sub(r"[ \u00a0]", "", raw)
    digits = digits.replace(",", "") if lang == "en" else digits.replace(",", ".")
    number = float(digits)
    if mult:
        number *= 1000
    return int(number) if number.is_integer() else number


_LABEL = re.compile(r"^\s*(?:количественн\w*|качественн\w*|результат\w*|quantitative|"
                    r"qualitative|results?)(?:\s+результат\w*)?\s*:\s*", re.IGNORECASE)


def _clauses(sentence: str) -> list[str]:
    """The clauses of a sentence: split at ", ", ";" and dashes between words (not "1,5"),
    less a leading "Количественные:" label."""
    parts = re.split(r",\s+|;\s*|\s+[—–]\s+", _LABEL.sub("", sentence))
    return [part for part in parts if part.strip()]


def indicators_of(sentence: str, lang: str, morph: Any = None) -> list[Indicator]:
    """The indicators one sentence states, each with the clause that states it.

    ``morph`` is a ``pymorphy3.MorphAnalyzer`` to use (the process's shared one); None loads
    this module's own on first use.
    """
    found: list[Indicator] = []
    for clause in _clauses(sentence):
        what = clean_item(clause)
        text = _digits(clause, lang)
        for m in _INDICATOR["en" if lang == "en" else "ru"].finditer(text):
            unit: str | None = m.group("unit")
            raw = m.group("num")
            if _NOT_UNITS.match(m.group("unit")) or (
                re.fullmatch(r"(?:19|20)\d\d", raw) and not m.group("mult")
            ):
                continue  # a date, a duration, money ... or a year before a word ("в 2027 …")
            if not _PERCENT.match(m.group("unit")):
                unit = _unit(m.group("unit"), text[m.end():], morph)
                if unit == "" and found and found[-1].unit != "%":
                    unit = found[-1].unit  # "40 будут ходить": the same thing as before it
                if not unit:
                    continue  # "25 доведут" with nothing counted before it
            assert unit is not None
            found.append(
                Indicator(
                    value=_value(raw, m.group("mult"), lang),
                    unit="%" if _PERCENT.match(unit) else unit,
                    what=what,
                    qualifier=(m.group("qual") or "").lower(),
                )
            )
    return found


def results_of(
    answers: Iterable[str], lang: str, morph: Any = None
) -> tuple[list[Indicator], list[str]]:
    """(quantitative indicators, qualitative results) of the results answers."""
    quantitative: list[Indicator] = []
    qualitative: list[str] = []
    for answer in answers:
        for sentence in items(answer):
            found = indicators_of(sentence, lang, morph)
            if found:
                quantitative += found
            else:
                qualitative.append(clean_item(_LABEL.sub("", sentence)))
    return quantitative, qualitative
