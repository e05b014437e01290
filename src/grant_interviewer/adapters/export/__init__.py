"""Exporters of the questionnaire: Markdown, JSON and DOCX.

    export_anketa(anketa, "md" | "json" | "docx") -> bytes
    write_export(anketa, fmt, path) -> path          # atomic: temp file + os.replace

``python-docx`` is imported only when a DOCX is rendered.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from grant_interviewer.errors import InputError

if TYPE_CHECKING:
    from grant_interviewer.domain.anketa import Anketa

__all__ = ["EXPORT_FORMATS", "ExportFormat", "export_anketa", "write_export"]

logger = logging.getLogger(__name__)

ExportFormat = Literal["md", "json", "docx"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)


def export_anketa(anketa: Anketa, fmt: ExportFormat) -> bytes:
    """Render ``anketa`` in ``fmt`` (UTF-8 for the text formats)."""
    if fmt == "md":
        from grant_interviewer.adapters.export.markdown import render_markdown

        return render_markdown(anketa).encode("utf-8")
    if fmt == "json":
        from grant_interviewer.adapters.export.json_export import render_json

        return render_json(anketa).encode("utf-8")
    if fmt == "docx":
        from grant_interviewer.adapters.export.docx_export import render_docx

        return render_docx(anketa)
    raise InputError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")


def write_export(anketa: Anketa, fmt: ExportFormat, path: Path) -> Path:
    """Render and write atomically (a temp file in the same directory, then ``os.replace``).

    Parent directories are created; a reader never sees a half-written file. The file is
    private to its owner (mode 0600): a questionnaire holds personal data.
    """
    data = export_anketa(anketa, fmt)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    logger.info("wrote %s export (%d bytes) to %s", fmt, len(data), path)
    return path
