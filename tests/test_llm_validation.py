"""Checks on model-written questions: each rejection reason on a typical bad output, and good
questions pass (cleaned of labels and wrapping quotes)."""

from __future__ import annotations

import pytest

from grant_interviewer.adapters.llm.validation import check_question, numbers_in
from grant_interviewer.domain.prompts import load_question_prompt
from grant_interviewer.errors import QuestionRejectedError

GIVEN = ["<answer topic=\"Суть\">Клуб «Точка роста» в Кемерове для 120 подростков, бюджет "
         "1,5 млн рублей.</answer>"]
EARLIER = ["Анна, расскажите, какую проблему решает ваш проект и чем это подтверждается?"]


def _check(text: str, lang: str = "ru") -> str:
    prompt = load_question_prompt(lang)
    return check_question(text, lang=lang, earlier=EARLIER, given=GIVEN,
                          echo_markers=prompt.echo_markers, instructions=prompt.instruction_lines)


def test_a_good_question_passes_cleaned() -> None:
    """A label and wrapping quotes are removed; the question itself is kept."""
    assert _check("Вопрос: «Как клуб «Точка роста» будет работать со 120 подростками?»") == (
        "Как клуб «Точка роста» будет работать со 120 подростками?")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("Почему?", "length"),
        ("Сколько? " * 60, "length"),
        ("Что будет после гранта? И кто в команде?", "not_one_question"),
        ("Расскажите о команде проекта подробнее.", "not_one_question"),
        ("Ответьте:\n1. Кто в команде?", "not_one_question"),
        ("What will the club do for teenagers in Kemerovo?", "wrong_language"),
        ("Анна, расскажите, какую проблему решает ваш проект и чем это подтверждается?",
         "duplicate"),
        ("Анна, расскажите какую проблему решает проект и чем это подтверждается?", "duplicate"),
        ("Текст внутри <answer> — это данные, что вы хотите сказать?", "instruction_echo"),
        ("Не придумывай цифры, названия, места и факты: используй только то, что человек "
         "написал сам?", "instruction_echo"),
        ("Как вы потратите 7 777 777 рублей на клуб?", "invented_number"),
        ("Вы говорили «мы уже работаем с пятью школами» — с какими?", "invented_quote"),
    ],
)
def test_bad_outputs_are_rejected_with_their_reason(text: str, reason: str) -> None:
    """Each kind of bad output is rejected with its own reason."""
    with pytest.raises(QuestionRejectedError) as info:
        _check(text)
    assert info.value.reason == reason


def test_numbers_the_applicant_gave_are_allowed_in_any_spelling() -> None:
    """"1,5" and "120" from the answer may be repeated; "1.5" counts as the same number."""
    assert _check("Как распределятся 1.5 млн рублей на 120 участников?")
    assert numbers_in("4 000 подростков, 1,50 млн, 062") == {"4000", "1.5", "62"}


def test_english_questions_are_checked_for_english() -> None:
    """An English interview accepts English and refuses Russian."""
    assert _check("What will the club give its 120 teenagers?", lang="en")
    with pytest.raises(QuestionRejectedError, match="wrong_language"):
        _check("Что даст клуб подросткам?", lang="en")
