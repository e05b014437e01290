"""Exporters: Markdown, JSON and DOCX renderings of the anketa, and atomic writes."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grant_interviewer.adapters.export import EXPORT_FORMATS, export_anketa, write_export
from grant_interviewer.adapters.export.formatting import format_amount, xml_safe
from grant_interviewer.adapters.export.markdown import escape_block, escape_inline
from grant_interviewer.domain.anketa import Anketa, build_anketa
from grant_interviewer.domain.model import (
    ContentPack,
    InterviewState,
    ReferencePoint,
    SessionStatus,
    TopicState,
    TopicStatus,
    Turn,
)
from grant_interviewer.errors import InputError

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
HOSTILE = (
    "# Заголовок?\n- пункт\n1. список\n> цитата\n**жирный** _курсив_ `код` "
    "[ссылка](http://evil.example) ![img](x.png) <script>alert(1)</script> | труба | "
    "&amp; ~~зачёркнуто~~\n===\n    отступ-код"
)
CONTROL = "до\x00NUL\x01\x08\x0b\x0c\x1f\ud800после\ufffe"


def _point(rp_id: str, priority: int, required: bool, section: str) -> ReferencePoint:
    return ReferencePoint(
        id=rp_id,
        title=f"Тема «{rp_id}»",
        description="",
        priority=priority,  # type: ignore[arg-type]
        required=required,
        anketa_section=section,
    )


def make_anketa(lang: str = "ru", *, answer: str = "Дети в сёлах 🙂", rich: bool = False,
                **slots: object) -> Anketa:  # fmt: skip
    """A finished interview's anketa with hostile and ordinary text (``rich``: plan, budget)."""
    points = [
        _point("goal", 1, True, "Цель проекта"),
        _point("problem", 0, True, "Обоснование социальной значимости"),
        _point("risks", 3, False, "Риски"),
        _point("team", 2, True, "Команда"),
    ]
    topics = {
        "problem": TopicState(status=TopicStatus.COMPLETE, answers=[answer, "Второй ответ"]),
        "goal": TopicState(status=TopicStatus.PARTIAL, answers=[HOSTILE]),
    }
    if rich:
        points += [_point("activities", 1, True, "Календарный план"),
                   _point("results", 1, True, "Результаты"),
                   _point("budget_total", 0, True, "Запрашиваемая сумма"),
                   _point("budget_breakdown", 2, False, "Статьи расходов")]
        topics |= {
            "activities": TopicState(TopicStatus.COMPLETE, [
                "Месяцы 1–2: набор участников | с трубой. В мае — фестиваль; отчёт."]),
            "results": TopicState(TopicStatus.COMPLETE, [
                "Помощь получат двести семей. Дети станут увереннее."]),
            "budget_total": TopicState(TopicStatus.COMPLETE, ["Просим полтора миллиона."]),
        }
        slots = {"start": "2027-03", "direction": "family", "settlements": ["Томск", "Северск"],
                 "budget_items": [{"item": "Оплата труда", "amount": 1_000_000},
                                  {"item": "Аренда *зала*", "amount": 400_000}],
                 "co_funding_amount": {"amount": 500_000, "currency": "RUB"}, **slots}
    pack = ContentPack(id="p", lang=lang, title="t", reference_points=tuple(points), phrases={})
    state = InterviewState(
        session_id="sess-42",
        user_id="u",
        lang=lang,
        pack_id="p",
        status=SessionStatus.FINISHED,
        name="Иван *Звёздочкин*",
        slots={
            "requested_amount": {"amount": 1_500_000.0, "currency": "RUB"},
            "duration_months": 12,
            "beneficiaries": 1200,
            "region": "Томская область",
            "project_title": "Театр | в [селе]",
            **slots,
        },
        topics=topics,
    )
    state.turns = [
        Turn(0, "name", None, "Как вас зовут?", T0, "Иван", T0 + timedelta(seconds=5)),
        Turn(1, "topic", "problem", "Какая проблема?", T0 + timedelta(minutes=1), answer,
             T0 + timedelta(minutes=2), kb_sources=["kb/problem.md"]),
        Turn(2, "topic", "goal", "Цель?", T0 + timedelta(minutes=3), HOSTILE,
             T0 + timedelta(minutes=4)),
        Turn(3, "topic", "team", "Кто в команде?", T0 + timedelta(minutes=5)),
    ]  # fmt: skip
    return build_anketa(state, pack, generated_at=T0 + timedelta(hours=1))


# ------------------------------------------------------------------ formatting
@pytest.mark.parametrize(
    ("amount", "currency", "lang", "expected"),
    [
        (1_500_000, "RUB", "ru", "1 500 000 ₽"),
        (250000.5, "RUB", "ru", "250 000,50 ₽"),
        (999, "USD", "ru", "999 $"),
        (1_500_000, "RUB", "en", "RUB 1,500,000"),
        (12.345, "KZT", "ru", "12,35 KZT"),
    ],
)
def test_format_amount(amount: float, currency: str, lang: str, expected: str) -> None:
    """Amounts are grouped by thousands with the currency sign."""
    assert format_amount(amount, currency, lang) == expected


def test_xml_safe_strips_only_invalid_characters() -> None:
    """NUL, C0 controls, surrogates and U+FFFE go; tabs, newlines, Cyrillic and emoji stay."""
    assert xml_safe(CONTROL) == "доNULпосле"
    assert xml_safe("а\tб\nв\r🙂") == "а\tб\nв\r🙂"


# ------------------------------------------------------------------ markdown
def _md_tokens(text: str) -> list[str]:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    types: list[str] = []
    for token in md.parse(text):
        types.append(token.type)
        types += [child.type for child in token.children or []]
    return types


def test_escaped_user_text_renders_as_plain_text() -> None:
    """Hostile Markdown in answers produces only paragraphs, text and line breaks."""
    from markdown_it import MarkdownIt

    escaped = escape_block(HOSTILE)
    kinds = set(_md_tokens(escaped))
    assert kinds <= {"paragraph_open", "paragraph_close", "inline", "text", "hardbreak"}
    html = MarkdownIt("commonmark").render(escaped)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "**жирный**" in html and "[ссылка](http://evil.example)" in html


def test_escape_inline_keeps_ordinary_text_readable() -> None:
    """Plain Russian text, numbers and punctuation pass through unchanged."""
    text = "Проект на 12 месяцев, бюджет 1,5 млн (с НДС). Да!"
    assert escape_inline(text) == text
    assert escape_inline("1. пункт") == "1\\. пункт"
    assert escape_inline("- пункт") == "\\- пункт"


def test_markdown_has_all_parts_in_order() -> None:
    """Title, applicant, values, the form's numbered parts, missing list, log with times."""
    md = export_anketa(make_anketa(), "md").decode("utf-8")
    order = [
        "# Анкета проекта",
        "Иван \\*Звёздочкин\\*",
        "## Ключевые параметры",
        "| Запрашиваемая сумма | 1 500 000 ₽ |",
        "| Софинансирование | — |",
        "| Срок реализации, мес. | 12 |",
        "| Благополучатели, чел. | 1 200 |",
        "## Разделы анкеты",
        "### 1. Название проекта\n\n**Название проекта:** Театр \\| в \\[селе\\]",
        "### 2. Грантовое направление",
        "### 3. Сроки реализации проекта",
        "### 4. География проекта",
        "**Регион:** Томская область",
        "### 6. Обоснование социальной значимости",
        "Дети в сёлах 🙂",
        "### 8. Цель проекта",
        "### 15. Руководитель и команда проекта",
        "### 17. Бюджет проекта",
        "### 18. Софинансирование",
        "### 19. Дополнительные сведения",
        "#### Риски",
        "## Недостающие данные",
        "## Журнал интервью",
        "### 1. Вопрос (2025-03-01 09:30 UTC)",
        "**Ответ** (2025-03-01 09:30 UTC)",
        "### 4. Вопрос (2025-03-01 09:35 UTC)",
        "*нет ответа*",
    ]
    positions = [md.index(part) for part in order]
    assert positions == sorted(positions)
    assert "- Тема «goal» — раскрыто частично" in md
    assert "- Тема «team» — не раскрыто" in md
    assert "kb/problem.md" in md
    assert "## Требует уточнения" not in md  # nothing to check


def test_markdown_shows_the_plan_results_budget_and_checks() -> None:
    """Calendar rows, indicators, cost items with their total and the checks are all there."""
    md = export_anketa(make_anketa(rich=True), "md").decode("utf-8")
    for expected in (
        "**Грантовое направление:** Поддержка семьи, материнства, отцовства и детства "
        "(определено по ответам, требует подтверждения)",
        "**Дата начала:** март 2027  ",
        "**Дата окончания:** февраль 2028 (рассчитано)",
        "**Населённые пункты:** Томск, Северск",
        "| № | Мероприятие | Сроки |",
        "| 1 | Набор участников \\| с трубой | март – апрель 2027 (месяцы 1–2) |",
        "| 3 | Отчёт | срок не указан |",
        "| Помощь получат двести семей | 200 | семей |",
        "- Дети станут увереннее",
        "| Аренда \\*зала\\* | 400 000 ₽ |",
        "| Итого по статьям | 1 400 000 ₽ |",
        "**Софинансирование:** 500 000 ₽",
        "**Доля софинансирования:** 25 % (рассчитано)",
        "## Требует уточнения",
        "- Статьи бюджета в сумме дают 1 400 000 ₽, а запрашиваемая сумма — 1 500 000 ₽",
        "- Мероприятий календарного плана без сроков: 1.",
    ):
        assert expected in md, expected
    assert "Месяцы 1–2: набор" not in md.split("## Недостающие данные")[0]  # the table has it


def test_markdown_table_and_structure_survive_hostile_text() -> None:
    """The document's own structure is unchanged by what the applicant typed."""
    from markdown_it import MarkdownIt

    md = export_anketa(make_anketa(region="Край | с трубой\nи строкой"), "md").decode()
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    headings = [t.tag for t in tokens if t.type == "heading_open"]
    assert headings.count("h1") == 1
    assert headings.count("h2") == 4  # values, sections, missing, log
    assert sum(1 for t in tokens if t.type == "tr_open") == 17  # header + 16 values
    assert not any(t.type in ("html_block", "blockquote_open", "code_block") for t in tokens)


def test_english_markdown_uses_english_labels() -> None:
    """An English interview is exported with English headings."""
    md = export_anketa(make_anketa("en"), "md").decode()
    assert "# Project questionnaire" in md and "## Interview log" in md
    assert "RUB 1,500,000" in md


# ------------------------------------------------------------------ json
def test_json_is_the_anketa_dict_with_readable_cyrillic() -> None:
    """JSON export equals to_dict(), keeps Cyrillic unescaped and is indented."""
    anketa = make_anketa()
    raw = export_anketa(anketa, "json")
    assert json.loads(raw) == anketa.to_dict()
    text = raw.decode("utf-8")
    assert "Обоснование социальной значимости" in text and "\\u04" not in text
    assert text.startswith('{\n  "session_id"')


def test_json_lists_the_checks_and_the_plan() -> None:
    """The JSON holds the checks (for the service to ask), the plan, results and budget."""
    data = json.loads(export_anketa(make_anketa(rich=True), "json"))
    assert [c["id"] for c in data["checks"]] == ["budget_items_sum", "calendar_undated"]
    assert data["checks"][0]["difference"] == -100_000.0
    assert data["calendar_plan"][0]["start"] == "2027-03"
    assert data["results"]["indicators"][0] == {"value": 200, "unit": "семей",
                                               "what": "Помощь получат двести семей",
                                               "qualifier": ""}  # fmt: skip
    assert data["budget"]["items_total"] == 1_400_000.0
    assert data["values"]["co_funding"] == {"amount": 500_000.0, "currency": "RUB", "share": 0.25}
    assert data["values"]["derived"] == ["end", "total_cost"]


# ------------------------------------------------------------------ docx
def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_docx_opens_again_with_all_parts() -> None:
    """The DOCX reopens with python-docx and holds headings, values, sections and the log."""
    import docx

    data = export_anketa(make_anketa(), "docx")
    document = docx.Document(io.BytesIO(data))
    headings = [
        p.text
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    ]
    assert headings[:4] == [
        "Ключевые параметры",
        "Разделы анкеты",
        "1. Название проекта",
        "2. Грантовое направление",
    ]
    assert "6. Обоснование социальной значимости" in headings
    assert "18. Софинансирование" in headings and "Риски" in headings
    assert "Недостающие данные" in headings and "Журнал интервью" in headings
    assert len(document.tables) == 2
    values = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert values["Запрашиваемая сумма"] == "1 500 000 ₽"
    assert len(document.tables[1].rows) == 5  # header + 4 turns
    text = _docx_text(data)
    assert HOSTILE.split("\n")[0] in text and "Дети в сёлах 🙂" in text
    assert document.core_properties.title == "Театр | в [селе]"


def test_docx_has_the_plan_results_and_budget_tables() -> None:
    """The rich anketa's DOCX holds the calendar, indicator and cost-item tables and checks."""
    import docx

    data = export_anketa(make_anketa(rich=True), "docx")
    document = docx.Document(io.BytesIO(data))
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in document.tables]
    assert len(tables) == 5  # values, calendar, indicators, cost items, log
    assert tables[1][1] == ["1", "Набор участников | с трубой", "март – апрель 2027 (месяцы 1–2)"]
    assert tables[2][1] == ["Помощь получат двести семей", "200", "семей"]
    assert tables[3][-1] == ["Итого по статьям", "1 400 000 ₽"]
    headings = [p.text for p in document.paragraphs
                if p.style is not None and p.style.name.startswith("Heading")]  # fmt: skip
    assert "Требует уточнения" in headings
    text = _docx_text(data)
    assert "Доля софинансирования: 25 % (рассчитано)" in text
    assert "требует подтверждения" in text


def test_docx_strips_control_characters() -> None:
    """NUL and other XML-invalid characters in answers, items and places do not break the DOCX."""
    data = export_anketa(make_anketa(answer=CONTROL, region=CONTROL), "docx")
    text = _docx_text(data)
    assert "доNULпосле" in text and "\x00" not in text
    rich = export_anketa(make_anketa(rich=True, settlements=[CONTROL], direction=CONTROL,
                                     budget_items=[{"item": CONTROL, "amount": 5}]), "docx")
    assert _docx_text(rich).count("доNULпосле") >= 3  # fmt: skip


def test_approximate_and_computed_values_are_marked() -> None:
    """An approximate figure reads "≈ …", a computed one says so, in both languages."""
    md = export_anketa(make_anketa(rich=True, approximate=["requested_amount"]), "md").decode()
    assert "| Запрашиваемая сумма | ≈ 1 500 000 ₽ |" in md
    assert "| Полная стоимость проекта | 2 000 000 ₽ (рассчитано) |" in md
    en = export_anketa(make_anketa("en", rich=True, approximate=["beneficiaries"]), "md").decode()
    assert "| Beneficiaries, people | ≈ 1,200 |" in en
    assert "| End | February 2028 (computed) |" in en
    assert "| No. | Activity | Dates |" in en and "## To be clarified" in en


def test_docx_converts_to_pdf_with_libreoffice(tmp_path: Path) -> None:
    """LibreOffice reads the DOCX: it makes a PDF, and its text holds the answers and values."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; apt-get install libreoffice-writer")
    source = write_export(make_anketa(rich=True), "docx", tmp_path / "anketa.docx")
    profile = (tmp_path / "lo-profile").as_uri()
    for target in ("pdf", "txt:Text (encoded):UTF8"):
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target,
             "--outdir", str(tmp_path), str(source)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    assert (tmp_path / "anketa.pdf").read_bytes().startswith(b"%PDF")
    text = (tmp_path / "anketa.txt").read_text(encoding="utf-8-sig")
    for expected in ("Иван *Звёздочкин*", "Томская область", "Цель проекта", "Дети в сёлах",
                     "10. Календарный план", "Набор участников", "Итого по статьям",
                     "1 400 000 ₽", "Требует уточнения"):  # fmt: skip
        assert expected in text, expected


# ------------------------------------------------------------------ writing
@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_write_export_is_atomic_and_creates_directories(tmp_path: Path, fmt: str) -> None:
    """write_export creates parents, replaces an old file and leaves no temp files."""
    target = tmp_path / "a" / "b" / f"anketa.{fmt}"
    assert write_export(make_anketa(), fmt, target) == target  # type: ignore[arg-type]
    first = target.read_bytes()
    target.write_bytes(b"old")
    write_export(make_anketa(), fmt, target)  # type: ignore[arg-type]
    assert target.read_bytes()[:4] == first[:4] and target.read_bytes() != b"old"
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_write_export_failure_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the final rename fails, the old file is intact and the temp file is removed."""
    import os

    target = tmp_path / "anketa.md"
    target.write_text("old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk gone"):
        write_export(make_anketa(), "md", target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["anketa.md"]


def test_unknown_format_is_an_input_error() -> None:
    """An unsupported format is refused with the list of supported ones."""
    with pytest.raises(InputError, match="md, json, docx"):
        export_anketa(make_anketa(), "pdf")  # type: ignore[arg-type]


def test_formats_are_listed() -> None:
    """EXPORT_FORMATS names the three formats."""
    assert EXPORT_FORMATS == ("md", "json", "docx")


@pytest.mark.parametrize(
    "garbage",
    [None, "", "x", 0, -5, 1e308, float("inf"), True, [], {}, [None], {"amount": None},
     ["2027-13"], {"item": 5}, "2027-00", "9999-01", [{"item": "a", "amount": float("nan")}]],
)  # fmt: skip
def test_malformed_slots_never_break_an_export(garbage: object) -> None:
    """Whatever a slot holds, the anketa builds and renders in every format."""
    keys = ("requested_amount", "total_cost", "co_funding_amount", "co_funding_share", "start",
            "end", "duration_months", "beneficiaries", "settlements", "direction",
            "direction_confirmed", "budget_items", "approximate", "region")  # fmt: skip
    anketa = make_anketa(rich=True, **dict.fromkeys(keys, garbage))
    json.dumps(anketa.to_dict())
    for fmt in EXPORT_FORMATS:
        assert export_anketa(anketa, fmt)
