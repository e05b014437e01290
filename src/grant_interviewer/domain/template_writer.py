"""The template question writer: wording from the content pack, no model, deterministic.

Variation is seeded by the session id and the turn index (never a global random), so the same
state always gives the same question. A question is assembled from parts:

``[recall of an earlier answer] [name,] core question [missing details] [tip from the knowledge
base] [hint and example for novices]``

and is never identical to an earlier question of the same interview.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from grant_interviewer.domain.coverage import SKIP_MARKER
from grant_interviewer.domain.model import (
    ContentPack,
    InterviewState,
    KnowledgeChunk,
    QuestionRequest,
    ReferencePoint,
    UserLevel,
)

__all__ = ["TemplateWriter", "format_amount", "tip_from"]

# topic -> the earlier facts worth recalling in its question: ("quote", topic) or ("facts", slots)
_RECALL: dict[str, tuple[str, tuple[str, ...]]] = {
    "problem": ("facts", ("beneficiaries", "region")),
    "target_audience": ("facts", ("region", "age_range")),
    "goal": ("quote", ("problem",)),
    "budget_total": ("facts", ("beneficiaries", "duration_months")),
    "geography": ("facts", ("beneficiaries",)),
    "tasks": ("quote", ("goal",)),
    "activities": ("quote", ("tasks",)),
    "timeline": ("facts", ("start_month",)),
    "results": ("facts", ("beneficiaries", "duration_months")),
    "co_funding": ("facts", ("requested_amount",)),
    "team": ("quote", ("project_essence",)),
    "budget_breakdown": ("facts", ("requested_amount", "duration_months")),
    "partners": ("facts", ("region",)),
    "sustainability": ("quote", ("results",)),
    "info_coverage": ("facts", ("region", "beneficiaries")),
    "risks": ("facts", ("duration_months", "beneficiaries")),
}
_COUNTED_FORM = re.compile(r"(?:ов|ев|ей|ых|их|человек)$")  # genitive plural after a number
_ASPECTS = {"details": "aspect_details", "numbers": "aspect_numbers", "exact": "aspect_exact"}
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


def format_amount(value: Any, lang: str) -> str:
    """``{"amount": 1500000.0, "currency": "RUB"}`` → ``1,5 млн ₽`` / ``1.5 million RUB``."""
    if not isinstance(value, dict) or not isinstance(value.get("amount"), int | float):
        return str(value)
    amount = float(value["amount"])
    currency = str(value.get("currency", "RUB"))
    signs = {"RUB": "₽", "USD": "$", "EUR": "€"}
    sign = signs.get(currency, currency) if lang == "ru" else currency
    if amount >= 1e6:
        number = f"{amount / 1e6:.2f}".rstrip("0").rstrip(".")
        unit = "млн" if lang == "ru" else "million"
    elif amount >= 1e3:
        number = f"{amount / 1e3:.1f}".rstrip("0").rstrip(".")
        unit = "тыс." if lang == "ru" else "thousand"
    else:
        number, unit = f"{amount:.0f}", ""
    if lang == "ru":
        number = number.replace(".", ",")
    return " ".join(part for part in (number, unit, sign) if part)


def tip_from(chunk: KnowledgeChunk, *, max_chars: int = 220) -> str:
    """One or two sentences of a knowledge chunk, trimmed to ``max_chars``."""
    text = re.sub(r"^#+\s.*$", "", chunk.text, flags=re.MULTILINE)  # drop Markdown headings
    text = re.sub(r"\s+", " ", re.sub(r"[*_`>]|^\s*[-•]\s*", "", text)).strip()
    sentences = [s for s in _SENTENCE.split(text) if len(s.split()) >= 3]
    tip = ""
    for sentence in sentences:
        candidate = f"{tip} {sentence}".strip()
        if len(candidate) > max_chars:
            break
        tip = candidate
        if len(sentences) > 1 and len(tip) >= max_chars // 2:
            break
    if not tip:
        tip = text[: max_chars - 1].rsplit(" ", 1)[0] + "…" if len(text) > max_chars else text
    return tip


class TemplateWriter:
    """Writes questions from the content pack's variants; satisfies ``ports.QuestionWriter``."""

    name = "template"

    async def write(self, request: QuestionRequest) -> str:
        """Async form of :meth:`compose` (the protocol's method)."""
        return self.compose(request)

    def compose(self, request: QuestionRequest) -> str:
        """The question text for ``request.plan``."""
        plan, state, pack = request.plan, request.state, request.pack
        if plan.kind == "name" or plan.reference_point is None:
            return self._unique(pack.phrase("ask_name"), state, pack, None)
        rp = plan.reference_point
        if plan.kind == "confirm":  # "Название — «Точка роста», верно?"
            value = state.slots.get(rp.completeness.required_slots[0], "") \
                if rp.completeness.required_slots else ""
            if rp.id == "geography" and state.slots.get("settlements"):
                value = ", ".join([str(value), *state.slots["settlements"]])
            return pack.phrase("confirm_value", title=rp.title, value=value)
        seed = _seed(state.session_id, len(state.turns), rp.id)
        used = {t.question for t in state.turns}
        pool = rp.followups if plan.kind == "followup" else rp.questions
        cores = [pool[(seed + i) % len(pool)] for i in range(len(pool))]
        fresh = [c for c in cores if not any(c in q for q in used)]
        core = (fresh or cores)[0]
        parts: list[str] = []
        novice = state.level == UserLevel.NOVICE
        expert = state.level == UserLevel.EXPERT
        if plan.kind == "followup":
            if _last_answer_unsure(state, rp.id):
                parts.append(pack.phrase("followup_unsure"))
            missing = self._missing_words(plan.missing, rp, pack)
            lead = self._address(state, pack, core, seed)
            parts.append(lead)
            if missing:
                parts.append(pack.phrase("followup_missing", missing=missing))
        else:
            if not fresh:  # a deferred required topic asked again
                parts.append(pack.phrase("again_prefix", title=rp.title))
            recall = "" if expert and seed % 2 else self._recall(state, pack, rp, seed)
            if recall:
                parts.append(recall)
            parts.append(self._address(state, pack, core, seed))
        tip = self._fresh_tip(request.context, used)
        if tip:
            parts.append(pack.phrase("kb_tip", tip=tip))
        if novice or (plan.kind == "followup" and not expert and _last_answer_unsure(state, rp.id)):
            # With a knowledge-base tip the pack's hint would say the same again: the example.
            if tip:
                parts.append(pack.phrase("example_only", example=rp.example))
            else:
                parts.append(pack.phrase("novice_help", hint=rp.hint, example=rp.example))
        elif not expert and plan.kind == "topic" and seed % 3 == 0:
            parts.append(pack.phrase("hint_only", hint=rp.hint))
        return self._unique(" ".join(p for p in parts if p), state, pack, rp)

    # ------------------------------------------------------------------ parts
    @staticmethod
    def _fresh_tip(context: Sequence[KnowledgeChunk], used: set[str]) -> str:
        """The tip of the best-scoring chunk not yet shown in this interview ("" if none)."""
        ranked = sorted(enumerate(context), key=lambda item: (-item[1].score, item[0]))
        for _, chunk in ranked:  # best first; the first of equals wins
            tip = tip_from(chunk)
            if tip and not any(tip in question for question in used):
                return tip
        return ""

    @staticmethod
    def _address(state: InterviewState, pack: ContentPack, core: str, seed: int) -> str:
        """Prefix the name now and then (every third question or so), never on the first topic."""
        topic_turns = sum(1 for t in state.turns if t.kind != "name")
        if not state.name or topic_turns == 0 or seed % 3 != 1:
            return core
        first = core[:1]
        rest = core[1:]
        if first.isupper() and not (rest[:1].isupper()):  # keep acronyms such as "НКО"
            first = first.lower()
        return pack.phrase("name_address", name=state.name) + first + rest

    @staticmethod
    def _recall(state: InterviewState, pack: ContentPack, rp: ReferencePoint, seed: int) -> str:
        spec = _RECALL.get(rp.id)
        if spec is None or seed % 4 == 3:
            return ""
        kind, keys = spec
        if kind == "quote":
            topic = state.topics.get(keys[0])
            answers = [a for a in (topic.answers if topic else []) if a != SKIP_MARKER]
            if not answers:
                return ""
            quote = _short_quote(answers[-1])
            return pack.phrase("recall_quote", quote=quote) if quote else ""
        facts = [_fact(state, key) for key in keys]
        listed = [f for f in facts if f]
        if not listed:
            return ""
        return pack.phrase("recall_facts", facts=", ".join(listed).rstrip("."))

    @staticmethod
    def _missing_words(missing: tuple[str, ...], rp: ReferencePoint, pack: ContentPack) -> str:
        words: list[str] = []
        for item in missing:
            key = _ASPECTS.get(item, f"slot_{item}")
            if item == "focus":
                words.append(pack.phrase("aspect_focus", title=rp.title))
            elif key in pack.phrases:
                words.append(pack.phrase(key))
        if len(words) > 1:
            return ", ".join(words[:-1]) + pack.phrases["list_and"] + words[-1]
        return words[0] if words else ""

    @staticmethod
    def _unique(
        text: str, state: InterviewState, pack: ContentPack, rp: ReferencePoint | None
    ) -> str:
        used = {t.question for t in state.turns}
        if text not in used:
            return text
        if rp is not None:
            again = f"{pack.phrase('again_prefix', title=rp.title)} {text}"
            if again not in used:
                return again
        n = 2
        while f"{text} ({n})" in used:
            n += 1
        return f"{text} ({n})"


def _seed(session_id: str, index: int, rp_id: str) -> int:
    digest = hashlib.sha256(f"{session_id}:{index}:{rp_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _fact(state: InterviewState, key: str) -> str:
    value = state.slots.get(key)
    if value is None:
        return ""
    if key in ("requested_amount", "co_funding_amount"):
        return format_amount(value, state.lang)
    if key == "duration_months":
        return f"{value} мес." if state.lang == "ru" else f"{value} months"
    if key == "beneficiaries":
        group = str(state.slots.get("beneficiary_group") or "")
        if state.lang == "ru" and not _COUNTED_FORM.search(group):
            group = "чел."  # "120 подростки" would be ungrammatical; "120 чел." never is
        return f"{value} {group}".strip()
    if key == "age_range":
        return f"{value} лет" if state.lang == "ru" else f"aged {value}"
    return str(value)


def _short_quote(answer: str, *, max_words: int = 12) -> str:
    first = _SENTENCE.split(answer.strip())[0].strip()
    words = first.split()
    if len(words) > max_words:
        return " ".join(words[:max_words]).rstrip(",;:—-") + "…"
    return first.rstrip(".")


def _last_answer_unsure(state: InterviewState, rp_id: str) -> bool:
    from grant_interviewer.domain.analysis import is_unsure

    for turn in reversed(state.turns):
        if turn.reference_point == rp_id and turn.answer is not None:
            return turn.answer != SKIP_MARKER and is_unsure(turn.answer)
    return False
