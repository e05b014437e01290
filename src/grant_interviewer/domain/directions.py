"""FPG grant directions (грантовые направления) and inferring one from an applicant's answers.

The list follows the typical contest Положение (``shared/FPG_FACTS.md``); a contest may rename or
drop a direction, so ids are ours and the names are data. :func:`infer_direction` scores keyword
families over the answers: each family is a set of word stems (a stem matches at the start of a
word, so «пожил» finds «пожилых», «пожилым»), which stands in for lemmas. Measured on the labelled
descriptions in ``tests/test_directions.py`` (42): stems classify all of them, and lemmatising
first with pymorphy3 (0.27 s to load, ~50 µs a word) changed no answer, so the domain stays
dependency-free and takes ~0.4 ms an answer (uncached; cached per text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from grant_interviewer.domain.model import ProjectType

__all__ = [
    "DIRECTIONS",
    "Direction",
    "direction",
    "direction_in_text",
    "example_keys",
    "infer_direction",
]


@dataclass(frozen=True)
class Direction:
    """One grant direction: our id, its names, and the keyword stems that point to it."""

    id: str
    ru: str
    en: str
    stems_ru: tuple[str, ...]
    stems_en: tuple[str, ...]
    family: str = ""  # the direction whose examples stand in when this one has none

    def name(self, lang: str) -> str:
        """The direction's name in ``lang`` (Russian for anything but English)."""
        return self.en if lang == "en" else self.ru


def _s(text: str) -> tuple[str, ...]:
    return tuple(text.split())


DIRECTIONS: tuple[Direction, ...] = (
    Direction(
        "social_services",
        "Социальное обслуживание, социальная поддержка и защита граждан",
        "Social services, social support and protection of citizens",
        _s("+пожил +пенсионер +старик старушк бабушек дедушек одинок +инвалид +колясочник овз "
           "малоимущ бездомн соцзащит соцработ сиделк лежач паллиатив уход_за продукт лекарств "
           "помощ_по_дому социальн_обслуж трудн_жизненн нуждающ незрячих слабовидящ глух"),
        _s("+elderly senior +older_people +older_residents +pensioner +disabilit wheelchair "
           "homeless low-income caregiv social_services lonely groceries medicines"),
    ),
    Direction(
        "health",
        "Охрана здоровья граждан, пропаганда здорового образа жизни",
        "Health protection and healthy lifestyles",
        _s("здоров зож спорт спортив борьб борц самбо дзюдо бокс тренир трениров секци "
           "соревнован турнир физкульт фитнес футбол волейбол баскетбол лыж плаван бег каток "
           "катк хоккей коньк "
           "скандинавск профилакт медицин медик врач диабет онколог зависимост наркот алкогол "
           "курен вакцин диспансер гто"),
        _s("health healthy sport sports wrestling boxing training fitness football tournament "
           "medical doctor prevention addiction diabetes exercise"),
    ),
    Direction(
        "family",
        "Поддержка семьи, материнства, отцовства и детства",
        "Support for families, motherhood, fatherhood and childhood",
        _s("семь семей семейн +многодет материнств отцовств родител мам пап детств малыш"
           " младенц сирот приёмн приемн опек усыновл беремен"),
        _s("family families parent mother father child children childhood foster orphan "
           "motherhood fatherhood"),
    ),
    Direction(
        "youth",
        "Поддержка молодёжных проектов",
        "Youth projects",
        _s("молодёж молодеж +подрост тинейдж юнош +студент старшеклассн "
           "трудн_подрост профилактическ_учёт"),
        _s("youth young_people +teenager +teen adolescent"),
    ),
    Direction(
        "education",
        "Поддержка проектов в области науки, образования, просвещения",
        "Science, education and enlightenment",
        _s("образован образоват обучен обучающ просвещ просветит наук научн лекци лектор "
           "курс урок кружок кружк робототехн программирован олимпиад грамотност "
           "профориент учител педагог наставни"),
        _s("education educational science scientific lecture course lesson literacy robotics "
           "coding teacher mentor learning smartphone computer digital_skills"),
    ),
    Direction(
        "culture",
        "Поддержка проектов в области культуры и искусства",
        "Culture and art",
        _s("культур театр спектакл музе концерт фестивал искусств художеств хор оркестр "
           "выставк танц хореограф фольклор ремесл библиотек кино литератур поэз вокал"),
        _s("culture cultural theatre theater performance museum concert festival art arts "
           "exhibition dance choir library cinema literature"),
    ),
    Direction(
        "young_talent",
        "Выявление и поддержка молодых талантов в области культуры и искусства",
        "Young talent in culture and art",
        _s("талант одарённ одарен юных_музыкант юных_художник молодых_исполнител "
           "молодых_музыкант мастер-класс_для_юных"),
        _s("talent talented gifted young_musician young_artist"),
        family="culture",
    ),
    Direction(
        "historical_memory",
        "Сохранение исторической памяти",
        "Preservation of historical memory",
        _s("историческ_памят памят ветеран великой_отечествен вов краевед мемориал архив "
           "поисков героев героя войн блокад летопис земляк"),
        _s("memory historical veteran war memorial archive local_history heroes"),
        family="culture",
    ),
    Direction(
        "human_rights",
        "Защита прав и свобод человека и гражданина",
        "Protection of human and civil rights",
        _s("прав_человек правозащит юридическ юрист защит_прав правов заключённ заключенн "
           "осуждённ осужденн дискриминац адвокат"),
        _s("human_rights legal lawyer rights prisoner discrimination"),
        family="civil_society",
    ),
    Direction(
        "ecology",
        "Охрана окружающей среды и защита животных",
        "Environment and animal protection",
        _s("эколог природ мусор отход переработ раздельн вторсырь лес озелен посадк "
           "дерев река рек_ родник берег животн приют собак кошек бездомн_животн бездомн_собак "
           "зоо заповедн пластик субботник"),
        _s("ecology ecological environment nature waste recycling forest tree river animal "
           "shelter wildlife plastic"),
    ),
    Direction(
        "interethnic",
        "Укрепление межнационального и межрелигиозного согласия",
        "Interethnic and interreligious harmony",
        _s("межнационал межэтн межрелиги конфесс народов национальн_культур диаспор "
           "мигрант этнокультур толерант дружб_народ"),
        _s("interethnic interreligious ethnic migrant diaspora intercultural"),
        family="culture",
    ),
    Direction(
        "public_diplomacy",
        "Развитие общественной дипломатии и поддержка соотечественников",
        "Public diplomacy and support for compatriots",
        _s("соотечественник дипломат зарубеж рубеж иностран побратим русскоязычн"),
        _s("compatriot diplomacy abroad foreign twin_city"),
        family="civil_society",
    ),
    Direction(
        "civil_society",
        "Развитие институтов гражданского общества",
        "Development of civil-society institutions",
        _s("нко некоммерческ гражданск_обществ местн_сообществ тос территориальн_обществ "
           "самоуправлен благоустро активист инициатив_жител ресурсн_центр добровольч "
           "волонтёрск_центр"),
        _s("ngo nonprofit non-profit civil_society community local_community activists "
           "volunteering_centre"),
    ),
)
_BY_ID = {d.id: d for d in DIRECTIONS}
# the project types of analysis.infer_project_type -> the direction their projects usually take
_TYPE_DIRECTION = {
    ProjectType.SOCIAL: "social_services",
    ProjectType.HEALTH: "health",
    ProjectType.SPORTS: "health",
    ProjectType.EDUCATIONAL: "education",
    ProjectType.CULTURAL: "culture",
    ProjectType.ECOLOGY: "ecology",
}
_GROUP_WEIGHT = 3  # who a project serves says more about its direction than what it does
_MIN_HITS = 2  # fewer stem hits than this says too little to name a direction


def direction(direction_id: str) -> Direction:
    """The direction with this id (KeyError if unknown)."""
    return _BY_ID[direction_id]


def _pattern(stems: Iterable[str]) -> re.Pattern[str] | None:
    # "уход_за" is the two-word stem "уход за": words in order, each matched at its start
    # matched against lowercased text (see _hits), so compiled without IGNORECASE
    parts = [r"\s+".join(re.escape(w.lower()) + r"\w*" for w in stem.split("_") if w)
             for stem in stems]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")")


@lru_cache(maxsize=4)
def _patterns(lang: str) -> tuple[tuple[str, int, re.Pattern[str]], ...]:
    """Per direction: (id, weight, pattern); "+stem" names the people served and weighs more."""
    found: list[tuple[str, int, re.Pattern[str]]] = []
    for d in DIRECTIONS:
        stems = d.stems_en if lang == "en" else d.stems_ru
        for weight, group in (
            (_GROUP_WEIGHT, [s[1:] for s in stems if s.startswith("+")]),
            (1, [s for s in stems if not s.startswith("+")]),
        ):
            pattern = _pattern(group)
            if pattern is not None:
                found.append((d.id, weight, pattern))
    return tuple(found)


def prepare() -> None:
    """Compile the patterns of every language now (the NLP loader's background thread calls it,
    so no question pays the ~50 ms on first use)."""
    for lang in ("ru", "en"):
        _patterns(lang)


@lru_cache(maxsize=8192)  # per answer: every active interview's answers stay in it
def _hits(text: str, lang: str) -> tuple[tuple[str, int], ...]:
    # lowercased once: re's IGNORECASE folds every character of every alternative, which made
    # the 16 patterns ~5x slower on Russian answers (~70 us an answer against ~15)
    low = text.lower()
    return tuple((rid, w * len(p.findall(low))) for rid, w, p in _patterns(lang))


def infer_direction(
    texts: Iterable[str], lang: str, *, min_hits: int = _MIN_HITS
) -> tuple[str | None, float]:
    """The likeliest grant direction of a project from its answers, and a confidence in 0..1.

    ``(None, 0.0)`` when the answers name no direction clearly enough (fewer than ``min_hits``
    weighted stem hits for the best one). The confidence is the winner's share of all hits,
    damped while there are few hits in all.
    """
    scores: dict[str, int] = {}
    for text in texts:
        for rid, count in _hits(text, lang):
            if count:
                scores[rid] = scores.get(rid, 0) + count
    if not scores:
        return None, 0.0
    order = [d.id for d in DIRECTIONS]  # ties go to the earlier (more specific) direction
    best = max(scores, key=lambda rid: (scores[rid], -order.index(rid)))
    if scores[best] < min_hits:
        return None, 0.0
    share = scores[best] / sum(scores.values())
    damping = min(1.0, scores[best] / 5)
    return best, round(share * (0.5 + 0.5 * damping), 3)


@lru_cache(maxsize=1024)
def direction_in_text(text: str, lang: str) -> str | None:
    """The direction whose name a text contains (e.g. a knowledge-base heading), if any."""
    low = text.lower()
    for d in sorted(DIRECTIONS, key=lambda d: -len(d.name(lang))):  # the longest name first
        if d.name(lang).lower() in low:
            return d.id
    return None


def example_keys(direction_id: str | None, project_type: ProjectType) -> tuple[str, ...]:
    """The keys under which an example for this project is looked up, the most specific first."""
    keys: list[str] = []
    rid = direction_id if direction_id in _BY_ID else _TYPE_DIRECTION.get(project_type)
    if rid:
        keys.append(rid)
        family = _BY_ID[rid].family
        if family:
            keys.append(family)
    return tuple(keys)
