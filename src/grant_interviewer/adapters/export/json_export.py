"""The questionnaire as JSON (``Anketa.to_dict()``, UTF-8, indented)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grant_interviewer.domain.anketa import Anketa


def render_json(anketa: Anketa) -> str:
    """Pretty JSON with Cyrillic kept readable (``ensure_ascii=False``)."""
    return json.dumps(anketa.to_dict(), ensure_ascii=False, indent=2) + "\n"
