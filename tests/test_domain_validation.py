"""Answer validation: what is rejected, with which code, and how accepted text is cleaned."""

from __future__ import annotations

import pytest

from grant_interviewer.domain.packs import load_pack
from grant_interviewer.domain.validation import REJECTION_CODES, AnswerRejected, clean_answer
from grant_interviewer.errors import InputError

LIMIT = 20_000


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "empty"),
        ("   \n\t  ", "empty"),
        ("\u200b\u200b", "empty"),
        ("...", "empty"),
        ("x" * 100_000, "too_long"),
        ("а" * (LIMIT + 1), "too_long"),
        ("\x00" * 50, "binary"),
        ("ab\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "binary"),
        ("\x01\x02\x03\x04\x05abc", "binary"),
        (b"\x89PNG\r\n", "binary"),
        (None, "not_text"),
        (42, "not_text"),
        ({"sticker": "file_id"}, "not_text"),
        (["a"], "not_text"),
        ("👍", "emoji_only"),
        ("🙂🙂 🎉!", "emoji_only"),
        ("👨‍👩‍👧", "emoji_only"),
    ],
)
def test_bad_inputs_are_rejected_with_a_code(value: object, code: str) -> None:
    """Each bad input raises AnswerRejected (an InputError) with the expected code."""
    with pytest.raises(AnswerRejected) as err:
        clean_answer(value, max_chars=LIMIT)
    assert err.value.code == code
    assert isinstance(err.value, InputError)


def test_too_long_carries_the_limit_for_the_phrase() -> None:
    """The too_long rejection carries its limit, which fills the pack's phrase."""
    with pytest.raises(AnswerRejected) as err:
        clean_answer("слово " * 100, max_chars=100)
    assert err.value.params == {"limit": 100}
    assert "100" in load_pack("ru").phrase(err.value.code, **err.value.params)


@pytest.mark.parametrize("code", REJECTION_CODES)
def test_every_code_is_a_pack_phrase(code: str) -> None:
    """The service can show each rejection through pack.phrase(code, **params)."""
    params = {"limit": 10} if code == "too_long" else {}
    for lang in ("ru", "en"):
        assert load_pack(lang).phrase(code, **params)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Привет,   мир  ", "Привет, мир"),
        ("строка1\r\nстрока2", "строка1\nстрока2"),
        ("a\n\n\n\n\nb", "a\n\nb"),
        ("tab\tseparated", "tab separated"),
        ("bell\x07 and\x1b escape", "bell and escape"),
        ("null\x00byte", "nullbyte"),
        ("zero\u200bwidth", "zerowidth"),
        ("e\u0301", "é"),  # NFC
        ("Спасибо 👍", "Спасибо 👍"),
        ("Hello, I answer in English", "Hello, I answer in English"),
    ],
)
def test_accepted_text_is_normalised(raw: str, clean: str) -> None:
    """Control characters go, whitespace is tidied, Unicode is NFC, emoji with words stay."""
    assert clean_answer(raw, max_chars=LIMIT) == clean


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE sessions; --",
        "<script>alert('x')</script>",
        "**bold** [link](http://example.com) {name} %s",
    ],
)
def test_sql_markup_and_templates_are_kept_verbatim(text: str) -> None:
    """SQL, HTML, Markdown and format placeholders are plain text and pass unchanged."""
    assert clean_answer(text, max_chars=LIMIT) == text


def test_unknown_rejection_code_is_a_programming_error() -> None:
    """AnswerRejected accepts only the documented codes."""
    with pytest.raises(ValueError, match="unknown rejection code"):
        AnswerRejected("weird")
