"""People's names, organisations and the project title named in an answer.

Names come from pymorphy3's ``Name``/``Patr``/``Surn`` tags, so "Кравец Светлана Юрьевна" is read
as first name Светлана, patronymic Юрьевна, surname Кравец whatever the order. An organisation is
a legal-form or institution word («АНО», «библиотека», «фонд» …, with its adjectives) followed by
a quoted name; a quoted name elsewhere, near "проект"/"название", is the project's title.
"""

from __future__ import annotations

from grant_interviewer.adapters.nlp import lexicon_data as words
from grant_interviewer.adapters.nlp.tokens import Sentence, Token
from grant_interviewer.domain.understanding.facts import Org, Person

_OPEN_QUOTES = {"«": "»", '"': '"', "“": "”", "„": "“", "'": "'"}


_EN_CUES = frozenset({"is", "am", "lead", "leader", "head", "coordinator", "director", "by",
                      "manager", ":"})
_EN_STOP = frozenset({"The", "A", "We", "Our", "Project", "I", "It", "This", "In", "And"})


def _english_persons(sentences: list[Sentence]) -> list[Person]:
    """"The project lead is Svetlana Kravets": two capitalised words after a role cue."""
    found: list[Person] = []
    for sentence in sentences:
        tokens = sentence.tokens
        for index in range(1, len(tokens) - 1):
            first, last = tokens[index], tokens[index + 1]
            if (tokens[index - 1].lower in _EN_CUES and first.text.istitle()
                    and last.text.istitle() and first.text.isalpha() and last.text.isalpha()
                    and first.text not in _EN_STOP and last.text not in _EN_STOP):
                person = Person(first=first.text, last=last.text, confidence=0.7)
                if person not in found:
                    found.append(person)
    return found


def read_persons(sentences: list[Sentence], *, lang: str = "ru") -> list[Person]:
    """Every run of capitalised name words (first name, patronymic, surname)."""
    if lang == "en":
        return _english_persons(sentences)
    found: list[Person] = []
    for sentence in sentences:
        run: list[Token] = []
        for token in [*sentence.tokens, None]:
            if token is not None and token.text[:1].isupper() and not token.text.isupper() and (
                    {"Name", "Patr", "Surn"} & token.tags) and len(token.text) > 1:
                run.append(token)
                continue
            person = _person(run)
            if person is not None and person not in found:
                found.append(person)
            run = []
    return found


def _person(run: list[Token]) -> Person | None:
    if not run or len(run) > 3:
        return None
    first = patronymic = last = ""
    for token in run:
        word = token.text
        if "Patr" in token.tags and not patronymic:
            patronymic = word
        elif "Name" in token.tags and not first:
            first = word
        elif "Surn" in token.tags and not last:
            last = word
    if not first:
        return None
    if len(run) == 1 and not patronymic:
        return Person(first=first, confidence=0.6)
    return Person(first=first, patronymic=patronymic, last=last,
                  confidence=0.9 if len(run) >= 2 else 0.7)


def _quoted(tokens: tuple[Token, ...], start: int) -> tuple[str, int] | None:
    """The text of a quotation opening at ``start`` and the index of its closing quote."""
    closing = _OPEN_QUOTES.get(tokens[start].text)
    if closing is None:
        return None
    for k in range(start + 1, min(len(tokens), start + 25)):
        if tokens[k].text == closing or (closing == "»" and tokens[k].text == '"'):
            inner = _join(tokens[start + 1:k])
            return (inner, k) if inner else None
    return None


def _join(tokens: tuple[Token, ...] | list[Token]) -> str:
    out = ""
    for index, token in enumerate(tokens):
        out += (" " if index and token.space_before else "") + token.text
    return out.strip()


def _english_orgs(sentences: list[Sentence]) -> list[Org]:
    """"We are ANO Silver Age": a legal-form word and the capitalised words after it."""
    forms = {"ano", "ngo", "nko", "foundation", "association", "charity", "society", "club"}
    found: list[Org] = []
    for sentence in sentences:
        tokens = sentence.tokens
        for index, token in enumerate(tokens):
            if token.lower not in forms or not token.text[:1].isupper():
                continue
            name = [t.text for t in tokens[index + 1:index + 5]]
            words_ = []
            for word in name:
                if not word[:1].isupper() or not word.isalpha():
                    break
                words_.append(word)
            if words_:
                found.append(Org(name=f"{token.text} {' '.join(words_)}", confidence=0.7))
    return found


def read_orgs_and_title(sentences: list[Sentence], *, asked: str | None, lang: str = "ru"
                        ) -> tuple[list[Org], list[str]]:
    """Organisations (form word + quoted name) and the project title (a quoted name near a
    title cue, or any quoted name in an answer about the title)."""
    orgs: list[Org] = []
    titles: list[str] = []
    for sentence in sentences:
        tokens = sentence.tokens
        for index, _token in enumerate(tokens):
            quoted = _quoted(tokens, index)
            if quoted is None:
                continue
            inner, _ = quoted
            form_start = index
            while form_start > 0 and (
                    tokens[form_start - 1].lemma in words.ORG_FORMS
                    or tokens[form_start - 1].lemma in words.ORG_ADJECTIVES
                    or (tokens[form_start - 1].text.isupper() and len(tokens[form_start - 1].text)
                    <= 5 and tokens[form_start - 1].text.isalpha())):
                form_start -= 1
            form = tokens[form_start:index]
            legal = any(t.lemma in words.LEGAL_FORMS or t.text.isupper() for t in form)
            venue = any(t.lemma in words.VENUE_FORMS for t in form)
            if form and (legal or (venue and asked == "organization")):
                name = f"{_join(form)} «{inner}»"
                if all(o.name != name for o in orgs):
                    orgs.append(Org(name=name, confidence=0.9))
                continue
            if venue and asked in ("project_title", "project_essence", None):
                titles.append(inner)  # "клуб «Точка роста» для подростков": the project's name
                continue
            before = {t.lemma for t in tokens[max(0, index - 4):index]}
            if before & words.TITLE_CUES or asked == "project_title" or (
                    titles and asked == "project_title"):
                titles.append(inner)
    if lang == "en" and not orgs:
        orgs = _english_orgs(sentences)
    return orgs, titles
