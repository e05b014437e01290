"""Russian regions and major cities, found in free text with inflection-tolerant patterns.

``find_regions("клуб в Кемерове")`` → ``["Кемерово"]``; ``"Кемеровской области"`` →
``["Кемеровская область"]``. Region names built from adjectives (``…ская область``, ``…ский
край``) are recognised generically; republics and cities come from the tables below.
"""

from __future__ import annotations

import re

__all__ = ["find_regions"]

# canonical name -> stem pattern (matched case-insensitively at a word start, short endings allowed)
_PLACES: dict[str, str] = {
    "Москва": r"москв[аеуыо]й?|подмосков\w*",
    "Санкт-Петербург": r"санкт-петербург\w*|петербург\w*|спб|питер[аеу]?",
    "Новосибирск": r"новосибирск\w{0,2}",
    "Екатеринбург": r"екатеринбург\w{0,2}",
    "Казань": r"казан[ьию]",
    "Нижний Новгород": r"нижн\w{1,3} новгород\w{0,2}",
    "Великий Новгород": r"велик\w{1,3} новгород\w{0,2}",
    "Челябинск": r"челябинск\w{0,2}",
    "Самара": r"самар[аеуы]",
    "Омск": r"омск\w{0,2}",
    "Ростов-на-Дону": r"ростов\w{0,2}-на-дону|ростов\w{0,2}",
    "Уфа": r"уф[аеуы]",
    "Красноярск": r"красноярск\w{0,2}",
    "Воронеж": r"воронеж\w{0,2}",
    "Пермь": r"перм[иь]",
    "Волгоград": r"волгоград\w{0,2}",
    "Краснодар": r"краснодар\w{0,2}",
    "Саратов": r"саратов\w{0,2}",
    "Тюмень": r"тюмен[иь]",
    "Тольятти": r"тольятти",
    "Ижевск": r"ижевск\w{0,2}",
    "Барнаул": r"барнаул\w{0,2}",
    "Ульяновск": r"ульяновск\w{0,2}",
    "Иркутск": r"иркутск\w{0,2}",
    "Хабаровск": r"хабаровск\w{0,2}",
    "Ярославль": r"ярославл[еяюь]\w?",
    "Владивосток": r"владивосток\w{0,2}",
    "Махачкала": r"махачкал[аеуы]",
    "Томск": r"томск\w{0,2}",
    "Оренбург": r"оренбург\w{0,2}",
    "Кемерово": r"кемеров[оеау]?",
    "Новокузнецк": r"новокузнецк\w{0,2}",
    "Рязань": r"рязан[иь]",
    "Астрахань": r"астрахан[иь]",
    "Пенза": r"пенз[аеуы]",
    "Липецк": r"липецк\w{0,2}",
    "Чебоксары": r"чебоксар\w{1,2}",
    "Тула": r"тул[аеуы]|туле",
    "Калининград": r"калининград\w{0,2}",
    "Курск": r"курск\w{0,2}",
    "Ставрополь": r"ставропол[еьяю]\w?",
    "Сочи": r"сочи",
    "Тверь": r"твер[иь]",
    "Мурманск": r"мурманск\w{0,2}",
    "Архангельск": r"архангельск\w{0,2}",
    "Петрозаводск": r"петрозаводск\w{0,2}",
    "Сыктывкар": r"сыктывкар\w{0,2}",
    "Якутск": r"якутск\w{0,2}",
    "Вологда": r"вологд[аеуы]",
    "Смоленск": r"смоленск\w{0,2}",
    "Белгород": r"белгород\w{0,2}",
    "Брянск": r"брянск\w{0,2}",
    "Иваново": r"иванов[оеу]",
    "Кострома": r"костром[аеуы]",
    "Псков": r"псков\w{0,2}",
    "Калуга": r"калуг[аеуи]",
    "Тамбов": r"тамбов\w{0,2}",
    "Магадан": r"магадан\w{0,2}",
    "Чита": r"чит[аеуы]",
    "Улан-Удэ": r"улан-удэ",
    "Абакан": r"абакан\w{0,2}",
    "Грозный": r"грозн(?:ый|ом|ого)",
    "Нальчик": r"нальчик\w{0,2}",
    "Владикавказ": r"владикавказ\w{0,2}",
    "Саранск": r"саранск\w{0,2}",
    "Йошкар-Ола": r"йошкар-ол[аеуы]",
    "Симферополь": r"симферопол[еьяю]\w?",
    "Севастополь": r"севастопол[еьяю]\w?",
    "Южно-Сахалинск": r"южно-сахалинск\w{0,2}",
    "Сургут": r"сургут\w{0,2}",
    "Благовещенск": r"благовещенск\w{0,2}",
    "Курган": r"курган\w{0,2}",
    "Новгород": r"новгород\w{0,2}",
    # republics and autonomous areas
    "Республика Татарстан": r"татарстан\w{0,2}",
    "Республика Башкортостан": r"башкортостан\w{0,2}|башкири\w",
    "Республика Саха (Якутия)": r"якути\w",
    "Республика Бурятия": r"бурят\w{1,2}",
    "Республика Карелия": r"карели\w",
    "Республика Коми": r"республик\w коми",
    "Чувашская Республика": r"чуваши\w",
    "Удмуртская Республика": r"удмурти\w",
    "Республика Дагестан": r"дагестан\w{0,2}",
    "Чеченская Республика": r"чечн\w|чеченск\w{1,3} республик\w",
    "Республика Крым": r"крым\w{0,2}",
    "Республика Тыва": r"тыв[аеуы]|туви\w",
    "Республика Хакасия": r"хакаси\w",
    "Республика Алтай": r"республик\w алтай",
    "Республика Мордовия": r"мордови\w",
    "Республика Марий Эл": r"марий эл",
    "Республика Адыгея": r"адыге\w",
    "Республика Калмыкия": r"калмыки\w",
    "Республика Ингушетия": r"ингушети\w",
    "Кабардино-Балкарская Республика": r"кабардино-балкари\w|кабардино-балкарск\w+",
    "Карачаево-Черкесская Республика": r"карачаево-черкеси\w|карачаево-черкесск\w+",
    "Республика Северная Осетия — Алания": r"северн\w{1,3} осети\w",
    "Ханты-Мансийский автономный округ — Югра": r"хмао|югр[аеуы]",
    "Ямало-Ненецкий автономный округ": r"янао|ямал\w{0,2}",
    "Кузбасс": r"кузбасс\w?",
    # English names of frequent places
    "Moscow": r"moscow",
    "Saint Petersburg": r"(?:saint|st\.?) petersburg",
    "Kazan": r"kazan",
    "Kemerovo": r"kemerovo",
    "Novosibirsk": r"novosibirsk",
    "Yekaterinburg": r"yekaterinburg|ekaterinburg",
    "Nizhny Novgorod": r"nizhny novgorod",
    "Tatarstan": r"tatarstan",
    "Perm": r"perm",
    "Krasnoyarsk": r"krasnoyarsk",
    "Vladivostok": r"vladivostok",
    "Samara": r"samara",
    "Tomsk": r"tomsk",
    "Irkutsk": r"irkutsk",
    "Yaroslavl": r"yaroslavl",
    "Kaliningrad": r"kaliningrad",
    "Karelia": r"karelia",
    "Yakutia": r"yakutia",
}

_PLACE_RE = re.compile(
    "|".join(
        rf"(?P<p{i}>(?<![\w-])(?:{pattern})(?![\w-]))" for i, pattern in enumerate(_PLACES.values())
    ),
    re.IGNORECASE,
)
_NAMES = list(_PLACES)

_OBLAST_RE = re.compile(
    r"(?<![\w-])(?P<stem>[А-ЯЁ][а-яё-]+?)(?P<sfx>ск|цк)(?:ая|ой|ую|ом)\s+област\w*"
)
_KRAI_RE = re.compile(
    r"(?<![\w-])(?P<stem>[А-ЯЁ][а-яё-]+?)(?P<sfx>ск|цк)(?:ий|ого|ом|ому)\s+кра[йяюе]\w*"
)
_EN_REGION_RE = re.compile(
    r"\b(?P<stem>[A-Z][a-z]+)\s+(?P<kind>[Rr]egion|[Oo]blast|[Kk]rai|[Tt]erritory|[Rr]epublic)\b"
)


def find_regions(text: str) -> list[str]:
    """Canonical names of the regions and cities mentioned, in order of first mention."""
    hits: list[tuple[int, str]] = []
    covered: list[tuple[int, int]] = []
    for m in _OBLAST_RE.finditer(text):
        hits.append((m.start(), f"{m.group('stem')}{m.group('sfx')}ая область"))
        covered.append(m.span())
    for m in _KRAI_RE.finditer(text):
        hits.append((m.start(), f"{m.group('stem')}{m.group('sfx')}ий край"))
        covered.append(m.span())
    for m in _EN_REGION_RE.finditer(text):
        if m.group("stem") not in {"The", "Our", "This", "Each", "Every", "One"}:
            hits.append((m.start(), f"{m.group('stem')} {m.group('kind').lower()}"))
            covered.append(m.span())
    for m in _PLACE_RE.finditer(text):
        if any(lo <= m.start() < hi for lo, hi in covered):
            continue  # "Кемеровской области" already gave the region
        group = m.lastgroup
        if group is None:
            continue
        hits.append((m.start(), _NAMES[int(group[1:])]))
    result: list[str] = []
    for _, name in sorted(hits):
        if name not in result:
            result.append(name)
    return result
