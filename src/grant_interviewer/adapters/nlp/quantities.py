"""Numbers with their multipliers, units and hedges, read from the tokens of one sentence.

A hand-written token scanner, because the libraries at hand each read part of what applicants
write (measured on the corpus in ``tests/corpus``): natasha's MoneyExtractor needs a currency word
and misses "полтора миллиона", "500 тысяч", "2,3 млн"; number-parser (used upstream, in
:mod:`.tokens`) turns number words into digits but knows no "полтора" and no units. The scanner
works on razdel tokens and pymorphy3 lemmas, so inflection ("тысяч", "тыс.", "миллиона") and
word order ("тысяч 100", "человек 40") cost no patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from grant_interviewer.adapters.nlp.tokens import Token

MULTIPLIERS: dict[str, float] = {
    "тысяча": 1e3, "тыс": 1e3, "тыща": 1e3, "тысяч": 1e3, "т": 1e3, "к": 1e3, "k": 1e3,
    "thousand": 1e3, "миллион": 1e6, "млн": 1e6, "лям": 1e6, "million": 1e6, "mln": 1e6,
    "m": 1e6, "mn": 1e6, "миллиард": 1e9, "млрд": 1e9, "billion": 1e9, "bn": 1e9,
}
CURRENCY = frozenset({
    "рубль", "руб", "р", "₽", "rub", "rouble", "ruble", "roubles", "rubles", "рублей",
    "целковый",
})
FOREIGN_CURRENCY = frozenset({"$", "usd", "доллар", "евро", "eur", "€", "dollar", "euro"})
PERCENT = frozenset({"%", "процент", "percent", "pct"})
HALF_BEFORE = {"полтора": 1.5, "полторы": 1.5, "полутора": 1.5, "пол": 0.5}
HEDGES_BEFORE = frozenset({
    "около", "примерно", "почти", "где-то", "порядка", "приблизительно", "ориентировочно",
    "более", "свыше", "больше", "меньше", "менее", "до", "~", "≈", "плюс-минус", "где", "чуть",
    "about", "around", "almost", "approximately", "roughly", "nearly", "over", "up", "approx",
    "maybe", "наверное", "наверно", "вроде",
})
HEDGES_AFTER = frozenset({"где-то", "примерно", "приблизительно", "или", "ориентировочно",
                          "около", "плюс-минус", "ish", "~"})


@dataclass(frozen=True)
class Quantity:
    """A number in a sentence: its value after multipliers, and what surrounds it."""

    value: float
    first: int  # index of its first token in the sentence
    last: int  # index of its last token (the multiplier or currency included)
    multiplied: bool = False
    currency: bool = False
    foreign: bool = False
    percent: bool = False
    approximate: bool = False
    inverted: bool = False  # "тысяч 100", "человек 40": the unit before the number
    raw: str = ""

    @property
    def is_year_like(self) -> bool:
        """A bare whole number that could be a year (1990–2100)."""
        return (not self.multiplied and not self.currency and not self.percent
                and self.value.is_integer() and 1990 <= self.value <= 2100)


_POWERS = {"1000": 1e3, "1000000": 1e6, "1000000000": 1e9}


_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")


def _number(text: str, *, lang: str = "ru") -> float | None:
    if _THOUSANDS.fullmatch(text) and (text.count(",") >= 2 or lang == "en"):
        text = text.replace(",", "")  # "800,000", "2,450,000": thousands separators
    cleaned = text.replace(",", ".")
    if cleaned.count(".") > 1:
        return None
    try:
        return float(cleaned)
    except ValueError:
        return None


def _inverted_number_at(tokens: tuple[Token, ...], index: int) -> int | None:
    """Where the number of "тысяч 100" / "тысяч на 40" starts, after the scale word."""
    while index < len(tokens) and tokens[index].lower in ("на", "где-то", "около", "примерно"):
        index += 1
    if index < len(tokens) and _is_digits(tokens[index]) and tokens[index].text not in _POWERS:
        return index
    return None


def _is_digits(token: Token) -> bool:
    return token.text.replace(",", "").replace(".", "").isdigit()


def _join_groups(tokens: tuple[Token, ...], start: int) -> tuple[str, int]:
    """The digits of "3 500 000" (razdel splits them) as one number; returns (text, last)."""
    text = tokens[start].text
    last = start
    if len(text) <= 3 and text.isdigit():
        while (last + 1 < len(tokens) and tokens[last + 1].space_before
               and len(tokens[last + 1].text) == 3 and tokens[last + 1].text.isdigit()):
            last += 1
            text += tokens[last].text
    return text, last


_RANGE = re.compile(r"(\d+(?:[.,]\d+)?)[-–—](\d+(?:[.,]\d+)?)")


def prepare(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    """razdel keeps "600-700" as one token: split it into "600", "-", "700"."""
    if not any(_RANGE.fullmatch(t.text) for t in tokens):
        return tokens
    out: list[Token] = []
    for token in tokens:
        match = _RANGE.fullmatch(token.text)
        if match is None:
            out.append(token)
            continue
        low, high = match.group(1), match.group(2)
        out += [replace(token, text=low, lower=low, lemma=low),
                replace(token, text="-", lower="-", lemma="-", space_before=False),
                replace(token, text=high, lower=high, lemma=high, space_before=False)]
    return tuple(out)


def scan(tokens: tuple[Token, ...], *, lang: str = "ru") -> list[Quantity]:
    """Every number in a sentence's tokens, with multipliers, currency, percent and hedges.

    Pass the tokens through :func:`prepare` first (ranges split): the quantities' token indexes
    refer to its result."""
    out: list[Quantity] = []
    i = 0
    n = len(tokens)
    while i < n:
        token = tokens[i]
        if token.lower in HALF_BEFORE and i + 1 < n and tokens[i + 1].lower in ("до", "-", "–"):
            out.append(Quantity(value=HALF_BEFORE[token.lower], first=i, last=i,
                                approximate=True, raw=token.text))
            i += 1
            continue
        if not _is_digits(token):
            i += 1
            continue
        text, last = _join_groups(tokens, i)
        value = _number(text, lang=lang)
        if value is None:
            i = last + 1
            continue
        first = i
        multiplied = inverted = False
        # "2 с половиной" → 2.5, "one and a half" → 1.5
        if (last + 2 < n and tokens[last + 1].lower == "с"
                and tokens[last + 2].lemma in ("половина", "половиной")):
            value += 0.5
            last += 2
        elif (last + 3 < n and tokens[last + 1].lower == "and" and tokens[last + 2].lower == "a"
              and tokens[last + 3].lower == "half"):
            value += 0.5
            last += 3
        # number-parser renders a bare "тысяч"/"миллиона" as 1000/1000000: "240 1000" is
        # "240 тысяч", "1000 100" is "тысяч 100", "2 с половиной 1000000" is 2.5 million
        if last + 1 < n and tokens[last + 1].text in _POWERS and value < 1000:
            value *= _POWERS[tokens[last + 1].text]
            last += 1
            multiplied = True
        elif text in _POWERS and _inverted_number_at(tokens, last + 1) is not None:
            start = _inverted_number_at(tokens, last + 1)
            assert start is not None
            following, after = _join_groups(tokens, start)
            number = _number(following)
            if number is not None and number < 1000:
                value = number * _POWERS[text]
                last = after
                multiplied = inverted = True
        # "350 т.р.", "200 т. руб": a lone "т" (pymorphy reads "так") before a ruble unit
        if not multiplied and _thousand_rubles_at(tokens, last + 1):
            value *= 1e3
            last += 2 if last + 2 < n and tokens[last + 2].text == "." else 1
            multiplied = True
        # a multiplier after the number: "240 тысяч", "1,5 млн", "150 тыс."
        if not multiplied and last + 1 < n and tokens[last + 1].lemma in MULTIPLIERS:
            value *= MULTIPLIERS[tokens[last + 1].lemma]
            last += 1
            multiplied = True
            if last + 1 < n and tokens[last + 1].text == ".":
                last += 1
        # "полтора 1000000" (number-parser's rendering of "полтора миллиона"), "пол 1000000"
        if first > 0 and tokens[first - 1].lower in HALF_BEFORE and text in _POWERS:
            value *= HALF_BEFORE[tokens[first - 1].lower]
            first -= 1
            multiplied = True
        # "тысяч 100": a multiplier before the number, said loosely
        elif first > 0 and tokens[first - 1].lemma in MULTIPLIERS and not multiplied and (
            first < 2 or not _is_digits(tokens[first - 2])
        ):
            value *= MULTIPLIERS[tokens[first - 1].lemma]
            first -= 1
            multiplied = inverted = True
        currency = foreign = percent = False
        j = last + 1
        if j < n and tokens[j].lower.rstrip(".") in ("т.р", "тр", "тыс.р", "тыс.руб", "т.руб"):
            value *= 1000  # "350т.р.": thousand rubles
            multiplied = currency = True
            last = j
            j += 1
        if currency:
            pass
        elif j < n and tokens[j].lemma in CURRENCY | {"рубль"}:
            currency = True
            last = j
            if j + 1 < n and tokens[j + 1].text == ".":
                last = j + 1
        elif j < n and tokens[j].lemma in FOREIGN_CURRENCY:
            foreign = True
            last = j
        elif j < n and tokens[j].lemma in PERCENT:
            percent = True
            last = j
        if first > 0 and tokens[first - 1].lemma in CURRENCY and tokens[first - 1].text == "₽":
            currency = True
        approximate = inverted
        for k in range(first - 1, max(-1, first - 3), -1):  # within the clause
            if tokens[k].lower in HEDGES_BEFORE:
                approximate = True
            if not tokens[k].text.isalpha() or tokens[k].text.endswith(","):
                break
        if last + 1 < n and tokens[last + 1].lower in HEDGES_AFTER:
            approximate = True
        if first > 0 and tokens[first - 1].lower in ("от",) and not approximate:
            approximate = True  # the lower end of a range
        raw = " ".join(t.text for t in tokens[first:last + 1])
        out.append(Quantity(value=value, first=first, last=last, multiplied=multiplied,
                            currency=currency, foreign=foreign, percent=percent,
                            approximate=approximate, inverted=inverted, raw=raw))
        i = last + 1
    _apply_ranges(tokens, out)
    return _join_compounds(out)


_RUBLE_ABBREVIATIONS = frozenset({"р", "руб", "рублей", "рубля", "рубль"})


def _thousand_rubles_at(tokens: tuple[Token, ...], index: int) -> bool:
    """Whether ``tokens[index]`` is the "т" of "т.р." / "т. руб" (thousand rubles)."""
    if index >= len(tokens) or tokens[index].lower != "т":
        return False
    after = index + 1
    if after < len(tokens) and tokens[after].text == ".":
        after += 1
    return after < len(tokens) and tokens[after].lower.rstrip(".") in _RUBLE_ABBREVIATIONS


def _join_compounds(found: list[Quantity]) -> list[Quantity]:
    """"2 млн 300 тыс" is one amount: a million-scale number right before a smaller one."""
    out: list[Quantity] = []
    for quantity in found:
        previous = out[-1] if out else None
        if (previous is not None and previous.multiplied and quantity.multiplied
                and quantity.first == previous.last + 1 and quantity.value < previous.value
                and previous.value % 1e6 == 0 and quantity.value < 1e6 and not previous.currency):
            out[-1] = Quantity(**{**previous.__dict__, "value": previous.value + quantity.value,
                                  "last": quantity.last, "currency": quantity.currency,
                                  "raw": f"{previous.raw} {quantity.raw}"})
            continue
        out.append(quantity)
    return out


def _apply_ranges(tokens: tuple[Token, ...], found: list[Quantity]) -> None:
    """A range ("от полутора до двух тысяч", "600-700 тыс") stands for its upper end, marked
    approximate (the interview then asks for the exact figure); the lower end is dropped."""
    index = 0
    while index < len(found) - 1:
        quantity, following = found[index], found[index + 1]
        between = {t.lower for t in tokens[quantity.last + 1:following.first]}
        if (following.first - quantity.last > 2 or not between & {"до", "-", "–", "—", "to"}
                or quantity.multiplied or quantity.is_year_like or following.is_year_like):
            index += 1
            continue
        lower = tokens[quantity.first - 1].lower if quantity.first > 0 else ""
        if not (lower in ("от", "from") or between & {"-", "–", "—"} or quantity.approximate):
            index += 1
            continue
        found[index + 1] = Quantity(**{**following.__dict__, "approximate": True,
                                       "first": quantity.first})
        del found[index]
