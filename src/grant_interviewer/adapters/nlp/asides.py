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

Two more classes are read from grammar as well as from lemmas, sentence by sentence:

- the speaker's day told as a story: a time word of the day ("сегодня", "вчера", "с утра",
  "на днях", "полдня", "this morning") with a verb of the speaker's own (past tense, singular,
  masculine or feminine, with no other subject before it: "ездил", "просидела"; first person
  singular present: "бегаю"; English: a past form opening the sentence or after "I"; or no verb
  at all) and an errand ("очередь", "документы", "налоговая", "просидела", "queue", "bank",
  "traffic"); the errands and the speaker's trips ("ездил", "искала") are the aside's words;
- a grumble that nobody helps *us*: "никто"/"nobody" with a word of help or answer ("помогать",
  "поддерживать", "отвечать", "нужный", "cares"), indifference ("плевать", "безразлично",
  "ignored") or asking in vain ("просили" with "даже", "толку", "сколько"), said of the
  applicants ("мы", "нас", "нам", "наш", a first person plural verb, a plural past verb
  without a subject, "us"; not a place: "у нас в посёлке", "в нашем районе") and of no group of
  people (a group of the lexicon, an animate plural other than those asked for help, "им",
  "тем, кому"): "пожилым в сёлах никто не помогает" and "подросткам ... никто ими не
  занимается" are problem statements about the beneficiaries, not grumbles; nor is a risk
  ("если", "бы", help in the future tense), the project being the only one ("кроме нас") or a
  state not settled yet ("пока").

A story weighs 0.5 a sentence, its time words and trips 0.5 each, its errands 1; a grumble 1 a
sentence and its words 0.5 each.

A message is an aside when it states no fact (the classifier's ``has_facts``), holds at least one
word of the classes above and weighs more on the aside side than on the project's: "у меня кот
заболел" is an aside, "у нас многие пожилые болеют, проект про это" is content.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    "shelter", "repairs", "repair", "lesson", "class", "pool",
    # a need the project answers ("в зале холодно, нужен ремонт")
    "нужный", "нужно", "надо", "необходимо", "необходимый", "требоваться", "need", "needs",
    "needed",
}) | words.ITEM_CUES  # budget items: "ремонт", "оборудование", "транспорт"
# the speaker's day told as a story (see the module's docstring): time words of a day ...
DAY_TIME = frozenset({
    "сегодня", "вчера", "позавчера", "утро", "утром", "вечер", "вечером", "ночь", "ночью",
    "полдень", "сутки",
    "today", "yesterday", "morning", "afternoon", "evening", "tonight", "just",
})
# ... "день" after these ("весь день", "целый день"; "на днях", "днём" are read from the case),
# "неделя"/"week" after "прошлый", "этот", "last", "this"
_DAY_BEFORE = frozenset({"весь", "целый", "этот", "all", "whole"})
_HABIT = frozenset({"каждый", "по", "every", "each"})
_WEEK_BEFORE = frozenset({"прошлый", "этот", "last", "this", "past"})
# ... and the errands of such a day: things and places, and the verbs of time lost (1 each) ...
ERRANDS = frozenset({
    "очередь", "налоговая", "налоговый", "банк", "почта", "нотариус", "мфц", "поликлиника",
    "сервис", "автосервис", "касса", "бумага", "документ", "папка", "шкаф", "устав", "подпись",
    "печать", "совещание", "планёрка", "планерка", "приём", "прием", "дорога", "пробка",
    "машина", "электричка", "маршрутка", "такси", "поезд", "инстанция", "врач", "стоматолог",
    "больница", "суд",
    "простоять", "просидеть", "прождать", "проторчать", "торчать", "мотаться", "разгрестись",
    "queue", "queued", "queuing", "queueing", "bank", "post", "tax", "documents", "papers",
    "folder", "traffic", "road", "roads", "bus", "train", "car", "garage", "dentist",
    "appointment", "meeting", "meetings", "errands", "stamp", "form", "stuck",
})
# ... and the verbs of going and seeking (0.5 each, and only the speaker's): a trip alone may be
# the project's ("утром съездила на рынок за красками для мастерской")
TRIPS = frozenset({
    "ездить", "съездить", "ехать", "поехать", "приехать", "возить", "отвозить", "отвезти",
    "бегать", "сбегать", "ходить", "сходить", "искать", "разбирать", "стоять", "сидеть", "ждать",
    "подождать", "вернуться", "возвращаться", "drive", "drove", "driving", "looking",
    "searching", "waiting", "waited", "spent", "sorting", "back",
})
_LEAD_EN = frozenset({"just", "only", "finally", "then", "also"})  # "Just got back from ..."
# English past forms of the speaker's day (besides "-ed")
_PAST_EN = frozenset({
    "spent", "went", "drove", "was", "had", "sat", "got", "came", "took", "stood", "left",
    "lost", "found", "made", "did", "ran", "met", "rode", "flew", "kept", "brought", "bought",
    "caught", "saw", "been", "stuck",
})
# a grumble that nobody helps us (see the module's docstring)
_NOBODY = frozenset({"никто", "nobody", "noone", "nobody's"})
HELP = frozenset({
    "помогать", "помочь", "помощь", "поддерживать", "поддержать", "поддержка", "отвечать",
    "ответить", "ответ", "слышать", "услышать", "слушать", "нужный", "интересоваться",
    "дело", "откликнуться", "отозваться", "реагировать", "интересный", "давать", "дать",
    "give", "gives", "gave", "giving", "help", "helps", "helped", "helping", "support",
    "supports", "supported", "care", "cares", "cared", "answer", "answers", "answered",
    "reply", "replies", "replied", "respond", "responds", "responded", "listen", "listens",
    "listened", "interested", "wants",
})
INDIFFERENCE = frozenset({
    "плевать", "наплевать", "безразлично", "безразличный", "равнодушный", "равнодушно",
    "отмахиваться", "отмахнуться", "футболить", "футболеть", "игнорировать", "неоткуда",
    "ignore", "ignores", "ignored", "unanswered",
})
ASKING = frozenset({
    "просить", "попросить", "обращаться", "обратиться", "стучаться", "обойти", "обивать",
    "звонить", "писать", "написать", "отправить",
    "asked", "begged", "knocked", "wrote", "written", "called", "emailed", "letters",
})
_IN_VAIN = frozenset({"даже", "толк", "бесполезно", "зря", "напрасно", "сколько", "столько",
                      "годами", "every", "again", "never"})
# not a grumble: a risk or a need ("если грант не дадут, нам никто не поможет", "нет никого,
# кто бы нам помог с транспортом"), the project being the only one ("никто, кроме нас")
# or a state of things not yet settled ("пока никто не помогает, но ведём переговоры")
_NOT_A_GRUMBLE = frozenset({"если", "бы", "кроме", "пока", "if", "unless", "except", "besides",
                            "yet"})
_US = frozenset({"мы", "наш", "us", "we", "our", "ours"})
_THEY = frozenset({"они", "их", "them", "they", "their", "those"})
# "с теми, кому никто не помогает", "those who": the beneficiaries, said by a relative clause
_RELATIVE = frozenset({"кто", "тот", "who", "whom"})
# those asked for help, not helped: animate, but not a group of beneficiaries
_ADDRESSEES = frozenset({
    "депутат", "спонсор", "чиновник", "предприниматель", "бизнесмен", "меценат", "партнёр",
    "партнер", "благотворитель", "эксперт", "глава", "мэр", "губернатор", "министр",
    "руководитель", "начальник", "директор", "власть",
})
# "у нас в посёлке", "в нашем районе", "in our village": a place, not the applicants
_PLACE_BEFORE_US = frozenset({"у", "в", "во", "на", "по", "из", "около", "in", "at", "around",
                              "across", "near"})
# groups of people the project may serve besides the lexicon's: the grumble's "who"
_GROUPS = frozenset({"бездомный", "нуждающийся", "малоимущий", "одинокий", "homeless",
                     "older", "lonely"})
_PROJECT_ITSELF = frozenset({"проект", "project"})  # weighs double: the message says it is one
_TIME_NOUNS = frozenset({"week", "month", "year", "night", "morning", "weekend", "time"})
_SKIP_TAGS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "PNCT"})


@dataclass(frozen=True)
class AsideWeights:
    """How much of a message leans to an aside and how much to the project."""

    core: int  # words of the aside classes (circumstances, complaints), sentences of a story
    #            of the speaker's day or of a grumble that nobody helps us
    aside: float  # core words, the grant process in a complaint, leaning words, "I"
    project: float  # anchors: the project, activities, people, the pack's cues, "we" plans
    #                 (the cues are counted only until the project outweighs the aside)

    @property
    def is_aside(self) -> bool:
        """An aside: at least one aside word, and more weight than the project's."""
        return self.core >= 1 and self.aside > self.project


def _in(token: Token, lemmas: frozenset[str]) -> bool:
    """The word form or one of its lemmas is in ``lemmas`` (the hot path: no tuples built)."""
    return (token.lower in lemmas or token.lemma in lemmas
            or (bool(token.lemmas) and not lemmas.isdisjoint(token.lemmas)))


def weigh(sentences: list[Sentence], cues: TopicCues) -> AsideWeights:
    """The aside and project weights of a message (see the module's docstring)."""
    tokens = [t for s in sentences for t in s.tokens if t.text[:1].isalpha()]
    core = [i for i, t in enumerate(tokens) if _in(t, CIRCUMSTANCES) or _in(t, COMPLAINTS)]
    story, grumble = _stories_and_grumbles(sentences, tokens)
    if not core and not story and not grumble:
        return AsideWeights(core=0, aside=0.0, project=0.0)  # the common case: no more work
    complaint = any(_in(t, COMPLAINTS) for t in tokens)
    own = {i for i, t in enumerate(tokens) if _in(t, OWN_FAMILY) and _after_my(tokens, i)}
    # the aside's own words with their weights: weighed, and taken out before the pack's cues
    weights = dict.fromkeys(core, 1.0) | dict.fromkeys(own, 1.0)
    for i, t in enumerate(tokens):
        if i not in weights and complaint and _in(t, FUND_PROCESS):
            weights[i] = 1.0
        if _time_deixis(tokens, i):
            weights.setdefault(i, 0.5)
            weights.setdefault(i + 1, 0.0)
    for found in (story, grumble):
        for i, weight in found.words.items():
            weights.setdefault(i, weight)
    taken = set(weights)
    # a grumble weighs 1 a sentence; a story 0.5 (its time words and errands weigh besides)
    aside = sum(weights.values()) + 0.5 * story.sentences + grumble.sentences
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
    count = len(core) + story.sentences + grumble.sentences
    return AsideWeights(core=count, aside=aside, project=project)


_Words = dict[int, float]  # token index in the message -> its aside weight


@dataclass
class _Found:
    """The sentences of one class of aside (each weighs 1) and their words' weights."""

    sentences: int = 0
    words: _Words = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.sentences > 0

    def add(self, words: _Words) -> None:
        if words:
            self.sentences += 1
            self.words.update(words)


def _stories_and_grumbles(sentences: list[Sentence],
                          tokens: list[Token]) -> tuple[_Found, _Found]:
    """The speaker's day told as a story and a grumble that nobody helps us, sentence by
    sentence (``tokens``: the message's words, as :func:`weigh` lists them)."""
    story, grumble = _Found(), _Found()
    start = 0
    for sentence in sentences:
        count = sum(1 for t in sentence.tokens if t.text[:1].isalpha())
        span = list(range(start, start + count))
        start += count
        if span:
            story.add(_speakers_day(tokens, span))
            grumble.add(_nobody_helps_us(tokens, span, sentence))
    return story, grumble


def _speakers_day(tokens: list[Token], span: list[int]) -> _Words:
    """"вчера полдня искал папку", "spent the morning at the bank": the time words and the
    errands of a sentence that tells the speaker's day of errands (a time word, a verb of the
    speaker's own or none, and an errand: a thing, a place or time lost), empty when it does
    not. The speaker's verbs of going and seeking weigh half ("съездила" is said of the project
    too); the other verbs keep their cues."""
    times = [i for i in span if _day_time(tokens, i)]
    if not times:
        return {}
    verbs = {i for i in span if _speakers_verb(tokens, i, span[0])}
    if not verbs and not _verbless(tokens, span):
        return {}
    if any(_people(tokens[i]) and not _one_of_family(tokens[i]) for i in span):
        # "сегодня видела, как подростки сидят в подъезде", "возила бабушек к врачу": the
        # beneficiaries' day ("возила маму к врачу": the speaker's own)
        return {}
    errands = {i: 1.0 for i in span
               if _in(tokens[i], ERRANDS) and (i in verbs or not _is_verb(tokens[i]))}
    if not errands:
        # "вчера я встретилась с директором школы", "утром съездила на рынок за красками для
        # мастерской": a day, or a trip, for the project
        return {}
    errands |= {i: 0.5 for i in verbs if _in(tokens[i], TRIPS)}
    found: _Words = dict.fromkeys(times, 0.5) | errands
    # "я" is the story's own subject: it weighs as part of the sentence, not again
    found |= {i: 0.0 for i in span if tokens[i].lower in ("я", "i") and i not in found}
    return found


def _one_of_family(token: Token) -> bool:
    """"маму", "ребёнка", "my kid": one of the speaker's family (many are a group)."""
    if not _in(token, OWN_FAMILY):
        return False
    if token.tags:
        return "plur" not in token.tags
    return not token.lower.endswith("s") and token.lower not in ("children", "family")


def _verbless(tokens: list[Token], span: list[int]) -> bool:
    """"Весь день на ногах: то в банк, то на почту": a Russian sentence with no verb."""
    return all(tokens[i].tags and not tokens[i].tags & {"VERB", "INFN"} for i in span)


def _is_verb(token: Token) -> bool:
    if token.tags:
        return bool(token.tags & {"VERB", "INFN", "GRND", "PRTF", "PRTS"})
    return token.lower in _PAST_EN or token.lower.endswith(("ed", "ing"))  # English


def _day_time(tokens: list[Token], index: int) -> bool:
    """"сегодня", "с утра", "весь день", "на днях", "на прошлой неделе", "только что", "this
    morning": a time of the speaker's day (not a habit: "каждое утро", "по вечерам")."""
    token = tokens[index]
    before = tokens[index - 1].lemma if index else ""
    if before in _HABIT:
        return False
    if _in(token, DAY_TIME):
        return True
    if token.lemma in ("день", "day"):
        return (before in _DAY_BEFORE or before == "пол"
                or "ablt" in token.tags or {"loct", "plur"} <= token.tags)
    if token.lemma in ("неделя", "week"):
        return before in _WEEK_BEFORE
    return token.lower == "только" and index + 1 < len(tokens) and tokens[index + 1].lower == "что"


def _speakers_verb(tokens: list[Token], index: int, first: int) -> bool:
    """A verb of the speaker's own: "ездил", "просидела" (past singular with no other subject
    before it in the sentence), "бегаю" (first person singular present); English: a past form
    opening the sentence ("Spent the morning ...") or after "I"."""
    token = tokens[index]
    if not token.tags:  # English
        if not (token.lower in _PAST_EN or (len(token.lower) > 4 and token.lower.endswith("ed"))):
            return False
        return (all(t.lower in _LEAD_EN for t in tokens[first:index])
                or any(t.lower == "i" for t in tokens[max(first, index - 3):index]))
    if "VERB" not in token.tags:
        return False
    if {"1per", "sing", "pres"} <= token.tags:
        return True
    if not {"past", "sing"} <= token.tags:
        return False
    gender = token.tags & {"masc", "femn"}
    if not gender:
        return False  # "пришлось", "было": impersonal
    for k in range(index - 1, first - 1, -1):
        other = tokens[k]
        if "nomn" not in other.tags or not other.tags & {"NOUN", "NPRO"}:
            continue
        if other.lemma == "я":
            return True
        after_prep = any("PREP" in t.tags for t in tokens[max(first, k - 2):k])
        if not after_prep and (other.tags & gender or "anim" in other.tags):
            return False  # "директор согласился", "бухгалтер искала": someone else's
    return True


def _nobody_helps_us(tokens: list[Token], span: list[int], sentence: Sentence) -> _Words:
    """"нам никто не помогает", "всем на нас плевать", "просили ..., даже ответа не получили":
    the grumble's words (0.5 each) when the sentence is said of the applicants and of no group
    of people; empty otherwise."""
    nobody = [i for i in span if _in(tokens[i], _NOBODY)]
    if _nobody_said_apart(sentence):
        nobody.append(span[0])
    indifferent = [i for i in span if _in(tokens[i], INDIFFERENCE)]
    asking = [i for i in span if _in(tokens[i], ASKING)]
    if not (nobody or indifferent or asking):
        return {}  # the common case: no more work
    words = [tokens[i] for i in span]
    if any(_group(tokens, i, span[0]) for i in span):
        return {}  # "пожилым никто не помогает": the beneficiaries' problem
    if any(t.lower in _NOT_A_GRUMBLE for t in words):
        return {}
    us = [i for i in span if _us(tokens, i, span[0])]
    if not us:
        return {}
    # help in the future is a risk ("риск — что нам никто не даст помещение"), not a grumble
    helping = [i for i in span if "futr" not in tokens[i].tags and (_in(tokens[i], HELP) or (
        tokens[i].lemma == "заниматься" and any("ablt" in tokens[k].tags for k in us)))]
    in_vain = [i for i in span if _in(tokens[i], _IN_VAIN)]
    # asked in vain: "просили", "обращались" ("просим деньги на автобус" is the budget's request)
    asking = [i for i in asking if in_vain or "past" in tokens[i].tags or not tokens[i].tags]
    if not ((nobody and helping) or indifferent or (asking and (nobody or in_vain))):
        return {}
    return dict.fromkeys([*us, *nobody, *helping, *indifferent, *asking, *in_vain], 0.5)


def _nobody_said_apart(sentence: Sentence) -> bool:
    """"ни одна организация", "ни от кого", "no one" (number words are digits here)."""
    raw = sentence.tokens
    for k, token in enumerate(raw[:-1]):
        if token.lower not in ("ни", "no"):
            continue
        after = raw[k + 1]
        if after.lower == "1" or after.lemma == "кто" or (
                "PREP" in after.tags and k + 2 < len(raw) and raw[k + 2].lemma == "кто"):
            return True
    return False


def _group(tokens: list[Token], index: int, first: int) -> bool:
    """A group of people the help is for: "пожилым", "местных художников" (animate plural, not
    those asked: "спонсоры"), "им", "ими", "them" (not "от них": the help is theirs to give),
    "тем, кому", "those who"."""
    token = tokens[index]
    before = tokens[index - 1].lower if index > first else ""
    if _people(token) or _in(token, _GROUPS):
        return True
    if {"NOUN", "anim", "plur"} <= token.tags:
        return not _in(token, _ADDRESSEES)
    if _in(token, _THEY):
        return before not in ("от", "у", "from")
    if _in(token, _RELATIVE):
        return before != "ни" and not (
            index - 2 >= first and tokens[index - 2].lower == "ни")  # "ни от кого": nobody
    return False


def _us(tokens: list[Token], index: int, first: int) -> bool:
    """The applicants: "мы", "нам", "нас", "нашу организацию", "us", a first person plural verb
    ("крутимся") or a plural past one without a subject ("просили"); not a place ("у нас в
    посёлке", "в нашем районе", "in our village")."""
    token = tokens[index]
    if _in(token, _US):
        before = tokens[index - 1].lower if index > first else ""
        if token.lemma == "мы":
            return before != "у"  # "на нас плевать" is said of us
        return before not in _PLACE_BEFORE_US
    return {"VERB", "1per", "plur"} <= token.tags or _we_did(tokens, index, first)


def _we_did(tokens: list[Token], index: int, first: int) -> bool:
    """"просили", "обращались": a plural past verb with no subject before it (we did)."""
    token = tokens[index]
    if not {"VERB", "past", "plur"} <= token.tags:
        return False
    return not any("nomn" in t.tags and t.tags & {"NOUN", "NPRO"} and "plur" in t.tags
                   for t in tokens[first:index])


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
