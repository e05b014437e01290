"""The template question writer: wording from the content pack, no model, deterministic.

Variation is seeded by the session id and the turn index (never a global random), so the same
state always gives the same question. A question is assembled from parts:

``[recall of an earlier answer] [name,] core question [what else to specify] [hint / example
for novices]`` and, on its own line, ``[a tip or an example from the knowledge base]``

Rules the parts keep (tests/test_domain_writer.py holds them):

- every phrase with a slot is a fixed grammatical frame ("Уточните, пожалуйста, {what}" with an
  indirect question), so no case depends on what is put in;
- a part that repeats an earlier part of the same question is left out;
- recall only facts that bear on the question (see ``_RECALL``);
- the name is the addressing form (``names.address_form``: "Светлана Юрьевна", never the
  surname), used on the first topic question, after a long pause, on the last required topic,
  and now and then otherwise, never in two questions running;
- examples and knowledge-base tips match the project's grant direction
  (``state.slots["direction"]``, else inferred from the answers);

and a question is never identical to an earlier question of the same interview.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from grant_interviewer.domain.coverage import SKIP_MARKER
from grant_interviewer.domain.directions import direction, example_keys, infer_direction
from grant_interviewer.domain.model import (
    ContentPack,
    InterviewState,
    QuestionRequest,
    ReferencePoint,
    TopicStatus,
    UserLevel,
)
from grant_interviewer.domain.names import address_form, counted
from grant_interviewer.domain.tips import choose_tip, repeats, sentences, tip_from

__all__ = ["RECALL", "TemplateWriter", "format_amount", "project_direction", "tip_from"]

# topic -> the earlier facts that bear on its question: ("quote", topic) or ("facts", slots)
RECALL: dict[str, tuple[str, tuple[str, ...]]] = {
    "problem": ("facts", ("region",)),  # "why is it important where you are"
    "goal": ("quote", ("problem",)),  # the goal answers the problem
    "tasks": ("quote", ("goal",)),  # tasks lead to the goal
    "activities": ("quote", ("tasks",)),  # activities serve the tasks
    "results": ("facts", ("beneficiaries",)),  # results are counted in people
    "co_funding": ("facts", ("requested_amount",)),  # co-funding is weighed against it
    "budget_breakdown": ("facts", ("requested_amount",)),  # the items add up to it
}
# the answer classes of domain.understanding the engine passes first in plan.missing -> lead-in
_CLASS_LEADS = {
    "non_answer": "followup_unsure",
    "question_back": "followup_question_back",
    "refers_back": "followup_refers_back",
    "off_topic": "followup_off_topic",
}
_ASPECTS = {
    "details": "aspect_details", "numbers": "aspect_numbers", "focus": "aspect_focus",
    "exact": "aspect_exact",
}
_NAME_GAP = timedelta(minutes=30)  # a pause this long: greet the person by name again
_NAME_EVERY = 6  # otherwise the name returns after this many questions without it
_DIRECTION_MIN_CONFIDENCE = 0.35

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


def project_direction(state: InterviewState) -> str | None:
    """The project's grant direction: the stored slot, else inferred from the answers so far."""
    stored = state.slots.get("direction")
    if isinstance(stored, str):
        try:
            return direction(stored).id
        except KeyError:
            pass
    answers = [
        t.answer for t in state.turns
        if t.kind != "name" and t.answer and t.answer != SKIP_MARKER
    ]
    found, confidence = infer_direction(answers, state.lang)
    return found if confidence >= _DIRECTION_MIN_CONFIDENCE else None


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
        used = [t.question for t in state.turns]
        pool = rp.followups if plan.kind == "followup" else rp.questions
        cores = [pool[(seed + i) % len(pool)] for i in range(len(pool))]
        fresh = [c for c in cores if not any(c in q for q in used)]
        core = (fresh or cores)[0]
        novice = state.level == UserLevel.NOVICE
        expert = state.level == UserLevel.EXPERT
        answer_class = next((m for m in plan.missing if m in _CLASS_LEADS), "")
        unsure = plan.kind == "followup" and (
            answer_class in ("non_answer", "question_back") or _last_answer_unsure(state, rp.id)
        )
        parts: list[str] = []  # the question itself
        extras: list[str] = []  # what helps answer it; left out where it repeats
        noted = self._noted(state, pack, rp)
        if noted:  # the last answer filled another section instead: say it was heard
            parts.append(noted)
        if plan.kind == "followup":
            if answer_class:  # what the last answer was: "не знаю", "а что писать?", "писала выше"
                parts.append(pack.phrase(_CLASS_LEADS[answer_class], title=rp.title))
            elif unsure:
                parts.append(pack.phrase("followup_unsure"))
            if "exact" in plan.missing:  # an approximate figure: the core would say "roughly"
                core = self._exact(state, pack, rp)
            parts.append(self._address(state, pack, rp, core, seed))
            missing = self._missing_words(plan.missing, rp, pack)
            if missing:
                extras.append(pack.phrase("followup_missing", missing=missing))
        else:
            if not fresh:  # a deferred required topic asked again
                parts.append(pack.phrase("again_prefix", title=rp.title))
            recall = "" if expert and seed % 2 else self._recall(state, pack, rp)
            if recall:
                parts.append(recall)
            parts.append(self._address(state, pack, rp, core, seed))
        found = project_direction(state)
        family = direction(found).family or None if found else None
        kind, tip = choose_tip(
            request.context, direction=found, family=family, shown=used, avoid=" ".join(parts)
        )
        tip_line = pack.phrase("kb_tip" if kind == "tip" else "kb_example", tip=tip, example=tip)
        example = rp.example_for(example_keys(found, state.project_type)).rstrip(".")
        if novice or (unsure and (not expert or answer_class == "question_back")):
            if kind == "example" or (tip and novice and seed % 2):
                pass  # the knowledge base's example (or advice) is enough for one question
            elif tip:
                extras.append(pack.phrase("example_only", example=example))
            else:
                extras.append(pack.phrase("novice_help", hint=rp.hint, example=example))
        elif not expert and plan.kind == "topic" and not tip and seed % 3 == 0:
            extras.append(pack.phrase("hint_only", hint=rp.hint))
        text = " ".join(_with_extras(parts, extras, shown=used))
        if tip and not repeats(tip, text):
            text = f"{text}\n{tip_line}"
        return self._unique(text, state, pack, rp)

    # ------------------------------------------------------------------ parts
    @staticmethod
    def _address(
        state: InterviewState, pack: ContentPack, rp: ReferencePoint, core: str, seed: int
    ) -> str:
        """Prefix the person's name when it reads naturally and has not just been used."""
        if not state.name or not _name_is_due(state, pack, rp, seed):
            return core
        name = address_form(state.name, state.lang)
        first, rest = core[:1], core[1:]
        if first.isupper() and not rest[:1].isupper():  # keep acronyms such as "НКО"
            first = first.lower()
        return pack.phrase("name_address", name=name) + first + rest

    @staticmethod
    def _recall(state: InterviewState, pack: ContentPack, rp: ReferencePoint) -> str:
        spec = RECALL.get(rp.id)
        if spec is None:
            return ""
        kind, keys = spec
        if kind == "quote":
            topic = state.topics.get(keys[0])
            answers = [a for a in (topic.answers if topic else []) if a != SKIP_MARKER]
            quote = _short_quote(answers[-1]) if answers else ""
            recall = pack.phrase("recall_quote", quote=quote) if quote else ""
        else:
            listed = [f for f in (_fact(state, pack, key) for key in keys) if f]
            recall = pack.phrase("recall_facts", facts=", ".join(listed)) if listed else ""
        if recall and any(recall in (t.question or "") for t in state.turns[-2:]):
            return ""  # said in one of the last two questions: once is a recall, twice a tic
        return recall

    @staticmethod
    def _noted(state: InterviewState, pack: ContentPack, rp: ReferencePoint) -> str:
        """"Это записано в раздел «Софинансирование»." when the last answer, given to another
        question, completed one or two other sections while its own is still open."""
        last = next((t for t in reversed(state.turns)
                     if t.answer is not None and t.kind != "name"), None)
        if last is None or last.reference_point is None:
            return ""
        own = state.topics.get(last.reference_point)
        if own is None or own.status == TopicStatus.COMPLETE:
            return ""
        titles = [point.title for point in pack.reference_points
                  if point.id not in (last.reference_point, rp.id)
                  and (topic := state.topics.get(point.id)) is not None
                  and topic.status == TopicStatus.COMPLETE
                  and topic.covered_by_turn == last.index]
        if not titles or len(titles) > 2:
            return ""
        if len(titles) == 1:
            return pack.phrase("noted_other", what=titles[0])
        quoted = [f"«{t}»" if state.lang == "ru" else f"“{t}”" for t in titles]
        return pack.phrase("noted_others", what=pack.phrases["list_and"].join(quoted))

    @staticmethod
    def _exact(state: InterviewState, pack: ContentPack, rp: ReferencePoint) -> str:
        """Ask for the exact figure of the topic's approximate slot ("миллион где-то")."""
        own = rp.completeness.required_slots
        approximate = [s for s in own if s in (state.slots.get("approximate") or ())] or list(own)
        words = [pack.phrase(f"slot_{s}") for s in approximate if f"slot_{s}" in pack.phrases]
        what = pack.phrases["list_and"].join(words) or pack.phrase("aspect_exact")
        text = pack.phrase("followup_exact", what=what)
        money = [state.slots.get(s) for s in approximate if isinstance(state.slots.get(s), dict)]
        if money:
            said = pack.phrase("recall_approximate", value=format_amount(money[0], state.lang))
            text = f"{said} {text}"
        return text

    @staticmethod
    def _missing_words(missing: tuple[str, ...], rp: ReferencePoint, pack: ContentPack) -> str:
        """The details to specify beyond what the follow-up itself asks for.

        A follow-up's own wording already asks for the topic's required slots and aspects
        (more detail, numbers, the topic itself), so only other missing slots are listed.
        """
        own = set(rp.completeness.required_slots) | set(_ASPECTS)
        words: list[str] = []
        for item in missing:
            key = f"slot_{item}"
            if item not in own and key in pack.phrases:
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


def _name_is_due(
    state: InterviewState, pack: ContentPack, rp: ReferencePoint, seed: int
) -> bool:
    """First topic question, a long pause, the last required topic, or after a while."""
    asked = [t for t in state.turns if t.kind != "name"]
    if not asked:
        return True
    name = address_form(state.name or "", state.lang)
    if name in asked[-1].question:
        return False  # never two questions running
    last = state.turns[-1]
    if last.answered_at is not None and last.answered_at - last.asked_at >= _NAME_GAP:
        return True
    done = (TopicStatus.COMPLETE, TopicStatus.SKIPPED)
    open_required = [
        p.id for p in pack.reference_points
        if p.required and (p.id not in state.topics or state.topics[p.id].status not in done)
    ]
    if open_required == [rp.id]:
        return True
    since = next((i for i, t in enumerate(reversed(asked)) if name in t.question), len(asked))
    return since + 1 >= _NAME_EVERY + seed % 2  # every 6th or 7th question otherwise


def _fact(state: InterviewState, pack: ContentPack, key: str) -> str:
    value = state.slots.get(key)
    if value is None or value == "":
        return ""
    if key == "requested_amount":
        return pack.phrase("fact_requested_amount", value=format_amount(value, state.lang))
    if key == "beneficiaries":
        group = str(state.slots.get("beneficiary_group") or "")
        if isinstance(value, int) and group and _counted_form_fits(value, group, state.lang):
            return f"{value} {group}"
        if isinstance(value, int) and group and state.lang == "ru" and counted(value, group):
            return counted(value, group)  # a lemma such as "подросток" → "120 подростков"
        return pack.phrase("fact_beneficiaries", value=value)
    if key == "region":
        return pack.phrase("fact_region", value=value)
    return ""


def _counted_form_fits(number: int, group: str, lang: str) -> bool:
    """Whether "<number> <group>" agrees: a Russian genitive plural needs 0, 5–20, 25… ."""
    if lang != "ru":
        return group.endswith("s") and number != 1
    if not re.search(r"(?:ов|ев|ей|ых|их|человек)$", group.split()[0] if group else ""):
        return False
    return number % 10 in (0, 5, 6, 7, 8, 9) or number % 100 in range(11, 15)


def _short_quote(answer: str, *, max_words: int = 8, min_words: int = 4) -> str:
    """The start of an answer's first sentence ("" when it is too short to be worth quoting)."""
    pieces = sentences(" ".join(answer.split())) or [answer.strip()]
    words = pieces[0].split()
    if len(words) < min_words:
        return ""
    if len(words) > max_words:
        cut = " ".join(words[:max_words]).rstrip(",;:—-–«“\"(")
        return cut + "…" if _balanced_quotes(cut) else ""
    return pieces[0].rstrip(".")


def _balanced_quotes(text: str) -> bool:
    return text.count("«") == text.count("»") and text.count("“") == text.count("”")


def _with_extras(
    parts: Sequence[str], extras: Sequence[str], *, shown: Sequence[str]
) -> list[str]:
    """The question's parts plus each extra that neither repeats them nor was shown before."""
    kept = [p for p in parts if p]
    for extra in extras:
        if not extra or repeats(extra, " ".join(kept)):
            continue
        if any(extra in question for question in shown):
            # the same hint and example again, one question later: keep what is new
            fresh = [s for s in sentences(extra) if not any(s in q for q in shown)]
            extra = " ".join(fresh)
        if extra:
            kept.append(extra)
    return kept


def _last_answer_unsure(state: InterviewState, rp_id: str) -> bool:
    from grant_interviewer.domain.analysis import is_unsure

    for turn in reversed(state.turns):
        if turn.reference_point == rp_id and turn.answer is not None:
            return turn.answer != SKIP_MARKER and is_unsure(turn.answer)
    return False

