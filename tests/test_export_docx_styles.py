"""The DOCX exporter's style shortcut writes what python-docx's own calls write."""

from __future__ import annotations


def test_styled_paragraphs_equal_python_docx_headings_and_list_items() -> None:
    """_heading / _styled produce the XML of add_heading / add_paragraph(style=...)."""
    import docx

    from grant_interviewer.adapters.export.docx_export import _heading, _styled

    ours, theirs = docx.Document(), docx.Document()
    for level in (0, 1, 2, 3):
        _heading(ours, f"Заголовок {level}", level)
        theirs.add_heading(f"Заголовок {level}", level)
    _styled(ours, "пункт", "List Bullet")
    theirs.add_paragraph("пункт", style="List Bullet")
    assert ours.element.body.xml == theirs.element.body.xml
