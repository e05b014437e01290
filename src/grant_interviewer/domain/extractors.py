"""Regular-expression slot extractors used by :mod:`grant_interviewer.domain.analysis`.

Each ``find_*`` function reads one kind of fact from free Russian or English text.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "find_age",
    "find_count",
    "find_duration",
    "find_money",
    "find_organization",
    "find_start_month",
    "find_title",
]

_NUM = r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_MULT = (
    r"млрд\.?|миллиард\w*|млн\.?|миллион\w*|тыс\.?|тысяч\w*|thousand|million|billion"
    r"|mln|bn|k\b|m\b"
)
_CUR = (
    r"руб(?:лей|ля|ль)?\.?|р\.(?!\w)|₽|rub(?:les?)?\b|roubles?|rubles?|\$|usd|долл\w*|евро"
    r"|eur\b|€"
)
_MONEY = re.compile(
    rf"(?P<num>{_NUM})\s*(?P<mult>{_MULT})?\s*(?P<cur>{_CUR})?", re.IGNORECASE
)
_MULTIPLIERS = (
    ("млрд", 1e9), ("миллиард", 1e9), ("billion", 1e9), ("bn", 1e9),
    ("млн", 1e6), ("миллион", 1e6), ("million", 1e6), ("mln", 1e6), ("m", 1e6),
    ("тыс", 1e3), ("thousand", 1e3), ("k", 1e3),
)
_BARE_MILLIONS = {"млн", "миллион", "миллиона", "миллионов", "million", "mln"}
_CO_CUES = re.compile(
    r"софинанс|со-финанс|собственн\w* (?:вклад|средств|ресурс)|вклад|привлеч|привлек|партн[её]р"
    r"|спонсор|внебюджет|из собственных|co-?fund|own contribution|in-kind|contribut|partners? "
    r"(?:give|provide|contribute)|sponsor|match",
    re.IGNORECASE,
)
_GRANT_CUES = re.compile(
    r"запрашива|грант|сумм\w* (?:гранта|запроса)|просим|request|grant|ask(?:ing)? for|from the fund"
    r"|у фонда|от фонда",
    re.IGNORECASE,
)
_BUDGET_CUES = re.compile(r"бюджет|стоимост|budget|total cost", re.IGNORECASE)

_PEOPLE = (
    r"человек\w*|чел\.|люд\w*|подрост\w*|дет(?:ей|и|ям)|ребят\w*|ребён\w*|ребен\w*|школьник\w*"
    r"|студент\w*|сем(?:ей|ьи|ьям|ья)|пенсионер\w*|пожил\w*|участник\w*|жител\w*|молод[её]ж\w*"
    r"|инвалид\w*|ветеран\w*|мам\b|мам(?:ы|очек)|родител\w*|зрител\w*|посетител\w*|слушател\w*"
    r"|девуш\w*|юнош\w*|мальчик\w*|девоч\w*|воспитанник\w*|благополучател\w*|получател\w*"
    r"|people|persons|teenagers|teens|children|kids|youths?|families|students|pupils|participants"
    r"|residents|seniors|elderly|visitors|mothers|parents|beneficiaries|women|men|veterans"
    r"|young people|older people|spectators|learners"
)
_COUNT = re.compile(
    rf"(?<![\d.,])(?P<num>\d{{1,3}}(?:[ \u00a0\u202f]\d{{3}})+|\d+)"
    rf"(?:\s*(?P<k>тыс\.?|тысяч\w*|thousand))?"
    rf"(?:\+)?\s+(?P<words>(?:[а-яёa-z-]+\s+){{0,2}}?)(?P<noun>{_PEOPLE})(?![а-яёa-z])",
    re.IGNORECASE,
)
_GROUP = re.compile(rf"(?<![\w-])(?:{_PEOPLE})(?![\w-])", re.IGNORECASE)
_GENERIC = re.compile(
    r"человек\w*|чел\.|люд\w*|участник\w*|people|persons|participants", re.IGNORECASE
)
_NOT_ADJ = re.compile(r"^(?:и|или|из|в|на|за|до|от|and|or|of|in|per|для|по|к|с|лет|year)s?$", re.I)

_AGE_PATTERNS = (
    re.compile(
        r"(?:от\s*|aged?\s*|ages\s*)?(?<!\d)(\d{1,2})\s*(?:-|–|—|до|to)\s*(\d{1,2})"
        r"(?:\s*-?\s*(?:лет|летн\w*|год\w*|years?|y\.?o\.?)|(?=\s*(?:years|лет)))",
        re.IGNORECASE,
    ),
    re.compile(r"(?:aged|ages|в возрасте(?: от)?)\s*(\d{1,2})\s*(?:-|–|—|до|to)\s*(\d{1,2})", re.I),
)
_AGE_OVER = re.compile(r"(?:старше|от|over|above|aged)\s+(\d{1,2})\s*(?:\+|лет|years)", re.I)

_RU_NUMBERS = {
    "один": 1, "одного": 1, "одну": 1, "два": 2, "двух": 2, "две": 2, "три": 3, "тр[её]х": 3,
    "четыр\\w*": 4, "пят\\w*": 5, "шест\\w*": 6, "сем\\w*": 7, "восем\\w*": 8, "девят\\w*": 9,
    "десят\\w*": 10, "одиннадцат\\w*": 11, "двенадцат\\w*": 12, "пятнадцат\\w*": 15,
    "восемнадцат\\w*": 18, "двадцат\\w* четыр\\w*": 24, "тридцат\\w* шест\\w*": 36,
}
_EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18,
    "twenty-four": 24, "twenty four": 24, "thirty-six": 36,
}
_WORDNUM = "|".join(list(_RU_NUMBERS) + list(_EN_NUMBERS))
_MONTHS_RE = re.compile(
    rf"(?P<n>\d{{1,2}}|{_WORDNUM})[\s-]*(?:-?ти\s*|-?и\s*)?(?:месяц\w*|мес\.|months?\b)", re.I
)
_YEARS_RE = re.compile(
    rf"(?P<cue>срок\w*|в течение|на протяжении|продлится|длится|рассчитан\w*|реализ\w*|"
    rf"продолжительност\w*|длительност\w*|на|for|over|lasts?|during|duration of|runs for)"
    rf"\s+(?:\w+\s+)?(?P<n>\d{{1,2}}|{_WORDNUM})[\s-]*(?:год\w*|лет|years?\b)",
    re.I,
)
_FIXED_DURATIONS = (
    (re.compile(
        r"полтора год|полутора лет|полутора год|one and a half years?|a year and a half", re.I
    ), 18),
    (re.compile(r"\bполгода\b|half a year|six-month", re.I), 6),
    (re.compile(
        r"(?:в течение|на протяжении|на|за|срок\w*|длится|продлится)\s+(?:одного\s+|целого\s+|"
        r"всего\s+)?(?:года|год)\b|годов\w+ проект|\bгод реализации|(?:for|over|lasts?)\s+(?:a|one)"
        r"\s+(?:full\s+)?year\b|year-long|one-year", re.I), 12),
    (re.compile(r"^\W*(?:на\s+|в течение\s+)?(?:один\s+|одного\s+|целый\s+)?(?:год|года)\W*$"
                r"|^\W*(?:for\s+)?(?:a|one)\s+(?:full\s+)?year\W*$", re.I), 12),
)

_MONTH_NAMES = (
    ("январ", "январь", "january"), ("феврал", "февраль", "february"), ("март", "март", "march"),
    ("апрел", "апрель", "april"), ("ма[йяе]", "май", "may"), ("июн", "июнь", "june"),
    ("июл", "июль", "july"), ("август", "август", "august"), ("сентябр", "сентябрь", "september"),
    ("октябр", "октябрь", "october"), ("ноябр", "ноябрь", "november"),
    ("декабр", "декабрь", "december"),
)
_MONTH_RE = re.compile(
    r"\b(?P<m>"
    + "|".join(rf"{ru}[а-яё]*|{en}" for ru, _, en in _MONTH_NAMES if ru != "ма[йяе]")
    + r"|ма[йяе]\b|may(?=\s+20\d\d))(?:\s+(?P<y>20\d\d))?",
    re.IGNORECASE,
)

_START_CUE = re.compile(
    r"(?:^|\s)(?:с|со|начн\w*|начина\w*|старт\w*|запуск\w*|from|starting|start\w*|begin\w*)"
    r"(?:\s+(?:in|в|с|со|from|on))?\s*$",
    re.IGNORECASE,
)
_ORG_RU = re.compile(
    r"(?P<kind>АНО(?:\s+ДО)?|НКО|РОО|МОО|ОО|БФ|ООО|НП|Благотворительн\w+ фонд\w*|Фонд\w*|"
    r"Ассоциаци\w+|Автономн\w+ некоммерческ\w+ организаци\w+|(?:Региональн\w+ |Межрегиональн\w+ )?"
    r"[Оо]бщественн\w+ организаци\w+|Союз\w*|Центр\w*)\s*"
    r"[«\"“](?P<name>[^»\"”]{2,80})[»\"”]"
)
_ORG_EN = re.compile(
    r"(?P<kind>ANO|NGO|NPO|Foundation|Association|Charity|Society|Trust|Fund)\s*[\"“«](?P<name>[^\"”»]{2,80})[\"”»]"
    r"|(?P<full>(?:[A-Z][\w'&-]+\s+){1,4}(?:Foundation|Association|Society|Trust|Charity|Centre|Center))"
)
_TITLE_WORDS = (
    r"(?:называется|назовём|назовем|под названием|название(?: проекта)?(?:\s*[—:-])?|"
    r"is called|called|titled|named|the title is)\s*"
)
_TITLE_CUE = re.compile(
    _TITLE_WORDS + r"(?:[«\"“](?P<q>[^»\"”]{3,150})[»\"”]|(?P<t>[^,;:.!?\n«»\"“”()—–]{3,80}))",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[«“\"](?P<t>[^»”\"]{3,150})[»”\"]")


def _parse_number(raw: str, *, has_mult: bool) -> float:
    text = raw.replace("\u00a0", " ").replace("\u202f", " ")
    if " " in text:
        text = text.replace(" ", "")
    seps = re.findall(r"[.,]", text)
    if not seps:
        return float(text)
    last = max(text.rfind("."), text.rfind(","))
    tail = text[last + 1 :]
    if len(seps) > 1 or (len(tail) == 3 and not has_mult):
        # thousands separators, perhaps with a decimal part: keep only the last as decimal
        if len(tail) == 3:
            return float(re.sub(r"[.,]", "", text))
        head = re.sub(r"[.,]", "", text[:last])
        return float(f"{head}.{tail}")
    return float(text.replace(",", "."))


def _multiplier(mult: str | None) -> float:
    if not mult:
        return 1.0
    low = mult.lower().rstrip(".")
    for prefix, value in _MULTIPLIERS:
        if low.startswith(prefix) and (len(prefix) > 1 or low == prefix):
            return value
    return 1.0


def _currency(cur: str | None) -> str:
    low = (cur or "").lower()
    if low in ("$", "usd") or low.startswith("долл"):
        return "USD"
    if low in ("евро", "eur", "€"):
        return "EUR"
    return "RUB"


def _clause_bounds(text: str, start: int, end: int) -> tuple[str, str]:
    """The clause text before and after a span (split on sentence and list punctuation)."""
    before = re.split(r"[.;!?\n]|,\s(?:а|но|из них|плюс|and|but|plus)\b", text[:start])[-1]
    after = re.split(r"[.;!?\n,(]", text[end:])[0]
    return before[-80:], after[:60]


def find_money(text: str, default: str) -> dict[str, Any]:
    found: list[tuple[str, float, str]] = []  # (label, amount, currency)
    for m in _MONEY.finditer(text):
        mult, cur = m.group("mult"), m.group("cur")
        if not cur:
            if not mult or mult.lower().rstrip(".") not in _BARE_MILLIONS:
                continue
            tail = text[m.end() : m.end() + 30]
            if _COUNT.match(f"1 {tail.strip()}") or re.match(r"\s*(?:человек|people)", tail, re.I):
                continue
        try:
            amount = _parse_number(m.group("num"), has_mult=bool(mult)) * _multiplier(mult)
        except ValueError:
            continue
        if amount < 1000:  # "5 р." of something, not a budget
            continue
        before, after = _clause_bounds(text, m.start(), m.end())
        co = [c.end() for c in _CO_CUES.finditer(before)]
        grant = [c.end() for c in _GRANT_CUES.finditer(before)]
        if co and (not grant or co[-1] > grant[-1]):
            label = "co"
        elif grant:
            label = "grant"
        elif _CO_CUES.search(after):
            label = "co"
        elif _GRANT_CUES.search(after):
            label = "grant"
        elif _BUDGET_CUES.search(before) or _BUDGET_CUES.search(after):
            label = "budget"
        else:
            label = "plain"
        found.append((label, amount, _currency(cur)))
    slots: dict[str, Any] = {}
    co_items = [(a, c) for label, a, c in found if label == "co"]
    if default == "co_funding_amount":
        co_items += [(a, c) for label, a, c in found if label == "plain"]
    if co_items:
        total = sum(a for a, _ in co_items)
        slots["co_funding_amount"] = {"amount": total, "currency": co_items[0][1]}
    for wanted in ("grant", "budget", "plain"):
        if wanted == "plain" and default != "requested_amount":
            break
        items = [(a, c) for label, a, c in found if label == wanted]
        if items:
            slots["requested_amount"] = {"amount": items[0][0], "currency": items[0][1]}
            break
    return slots


def _word_number(token: str) -> int | None:
    low = token.lower()
    if low.isdigit():
        return int(low)
    for pattern, value in (*_RU_NUMBERS.items(), *_EN_NUMBERS.items()):
        if re.fullmatch(pattern, low):
            return value
    return None


def find_duration(text: str) -> int | None:
    values: list[int] = []
    for m in _MONTHS_RE.finditer(text):
        n = _word_number(m.group("n"))
        if n:
            values.append(n)
    for m in _YEARS_RE.finditer(text):
        before = text[max(0, m.start() - 30) : m.start()].lower()
        if re.search(r"опыт|experience|работаем|уже|старше|возраст", before):
            continue
        n = _word_number(m.group("n"))
        if n:
            values.append(n * 12)
    for pattern, months in _FIXED_DURATIONS:
        if pattern.search(text):
            values.append(months)
    values = [v for v in values if 1 <= v <= 60]
    return max(values) if values else None


def find_count(text: str) -> tuple[int, str, str] | None:
    best: tuple[int, str, str] | None = None
    for m in _COUNT.finditer(text):
        words = m.group("words").split()
        if any(_NOT_ADJ.match(w) or w.isdigit() for w in words):
            continue
        if re.search(r"волонт|volunteer|команд|team", m.group(0), re.I):
            continue
        after = text[m.end() : m.end() + 4]
        if re.match(r"\s*(?:лет|год|years)", after, re.I):
            continue
        n = int(re.sub(r"\D", "", m.group("num")))
        if m.group("k"):
            n *= 1000
        if n < 2 or n > 10_000_000 or (1900 <= n <= 2100 and not words):
            continue
        group = " ".join([*words, m.group("noun")]).strip()
        if _GENERIC.fullmatch(m.group("noun")):
            specific = next(
                (g.group(0) for g in _GROUP.finditer(text) if not _GENERIC.fullmatch(g.group(0))),
                None,
            )
            group = specific.lower() if specific else group
        surface = m.group(0).strip()
        if best is None or n > best[0]:
            best = (n, group, surface)
    return best


def find_age(text: str) -> str | None:
    for pattern in _AGE_PATTERNS:
        for m in pattern.finditer(text):
            lo, hi = int(m.group(1)), int(m.group(2))
            if 0 < lo < hi <= 100:
                return f"{lo}–{hi}"
    over = _AGE_OVER.search(text)
    if over and 0 < int(over.group(1)) <= 100:
        return f"{int(over.group(1))}+"
    return None


def find_organization(text: str) -> str | None:
    m = _ORG_RU.search(text)
    if m:
        return f"{m.group('kind')} «{m.group('name').strip()}»"
    e = _ORG_EN.search(text)
    if e:
        if e.group("full"):
            return e.group("full").strip()
        return f"{e.group('kind')} \u201c{e.group('name').strip()}\u201d"
    return None


def find_title(text: str) -> str | None:
    cue = _TITLE_CUE.search(text)
    if cue:
        title = (cue.group("q") or cue.group("t")).strip(" «»\"“”—:-")
        if not cue.group("q"):
            title = re.split(r"\s+(?:from|since|for|с|для|и|and)\s+", title, maxsplit=1)[0]
        if len(title) >= 3:
            return title
    for m in _QUOTED.finditer(text):
        before = text[max(0, m.start() - 45) : m.start()]
        if _ORG_RU.search(before + m.group(0)) or _ORG_EN.search(before + m.group(0)):
            continue
        return m.group("t").strip()
    return None


def find_start_month(text: str, lang: str) -> str | None:
    for m in _MONTH_RE.finditer(text):
        before = text[max(0, m.start() - 25) : m.start()]
        if m.group("y") or _START_CUE.search(before):
            return _month_name(m, lang)
    return None


def _month_name(m: re.Match[str], lang: str) -> str | None:
    word = m.group("m").lower()
    for ru, ru_name, en_name in _MONTH_NAMES:
        if re.match(ru, word) or word == en_name:
            name = ru_name if lang == "ru" else en_name.capitalize()
            return f"{name} {m.group('y')}" if m.group("y") else name
    return None
