"""The questionnaire as Markdown (CommonMark + GitHub tables).

Everything the applicant typed is escaped: it can never become a heading, a list, a link, an
image, emphasis, raw HTML or a table break, whatever characters it contains.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grant_interviewer.adapters.export.formatting import (
    FormPart,
    Table,
    form_parts,
    format_datetime,
    see_section_caption,
    status_caption,
    value_rows,
)

if TYPE_CHECKING:
    from grant_interviewer.domain.anketa import Anketa

_INLINE = re.compile(r"([\\`*_\[\]<>|~#])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^([+=-]|\d+(?=[.)]))")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def escape_inline(text: str) -> str:
    """Escape one line of user text for use inside a paragraph or a table cell."""
    text = _CONTROL.sub("", text)
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = text.strip()
    match = _LINE_START.match(text)
    if match is None:
        return text
    if match.group(1).isdigit():  # "1. foo" / "1) foo" would start an ordered list
        end = match.end()
        return f"{text[:end]}\\{text[end:]}"
    return f"\\{text}"


def escape_block(text: str) -> str:
    """Escape multi-line user text; lines stay lines (hard breaks), blank lines paragraphs."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    rendered = []
    for paragraph in paragraphs:
        lines = [escape_inline(line) for line in paragraph.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            rendered.append("\\\n".join(lines))
    return "\n\n".join(rendered)


def escape_cell(text: str) -> str:
    """Escape user text for a table cell (one line; line breaks become ``<br>``)."""
    lines = [escape_inline(line) for line in text.splitlines()]
    return "<br>".join(line for line in lines if line)


def _table(table: Table) -> list[str]:
    out = ["| " + " | ".join(escape_cell(cell) for cell in table.header) + " |",
           "|" + "---|" * len(table.header)]  # fmt: skip
    rows = list(table.rows) + ([table.footer] if table.footer else [])
    out += ["| " + " | ".join(escape_cell(cell) for cell in row) + " |" for row in rows]
    return [*out, ""]


def _part(anketa: Anketa, part: FormPart) -> list[str]:
    labels = anketa.labels
    out = [f"### {part.number}. {escape_inline(part.caption)}", ""]
    if part.fields:
        out += [f"**{caption}:** {escape_inline(value)}  " for caption, value in part.fields]
        out[-1] = out[-1].rstrip()
        out.append("")
    for table in part.tables:
        out += _table(table)
    for caption, entries in part.lists:
        out += [f"**{caption}:**", ""] + [f"- {escape_inline(item)}" for item in entries] + [""]
    for section in part.topics:
        if part.subheadings:
            out += [f"#### {escape_inline(section.anketa_section)}", ""]
        kind = labels["required"] if section.required else labels["optional"]
        out += [
            f"*{labels['topic']}: {escape_inline(section.title)} · {kind} · "
            f"{status_caption(anketa, section.status.value)}*",
            "",
        ]
        text = escape_block(part.text_of(section))
        if text:
            out += [text, ""]
        elif part.show_text and (see := see_section_caption(anketa, section)):
            out += [f"*{escape_inline(see)}*", ""]
        elif part.show_text and not part.fields:
            out += [f"*{labels['empty_section']}*", ""]
    if not part.topics and not part.fields:
        out += [f"*{labels['empty_section']}*", ""]
    return out


def render_markdown(anketa: Anketa) -> str:
    """The whole questionnaire: header, key figures, the form's parts, checks, missing, log."""
    labels = anketa.labels
    out: list[str] = [f"# {labels['title']}", ""]
    if anketa.project_title:
        out += [f"**{labels['project']}:** {escape_inline(anketa.project_title)}  "]
    applicant = escape_inline(anketa.applicant_name) if anketa.applicant_name else ""
    out += [
        f"**{labels['applicant']}:** {applicant or labels['unknown']}  ",
        f"**{labels['status']}:** {labels.get('session.' + anketa.status.value, '')}  ",
        f"**{labels['generated_at']}:** {format_datetime(anketa.generated_at)}  ",
        f"**{labels['session']}:** `{anketa.session_id.replace('`', '')}`",
        "",
        f"## {labels['values']}",
        "",
        f"| {labels['parameter']} | {labels['value']} |",
        "|---|---|",
    ]
    out += [f"| {caption} | {escape_cell(value)} |" for caption, value in value_rows(anketa)]
    out += ["", f"## {labels['sections']}", ""]
    for part in form_parts(anketa):
        out += _part(anketa, part)
    if anketa.checks:
        out += [f"## {labels['checks']}", ""]
        out += [f"- {escape_inline(check.message)}" for check in anketa.checks]
        out.append("")
    out += [f"## {labels['missing']}", ""]
    if anketa.missing:
        out += [
            f"- {escape_inline(item['title'])} — {status_caption(anketa, item['status'])}"
            for item in anketa.missing
        ]
    else:
        out.append(labels["nothing_missing"])
    out += ["", f"## {labels['log']}", ""]
    for entry in anketa.log:
        out += [
            f"### {entry.index + 1}. {labels['question']} ({format_datetime(entry.asked_at)})",
            "",
            escape_block(entry.question),
            "",
        ]
        answered = format_datetime(entry.answered_at)
        answer = escape_block(entry.answer or "")
        heading = f"**{labels['answer']}**" + (f" ({answered})" if answered else "")
        out += [heading, "", answer or f"*{labels['no_answer']}*", ""]
        if entry.kb_sources:
            sources = ", ".join(escape_inline(source) for source in entry.kb_sources)
            out += [f"*{labels['sources']}: {sources}*", ""]
    return "\n".join(out).rstrip("\n") + "\n"
