"""Word lemmas and grammatical tags, from pymorphy3 when it is loaded, else from word forms."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class WordInfo:
    """What the morphology says about one word form."""

    lemma: str
    tags: frozenset[str]
    known: bool
    lemmas: tuple[str, ...] = ()  # the lemmas of the likeliest readings, ``lemma`` first


class Lexicon:
    """Lemmatises words; caches per form (answers repeat the same words a lot)."""

    def __init__(self, morph: Any | None) -> None:
        self._morph = morph
        self.info = lru_cache(maxsize=50_000)(self._info)

    @property
    def has_morphology(self) -> bool:
        """Whether pymorphy3 is behind this lexicon (else lemmas are lower-cased forms)."""
        return self._morph is not None

    def lemma(self, word: str) -> str:
        """The dictionary form of ``word`` (lower case)."""
        return self.info(word).lemma

    def _info(self, word: str) -> WordInfo:
        lower = word.lower().replace("ё", "е")
        if self._morph is None or not any("а" <= ch <= "я" for ch in lower):
            return WordInfo(lower, frozenset(), known=self._morph is None, lemmas=(lower,))
        if "-" in word.strip("-") and not self._morph.word_is_known(word):
            # "детей-инвалидов", "волонтёры-студенты": lemmatise the parts
            parts = [self._info(part) for part in word.split("-") if part]
            return WordInfo(lemma="-".join(p.lemma for p in parts),
                            tags=parts[0].tags, known=all(p.known for p in parts),
                            lemmas=("-".join(p.lemma for p in parts),))
        parses = self._morph.parse(word)
        best = parses[0]
        tags = set(str(best.tag).replace(" ", ",").split(","))
        # A capitalised word may be a place or a name even when another reading is likelier.
        if word[:1].isupper():
            for parse in parses[:4]:
                grammemes = str(parse.tag).replace(" ", ",").split(",")
                for special in ("Geox", "Name", "Surn", "Patr", "Orgn"):
                    if special in grammemes:
                        tags.add(special)
                        if special == "Geox" and "Geox" not in str(best.tag):
                            best = parse
        lemma = best.normal_form.replace("ё", "е")
        lemmas = [lemma]
        for parse in parses[:3]:
            other = parse.normal_form.replace("ё", "е")
            if other not in lemmas:
                lemmas.append(other)
        return WordInfo(
            lemma=lemma,
            tags=frozenset(tags),
            known=bool(self._morph.word_is_known(word)),
            lemmas=tuple(lemmas),
        )
