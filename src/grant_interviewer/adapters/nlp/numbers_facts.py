"""Money (with its role), shares, counts (with what they count) and periods of one sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grant_interviewer.adapters.nlp import lexicon_data as words
from grant_interviewer.adapters.nlp.quantities import Quantity, prepare, scan
from grant_interviewer.adapters.nlp.tokens import Sentence, Token
from grant_interviewer.domain.understanding.facts import Count, Money, MoneyRole, Period, Share

MONEY_TOPICS = frozenset({"budget_total", "co_funding", "budget_breakdown"})
_DEFAULT_ROLE: dict[str, MoneyRole] = {
    "budget_total": "requested", "co_funding": "co_funding", "budget_breakdown": "item",
}
_CLAUSE_BREAKS = frozenset({",", ";", ":", "(", ")", "+"})
_SUM_WORDS = frozenset({"итого", "всего", "сумма", "total", "overall", "altogether", "вместе"})
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}),?")
_POPULATION = frozenset({"житель", "residents", "население"})


@dataclass
class SentenceNumbers:
    """What the numbers of one sentence say."""

    money: list[Money] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    participation: list[bool] = field(default_factory=list)  # per count: a participation cue
    rest_is_co_funding: bool = False  # "остальное — софинансирование" with no amount of its own


def read_numbers(sentence: Sentence, *, asked: str | None, lang: str = "ru") -> SentenceNumbers:
    """Classify every number of ``sentence``: money, share, count, duration or year."""
    tokens = prepare(sentence.tokens)
    found = SentenceNumbers()
    quantities = scan(tokens, lang=lang)
    money_context = asked in MONEY_TOPICS or _has(tokens, words.REQUESTED_CUES
                                                  | words.TOTAL_CUES | words.CO_FUNDING_CUES)
    consumed: set[int] = set()  # cue tokens that belong to a percent ("10 % от бюджета")
    for quantity in quantities:
        if quantity.percent:
            consumed.update(range(quantity.last + 1, min(len(tokens), quantity.last + 3)))
    for quantity in quantities:
        noun = _noun_after(tokens, quantity)
        previous = tokens[quantity.first - 1].lower if quantity.first > 0 else ""
        if previous == "не" and not quantity.multiplied and not quantity.currency:
            continue  # "ой не 40, а 45 семей": the number being corrected
        if noun is None and previous == "а" and found.counts:
            last = found.counts[-1]  # "40 детей, ой не 40 а 45": counts the same
            found.counts.append(Count(value=round(quantity.value), of=last.of,
                                      span=quantity.raw))
            found.participation.append(found.participation[-1])
            continue
        if quantity.last + 1 < len(tokens) and tokens[quantity.last + 1].text == "+" and not (
                quantity.currency or quantity.multiplied):
            continue  # "60+": an age threshold, not a count
        if quantity.percent:
            role = "co_funding" if (asked == "co_funding" or _near(
                tokens, quantity, words.CO_FUNDING_CUES) or _money_role(
                    tokens, quantity, asked, set()) == "co_funding") else "unknown"
            found.shares.append(Share(value=quantity.value / 100.0,
                                      role=role, span=quantity.raw))  # type: ignore[arg-type]
            continue
        if quantity.is_year_like and (noun is None or noun.lemma not in words.PEOPLE):
            found.years.append(int(quantity.value))
            continue
        unit = _duration_unit(noun) or (_unit_before(tokens, quantity) if noun is None else None)
        if unit is not None and (_is_age(tokens, quantity, noun) or (
                unit == 12.0 and quantity.value > 3)):
            continue  # an age ("14–17 лет", "до 3 лет") or experience ("12 лет в НКО")
        if unit is not None and not quantity.multiplied and quantity.value < 100:
            found.periods.append(Period(months=round(quantity.value * unit),
                                        approximate=quantity.approximate, span=quantity.raw))
            continue
        if _is_money(quantity, noun, money_context):
            role = _money_role(tokens, quantity, asked, consumed)
            label = _item_label(tokens, quantity) if role == "item" else ""
            found.money.append(Money(amount=quantity.value, role=role,
                                     approximate=quantity.approximate, label=label,
                                     span=quantity.raw,
                                     confidence=0.95 if quantity.currency else 0.8))
            continue
        count = _count(tokens, quantity, noun)
        if count is not None:
            found.counts.append(count)
            found.participation.append(_participation(tokens, quantity))
    found.periods.extend(_worded_durations(tokens, found.periods))
    _add_whole_years(tokens, found.periods)
    if (not any(m.role == "co_funding" for m in found.money)
            and any(t.lemma in ("остальной", "оставшийся", "остаток", "rest", "remainder")
                    for t in tokens) and _has(tokens, words.CO_FUNDING_CUES)):
        found.rest_is_co_funding = True
    return found


def _has(tokens: tuple[Token, ...], lemmas: frozenset[str]) -> bool:
    return any(t.lemma in lemmas for t in tokens)


def _noun_after(tokens: tuple[Token, ...], quantity: Quantity) -> Token | None:
    """The word the number counts: right after it, maybe past one or two adjectives."""
    if tokens and not any("а" <= ch <= "я" for t in tokens[:3] for ch in t.lower):
        # English: "40 student volunteers" counts volunteers — the last people word of the run
        run = [t for t in tokens[quantity.last + 1:quantity.last + 4]]
        alpha = []
        for token in run:
            if not token.text.isalpha():
                break
            alpha.append(token)
        people = [t for t in alpha if t.lower in words.PEOPLE or t.lower in words.TEAM]
        if people:
            return people[-1]
    for k in range(quantity.last + 1, min(len(tokens), quantity.last + 4)):
        token = tokens[k]
        if not token.text[:1].isalpha():
            return None
        if (token.lemma in words.PEOPLE or token.lemma in words.DURATION_UNITS
                or token.lemma.split("-")[0] in words.PEOPLE):
            return token
        if "NOUN" in token.tags:
            return token
        if not ({"ADJF", "PRTF", "ADJS"} & token.tags):
            return token if not token.tags else None
    return None


def _duration_unit(noun: Token | None) -> float | None:
    if noun is None:
        return None
    return words.DURATION_UNITS.get(noun.lemma) or words.DURATION_UNITS.get(noun.lower)


def _unit_before(tokens: tuple[Token, ...], quantity: Quantity) -> float | None:
    """"месяцев на восемь": the unit right before the number (maybe past "на", "около")."""
    k = quantity.first - 1
    while k >= 0 and tokens[k].lower in ("на", "около", "примерно", "где-то"):
        k -= 1
    if k < 0:
        return None
    unit = words.DURATION_UNITS.get(tokens[k].lemma)
    return unit if unit is not None and tokens[k].lemma not in ("год", "лет") else None


def _is_age(tokens: tuple[Token, ...], quantity: Quantity, noun: Token | None) -> bool:
    if noun is None or noun.lemma not in ("год", "лет", "year", "years"):
        return False
    before = {t.lemma for t in tokens[max(0, quantity.first - 3):quantity.first]}
    return bool(before & {"возраст", "старше", "младше", "от", "до", "-", "–", "aged", "over",
                          "under"})


def _worded_durations(tokens: tuple[Token, ...], found: list[Period]) -> list[Period]:
    """"полгода", "полтора года", "на год", "в течение года" — durations without digits."""
    if any(p.months for p in found):
        return []
    for index, token in enumerate(tokens):
        if token.lemma in ("полгода", "полугодие"):
            return [Period(months=6, span=token.text)]
        if token.lemma == "год" and not any(t.text.isdigit() for t in tokens[index - 1:index + 2]
                                            if t is not token):
            before = tokens[index - 1].lower if index else ""
            if before in ("полтора", "полутора"):
                return [Period(months=18, span=f"{before} {token.text}")]
            if before in ("", "на", "течение", "целый", "весь", "один", "1") and len(tokens) <= 8:
                return [Period(months=12, span=token.text)]
    return []


def _add_whole_years(tokens: tuple[Token, ...], periods: list[Period]) -> None:
    """"год и три месяца" = 15: a bare "год" joined to a counted duration adds 12 months."""
    if len(periods) != 1 or not periods[0].months or periods[0].months >= 12:
        return
    for index, token in enumerate(tokens[:-1]):
        if token.lemma == "год" and tokens[index + 1].lower == "и" and (
                index == 0 or not tokens[index - 1].text.isdigit()):
            periods[0] = Period(**{**periods[0].__dict__, "months": periods[0].months + 12})
            return


def _is_money(quantity: Quantity, noun: Token | None, money_context: bool) -> bool:
    if quantity.foreign:
        return False
    if quantity.currency:
        return True
    if noun is not None and (noun.lemma in words.PEOPLE or ("NOUN" in noun.tags
                             and noun.lemma not in ("рубль", "руб"))):
        return False
    if not money_context:
        return False
    return quantity.value >= 10_000 or (quantity.multiplied and quantity.value >= 1000)


def _clause_bounds(tokens: tuple[Token, ...], quantity: Quantity) -> tuple[int, int]:
    start = quantity.first
    while start > 0 and tokens[start - 1].text not in _CLAUSE_BREAKS:
        start -= 1
    end = quantity.last
    while end + 1 < len(tokens) and tokens[end + 1].text not in _CLAUSE_BREAKS:
        end += 1
    return start, end


def _cue_role(token: Token, asked: str | None) -> MoneyRole | None:
    if token.lemma in _SUM_WORDS and asked in ("co_funding", "budget_breakdown"):
        return _DEFAULT_ROLE[asked]  # "итого" in a co-funding answer sums the co-funding
    if token.lemma in words.CO_FUNDING_CUES:
        return "co_funding"
    if token.lemma in words.REQUESTED_CUES:
        return "requested"
    if token.lemma in words.TOTAL_CUES:
        return "total"
    if token.lemma in words.ITEM_CUES:
        return "co_funding" if asked == "co_funding" else "item"
    return None


def _money_role(tokens: tuple[Token, ...], quantity: Quantity, asked: str | None,
                consumed: set[int]) -> MoneyRole:
    """The nearest role cue: before the amount in its clause, after it in its clause, then
    before it in the sentence; else the asked topic's default."""
    start, end = _clause_bounds(tokens, quantity)
    for k in range(quantity.first - 1, start - 1, -1):
        role = _cue_role(tokens[k], asked)
        if role is not None and k not in consumed:
            return role
    for k in range(quantity.last + 1, end + 1):
        role = _cue_role(tokens[k], asked)
        if role is not None and k not in consumed:
            return role
    for k in range(start - 1, -1, -1):
        role = _cue_role(tokens[k], asked)
        if role is not None and role != "item" and k not in consumed:
            return role
    return _DEFAULT_ROLE.get(asked or "", "unknown")


def _item_label(tokens: tuple[Token, ...], quantity: Quantity) -> str:
    start, end = _clause_bounds(tokens, quantity)
    label = [t.text for k, t in enumerate(tokens[start:end + 1], start)
             if not quantity.first <= k <= quantity.last and t.text.isalpha()]
    return " ".join(label)[:80]


def _near(tokens: tuple[Token, ...], quantity: Quantity, lemmas: frozenset[str]) -> bool:
    start, end = _clause_bounds(tokens, quantity)
    return any(t.lemma in lemmas for t in tokens[max(0, start - 3):end + 1])


def _participation(tokens: tuple[Token, ...], quantity: Quantity) -> bool:
    start, end = _clause_bounds(tokens, quantity)
    return any(t.lemma in words.PARTICIPANT_CUES for t in tokens[max(0, start - 2):end + 1])


def _people_noun(token: Token) -> bool:
    if token.lemma in words.PEOPLE or token.lemma.split("-")[0] in words.PEOPLE:
        return True  # "детей-инвалидов" counts children
    from rapidfuzz import fuzz, process

    if token.known or len(token.lower) < 4:
        return False
    best = process.extractOne(token.lower, words.PEOPLE, scorer=fuzz.ratio)
    return best is not None and best[1] >= 85  # a typo: "челвек", "подростоков"


def _count(tokens: tuple[Token, ...], quantity: Quantity, noun: Token | None) -> Count | None:
    if quantity.multiplied and quantity.value >= 1e6:
        return None
    value = round(quantity.value)
    if value <= 0:
        return None
    team = any(t.lemma in words.TEAM or t.lemma.split("-")[0] in words.TEAM
               for t in tokens[max(0, quantity.first - 3):quantity.first])
    if noun is not None and (_people_noun(noun) or "NOUN" in noun.tags):
        of = noun.lemma if noun.lemma in words.PEOPLE or "NOUN" in noun.tags else "человек"
        if of not in words.PEOPLE and of.split("-")[0] in words.PEOPLE:
            of = of.split("-")[0]
        if team and of in ("человек", "люди"):
            of = "волонтер"  # "волонтёры-студенты (15 человек)": the team, not the audience
        return Count(value=value, of=of, approximate=quantity.approximate,
                     span=f"{quantity.raw} {noun.text}")
    # "человек 40", "семей 45": the noun before the number — an approximate count
    for k in range(quantity.first - 1, max(-1, quantity.first - 3), -1):
        before = tokens[k]
        if _people_noun(before):
            of = before.lemma if before.lemma in words.PEOPLE else "человек"
            return Count(value=value, of=of, approximate=True,
                         span=f"{before.text} {quantity.raw}")
        if before.text.isalpha() and before.lower not in ("их", "нас", "где-то", "примерно"):
            break
    return None


_MONTH_FORMS = {
    form: number for number, forms in enumerate((
        ("январь", "января"), ("февраль", "февраля"), ("март", "марта"), ("апрель", "апреля"),
        ("май", "мая"), ("июнь", "июня"), ("июль", "июля"), ("август", "августа"),
        ("сентябрь", "сентября"), ("октябрь", "октября"), ("ноябрь", "ноября"),
        ("декабрь", "декабря")), start=1) for form in forms
}


def _month_typo(word: str) -> int | None:
    from rapidfuzz import fuzz, process

    best = process.extractOne(word, list(_MONTH_FORMS), scorer=fuzz.ratio)
    return _MONTH_FORMS[best[0]] if best is not None and best[1] >= 80 else None


def is_population(count: Count) -> bool:
    """A place's population ("в селе 2000 жителей"), not a target group."""
    return count.of in _POPULATION


def read_period(sentence: Sentence, years: list[int]) -> Period | None:
    """Start and end months: "с марта по декабрь 2027", "с сентября 2027", "с 1.09.2027 по
    31.05.2028", "начать в октябре 2026 и закончить к концу 2027"."""
    tokens = prepare(sentence.tokens)
    marks: list[tuple[int, int, int | None, str]] = []  # (token index, month, year, cue)
    for index, token in enumerate(tokens):
        month: int | None = words.MONTHS.get(token.lemma) or words.MONTHS.get(token.lower)
        if month is None and not token.known and len(token.lower) >= 5:
            month = _month_typo(token.lower)  # "с октбяря по май"
        if (index > 0 and tokens[index - 1].lower == "не") or (
                index > 1 and tokens[index - 2].lower == "не" and tokens[index - 1].lower in (
                    "с", "со", "по", "до", "в")):
            continue  # "не с апреля, а с мая": the corrected month goes
        year: int | None = None
        date = _DATE.fullmatch(token.text)
        if date is not None and 1 <= int(date.group(2)) <= 12:
            month, year = int(date.group(2)), int(date.group(3))
        elif token.lemma in ("конец", "end") and index + 2 < len(tokens) + 1:
            following = [t for t in tokens[index + 1:index + 3] if t.text.isdigit()]
            if following and len(following[0].text) == 4:
                month, year = 12, int(following[0].text)
        if month is None:
            continue
        if year is None:
            for k in range(index + 1, min(len(tokens), index + 3)):
                if tokens[k].text.isdigit() and len(tokens[k].text) == 4:
                    year = int(tokens[k].text)
                    break
        cue = ""
        for k in range(max(0, index - 3), index):
            lemma = tokens[k].lemma
            if lemma in words.START_CUES or tokens[k].lower in words.START_CUES:
                cue = "start"
            elif lemma in words.END_CUES or tokens[k].lower in words.END_CUES or lemma in (
                    "закончить", "завершить", "конец"):
                cue = "end"
        if token.lemma in ("конец", "end"):
            cue = "end"
        marks.append((index, month, year, cue))
    if not marks:
        return None
    start = next((m for m in marks if m[3] == "start"), None)
    end = next((m for m in reversed(marks) if m[3] == "end" and m is not start), None)
    if start is None and end is None:
        start = marks[0]
        end = marks[-1] if len(marks) >= 2 else None
    elif start is None and len(marks) >= 2 and marks[0] is not end:
        start = marks[0]
    elif end is None and len(marks) >= 2 and marks[-1] is not start and start is marks[0]:
        end = marks[-1]
    fallback_year = years[-1] if years else None
    end_year = end[2] if end and end[2] else (start[2] if start and start[2] else fallback_year)
    start_year = start[2] if start and start[2] else None
    if start is not None and start_year is None and end_year is not None:
        start_year = end_year if end is None or start[1] <= end[1] else end_year - 1
    if end is not None and end[2] is None and start_year is not None:
        end_year = start_year if end[1] >= start[1] else start_year + 1  # type: ignore[index]
    start_text = f"{start_year:04d}-{start[1]:02d}" if start and start_year else None
    end_text = f"{end_year:04d}-{end[1]:02d}" if end and end_year else None
    months_count = None
    if start and end:
        if start_year and end_year:
            months_count = (end_year - start_year) * 12 + end[1] - start[1] + 1
        else:  # "с сентября по май": no year, the months still count
            months_count = (end[1] - start[1]) % 12 + 1
        if months_count <= 1 or months_count > 60:
            months_count = None
    if start_text is None and end_text is None and months_count is None:
        return None
    return Period(start=start_text, end=end_text, months=months_count, span=sentence.text[:80])
