"""Answer understanding: typed facts of one answer, and merging them into the interview's values.

See :mod:`.facts` for the types. The analyzers that produce them live in ``adapters/nlp``
(offline) and ``adapters/llm`` (a configured model); both produce :class:`AnswerFacts`.
"""

from grant_interviewer.domain.understanding.facts import (
    AnswerClass,
    AnswerFacts,
    Count,
    Money,
    MoneyRole,
    Org,
    Period,
    Person,
    Place,
    SentenceTopics,
    Share,
)

__all__ = [
    "AnswerClass",
    "AnswerFacts",
    "Count",
    "Money",
    "MoneyRole",
    "Org",
    "Period",
    "Person",
    "Place",
    "SentenceTopics",
    "Share",
]
