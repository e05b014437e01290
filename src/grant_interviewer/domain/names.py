"""How to address a person: the first name, or the first name and patronymic, never the surname.

(Also :func:`counted`, "120" + "подросток" → "120 подростков", which needs the same dictionaries.)

"Кравец Светлана Юрьевна" → "Светлана Юрьевна", "Соколова Ирина" → "Ирина", "Kate Smith" →
"Kate". Which word is a first name, a surname or a patronymic is told by pymorphy3's tags
(``Name``, ``Surn``, ``Patr``): word order alone cannot tell "Ирина Соколова" from "Соколова
Ирина", and surname endings (-ов, -ина) are shared by first names (Ирина, Марина). pymorphy3 is
imported on first use (0.27 s to load its dictionaries, ~50 µs a word; ``preload`` does it ahead
of time, off the request path, and ``use_analyzer`` takes one already loaded elsewhere) and
results are cached per name, so the domain stays cheap to import. Without pymorphy3 only the
patronymic ending and the word order are used.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from typing import Any

__all__ = ["address_form", "counted", "preload", "use_analyzer"]

logger = logging.getLogger(__name__)

_PATRONYMIC = re.compile(r"(?:вич|вна|чна|ична|инична|оглы|кызы|улы)$", re.IGNORECASE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_lock = threading.Lock()
_morph: list[Any] = []  # [MorphAnalyzer] once loaded, [None] when pymorphy3 is unavailable


def _analyzer() -> Any:
    with _lock:
        if not _morph:
            try:
                import pymorphy3  # heavy (dictionaries): only when a Russian name is addressed

                _morph.append(pymorphy3.MorphAnalyzer())
            except (ImportError, OSError, ValueError) as exc:  # a broken install degrades
                logger.warning("pymorphy3 unavailable, names addressed by word order: %s", exc)
                _morph.append(None)
        return _morph[0]


def preload() -> None:
    """Load the morphology dictionaries now (e.g. in a background thread at start-up)."""
    _analyzer()


def use_analyzer(morph: Any) -> None:
    """Use an already loaded ``pymorphy3.MorphAnalyzer`` (None: word order only) from now on.

    The offline answer analyzer loads one in the background; handing it over here saves a
    second load (and its pause) on the first question that addresses the person.
    """
    with _lock:
        _morph[:] = [morph]
    address_form.cache_clear()
    counted.cache_clear()


def _roles(word: str) -> set[str]:
    """The name roles pymorphy3 sees in a nominative reading of ``word``."""
    morph = _analyzer()
    roles: set[str] = set()
    if _PATRONYMIC.search(word):
        roles.add("Patr")
    if morph is None:
        return roles
    for parse in morph.parse(word):
        tag = parse.tag
        if "nomn" not in tag:
            continue
        for role in ("Name", "Surn", "Patr"):
            # "Хасанов" also reads as the genitive plural of the name "Хасан": a first name
            # counts only in its own (dictionary) form
            if role in tag and (role != "Name" or parse.normal_form == word.lower()):
                roles.add(role)
    return roles


@lru_cache(maxsize=1024)
def address_form(name: str, lang: str = "ru") -> str:
    """The part of ``name`` to address the person by (the whole ``name`` if unsure)."""
    words: list[str] = _WORD.findall(name)[:4]
    if len(words) <= 1:
        return name.strip()
    if lang != "ru" and not _CYRILLIC.search(name):
        return words[0]
    lower = [w.lower() for w in words]
    for marker in ("оглы", "кызы", "улы"):  # "Эльдар Гусейн оглы": the name before the father's
        if marker in lower and lower.index(marker) >= 2:
            return words[lower.index(marker) - 2]
    roles = [_roles(w) for w in words]
    for i, role in enumerate(roles):
        if "Patr" in role and i > 0 and "Patr" not in roles[i - 1]:
            return f"{words[i - 1]} {words[i]}"

    def score(i: int) -> int:
        role = roles[i]
        if "Name" in role:
            return 1 if "Surn" in role else 3  # "Ким", "Ильина" are both
        return -2 if "Surn" in role or "Patr" in role else 0

    best = max(range(len(words)), key=lambda i: (score(i), -i))  # ties: the earlier word
    return words[best]


@lru_cache(maxsize=1024)
def counted(number: int, noun: str) -> str:
    """``"<number> <noun>"`` with the noun agreeing ("21 подросток", "120 подростков").

    Only a single Russian noun is inflected; anything else gives "" (the caller words it
    without agreement, e.g. "число участников — 120").
    """
    words = noun.split()
    morph = _analyzer() if len(words) == 1 and _CYRILLIC.search(noun) else None
    if morph is None:
        return ""
    nouns = [p for p in morph.parse(words[0]) if "NOUN" in p.tag]
    if not nouns:
        return ""
    base = nouns[0].inflect({"nomn", "sing"}) or nouns[0].inflect({"nomn"}) or nouns[0]
    agreed = base.make_agree_with_number(number)
    if agreed is not None and base.normal_form == "человек" and "plur" in agreed.tag:
        return f"{number} человек"  # counted people: "60 человек", never pymorphy's "60 людей"
    return f"{number} {agreed.word}" if agreed is not None else ""
