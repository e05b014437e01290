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


def read_persons(sentences: list[Sentence]) -> list[Person]:
    """Every run of capitalised name words (first name, patronymic, surname)."""
    found: list[Person] = []
    for sentence in sentences:
        run: list[Token] = []
        for token in [*sentence.tokens, None]:
            if token is not None and token.text[:1].isupper() and (
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


def read_orgs_and_title(sentences: list[Sentence], *, asked: str | None
                        ) -> tuple[list[Org], str | None]:
    """Organisations (form word + quoted name) and the project title (a quoted name near a
    title cue, or any quoted name in an answer about the title)."""
    orgs: list[Org] = []
    title: str | None = None
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
            if form and any(t.lemma in words.ORG_FORMS or t.text.isupper() for t in form):
                name = f"{_join(form)} «{inner}»"
                if all(o.name != name for o in orgs):
                    orgs.append(Org(name=name, confidence=0.9))
                continue
            before = {t.lemma for t in tokens[max(0, index - 4):index]}
            if title is None and (before & words.TITLE_CUES or asked == "project_title"):
                title = inner
    return orgs, title
