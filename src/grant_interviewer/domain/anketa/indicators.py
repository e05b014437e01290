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
_INDICATOR = re.compile(
    rf"(?:(?P<qual>{'|'.join(_QUALIFIERS)})\s+)?"
    r"(?<![\d.,])(?P<num>\d{1,3}(?:[ \u00a0]\d{3})+|\d+(?:[.,]\d+)?)(?![\d.,]*\d)"
    r"(?P<mult>\s*(?:тыс\.|тысяч[аи]?\b|тыс\b|thousand\b))?"
    r"\s*(?P<unit>%|[A-Za-zА-Яа-яЁё]+(?:-[A-Za-zА-Яа-яЁё]+)*)",
    re.IGNORECASE,
)
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
    unit: str  # the word after the number as written ("семей", "мастер-классов", "%")
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


def _is_noun(word: str, morph: Any) -> bool:
    if not re.search("[а-яё]", word, re.IGNORECASE):
        return True  # an English (or Latin-script) word: no morphology here, the stop list rules
    morph = morph if morph is not None else _own_morph()
    candidates = [word, word.rsplit("-", 1)[-1]] if "-" in word else [word]
    return any(morph.parse(w)[0].tag.POS == "NOUN" for w in candidates)  # the likeliest reading


def _digits(sentence: str, lang: str) -> str:
    from number_parser import parse  # pure Python; imported on first use

    try:
        return str(parse(sentence, language="en" if lang == "en" else "ru"))
    except Exception:  # number-parser is young; a sentence it trips on keeps its digits only
        return sentence


def _value(raw: str, mult: str | None) -> int | float:
    number = float(re.sub(r"[ \u00a0]", "", raw).replace(",", "."))
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
        for m in _INDICATOR.finditer(_digits(clause, lang)):
            unit = m.group("unit")
            raw = m.group("num")
            if _NOT_UNITS.match(unit) or (
                re.fullmatch(r"(?:19|20)\d\d", raw) and not m.group("mult")
            ):
                continue  # a date, a duration, money ... or a year before a word ("в 2027 …")
            if not _PERCENT.match(unit) and not _is_noun(unit, morph):
                if not found or found[-1].unit == "%":
                    continue  # "25 доведут" with nothing counted before it
                unit = found[-1].unit  # the same thing as the number before it
            found.append(
                Indicator(
                    value=_value(raw, m.group("mult")),
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
