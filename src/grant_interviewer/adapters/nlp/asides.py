"""An off-topic remark: a message about the speaker's circumstances, not about the project.

Read from lemmas (pymorphy3 normal forms; English word forms), not from phrases. The classes of
an aside, each a lemma set:

- the speaker's circumstances: health ("заболеть", "температурить", "sick"), pets ("кот",
  "dog"), family ("муж", "дочка", "my kid"), the weather ("метель", "rain"), the office and its
  devices ("офис", "батарея", "интернет", "heating"), being slow or tired ("устать", "медленно",
  "exhausted"), apologies ("простить", "извинить", "sorry"), remarks on the interview itself
  ("бот", "вопрос", "сообщение"), self-praise ("хвалить", "грамота");
- a complaint: about the fund, the experts or the other applicants ("отказывать", "несправедливо",
  "чепуха", "rigged"); while a complaint is made, words of the grant process ("фонд", "грант",
  "заявка", "эксперт", "foundation") are part of it, not cues of a topic.

Against them count the project's anchors: the word "проект", activities and venues ("занятие",
"кружок", "workshop"), groups of people (beneficiaries, not the speaker's own family), the
pack's topic cues (with the aside's words taken out first: "заболеть" is a risks cue, "last" in
"last week" a timeline one) and plans said as "we" ("проведём", "хотим", "планируем").

A message is an aside when it states no fact (the classifier's ``has_facts``), holds at least one
word of the classes above and weighs more on the aside side than on the project's: "у меня кот
заболел" is an aside, "у нас многие пожилые болеют, проект про это" is content.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from grant_interviewer.adapters.nlp import lexicon_data as words
from grant_interviewer.adapters.nlp.tokens import Sentence, Token
from grant_interviewer.adapters.nlp.topics import TopicCues

CIRCUMSTANCES = frozenset({
    # health
    "болеть", "заболеть", "приболеть", "болезнь", "больной", "больничный", "простыть",
    "простуда", "грипп", "ковид", "коронавирус", "температура", "температурить",
    "зуб", "спина", "кашель", "кашлять", "насморк", "лечиться", "выздороветь",
    "sick", "ill", "illness", "flu", "fever", "cold", "covid", "headache", "migraine",
    "toothache", "hospital",
    # pets
    "кот", "кошка", "котенок", "котик", "собака", "пес", "щенок", "попугай", "хомяк",
    "cat", "cats", "kitten", "dog", "dogs", "puppy", "parrot", "hamster",
    # family (a mother or a child counts only as "my": they are beneficiaries too)
    "муж", "жена", "сын", "дочь", "дочка", "свекровь", "теща", "внук", "внучка", "сестра",
    "брат", "husband", "wife", "son", "daughter", "grandson", "granddaughter", "sister",
    "brother",
    # weather
    "погода", "дождь", "ливень", "снег", "снегопад", "метель", "гроза", "жара", "мороз",
    "холод", "холодно", "слякоть", "ветер", "буран", "духота", "душно",
    "weather", "rain", "raining", "pouring", "snow", "snowing", "storm", "heatwave", "freezing",
    # the office, the home, the devices
    "офис", "кабинет", "батарея", "отопление", "свет", "электричество", "интернет", "вайфай",
    "компьютер", "ноутбук", "телефон", "зарядка", "провод", "клавиатура", "принтер", "чайник",
    "кофе", "куртка", "потоп", "затопить", "протекать", "прорвать",
    "office", "desk", "heating", "power", "electricity", "internet", "wifi", "wi-fi", "laptop",
    "computer", "phone", "keyboard", "printer", "coffee", "flooded", "flood", "leak",
    "leaking",
    # busy, slow, tired, late
    "устать", "усталость", "уставать", "спать", "выспаться", "некогда", "торопиться",
    "медленно", "задержка", "задержаться", "урывками", "аврал", "завал", "хаос",
    "бардак", "суматоха", "отпуск", "выходной", "дача", "добраться", "добираться", "опоздать",
    "соображать", "запутаться", "busy", "tired", "exhausted", "sleep", "slept", "slow",
    "slowly", "delay", "chaos", "chaotic", "mess", "hectic", "vacation", "confused",
    # apologies
    "простить", "извинить", "извинение", "прощение", "сорри", "sorry", "apologies",
    "apologise", "apologize", "excuse",
    # the interview itself
    "бот", "робот", "нейросеть", "чат-бот", "bot", "robot", "chatbot", "typing",
    # self-praise
    "хвалить", "похвалить", "грамота", "благодарность", "награда", "сдаваться",
    "ответственный", "трудолюбивый", "коммуникабельный", "пунктуальный", "praise",
    "praised", "hardworking", "hard-working",
})
COMPLAINTS = frozenset({
    "отказ", "отказывать", "отказать", "отклонить", "отклонять", "несправедливо",
    "несправедливый", "несправедливость", "нечестно", "нечестный", "обидно", "обидный",
    "блат", "блатной", "знакомый", "коррупция", "распил", "откат", "чепуха", "ерунда", "бред",
    "чушь", "наугад", "бюрократия", "бюрократический", "волокита", "бумажка", "справка",
    "надоесть", "замучить", "жаль", "бесполезно", "бессмысленно",
    "rejected", "rejection", "refused", "unfair", "rigged", "nonsense", "ridiculous",
    "frustrating", "annoying", "paperwork", "bureaucracy", "pointless",
    "useless", "exhausting", "forms",
})
# the grant process: part of a complaint about it, not a topic cue
FUND_PROCESS = frozenset({
    "фонд", "грант", "заявка", "эксперт", "балл", "конкурс", "комиссия", "деньга", "подаваться",
    "подавать", "подать", "получить", "выиграть", "победитель", "оценка",
    "foundation", "fund", "grant", "grants", "application", "applications", "experts",
    "reviewers", "jury", "win", "won", "wins", "winners", "money", "score", "scores",
    "turned", "down", "feedback",
})
# half an aside word each: they lean to a remark but occur in content too
LEANING = frozenset({
    "кстати", "честно", "господь", "опять", "снова", "вечно", "почему-то", "никто", "ничто",
    "ничего", "еле", "вчера", "сегодня", "утро", "ночь", "голова", "давление", "долго",
    "вопрос", "сообщение", "отвечать", "ответ", "писать", "анкета", "опрос",
    "honestly", "btw", "again", "nobody", "yesterday", "today", "tonight", "morning", "late",
    "holiday", "questions", "replies", "reply", "message", "messages", "answer", "answers",
    "ai",
})
# "my mother", "у меня ребёнок": the speaker's family; without "my" they are beneficiaries
OWN_FAMILY = frozenset({"мама", "мать", "папа", "отец", "ребенок", "дети", "бабушка", "дедушка",
                        "семья", "kid", "kids", "child", "children", "mum", "mom", "mother",
                        "dad", "father", "family", "grandmother", "grandfather"})
FIRST_SINGULAR = frozenset({"я", "мой", "i", "me", "my", "mine", "myself"})
# the project's anchors besides groups of people and the pack's cues
PROJECT = frozenset({
    "проект", "занятие", "мероприятие", "кружок", "секция", "площадка", "центр", "клуб",
    "курс", "программа", "обучение", "школа", "библиотека", "музей", "фестиваль", "выставка",
    "экскурсия", "тренировка", "урок", "лекция", "семинар", "тренинг", "мастерская", "лагерь",
    "зал", "спортзал", "помещение", "двор", "парк", "сквер", "приют",
    "project", "session", "sessions", "workshop", "workshops", "club", "clubs", "centre",
    "center", "course", "courses", "programme", "program", "school", "library", "festival",
    "training", "classes", "lessons", "group", "groups", "camp", "gym", "hall", "park",
    "shelter", "repairs", "repair",
    # a need the project answers ("в зале холодно, нужен ремонт")
    "нужный", "нужно", "надо", "необходимо", "необходимый", "требоваться", "need", "needs",
    "needed",
}) | words.ITEM_CUES  # budget items: "ремонт", "оборудование", "транспорт"
_PROJECT_ITSELF = frozenset({"проект", "project"})  # weighs double: the message says it is one
_TIME_NOUNS = frozenset({"week", "month", "year", "night", "morning", "weekend", "time"})
_SKIP_TAGS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "PNCT"})


@dataclass(frozen=True)
class AsideWeights:
    """How much of a message leans to an aside and how much to the project."""

    core: int  # words of the aside classes (circumstances, complaints)
    aside: float  # core words, the grant process in a complaint, leaning words, "I"
    project: float  # anchors: the project, activities, people, the pack's cues, "we" plans
    #                 (the cues are counted only until the project outweighs the aside)

    @property
    def is_aside(self) -> bool:
        """An aside: at least one aside word, and more weight than the project's."""
        return self.core >= 1 and self.aside > self.project


def _lemmas(token: Token) -> tuple[str, ...]:
    return (token.lemma, *token.lemmas) if token.lemmas else (token.lemma,)


def _in(token: Token, lemmas: frozenset[str]) -> bool:
    return token.lower in lemmas or any(lemma in lemmas for lemma in _lemmas(token))


def weigh(sentences: list[Sentence], cues: TopicCues) -> AsideWeights:
    """The aside and project weights of a message (see the module's docstring)."""
    tokens = [t for s in sentences for t in s.tokens if t.text[:1].isalpha()]
    core = [i for i, t in enumerate(tokens) if _in(t, CIRCUMSTANCES) or _in(t, COMPLAINTS)]
    if not core:
        return AsideWeights(core=0, aside=0.0, project=0.0)  # the common case: no more work
    complaint = any(_in(t, COMPLAINTS) for t in tokens)
    own = {i for i, t in enumerate(tokens) if _in(t, OWN_FAMILY) and _after_my(tokens, i)}
    # the aside's own words: weighed, and taken out before the pack's cues are matched
    taken: set[int] = set(core) | own
    taken |= {i for i, t in enumerate(tokens)
              if i not in taken and complaint and _in(t, FUND_PROCESS)}
    taken |= {j for i in range(len(tokens)) if _time_deixis(tokens, i) for j in (i, i + 1)}
    aside = float(len(core) + len(own))
    aside += sum(1.0 for i in taken if _in(tokens[i], FUND_PROCESS) and i not in core)
    aside += sum(0.5 for i in taken if _time_deixis(tokens, i))
    leaning = {i for i, t in enumerate(tokens)
               if i not in taken and (_in(t, LEANING) or _in(t, FIRST_SINGULAR))}
    aside += 0.5 * len(leaning)
    project = 0.0
    for i, token in enumerate(tokens):
        if i in taken or i in leaning or token.tags & _SKIP_TAGS:
            continue
        if _in(token, _PROJECT_ITSELF):
            project += 2.0
        elif _in(token, PROJECT) or _plan(token) or _people(token):
            project += 1.0
    kept = {id(t) for i, t in enumerate(tokens) if i not in taken}
    for sentence in sentences:
        if project >= aside:
            break  # decided: a long paste is not matched against the cues a second time
        rest = tuple(t for t in sentence.tokens if id(t) in kept or not t.text[:1].isalpha())
        project += len(cues.topics_of(replace(sentence, tokens=rest)))
    return AsideWeights(core=len(core), aside=aside, project=project)


def _after_my(tokens: list[Token], index: int) -> bool:
    """"моя мама", "my kid", "у меня ребёнок": the speaker's own family."""
    window = tokens[max(0, index - 2):index]
    return any(_in(t, FIRST_SINGULAR) for t in window)


def _time_deixis(tokens: list[Token], index: int) -> bool:
    """"last week", "this morning": the speaker's time, not the project's timeline."""
    return (tokens[index].lower in ("last", "this", "past")
            and index + 1 < len(tokens) and tokens[index + 1].lower in _TIME_NOUNS)


def _plan(token: Token) -> bool:
    """A plan said as "we": "проведём", "хотим", "планируем" (first person plural verbs)."""
    return "VERB" in token.tags and "1per" in token.tags and "plur" in token.tags


def _people(token: Token) -> bool:
    """A group of people the project may serve (a lone "человек" is not a group)."""
    if token.lemma not in words.PEOPLE and token.lower not in words.PEOPLE:
        return False
    return not (token.lemma == "человек" and "sing" in token.tags)
