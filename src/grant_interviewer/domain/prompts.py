"""The prompt of LLM-written questions: a versioned data template per language, and what it gets.

The template lives in ``content/prompts/question-<lang>.yaml``; :func:`load_question_prompt`
validates it (every key known, every ``{placeholder}`` one the builder fills) and
:func:`build_question_messages` turns a :class:`QuestionRequest` into the chat messages: the
topic and what makes its answer complete, the applicant's actual answers (each inside
``<answer>…</answer>``, with angle brackets in the text neutralised so an answer cannot close
its own tag, trimmed to the template's budgets), their name, level, project type and FPG
direction, the knowledge-base context and the questions already asked. Pure and deterministic:
the same request always gives the same messages (a golden test pins them).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from grant_interviewer.domain.coverage import SKIP_MARKER
from grant_interviewer.domain.model import QuestionRequest, ReferencePoint, Turn
from grant_interviewer.errors import ContentError

__all__ = ["ExtractPrompt", "PromptBudgets", "QuestionPrompt", "answers_block",
           "build_question_messages", "given_texts", "load_extract_prompt", "load_question_prompt",
           "parse_question_prompt"]

_USER_FIELDS = frozenset({"topic_title", "topic_description", "completeness", "kind", "name",
                          "level", "project_type", "direction", "answers", "context", "asked"})
_KEYS = {"id", "version", "lang", "budgets", "system", "user", "kinds", "levels",
         "project_types", "completeness", "nothing", "unknown", "echo_markers"}
_BUDGETS = {"answers_chars", "answer_chars", "context_chars", "asked"}
_LEVELS = {"novice", "intermediate", "expert"}
_PROJECT_TYPES = {"social", "educational", "cultural", "sports", "health", "ecology", "other"}
_COMPLETENESS = {"min_words": {"n"}, "required_slots": {"slots"}, "keywords": {"keywords"},
                 "none": set()}
_KINDS = {"topic": set(), "followup": {"missing"}}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class PromptBudgets:
    """How much of each part the model is shown (characters, questions)."""

    answers_chars: int
    answer_chars: int
    context_chars: int
    asked: int


@dataclass(frozen=True)
class QuestionPrompt:
    """A validated question prompt template."""

    id: str
    version: int
    lang: str
    budgets: PromptBudgets
    system: str
    user: str
    kinds: dict[str, str]
    levels: dict[str, str]
    project_types: dict[str, str]
    completeness: dict[str, str]
    nothing: str
    unknown: str
    echo_markers: tuple[str, ...]

    @property
    def instruction_lines(self) -> tuple[str, ...]:
        """The system prompt's sentences, for detecting an echo of the instructions."""
        lines = [line.strip() for line in self.system.splitlines()]
        return tuple(line for line in lines if len(line) >= 30)


@lru_cache(maxsize=4)
def load_question_prompt(lang: str) -> QuestionPrompt:
    """The packaged question prompt for ``lang`` (cached); ContentError if missing or invalid."""
    import yaml

    filename = f"question-{lang}.yaml"
    resource = resources.files("grant_interviewer.content").joinpath("prompts", filename)
    try:
        text = resource.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise ContentError(f"no question prompt for language {lang!r} ({filename})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContentError(f"{filename}: invalid YAML: {exc}") from exc
    return parse_question_prompt(data, source=filename)


def parse_question_prompt(data: Any, *, source: str) -> QuestionPrompt:
    """Validate a prompt mapping; every problem is a ContentError naming ``source``."""
    if not isinstance(data, dict):
        raise ContentError(f"{source}: a prompt must be a mapping")
    unknown = sorted(set(data) - _KEYS)
    missing = sorted(_KEYS - set(data))
    if unknown or missing:
        raise ContentError(f"{source}: unknown keys {unknown}, missing keys {missing}")
    if not isinstance(data["version"], int) or data["version"] < 1:
        raise ContentError(f"{source}: 'version' must be a positive integer")
    budgets = data["budgets"]
    if not isinstance(budgets, dict) or set(budgets) != _BUDGETS or not all(
        isinstance(v, int) and v > 0 for v in budgets.values()
    ):
        raise ContentError(f"{source}: 'budgets' needs positive integers {sorted(_BUDGETS)}")
    _template(data["system"], set(), f"{source}: system")
    _template(data["user"], set(_USER_FIELDS), f"{source}: user", required=True)
    for key, allowed in (("kinds", _KINDS), ("completeness", _COMPLETENESS)):
        table = _table(data[key], set(allowed), f"{source}: {key}")
        for name, text in table.items():
            _template(text, allowed[name], f"{source}: {key}.{name}")
    levels = _table(data["levels"], _LEVELS, f"{source}: levels")
    project_types = _table(data["project_types"], _PROJECT_TYPES, f"{source}: project_types")
    markers = data["echo_markers"]
    if not isinstance(markers, list) or not all(isinstance(m, str) and m for m in markers):
        raise ContentError(f"{source}: 'echo_markers' must be a list of strings")
    for key in ("id", "lang", "nothing", "unknown"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise ContentError(f"{source}: {key!r} must be a non-empty string")
    return QuestionPrompt(
        id=data["id"], version=data["version"], lang=data["lang"],
        budgets=PromptBudgets(**budgets), system=data["system"].strip(),
        user=data["user"].strip(), kinds=dict(data["kinds"]), levels=levels,
        project_types=project_types, completeness=dict(data["completeness"]),
        nothing=data["nothing"], unknown=data["unknown"], echo_markers=tuple(markers),
    )


def _table(raw: Any, keys: set[str], where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or set(raw) != keys or not all(
        isinstance(v, str) and v.strip() for v in raw.values()
    ):
        raise ContentError(f"{where}: needs exactly the keys {sorted(keys)} with text values")
    return {str(k): str(v) for k, v in raw.items()}


def _template(text: Any, allowed: set[str], where: str, *, required: bool = False) -> None:
    if not isinstance(text, str) or not text.strip():
        raise ContentError(f"{where}: must be a non-empty string")
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise ContentError(f"{where}: not a valid template: {exc}") from exc
    if fields - allowed:
        raise ContentError(f"{where}: unknown placeholders {sorted(fields - allowed)}")
    if required and allowed - fields:
        raise ContentError(f"{where}: missing placeholders {sorted(allowed - fields)}")


# ---------------------------------------------------------------------------------- building
def build_question_messages(
    prompt: QuestionPrompt, request: QuestionRequest
) -> list[dict[str, str]]:
    """The chat messages for ``request`` (system, then user)."""
    plan, state = request.plan, request.state
    rp = plan.reference_point
    if rp is None:
        raise ValueError("the name question is not written by a model")
    if plan.kind == "followup":
        kind = prompt.kinds["followup"].format(missing=_missing(plan.missing, rp, request)
                                               or prompt.unknown)
    else:
        kind = prompt.kinds["topic"]
    direction = state.slots.get("direction")
    user = prompt.user.format(
        topic_title=rp.title,
        topic_description=_clean(rp.description),
        completeness=_completeness(prompt, rp, request),
        kind=kind,
        name=_data(state.name) if state.name else prompt.unknown,
        level=prompt.levels[state.level.value],
        project_type=prompt.project_types[state.project_type.value],
        direction=_data(str(direction)) if direction else prompt.unknown,
        answers=answers_block(prompt, request) or prompt.nothing,
        context=_context(prompt, request) or prompt.nothing,
        asked=_asked(prompt, state.turns) or prompt.nothing,
    )
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": user}]


def answers_block(prompt: QuestionPrompt, request: QuestionRequest) -> str:
    """The applicant's answers as delimited data, trimmed to the budgets.

    When everything does not fit, answers on the planned topic and the newest ones are kept
    and the oldest others dropped; each kept answer stays in interview order.
    """
    state, pack = request.state, request.pack
    rp_id = request.plan.reference_point.id if request.plan.reference_point else None
    answered = [t for t in state.turns
                if t.answer and t.kind != "name" and t.answer != SKIP_MARKER]
    budget = prompt.budgets
    ranked = sorted(answered, key=lambda t: (t.reference_point != rp_id, -t.index))
    kept: list[tuple[Turn, str]] = []
    used = 0
    for turn in ranked:
        text = _cut(_clean(turn.answer or ""), budget.answer_chars)
        if kept and used + len(text) > budget.answers_chars:
            continue
        kept.append((turn, text))
        used += len(text)
    kept.sort(key=lambda item: item[0].index)
    lines = []
    for turn, text in kept:
        title = pack.point(turn.reference_point).title if turn.reference_point else ""
        lines.append(f'<answer topic="{title}">{_data(text)}</answer>')
    return "\n".join(lines)


def given_texts(prompt: QuestionPrompt, request: QuestionRequest) -> list[str]:
    """What the model was given as facts: the answers, the context, the topic in our words.

    A question may use a number or a quote only from these (earlier *questions* are not facts:
    their examples were ours, not the applicant's).
    """
    rp = request.plan.reference_point
    texts = [answers_block(prompt, request), _context(prompt, request), request.state.name or ""]
    if rp is not None:
        texts += [rp.title, rp.description, _missing(request.plan.missing, rp, request),
                  _completeness(prompt, rp, request)]
    return [text for text in texts if text]


def _context(prompt: QuestionPrompt, request: QuestionRequest) -> str:
    parts: list[str] = []
    used = 0
    for chunk in request.context:
        text = _clean(re.sub(r"^#+\s.*$", "", chunk.text, flags=re.MULTILINE))
        room = prompt.budgets.context_chars - used
        if room < 80:
            break
        text = _cut(text, room)
        parts.append(f"- {text}")
        used += len(text)
    return "\n".join(parts)


def _asked(prompt: QuestionPrompt, turns: list[Turn]) -> str:
    asked = [t for t in turns if t.kind != "name"][-prompt.budgets.asked:]
    return "\n".join(f"- {_cut(_clean(t.question), 300)}" for t in asked)


def _completeness(prompt: QuestionPrompt, rp: ReferencePoint, request: QuestionRequest) -> str:
    rule = rp.completeness
    parts: list[str] = []
    if rule.min_words:
        parts.append(prompt.completeness["min_words"].format(n=rule.min_words))
    if rule.required_slots:
        slots = _missing(rule.required_slots, rp, request)
        if slots:
            parts.append(prompt.completeness["required_slots"].format(slots=slots))
    if rule.keywords and not all(k.isdigit() for k in rule.keywords):
        parts.append(prompt.completeness["keywords"].format(keywords=", ".join(rule.keywords[:8])))
    return "; ".join(parts) or prompt.completeness["none"]


def _missing(items: tuple[str, ...], rp: ReferencePoint, request: QuestionRequest) -> str:
    """Slot names and aspects in the pack's own words (as the template writer says them)."""
    pack = request.pack
    words: list[str] = []
    for item in items:
        if item == "focus":
            words.append(pack.phrase("aspect_focus", title=rp.title))
        elif item in ("details", "numbers"):
            words.append(pack.phrase(f"aspect_{item}"))
        elif f"slot_{item}" in pack.phrases:
            words.append(pack.phrase(f"slot_{item}"))
    return "; ".join(words)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _data(text: str) -> str:
    """User text made inert inside the delimiters: no tag can be opened or closed by it."""
    return text.replace("<", "‹").replace(">", "›").replace('"', "'")


# ---------------------------------------------------------------------------------- extraction
@dataclass(frozen=True)
class ExtractPrompt:
    """A validated answer-understanding prompt template (``content/prompts/extract-<lang>``)."""

    id: str
    version: int
    lang: str
    system: str
    user: str

    def messages(self, *, topic: str, answer: str, schema: str) -> list[dict[str, str]]:
        """System and user messages for one answer (the answer made inert inside its tag)."""
        return [{"role": "system", "content": self.system.format(schema=schema)},
                {"role": "user", "content": self.user.format(topic=_data(topic) or "—",
                                                             answer=_data(answer))}]


@lru_cache(maxsize=4)
def load_extract_prompt(lang: str) -> ExtractPrompt:
    """The packaged extraction prompt for ``lang`` (cached); ContentError if missing/invalid."""
    import yaml

    filename = f"extract-{lang}.yaml"
    resource = resources.files("grant_interviewer.content").joinpath("prompts", filename)
    try:
        data = yaml.safe_load(resource.read_text(encoding="utf-8"))
    except (FileNotFoundError, OSError, yaml.YAMLError) as exc:
        raise ContentError(f"cannot load the extraction prompt {filename}: {exc}") from exc
    keys = {"id", "version", "lang", "system", "user"}
    if not isinstance(data, dict) or set(data) != keys:
        raise ContentError(f"{filename}: needs exactly the keys {sorted(keys)}")
    if not isinstance(data["version"], int) or data["version"] < 1:
        raise ContentError(f"{filename}: 'version' must be a positive integer")
    _template(data["system"], {"schema"}, f"{filename}: system", required=True)
    _template(data["user"], {"topic", "answer"}, f"{filename}: user", required=True)
    return ExtractPrompt(id=data["id"], version=data["version"], lang=data["lang"],
                         system=data["system"].strip(), user=data["user"].strip())
