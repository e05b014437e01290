"""Sentences and tokens of an answer, with number words turned into digits.

``razdel`` splits sentences and tokens; ``number-parser`` rewrites number words ("двести" → 200,
"триста тысяч" → 300000) sentence by sentence, only where a number word occurs (it costs ~3 ms a
sentence). It leaves "полтора"/"полторы"/"пол" and "с половиной" alone, which the quantity reader
(:mod:`.quantities`) applies to the number that follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from grant_interviewer.adapters.nlp.lexicon import Lexicon

# Stems of number words: a sentence without any of them skips number-parser.
_NUMBER_STEMS = (
    "од", "дв", "тр", "четыр", "пят", "шест", "сем", "восем", "девят", "десят", "сорок",
    "девяност", "сто", "сот", "тысяч", "миллион", "миллиард",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "million", "dozen",
)
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Token:
    """One token of the (number-normalised) text."""

    text: str
    lower: str
    lemma: str
    tags: frozenset[str]
    sentence: int  # index of its sentence
    space_before: bool  # whitespace separates it from the previous token
    known: bool = True  # the morphology's dictionary has the word (False: a typo, a name)
    lemmas: tuple[str, ...] = ()  # other readings' lemmas (place names: "Великом" → великий)


@dataclass(frozen=True)
class Sentence:
    """One sentence: its original text and its tokens."""

    index: int
    text: str
    tokens: tuple[Token, ...]


def _has_number_words(text: str) -> bool:
    return any(w.lower().startswith(_NUMBER_STEMS) for w in _WORD.findall(text))


@lru_cache(maxsize=4096)
def _parse_numbers(text: str, lang: str) -> str:
    from number_parser import parse

    try:
        return str(parse(text, language="en" if lang == "en" else "ru"))
    except Exception:  # the parser is a best effort: an odd text keeps its words
        return text


# a run of words that may be number words (with "и"/"and" between): number-parser is given
# only these runs, not whole sentences (it costs ~5 ms on a sentence, ~0.3 ms on a run)
_RUN_WORD = r"(?:(?:" + "|".join(_NUMBER_STEMS) + r")[^\W\d_]*)"
_NUMBER_RUN = re.compile(
    rf"(?<![\w-]){_RUN_WORD}(?:[\s-]+(?:(?:и|and|a)\s+)?{_RUN_WORD})*(?![\w-])",
    re.IGNORECASE,
)


def _numbers_to_digits(text: str, lang: str) -> str:
    """Number words → digits, run by run ("двести человек" → "200 человек")."""
    return _NUMBER_RUN.sub(lambda m: _parse_numbers(m.group(0), lang), text)


_LIST_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[-–—•*])\s*")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (razdel); a line break also ends one."""
    from razdel import sentenize

    out: list[str] = []
    for line in re.split(r"\n+", text):
        line = line.strip(" \t")
        if not line.strip("-–—•*"):
            continue
        out.extend(s.text.strip() for s in sentenize(line) if s.text.strip())
    return out


def is_list_item(sentence: str) -> bool:
    """Whether a sentence is an item of a list ("1) …", "- …", "• …")."""
    return bool(_LIST_ITEM.match(sentence))


_GLUED_UNIT = re.compile(r"(?<=\d)(?=[^\W\d_])")  # "350т.р.", "1,5млн" → "350 т.р."
_NUMBER_WORDS = (
    "один", "одна", "два", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять",
    "десять", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
    "восемьдесят", "девяносто", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот",
    "семьсот", "восемьсот", "девятьсот", "тысяча", "тысячи", "тысяч", "миллион", "миллиона",
    "миллионов", "полтора", "полторы",
)


_NUMBER_PREFIXES = frozenset(w[:2] for w in _NUMBER_WORDS)


def _fix_number_typos(text: str, lexicon: Lexicon) -> str:
    """"три милиона" → "три миллиона": an unknown word close to a number word is that word
    (rapidfuzz; only words the morphology does not know are touched)."""
    from rapidfuzz import fuzz, process

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 5 or word[:2].lower() not in _NUMBER_PREFIXES or lexicon.info(word).known:
            return word
        best = process.extractOne(word.lower(), _NUMBER_WORDS, scorer=fuzz.ratio)
        return best[0] if best is not None and best[1] >= 85 else word

    return _WORD.sub(fix, text)


_INVERTED_SCALE = re.compile(
    r"\b(тысяч[аи]?|тыщ[аи]?|миллион(?:а|ов)?)\s+((?:(?:сто|двести|триста|четыреста|пятьсот|"
    r"шестьсот|семьсот|восемьсот|девятьсот|десять|двадцать|тридцать|сорок|пятьдесят|"
    r"шестьдесят|семьдесят|восемьдесят|девяносто|один|одна|два|две|три|четыре|пять|шесть|семь|"
    r"восемь|девять|одиннадцать|двенадцать|пятнадцать)\b\s*)+)",
    re.IGNORECASE,
)


def _uninvert(text: str) -> str:
    """"тысяч двести сорок" → "двести сорок тысяч ~" (number-parser would read 1240); the
    trailing "~" keeps the loose word order's hedge for the quantity reader. A scale word after
    a number ("один миллион четыреста восемьдесят тысяч") is ordinary order and stays."""

    def swap(match: re.Match[str]) -> str:
        before = text[:match.start()].split()
        after = text[match.end():].split()
        if before and before[-1].lower().strip(",.") in (*_NUMBER_WORDS, "полтора", "пол"):
            return match.group(0)
        if before and before[-1].strip(",.").isdigit():
            return match.group(0)
        if after and after[0].lower().startswith(("тысяч", "миллион", "тыс")):
            return match.group(0)
        return f"{match.group(2).strip()} {match.group(1)} ~ "

    return _INVERTED_SCALE.sub(swap, text)


def tokenize(text: str, lang: str, lexicon: Lexicon) -> list[Sentence]:
    """Sentences of ``text`` with their tokens (number words as digits)."""
    from razdel import tokenize as razdel_tokenize

    sentences: list[Sentence] = []
    for index, raw in enumerate(split_sentences(text)):
        normalised = _GLUED_UNIT.sub(" ", raw)
        if lang != "en" and lexicon.has_morphology:
            normalised = _fix_number_typos(normalised, lexicon)
        if _has_number_words(normalised):
            if lang != "en":
                normalised = _uninvert(normalised)
            normalised = _numbers_to_digits(normalised, lang)
        tokens: list[Token] = []
        previous_stop = 0
        for piece in razdel_tokenize(normalised):
            info = lexicon.info(piece.text)
            tokens.append(Token(
                text=piece.text,
                lower=piece.text.lower().replace("ё", "е"),
                lemma=info.lemma,
                tags=info.tags,
                sentence=index,
                space_before=piece.start > previous_stop,
                known=info.known,
                lemmas=info.lemmas,
            ))
            previous_stop = piece.stop
        sentences.append(Sentence(index=index, text=raw, tokens=tuple(tokens)))
    return sentences
