"""Content packs: load the packaged YAML (``content/packs/fpg-<lang>.yaml``) and validate it.

Every problem is a :class:`~grant_interviewer.errors.ContentError` whose message names the file,
the reference point and the field, e.g. ``fpg-ru.yaml: reference point 'tasks': depends_on refers
to unknown id 'gaol'``.
"""

from __future__ import annotations

import logging
import string
from functools import cache
from importlib import resources
from typing import Any, cast

import yaml

from grant_interviewer.domain.directions import DIRECTIONS
from grant_interviewer.domain.model import Completeness, ContentPack, Priority, ReferencePoint
from grant_interviewer.errors import ContentError

__all__ = [
    "KNOWN_SLOTS",
    "SERVICE_PHRASES",
    "WRITER_PHRASES",
    "available_langs",
    "load_pack",
    "parse_pack",
]

logger = logging.getLogger(__name__)

KNOWN_SLOTS = (
    "requested_amount",
    "co_funding_amount",
    "duration_months",
    "beneficiaries",
    "beneficiary_group",
    "age_range",
    "region",
    "organization",
    "project_title",
    "start_month",
)

# phrase key -> the placeholders it may use
SERVICE_PHRASES: dict[str, frozenset[str]] = {
    key: frozenset(fields)
    for key, fields in {
        "ask_name": (),
        "resume": ("name",),
        "resume_anonymous": (),
        "empty_answer": (),
        "too_long": ("limit",),
        "binary_answer": (),
        "not_text": (),
        "emoji_only": (),
        "skip_optional": ("title",),
        "skip_required": ("title", "why"),
        "skip_name": (),
        "back_nothing": (),
        "back_done": ("question",),
        "status_header": ("done", "total"),
        "status_line": ("mark", "title"),
        "status_kb_ready": (),
        "status_kb_loading": (),
        "status_kb_unavailable": (),
        "finished": ("name",),
        "finished_early": ("missing",),
        "nothing_missing": (),
        "required_done": ("left",),
        "restarted": (),
        "already_finished": (),
        "already_finished_missing": ("missing",),
        "reopened": (),
        "confirm_finish": ("missing",),
        "confirm_restart": ("missing",),
        "budget_reached": ("missing",),
        "action_continue": (),
        "action_finish": (),
        "action_restart": (),
        "help": (),
        "unknown_command": ("command",),
        "missing_header": (),
        "error_internal": (),
    }.items()
}
WRITER_PHRASES: dict[str, frozenset[str]] = {
    key: frozenset(fields)
    for key, fields in {
        "name_address": ("name",),
        "recall_facts": ("facts",),
        "recall_quote": ("quote",),
        "kb_tip": ("tip",),
        "kb_example": ("example",),
        "novice_help": ("hint", "example"),
        "example_only": ("example",),
        "hint_only": ("hint",),
        "followup_missing": ("missing",),
        "followup_unsure": (),
        "followup_exact": ("what",),
        "recall_approximate": ("value",),
        "followup_question_back": ("title",),
        "followup_refers_back": ("title",),
        "followup_off_topic": ("title",),
        "again_prefix": ("title",),
        "noted_other": ("what",),
        "noted_others": ("what",),
        "list_and": (),
        "aspect_details": (),
        "aspect_focus": ("title",),
        "aspect_numbers": (),
        "aspect_exact": (),
        "confirm_value": ("title", "value"),
        "required_why": ("section",),
        "fact_requested_amount": ("value",),
        "fact_beneficiaries": ("value",),
        "fact_region": ("value",),
        **{f"slot_{slot}": () for slot in KNOWN_SLOTS},
    }.items()
}
# AnswerRejected codes the service formats directly with pack.phrase(code)
PHRASE_ALIASES = {"empty": "empty_answer", "binary": "binary_answer"}

# libyaml's safe loader parses a pack in ~3 ms instead of ~23 ms (it is on the first question's
# path); PyYAML falls back to its pure-Python safe loader where libyaml is missing.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_VERBATIM_PHRASES = {"list_and", "name_address"}  # their spaces matter
_PACK_KEYS = {"id", "lang", "title", "max_questions", "phrases", "reference_points"}
_RP_REQUIRED = (
    "id", "title", "description", "priority", "anketa_section", "hint", "example", "questions",
    "followups",
)
_RP_KEYS = {
    *_RP_REQUIRED, "required", "completeness", "depends_on", "followup_budget", "kb_query",
    "cues", "examples",
}
_DIRECTION_IDS = frozenset(d.id for d in DIRECTIONS)
_COMPLETENESS_KEYS = {"min_chars", "min_words", "required_slots", "keywords"}
_PACK_FILES = {"ru": "fpg-ru.yaml", "en": "fpg-en.yaml"}


def available_langs() -> tuple[str, ...]:
    """Languages with a packaged content pack."""
    return tuple(sorted(_PACK_FILES))


@cache
def load_pack(lang: str) -> ContentPack:
    """The packaged pack for ``lang`` (cached); ContentError for an unknown language."""
    filename = _PACK_FILES.get(lang)
    if filename is None:
        raise ContentError(
            f"no content pack for language {lang!r}; available: {', '.join(available_langs())}"
        )
    resource = resources.files("grant_interviewer.content").joinpath("packs", filename)
    try:
        text = resource.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"cannot read content pack {filename}: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        raise ContentError(f"{filename}: invalid YAML: {exc}") from exc
    pack = parse_pack(data, filename)
    logger.debug("loaded content pack %s (%d reference points)", pack.id, len(pack.ids))
    return pack


def parse_pack(data: Any, source: str) -> ContentPack:
    """Validate raw pack data (as loaded from YAML) and build a :class:`ContentPack`."""
    if not isinstance(data, dict):
        raise ContentError(f"{source}: a content pack must be a mapping, got {type(data).__name__}")
    _no_unknown(data, _PACK_KEYS, source)
    for key in ("id", "lang", "title", "phrases", "reference_points"):
        if key not in data:
            raise ContentError(f"{source}: missing required key {key!r}")
    pack_id = _text(data, "id", source)
    lang = _text(data, "lang", source)
    title = _text(data, "title", source)
    max_questions = data.get("max_questions", 18)
    if not isinstance(max_questions, int) or isinstance(max_questions, bool) or max_questions < 3:
        raise ContentError(
            f"{source}: max_questions must be an integer >= 3, got {max_questions!r}"
        )
    phrases = _phrases(data["phrases"], source)
    raw_points = data["reference_points"]
    if not isinstance(raw_points, list) or not raw_points:
        raise ContentError(f"{source}: reference_points must be a non-empty list")
    points = [_point(raw, i, source) for i, raw in enumerate(raw_points)]
    _check_graph(points, source)
    return ContentPack(
        id=pack_id,
        lang=lang,
        title=title,
        reference_points=tuple(points),
        phrases=phrases,
        max_questions=max_questions,
    )


def _no_unknown(data: dict[Any, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise ContentError(f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")


def _text(data: dict[str, Any], key: str, where: str, *, empty_ok: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not empty_ok and not value.strip()):
        raise ContentError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value.strip()


def _texts(data: dict[str, Any], key: str, where: str, *, minimum: int) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(f"{where}: {key!r} must be a list of non-empty strings")
    if len(value) < minimum:
        raise ContentError(f"{where}: {key!r} needs at least {minimum} entries, got {len(value)}")
    items = tuple(v.strip() for v in value)
    if len(set(items)) != len(items):
        raise ContentError(f"{where}: {key!r} has duplicate entries")
    return items


def _phrases(raw: Any, source: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ContentError(f"{source}: phrases must be a mapping of key -> text")
    expected = {**SERVICE_PHRASES, **WRITER_PHRASES}
    missing = sorted(set(expected) - set(raw))
    if missing:
        raise ContentError(f"{source}: missing phrases {missing}")
    _no_unknown(raw, set(expected), f"{source}: phrases")
    phrases: dict[str, str] = {}
    for key, allowed in expected.items():
        text = raw[key]
        if not isinstance(text, str) or (not text.strip() and key not in _VERBATIM_PHRASES):
            raise ContentError(f"{source}: phrase {key!r} must be a non-empty string")
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError as exc:
            raise ContentError(f"{source}: phrase {key!r} is not a valid template: {exc}") from exc
        unknown = sorted(fields - allowed)
        if unknown:
            raise ContentError(
                f"{source}: phrase {key!r} uses unknown placeholders {unknown}; "
                f"allowed: {sorted(allowed) or 'none'}"
            )
        phrases[key] = text if key in _VERBATIM_PHRASES else text.strip()
    for alias, target in PHRASE_ALIASES.items():
        phrases[alias] = phrases[target]
    return phrases


def _point(raw: Any, index: int, source: str) -> ReferencePoint:
    where = f"{source}: reference_points[{index}]"
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: must be a mapping")
    if isinstance(raw.get("id"), str):
        where = f"{source}: reference point {raw['id']!r}"
    _no_unknown(raw, _RP_KEYS, where)
    for key in _RP_REQUIRED:
        if key not in raw:
            raise ContentError(f"{where}: missing required field {key!r}")
    rp_id = _text(raw, "id", where)
    if not rp_id.replace("_", "").isalnum() or not rp_id.isascii():
        raise ContentError(f"{where}: id must be ascii letters, digits and '_'")
    priority = raw["priority"]
    if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 3:
        raise ContentError(f"{where}: priority must be an integer 0-3, got {priority!r}")
    required = raw.get("required", priority <= 1)
    if not isinstance(required, bool):
        raise ContentError(f"{where}: required must be true or false, got {required!r}")
    budget = raw.get("followup_budget", 2)
    if not isinstance(budget, int) or isinstance(budget, bool) or not 0 <= budget <= 2:
        raise ContentError(f"{where}: followup_budget must be an integer 0-2, got {budget!r}")
    depends = raw.get("depends_on") or []
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        raise ContentError(f"{where}: depends_on must be a list of reference-point ids")
    if rp_id in depends:
        raise ContentError(f"{where}: depends_on refers to itself")
    kb_query = raw.get("kb_query", "")
    if not isinstance(kb_query, str):
        raise ContentError(f"{where}: kb_query must be a string")
    cues = raw.get("cues") or []
    if not isinstance(cues, list) or not all(isinstance(c, str) and c.strip() for c in cues):
        raise ContentError(f"{where}: cues must be a list of non-empty strings")
    examples = raw.get("examples") or {}
    if not isinstance(examples, dict) or not all(
        isinstance(v, str) and v.strip() for v in examples.values()
    ):
        raise ContentError(f"{where}: examples must map grant directions to non-empty texts")
    unknown_dirs = sorted(str(k) for k in examples if k not in _DIRECTION_IDS)
    if unknown_dirs:
        raise ContentError(
            f"{where}: examples: unknown directions {unknown_dirs}; known: {sorted(_DIRECTION_IDS)}"
        )
    return ReferencePoint(
        id=rp_id,
        title=_text(raw, "title", where),
        description=_text(raw, "description", where),
        priority=cast(Priority, priority),
        required=required,
        anketa_section=_text(raw, "anketa_section", where),
        completeness=_completeness(raw.get("completeness") or {}, where),
        depends_on=tuple(depends),
        hint=_text(raw, "hint", where),
        example=_text(raw, "example", where),
        questions=_texts(raw, "questions", where, minimum=2),
        followups=_texts(raw, "followups", where, minimum=1),
        followup_budget=budget,
        kb_query=kb_query.strip() or _text(raw, "title", where),
        cues=tuple(c.strip().lower().replace("ё", "е") for c in cues),
        examples=tuple((str(k), " ".join(v.split())) for k, v in examples.items()),
    )


def _completeness(raw: Any, where: str) -> Completeness:
    where = f"{where}: completeness"
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: must be a mapping")
    _no_unknown(raw, _COMPLETENESS_KEYS, where)
    numbers: dict[str, int] = {}
    for key in ("min_chars", "min_words"):
        value = raw.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ContentError(f"{where}: {key} must be a non-negative integer, got {value!r}")
        numbers[key] = value
    slots = raw.get("required_slots") or []
    if not isinstance(slots, list) or not all(isinstance(s, str) for s in slots):
        raise ContentError(f"{where}: required_slots must be a list of slot names")
    unknown = sorted(set(slots) - set(KNOWN_SLOTS))
    if unknown:
        raise ContentError(f"{where}: unknown slots {unknown}; known: {list(KNOWN_SLOTS)}")
    keywords = raw.get("keywords") or []
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
        raise ContentError(f"{where}: keywords must be a list of non-empty strings")
    return Completeness(
        min_chars=numbers["min_chars"],
        min_words=numbers["min_words"],
        required_slots=tuple(slots),
        keywords=tuple(k.lower() for k in keywords),
    )


def _check_graph(points: list[ReferencePoint], source: str) -> None:
    ids = [rp.id for rp in points]
    seen: set[str] = set()
    for rp_id in ids:
        if rp_id in seen:
            raise ContentError(f"{source}: duplicate reference-point id {rp_id!r}")
        seen.add(rp_id)
    for rp in points:
        for dep in rp.depends_on:
            if dep not in seen:
                raise ContentError(
                    f"{source}: reference point {rp.id!r}: depends_on refers to unknown id {dep!r}"
                )
    graph = {rp.id: rp.depends_on for rp in points}
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in graph[node]:
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep) :], dep] if dep in path else [node, dep]
                raise ContentError(f"{source}: dependency cycle: {' -> '.join(cycle)}")
            if state.get(dep) is None:
                visit(dep, [*path, dep])
        state[node] = 2

    for rp_id in ids:
        if state.get(rp_id) is None:
            visit(rp_id, [rp_id])
