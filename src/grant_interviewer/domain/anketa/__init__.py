"""The questionnaire ("анкета") built from an interview: pure data, ready for the exporters.

:func:`build_anketa` turns an :class:`InterviewState` and its :class:`ContentPack` into an
:class:`Anketa` shaped like the FPG application form (:mod:`.form`): the sections in the form's
order, each holding only its own content (:mod:`.sections`); the structured values (amounts,
dates, region and settlements, direction ...); the calendar plan read from the activities
(:mod:`.plan`); the results as indicators (:mod:`.indicators`); the budget with its sum checks
(:mod:`.budget`); what is still missing; and the full question/answer log. No I/O happens here;
``adapters.export`` renders it as Markdown, JSON or DOCX with the captions of :data:`LABELS`.
"""

from grant_interviewer.domain.anketa.budget import Budget, BudgetItem, Check
from grant_interviewer.domain.anketa.build import (
    Anketa,
    AnketaSection,
    Direction,
    build_anketa,
    form_order,
)
from grant_interviewer.domain.anketa.form import FORM, FormSection
from grant_interviewer.domain.anketa.indicators import Indicator
from grant_interviewer.domain.anketa.labels import LABELS, labels_for
from grant_interviewer.domain.anketa.plan import CalendarRow
from grant_interviewer.domain.anketa.values import VALUE_KEYS, structured_values

__all__ = [
    "FORM",
    "LABELS",
    "VALUE_KEYS",
    "Anketa",
    "AnketaSection",
    "Budget",
    "BudgetItem",
    "CalendarRow",
    "Check",
    "Direction",
    "FormSection",
    "Indicator",
    "build_anketa",
    "form_order",
    "labels_for",
    "structured_values",
]
