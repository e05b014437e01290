"""The calendar plan: one row per activity the applicant named, with when it happens.

A row's time comes from what its sentence says: project months ("месяцы 1–2", "в 3-м месяце",
"первые два месяца", "months 1-2"), quarters ("во втором квартале", "Q3 2027"), month names
("с марта по май", "в декабре 2027", "March–May") or the whole period ("ежемесячно",
"throughout"). Project months become calendar months (and back) when the project's start is
known. Hand-written patterns, because dateparser's ``search_dates`` was measured on these
sentences and found wanting (``bench/anketa_calendar.py``: it misses «в мае», reads
«марте–апреле 2027 г.» as the year 4053 and «1–2» as a date); month names are a closed list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from grant_interviewer.domain.anketa.months import (
    MONTH_NAMES,
    add_months,
    months_between,
    period_caption,
    ym,
)
from grant_interviewer.domain.anketa.text import clean_item, items

_ORD_RU = ("перв", "втор", "трет", "четв[её]рт", "пят", "шест", "седьм", "восьм", "девят",
           "десят", "одиннадцат", "двенадцат")  # fmt: skip
_ORD_END = r"(?:ьего|ьему|ьем|ьим|ьих|ьей|ья|ье|ьи|ью|ого|ому|ый|ой|ий|ая|ое|ые|ую|ом|ым|ых|ей)"
_ORD_EN = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
           "tenth", "eleventh", "twelfth")  # fmt: skip
_CARD_RU = {"один": 1, "одного": 1, "два": 2, "двух": 2, "три": 3, "трёх": 3, "трех": 3,
            "четыре": 4, "четырёх": 4, "четырех": 4, "пять": 5, "пяти": 5, "шесть": 6,
            "шести": 6}  # fmt: skip
_CARD_EN = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_MONTHS_RU = ("январ", "феврал", "март", "апрел", "ма[йяею]", "июн", "июл", "август", "сентябр",
              "октябр", "ноябр", "декабр")  # fmt: skip
# English month names capitalised only ("may" is a verb): full names, or "Jan", "Sept" ...
_MONTHS_EN = ("(?-i:Jan(?:uary)?)", "(?-i:Feb(?:ruary)?)", "(?-i:Mar(?:ch)?)", "(?-i:Apr(?:il)?)",
              "(?-i:May)", "(?-i:June?)", "(?-i:July?)", "(?-i:Aug(?:ust)?)",
              "(?-i:Sept?(?:ember)?)", "(?-i:Oct(?:ober)?)", "(?-i:Nov(?:ember)?)",
              "(?-i:Dec(?:ember)?)")  # fmt: skip

_ORD = "|".join(rf"{stem}{_ORD_END}" for stem in _ORD_RU)
_ORDE = "|".join(_ORD_EN) + r"|\d{1,2}(?:st|nd|rd|th)"
_DASH = r"\s*(?:-|–|—|по|до|и|to|through|and)\s*"
_NUM_SUFFIX = r"(?:\s*-?\s*(?:й|ый|ий|ой|го|м|ом|ем))"
_MONTH_RU = "|".join(rf"{stem}(?:ь|я|е|а|у|ом)?" if not stem.startswith("ма[") else stem
                     for stem in _MONTHS_RU)  # fmt: skip
_MONTH_ANY = rf"(?:{_MONTH_RU}|{'|'.join(_MONTHS_EN)})"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("first_n", r"\b(?:перв(?:ые|ых)|(?:the\s+)?first)\s+(\d{1,2}|[а-яё]+|[a-z]+)\s+"
                    r"(?:месяц\w*|months?)\b"),
        ("last_n", r"\b(?:последн(?:ие|их)|(?:the\s+)?last)\s+(\d{1,2}|[а-яё]+|[a-z]+)\s+"
                   r"(?:месяц\w*|months?)\b"),
        ("first_n", r"\b(?:в течение|на протяжении|during|for)\s+(?:the\s+(?:first\s+)?)?"
                    r"(\d{1,2})\s+(?:месяц\w*|months?)\b"),
        ("last", r"\b(?:последн(?:ий|ем|его)|(?:the\s+)?(?:last|final))\s+(?:месяц\w*|month)\b"),
        ("last", r"\b(?:в конце|в завершение|по итогам|at the end of)\s+(?:the\s+)?"
                 r"(?:проекта|project)\b"),
        ("rel", r"\b(?:месяц(?:ы|ах|е)?|мес\.|months?)\s*№?\s*(\d{1,2})\b"
                rf"(?:{_DASH}(\d{{1,2}})\b)?"),
        ("rel", rf"\b(\d{{1,2}})(?:{_NUM_SUFFIX}?{_DASH}(\d{{1,2}}))?"
                r"(?:\s*-?\s*(?:й|ый|ий|ой|м|ом|ем)\s+месяц\w*|\s+(?:месяц|месяцы|месяце|месяцах)\b)"),
        ("rel_ord", rf"\b({_ORD})(?:{_DASH}({_ORD}))?\s+месяц\w*"),
        ("rel_ord", rf"\b(?:the\s+)?({_ORDE})(?:{_DASH}({_ORDE}))?\s+months?\b"),
        ("quarter", r"\b(\d|iv|i{1,3})(?:\s*-?\s*(?:й|ом|м|го))?"
                    r"(?:\s*(?:-|–|—|и)\s*(\d|iv|i{1,3})(?:\s*-?\s*(?:й|ом|м|го))?)?"
                    r"\s+квартал\w*(?:\s+(20\d\d))?"),
        ("quarter_ord", rf"\b({_ORD})(?:\s*(?:-|–|—|и)\s*({_ORD}))?\s+квартал\w*"
                        r"(?:\s+(20\d\d))?"),
        ("quarter", r"\bQ([1-4])(?:\s*[-–]\s*Q?([1-4]))?(?:\s+(20\d\d))?"),
        ("quarter_ord", rf"\b({_ORDE})(?:\s*(?:-|–|and)\s*({_ORDE}))?\s+quarters?"
                        r"(?:\s+of\s+(20\d\d))?"),
        ("month", rf"\b({_MONTH_ANY})\b(?:\s+(20\d\d))?(?:\s*г(?:\.|ода?\b))?"
                  rf"(?:{_DASH}({_MONTH_ANY})\b(?:\s+(20\d\d))?)?"),
        ("whole", r"\b(?:ежемесячн\w*|еженедельн\w*|ежедневн\w*|ежеквартальн\w*|постоянн\w*|"
                  r"регулярн\w*|"
                  r"каждый месяц|каждую неделю|весь (?:период|срок|проект)|"
                  r"(?:в течение|на протяжении) всего (?:проекта|периода|срока)|"
                  r"throughout|every (?:month|week)|monthly|weekly|ongoing|"
                  r"(?:the )?(?:whole|entire) (?:project|period))\b"),
    )
)  # fmt: skip


@dataclass(frozen=True)
class CalendarRow:
    """One activity of the calendar plan."""

    what: str
    when: str  # as the reader should see it ("" when the sentence gave no time)
    first_month: int | None = None  # project month (1 = the start month)
    last_month: int | None = None
    start: str | None = None  # calendar months "YYYY-MM", when they can be told
    end: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready data."""
        return {"what": self.what, "when": self.when, "first_month": self.first_month,
                "last_month": self.last_month, "start": self.start, "end": self.end}  # fmt: skip


@dataclass(frozen=True)
class _Span:
    kind: str  # "rel" (project months), "abs" (calendar months), "months" (no year), "whole"
    first: tuple[int, int] | int | None
    last: tuple[int, int] | int | None
    start: int
    end: int


# (first and last project month, first and last calendar month)
_Resolved = tuple[int | None, int | None, tuple[int, int] | None, tuple[int, int] | None]


def _ordinal(word: str) -> int | None:
    word = word.casefold()
    if word[:1].isdigit():
        return int(re.sub(r"\D", "", word))
    for number, stem in enumerate(_ORD_RU, start=1):
        if re.match(stem, word):
            return number
    for number, name in enumerate(_ORD_EN, start=1):
        if word == name:
            return number
    return None


def _count(word: str) -> int | None:
    word = word.casefold()
    if word.isdigit():
        return int(word)
    return _CARD_RU.get(word) or _CARD_EN.get(word)


def _month_number(word: str) -> int:
    low = word.casefold()
    for number, (ru, en) in enumerate(zip(_MONTHS_RU, _MONTHS_EN, strict=True), start=1):
        if re.match(ru, low) or re.fullmatch(en, word):
            return number
    raise ValueError(word)  # the pattern only matches month names


def _quarter(word: str) -> int:
    word = word.casefold()
    return int(word) if word.isdigit() else _ROMAN.get(word) or _ordinal(word) or 0


def _spans(sentence: str, duration: int | None) -> list[_Span]:
    taken: list[tuple[int, int]] = []
    found: list[_Span] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(sentence):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            span = _span(kind, match, duration)
            if span is not None:
                taken.append((match.start(), match.end()))
                found.append(span)
    return found


def _span(kind: str, m: re.Match[str], duration: int | None) -> _Span | None:
    where = (m.start(), m.end())
    if kind in ("rel", "rel_ord"):
        read = int if kind == "rel" else _ordinal
        first = read(m.group(1))
        last = read(m.group(2)) if m.group(2) else first
        if not first or not last or not 0 < first <= last <= 60:
            return None
        return _Span("rel", first, last, *where)
    if kind == "first_n":
        n = _count(m.group(1))
        return _Span("rel", 1, n, *where) if n and n <= 60 else None
    if kind in ("last_n", "last"):
        n = _count(m.group(1)) if kind == "last_n" else 1
        if not n or duration is None or n > duration:
            return None
        return _Span("rel", duration - n + 1, duration, *where)
    if kind in ("quarter", "quarter_ord"):
        first_q = _quarter(m.group(1))
        last_q = _quarter(m.group(2)) if m.group(2) else first_q
        if not 1 <= first_q <= last_q <= (4 if m.group(3) else 12):
            return None
        if m.group(3):  # a calendar quarter: "в 1 квартале 2027"
            year = int(m.group(3))
            return _Span("abs", (year, first_q * 3 - 2), (year, last_q * 3), *where)
        return _Span("rel", first_q * 3 - 2, last_q * 3, *where)  # the project's quarters
    if kind == "month":
        first_m = _month_number(m.group(1))
        last_m = _month_number(m.group(3)) if m.group(3) else first_m
        year1 = int(m.group(2)) if m.group(2) else None
        year2 = int(m.group(4)) if m.group(4) else None
        if year1 is None and year2 is not None:  # "март–май 2027"
            year1 = year2 if first_m <= last_m else year2 - 1
        if year1 is not None and year2 is None:
            year2 = year1 if last_m >= first_m else year1 + 1
        if year1 is None or year2 is None:
            return _Span("months", first_m, last_m, *where)
        return _Span("abs", (year1, first_m), (year2, last_m), *where)
    return _Span("whole", None, None, *where)  # "whole"


def _in_period(month: int, start: tuple[int, int]) -> tuple[int, int]:
    """A month named without a year: its first occurrence from the project's start on."""
    return (start[0], month) if month >= start[1] else (start[0] + 1, month)


def _resolve(
    spans: list[_Span], start: tuple[int, int] | None, duration: int | None
) -> _Resolved:
    """(first and last project month, first and last calendar month) covering every span."""
    rel: list[tuple[int, int]] = []
    cal: list[tuple[tuple[int, int], tuple[int, int]]] = []
    if any(span.kind != "whole" for span in spans):  # "еженедельно (месяцы 2–12)": the dates win
        spans = [span for span in spans if span.kind != "whole"]
    for span in spans:
        if span.kind == "whole":
            if duration:
                rel.append((1, duration))
        elif span.kind == "rel":
            assert isinstance(span.first, int) and isinstance(span.last, int)
            rel.append((span.first, span.last))
        elif span.kind == "abs":
            assert isinstance(span.first, tuple) and isinstance(span.last, tuple)
            cal.append((span.first, span.last))
        elif start is not None:  # month names without a year
            assert isinstance(span.first, int) and isinstance(span.last, int)
            first = _in_period(span.first, start)
            last = (first[0] if span.last >= span.first else first[0] + 1, span.last)
            cal.append((first, last))
    if start is not None:
        cal += [(add_months(start, a - 1), add_months(start, b - 1)) for a, b in rel]
        rel += [(months_between(start, a), months_between(start, b)) for a, b in cal]
    first_rel = min((a for a, _ in rel), default=None)
    last_rel = max((b for _, b in rel), default=None)
    first_cal = min((a for a, _ in cal), default=None)
    last_cal = max((b for _, b in cal), default=None)
    return first_rel, last_rel, first_cal, last_cal


def _when(spans: list[_Span], resolved: _Resolved, lang: str) -> str:
    first_rel, last_rel, first_cal, last_cal = resolved
    relative = ""
    if first_rel is not None and last_rel is not None and first_rel > 0:
        if lang == "ru":
            relative = (f"месяц {first_rel}" if first_rel == last_rel
                        else f"месяцы {first_rel}–{last_rel}")  # fmt: skip
        else:
            relative = (f"month {first_rel}" if first_rel == last_rel
                        else f"months {first_rel}–{last_rel}")  # fmt: skip
    if first_cal is not None and last_cal is not None:
        caption = period_caption(first_cal, last_cal, lang)
        return f"{caption} ({relative})" if relative else caption
    if relative:
        return relative
    if any(span.kind == "whole" for span in spans):
        return "весь период" if lang == "ru" else "the whole period"
    names = MONTH_NAMES.get(lang, MONTH_NAMES["en"])
    captions = []
    for span in spans:  # month names without a year, and no project start to place them
        if isinstance(span.first, int) and isinstance(span.last, int):
            first, last = names[span.first - 1], names[span.last - 1]
            captions.append(first if first == last else f"{first} – {last}")
    return "; ".join(captions)


def _what(sentence: str, spans: list[_Span]) -> str:
    """The activity: the sentence, less a leading time ("Месяцы 1–2: набор" -> "Набор")."""
    lead = re.match(r"^\s*(?:в|во|на|с|со|к|до|in|during|by|from)?\s*", sentence, re.IGNORECASE)
    offset = lead.end() if lead else 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start <= offset + 1:
            rest = sentence[span.end:]
            cut = re.match(r"^\s*(?:проекта|of the project)?\s*[:—–,-]\s*", rest)
            if cut is not None and rest[cut.end():].strip():
                return clean_item(rest[cut.end():])
    return clean_item(sentence)


def _activities(parts: list[str], duration: int | None) -> list[str]:
    """Items, with an enumeration of dated activities split into one item per activity.

    "Набор семей (месяцы 1–2), мастер-классы (месяцы 2–12), итоговая конференция" is three
    activities; "Ремонт, закупка оборудования (месяц 1)" stays one (only one clause is dated).
    """
    result: list[str] = []
    for part in parts:
        clauses = [c.strip() for c in re.split(r",\s+(?![^()]*\))", part) if c.strip()]
        dated = sum(1 for clause in clauses if _spans(clause, duration))
        result += clauses if dated >= 2 else [part]
    return result


def calendar_plan(
    answers: Iterable[str], *, lang: str, start: str | None = None, duration: int | None = None
) -> list[CalendarRow]:
    """The rows of the calendar plan read from the activities answers (one per item)."""
    from grant_interviewer.domain.anketa.months import parse_ym

    begin = parse_ym(start)
    rows: list[CalendarRow] = []
    for answer in answers:
        for sentence in _activities(items(answer), duration):
            spans = _spans(sentence, duration)
            resolved = _resolve(spans, begin, duration)
            first_rel, last_rel, first_cal, last_cal = resolved
            rows.append(
                CalendarRow(
                    what=_what(sentence, spans),
                    when=_when(spans, resolved, lang) if spans else "",
                    first_month=first_rel,
                    last_month=last_rel,
                    start=ym(*first_cal) if first_cal else None,
                    end=ym(*last_cal) if last_cal else None,
                )
            )
    return rows
