"""Money (with its role), shares, counts (with what they count) and periods of one sentence."""

from __future__ import annotations

from dataclasses import dataclass, field

from grant_interviewer.adapters.nlp import lexicon_data as words
from grant_interviewer.adapters.nlp.quantities import Quantity, scan
from grant_interviewer.adapters.nlp.tokens import Sentence, Token
from grant_interviewer.domain.understanding.facts import Count, Money, MoneyRole, Period, Share

MONEY_TOPICS = frozenset({"budget_total", "co_funding", "budget_breakdown"})
_DEFAULT_ROLE: dict[str, MoneyRole] = {
    "budget_total": "requested", "co_funding": "co_funding", "budget_breakdown": "item",
}
_CLAUSE_BREAKS = frozenset({",", ";", ":", "—", "–", "(", ")", "+"})


@dataclass
class SentenceNumbers:
    """What the numbers of one sentence say."""

    money: list[Money] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    years: list[int] = field(default_factory=list)


def read_numbers(sentence: Sentence, *, asked: str | None) -> SentenceNumbers:
    """Classify every number of ``sentence``: money, share, count, duration or year."""
    tokens = sentence.tokens
    found = SentenceNumbers()
    quantities = scan(tokens)
    money_context = asked in MONEY_TOPICS or _has(tokens, words.REQUESTED_CUES
                                                  | words.TOTAL_CUES | words.CO_FUNDING_CUES)
    used: set[int] = set()
    for index, quantity in enumerate(quantities):
        noun = _noun_after(tokens, quantity)
        if quantity.percent:
            role = "co_funding" if (asked == "co_funding" or _near(
                tokens, quantity, words.CO_FUNDING_CUES)) else "unknown"
            found.shares.append(Share(value=quantity.value / 100.0, role=role,  # type: ignore[arg-type]
                                      span=quantity.raw))
            used.add(index)
            continue
        unit = _duration_unit(noun)
        if unit is not None and noun is not None and noun.lemma in ("год", "лет") and (
                quantity.value > 3 or _is_age(tokens, quantity)):
            used.add(index)  # an age ("14–17 лет", "старше 65 лет"), not a duration
            continue
        if unit is not None and not quantity.multiplied and quantity.value < 100:
            found.periods.append(Period(months=round(quantity.value * unit),
                                        approximate=quantity.approximate, span=quantity.raw))
            used.add(index)
            continue
        if quantity.is_year_like and (noun is None or noun.lemma in ("год", "г")
                                      or noun.lemma not in words.PEOPLE):
            found.years.append(int(quantity.value))
            used.add(index)
            continue
        if _is_money(quantity, noun, money_context):
            role = _money_role(tokens, quantity, asked)
            label = _item_label(tokens, quantity) if role == "item" else ""
            found.money.append(Money(amount=quantity.value, role=role,
                                     approximate=quantity.approximate, label=label,
                                     span=quantity.raw,
                                     confidence=0.95 if quantity.currency else 0.8))
            used.add(index)
            continue
        count = _count(tokens, quantity, noun)
        if count is not None:
            found.counts.append(count)
            used.add(index)
    return found


def _is_age(tokens: tuple[Token, ...], quantity: Quantity) -> bool:
    before = {t.lemma for t in tokens[max(0, quantity.first - 3):quantity.first]}
    return bool(before & {"возраст", "старше", "младше", "от", "-", "–", "aged", "over"})


def _has(tokens: tuple[Token, ...], lemmas: frozenset[str]) -> bool:
    return any(t.lemma in lemmas for t in tokens)


def _noun_after(tokens: tuple[Token, ...], quantity: Quantity) -> Token | None:
    """The word the number counts: right after it, maybe past one or two adjectives."""
    for k in range(quantity.last + 1, min(len(tokens), quantity.last + 4)):
        token = tokens[k]
        if not token.text[:1].isalpha():
            return None
        if token.lemma in words.PEOPLE or token.lemma in words.DURATION_UNITS:
            return token
        if "NOUN" in token.tags:
            return token
        if not ({"ADJF", "PRTF", "ADJS"} & token.tags) and token.lower not in (
                "новых", "разных"):
            return token if not token.tags else None
    return None


def _duration_unit(noun: Token | None) -> float | None:
    if noun is None:
        return None
    return words.DURATION_UNITS.get(noun.lemma) or words.DURATION_UNITS.get(noun.lower)


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


def _cue_role(token: Token) -> MoneyRole | None:
    if token.lemma in words.CO_FUNDING_CUES:
        return "co_funding"
    if token.lemma in words.REQUESTED_CUES:
        return "requested"
    if token.lemma in words.TOTAL_CUES:
        return "total"
    if token.lemma in words.ITEM_CUES:
        return "item"
    return None


def _money_role(tokens: tuple[Token, ...], quantity: Quantity, asked: str | None) -> MoneyRole:
    """The nearest role cue: before the amount in its clause, after it in its clause, then
    before it in the sentence; else the asked topic's default."""
    start, end = _clause_bounds(tokens, quantity)
    for k in range(quantity.first - 1, start - 1, -1):
        role = _cue_role(tokens[k])
        if role is not None:
            return role
    for k in range(quantity.last + 1, end + 1):
        role = _cue_role(tokens[k])
        if role is not None:
            return role
    for k in range(start - 1, -1, -1):
        role = _cue_role(tokens[k])
        if role is not None and role != "item":
            return role
    return _DEFAULT_ROLE.get(asked or "", "unknown")


def _item_label(tokens: tuple[Token, ...], quantity: Quantity) -> str:
    start, end = _clause_bounds(tokens, quantity)
    label = [t.text for t in tokens[start:end + 1]
             if not (quantity.first <= tokens.index(t) <= quantity.last) and t.text.isalpha()]
    return " ".join(label)[:80]


def _near(tokens: tuple[Token, ...], quantity: Quantity, lemmas: frozenset[str]) -> bool:
    start, end = _clause_bounds(tokens, quantity)
    return any(t.lemma in lemmas for t in tokens[max(0, start - 3):end + 1])


def _count(tokens: tuple[Token, ...], quantity: Quantity, noun: Token | None) -> Count | None:
    if quantity.multiplied and quantity.value >= 1e6:
        return None
    value = round(quantity.value)
    if value <= 0:
        return None
    if noun is not None and (noun.lemma in words.PEOPLE or "NOUN" in noun.tags):
        return Count(value=value, of=noun.lemma, approximate=quantity.approximate,
                     span=f"{quantity.raw} {noun.text}")
    # "человек 40", "семей 45": the noun before the number — an approximate count
    if quantity.first > 0:
        before = tokens[quantity.first - 1]
        if before.lemma in words.PEOPLE:
            return Count(value=value, of=before.lemma, approximate=True,
                         span=f"{before.text} {quantity.raw}")
    return None


def read_period(sentence: Sentence, years: list[int]) -> Period | None:
    """Start and end months from month names: "с марта по декабрь 2027", "с сентября 2027"."""
    tokens = sentence.tokens
    months: list[tuple[int, int, int | None, str]] = []  # (token index, month, year, cue)
    for index, token in enumerate(tokens):
        month = words.MONTHS.get(token.lemma) or words.MONTHS.get(token.lower)
        if month is None or (len(token.lower) <= 3 and token.lower in ("май", "may", "мар")
                             and token.lemma not in words.MONTHS):
            continue
        year: int | None = None
        for k in range(index + 1, min(len(tokens), index + 3)):
            if tokens[k].text.isdigit() and len(tokens[k].text) == 4:
                year = int(tokens[k].text)
                break
        cue = ""
        for k in range(max(0, index - 3), index):
            if tokens[k].lemma in words.START_CUES or tokens[k].lower in words.START_CUES:
                cue = "start"
            elif tokens[k].lemma in words.END_CUES or tokens[k].lower in words.END_CUES:
                cue = "end"
        months.append((index, month, year, cue))
    if not months:
        return None
    start = next((m for m in months if m[3] == "start"), None)
    end = next((m for m in months if m[3] == "end" and m is not start), None)
    if start is None and end is None:
        if len(months) >= 2:
            start, end = months[0], months[1]
        else:
            start = months[0]
    fallback_year = years[-1] if years else None
    end_year = end[2] if end and end[2] else (start[2] if start and start[2] else fallback_year)
    start_year = start[2] if start and start[2] else None
    if start is not None and start_year is None and end_year is not None:
        start_year = end_year if end is None or start[1] <= end[1] else end_year - 1
    if end is not None and end[2] is None and start_year is not None:
        end_year = start_year if start is None or end[1] >= start[1] else start_year + 1
    start_text = f"{start_year:04d}-{start[1]:02d}" if start and start_year else None
    end_text = f"{end_year:04d}-{end[1]:02d}" if end and end_year else None
    months_count = None
    if start and end and start_year and end_year:
        months_count = (end_year - start_year) * 12 + end[1] - start[1] + 1
        if months_count <= 0 or months_count > 60:
            months_count = None
    if start_text is None and end_text is None:
        return None
    return Period(start=start_text, end=end_text, months=months_count, span=sentence.text[:80])
