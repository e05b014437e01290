"""The labelled answer corpus (``tests/corpus/answers_<lang>.yaml``): typed items, a strict loader.

A held-out corpus (``tests/corpus/holdout_<lang>.yaml``, ids ``hru-``/``hen-``) has the same schema;
it was written after the analyzer was developed, so it measures it without the optimism of the
development corpus. ``load_corpus(lang, holdout=True)`` loads it instead of the development one.

The corpus is the ground truth the answer-understanding work is measured against
(``bench/understanding.py``) and tested against. Its schema is documented at the top of each YAML
file; :func:`load_corpus` checks it strictly, so a typo in a label fails loudly instead of silently
skewing the numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from grant_interviewer.domain.packs import load_pack

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
LANGS = ("ru", "en")

CLASSES = frozenset({
    "substantive", "non_answer", "deferral", "refers_back", "correction", "off_topic",
    "question_back",
})
# classes whose answers carry content (topics and values); the others carry none
CONTENT_CLASSES = frozenset({"substantive", "correction"})

MONEY_KEYS = frozenset({"requested_amount", "total_cost", "co_funding_amount"})
NUMBER_KEYS = MONEY_KEYS | {"co_funding_share", "beneficiaries", "duration_months"}
MONTH_KEYS = frozenset({"start", "end"})
TEXT_KEYS = frozenset({"region", "organization", "person", "project_title"})
LIST_KEYS = frozenset({"settlements"})
VALUE_KEYS = NUMBER_KEYS | MONTH_KEYS | TEXT_KEYS | LIST_KEYS

_ITEM_KEYS = frozenset({"id", "asked", "text", "class", "topics", "values", "approximate"})
_REQUIRED_KEYS = ("id", "asked", "text", "class", "topics")
_MONTH_RE = re.compile(r"^(20[2-3]\d)-(0[1-9]|1[0-2])$")


class CorpusError(ValueError):
    """A malformed corpus file or item (the message names the file and the item id)."""


@dataclass(frozen=True)
class CorpusItem:
    """One labelled applicant answer."""

    id: str
    lang: str
    asked: str
    text: str
    cls: str  # ``class`` in the YAML
    topics: tuple[str, ...]
    values: dict[str, Any] = field(default_factory=dict)
    approximate: tuple[str, ...] = ()

    @property
    def is_content(self) -> bool:
        """A substantive answer or a correction (the ones that carry topics and values)."""
        return self.cls in CONTENT_CLASSES


def corpus_path(lang: str, holdout: bool = False) -> Path:
    """The YAML file of one language (the held-out one with ``holdout``)."""
    return CORPUS_DIR / f"{'holdout' if holdout else 'answers'}_{lang}.yaml"


def load_corpus(lang: str | None = None, holdout: bool = False) -> list[CorpusItem]:
    """Every item of ``lang`` (or of both, Russian first), validated; CorpusError if malformed.

    With ``holdout`` the held-out files instead of the development ones; ids are unique across all.
    """
    if lang is not None and lang not in LANGS:
        raise CorpusError(f"no corpus for language {lang!r}; available: {', '.join(LANGS)}")
    langs = (lang,) if lang is not None else LANGS
    items: list[CorpusItem] = []
    for one in langs:
        items.extend(_load_file(one, holdout))
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise CorpusError(f"duplicate corpus id {item.id!r}")
        seen.add(item.id)
    if holdout:
        clash = sorted(seen & {i.id for one in LANGS for i in _load_file(one, False)})
        if clash:
            raise CorpusError(f"held-out ids also in the development corpus: {clash}")
    return items


@cache
def _topic_ids(lang: str) -> frozenset[str]:
    return frozenset(load_pack(lang).ids)


@cache
def _load_file(lang: str, holdout: bool = False) -> tuple[CorpusItem, ...]:
    path = corpus_path(lang, holdout)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise CorpusError(f"{path.name}: must be a YAML list of items")
    prefix = f"h{lang}-" if holdout else f"{lang}-"
    return tuple(_item(raw, lang, path.name, index, prefix) for index, raw in enumerate(data))


def _item(raw: Any, lang: str, source: str, index: int, prefix: str) -> CorpusItem:
    if not isinstance(raw, dict):
        raise CorpusError(f"{source}: item #{index} is not a mapping")
    where = f"{source}: item {raw.get('id', f'#{index}')!r}"
    unknown = sorted(set(raw) - _ITEM_KEYS)
    if unknown:
        raise CorpusError(f"{where}: unknown keys {unknown}")
    for key in _REQUIRED_KEYS:
        if key not in raw:
            raise CorpusError(f"{where}: missing key {key!r}")
    item_id, asked, text, cls = raw["id"], raw["asked"], raw["text"], raw["class"]
    if not isinstance(item_id, str) or not item_id.startswith(prefix):
        raise CorpusError(f"{where}: id must be a string starting with '{prefix}'")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: text must be a non-empty string")
    if cls not in CLASSES:
        raise CorpusError(f"{where}: class {cls!r} is not one of {sorted(CLASSES)}")
    known = _topic_ids(lang)
    if asked not in known:
        raise CorpusError(f"{where}: asked {asked!r} is not a reference point of the {lang} pack")
    topics = raw["topics"]
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise CorpusError(f"{where}: topics must be a list of reference-point ids")
    bad = sorted(set(topics) - known)
    if bad:
        raise CorpusError(f"{where}: unknown topic ids {bad}")
    if len(set(topics)) != len(topics):
        raise CorpusError(f"{where}: topics repeat an id")
    values = raw.get("values") or {}
    if not isinstance(values, dict):
        raise CorpusError(f"{where}: values must be a mapping")
    for key, value in values.items():
        _check_value(where, key, value)
    approximate = raw.get("approximate") or []
    if not isinstance(approximate, list) or not set(approximate) <= set(values):
        raise CorpusError(f"{where}: approximate must list keys present in values")
    if cls not in CONTENT_CLASSES and (topics or values):
        raise CorpusError(f"{where}: a {cls} answer carries no topics or values")
    if cls in CONTENT_CLASSES and not topics:
        raise CorpusError(f"{where}: a {cls} answer serves at least one topic")
    return CorpusItem(
        id=item_id,
        lang=lang,
        asked=asked,
        text=text,
        cls=cls,
        topics=tuple(topics),
        values=dict(values),
        approximate=tuple(approximate),
    )


def _check_value(where: str, key: Any, value: Any) -> None:
    if key not in VALUE_KEYS:
        raise CorpusError(f"{where}: unknown value key {key!r}; known: {sorted(VALUE_KEYS)}")
    if key in NUMBER_KEYS:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise CorpusError(f"{where}: {key} must be a positive number, not {value!r}")
        if key == "co_funding_share" and not 0 < value < 1:
            raise CorpusError(f"{where}: co_funding_share must be within 0..1, not {value!r}")
        if key in {"beneficiaries", "duration_months"} and not isinstance(value, int):
            raise CorpusError(f"{where}: {key} must be a whole number, not {value!r}")
    elif key in MONTH_KEYS:
        if not isinstance(value, str) or not _MONTH_RE.match(value):
            raise CorpusError(f"{where}: {key} must be 'YYYY-MM', not {value!r}")
    elif key in LIST_KEYS:
        if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v.strip() for v in value
        ):
            raise CorpusError(f"{where}: {key} must be a non-empty list of names")
    elif not isinstance(value, str) or not value.strip():
        raise CorpusError(f"{where}: {key} must be a non-empty string")
