"""The questionnaire as a Word document (python-docx, imported only here).

Headings, a table of the key figures, the FPG form's parts in the form's order (fields, the
calendar plan, indicators and cost items as tables, the applicant's text), the checks and the
missing data as bulleted lists and the interview log as a table. Characters XML cannot hold
(NUL, other C0 controls, lone surrogates) are removed from every text first: python-docx would
refuse them.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

from grant_interviewer.adapters.export.formatting import (
    FormPart,
    Table,
    form_parts,
    format_datetime,
    see_section_caption,
    status_caption,
    value_rows,
    xml_safe,
)
from grant_interviewer.errors import ConfigurationError

if TYPE_CHECKING:
    from grant_interviewer.domain.anketa import Anketa



def _style_id(doc: Any, name: str) -> str:
    """The id of the paragraph style called ``name``, looked up once per document.

    python-docx resolves a style *name* on every ``add_heading`` / ``add_paragraph(style=…)``
    by scanning every style of the document twice (the name, then whether it is the default):
    that was ~40% of a render. The ids are looked up once and written into the paragraph
    properties directly; the XML is the same (``tests/test_export_docx_styles.py``).
    """
    ids: dict[str, str] = doc.__dict__.setdefault("_grant_interviewer_style_ids", {})
    found = ids.get(name)
    if found is None:
        found = ids[name] = doc.styles[name].style_id
    return found


def _styled(doc: Any, text: str, name: str) -> Any:
    """What ``doc.add_paragraph(text, style=name)`` makes, without the per-call lookup."""
    paragraph = doc.add_paragraph(text)
    paragraph._p.get_or_add_pPr().style = _style_id(doc, name)
    return paragraph


def _heading(doc: Any, text: str, level: int) -> Any:
    """What ``doc.add_heading(text, level)`` makes, without the per-call lookup."""
    return _styled(doc, text, "Title" if level == 0 else f"Heading {level}")

def _paragraphs(text: str) -> list[str]:
    chunks = re.split(r"\n\s*\n", xml_safe(text).replace("\r\n", "\n").replace("\r", "\n"))
    return [chunk.strip() for chunk in chunks if chunk.strip()]


def _labelled(doc: Any, label: str, value: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(xml_safe(value))


def _header_row(table: Any, captions: list[str]) -> None:
    for cell, caption in zip(table.rows[0].cells, captions, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(caption).bold = True


def _set_widths(table: Any, widths_cm: list[float]) -> None:
    from docx.shared import Cm

    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)  # the grid: LibreOffice reads this
    for row in table.rows:  # the cells: Word reads these
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def _a4(doc: Any) -> None:
    from docx.shared import Cm

    for section in doc.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.0)
        section.top_margin = section.bottom_margin = Cm(2.0)


def _text_block(doc: Any, text: str, *, empty: str) -> None:
    paragraphs = _paragraphs(text)
    if not paragraphs:
        doc.add_paragraph().add_run(empty).italic = True
        return
    for chunk in paragraphs:
        doc.add_paragraph(chunk)  # python-docx turns "\n" into line breaks


def _table(doc: Any, table: Table) -> None:
    grid = doc.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    _header_row(grid, list(table.header))
    for row in table.rows:
        for cell, text in zip(grid.add_row().cells, row, strict=True):
            cell.text = xml_safe(text)
    if table.footer:
        for cell, text in zip(grid.add_row().cells, table.footer, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(xml_safe(text)).bold = True
    _set_widths(grid, list(table.widths_cm))
    doc.add_paragraph()


def _part(doc: Any, anketa: Anketa, part: FormPart) -> None:
    labels = anketa.labels
    _heading(doc, xml_safe(f"{part.number}. {part.caption}"), 2)
    for caption, value in part.fields:
        _labelled(doc, caption, value)
    for table in part.tables:
        _table(doc, table)
    for caption, entries in part.lists:
        doc.add_paragraph().add_run(f"{caption}:").bold = True
        for item in entries:
            _styled(doc, xml_safe(item), "List Bullet")
    for section in part.topics:
        if part.subheadings:
            _heading(doc, xml_safe(section.anketa_section), 3)
        kind = labels["required"] if section.required else labels["optional"]
        meta = doc.add_paragraph()
        meta.add_run(
            xml_safe(
                f"{labels['topic']}: {section.title} · {kind} · "
                f"{status_caption(anketa, section.status.value)}"
            )
        ).italic = True
        text = part.text_of(section)
        see = see_section_caption(anketa, section)
        if _paragraphs(text):
            _text_block(doc, text, empty="")
        elif part.show_text and see:
            doc.add_paragraph().add_run(xml_safe(see)).italic = True
        elif part.show_text and not part.fields:
            doc.add_paragraph().add_run(labels["empty_section"]).italic = True
    if not part.topics and not part.fields:
        doc.add_paragraph().add_run(labels["empty_section"]).italic = True


def render_docx(anketa: Anketa) -> bytes:
    """The DOCX file's bytes."""
    try:
        import docx
    except ImportError as exc:  # a base dependency; only a broken install lacks it
        raise ConfigurationError(
            "python-docx is not installed; reinstall grant-interviewer or: pip install python-docx"
        ) from exc

    labels = anketa.labels
    doc = docx.Document()
    _a4(doc)
    props = doc.core_properties
    props.title = xml_safe(anketa.project_title or labels["title"])[:255]
    props.subject = labels["title"]
    props.author = "Grant Interviewer"
    props.language = anketa.lang
    props.identifier = anketa.session_id

    _heading(doc, labels["title"], 0)
    if anketa.project_title:
        _labelled(doc, labels["project"], anketa.project_title)
    _labelled(doc, labels["applicant"], anketa.applicant_name or labels["unknown"])
    _labelled(doc, labels["status"], labels.get(f"session.{anketa.status.value}", ""))
    _labelled(doc, labels["generated_at"], format_datetime(anketa.generated_at))
    _labelled(doc, labels["session"], anketa.session_id)

    _heading(doc, labels["values"], 1)
    values = doc.add_table(rows=1, cols=2)
    values.style = "Table Grid"
    _header_row(values, [labels["parameter"], labels["value"]])
    for caption, value in value_rows(anketa):
        cells = values.add_row().cells
        cells[0].text = caption
        cells[1].text = xml_safe(value)
    _set_widths(values, [7.0, 10.0])

    _heading(doc, labels["sections"], 1)
    for part in form_parts(anketa):
        _part(doc, anketa, part)

    if anketa.checks:
        _heading(doc, labels["checks"], 1)
        for check in anketa.checks:
            _styled(doc, xml_safe(check.message), "List Bullet")

    _heading(doc, labels["missing"], 1)
    if anketa.missing:
        for item in anketa.missing:
            _styled(doc, xml_safe(f"{item['title']} — {status_caption(anketa, item['status'])}"),
                    "List Bullet")
    else:
        doc.add_paragraph(labels["nothing_missing"])

    _heading(doc, labels["log"], 1)
    log = doc.add_table(rows=1, cols=4)
    log.style = "Table Grid"
    _header_row(log, ["№", labels["time"], labels["question"], labels["answer"]])
    for entry in anketa.log:
        cells = log.add_row().cells
        cells[0].text = str(entry.index + 1)
        times = [format_datetime(entry.asked_at), format_datetime(entry.answered_at)]
        cells[1].text = "\n".join(t for t in times if t)
        cells[2].text = xml_safe(entry.question)
        if entry.answer:
            cells[3].text = xml_safe(entry.answer)
        else:
            cells[3].paragraphs[0].add_run(labels["no_answer"]).italic = True
        if entry.kb_sources:
            sources = ", ".join(entry.kb_sources)
            run = cells[2].add_paragraph().add_run(xml_safe(f"{labels['sources']}: {sources}"))
            run.italic = True
    _set_widths(log, [1.0, 2.8, 5.7, 7.5])

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
