"""The class of an answer: content, or a non-answer, a deferral, a reference back, a question.

Phrase lists (ru, en) matched with rapidfuzz on the normalised text, so "незнаю", "не знаю(",
"нз" and "пока нету" are recognised through typos; a short answer that states a fact (an
amount, a count, a place, a date) is content even when it hedges ("не знаю точно, тысяч 500").
"""

from __future__ import annotations

import re

from grant_interviewer.domain.understanding.facts import AnswerClass

NON_ANSWERS = (
    "не знаю", "незнаю", "не знаю пока", "пока не знаю", "хз", "без понятия", "понятия не имею",
    "нет", "нету", "нету пока", "пока нету", "пока нет", "еще нет", "не решили", "еще не решили",
    "пока не решили", "не думал", "не думала", "пока не думала", "пока не думал",
    "не задумывался", "не задумывалась", "это не важно", "не важно", "неважно",
    "затрудняюсь ответить", "затрудняюсь", "сложно сказать", "трудно сказать", "ничего",
    "никак", "нечего сказать", "пусто", "не могу сказать", "не могу ответить", "не уверен",
    "не уверена", "кто его знает", "без разницы", "все равно", "не определились",
    "пока не определились", "не придумали", "пока не придумали", "не знаю что сказать",
    "ну", "да", "ок", "ладно", "ага", "угу", "хм", "эээ", "ммм", "нет идей", "идей нет",
    "i don't know", "i dont know", "dont know", "don't know", "dunno", "no idea", "not sure",
    "none", "n/a", "na", "nothing", "no", "not yet", "doesn't matter", "does not matter",
    "no clue", "haven't decided", "have not decided", "not decided yet", "idk", "nope", "yes",
    "ok", "whatever", "hmm", "какая разница", "неизвестно", "test", "тест", "придумайте сами",
    "хз придумайте сами", "решайте сами", "на ваше усмотрение", "что хотите", "любое",
    "не знаю, придумайте", "pass", "no comment", "you decide", "make something up",
    "ну такое", "так себе", "как-то так", "всякое", "разное", "много всего", "по-разному",
)
# evasive answers: "проблем много, всех не перечислишь", "ну как обычно"
_EVASIVE = re.compile(
    r"всех не перечислишь|всего не перечислишь|долго рассказывать|как обычно|как у всех|"
    r"сложно объяснить|трудно объяснить|много всего|it'?s complicated|hard to say|"
    r"ни с кем не договаривал|пока ни с кем|nobody yet|no one yet",
    re.IGNORECASE,
)
DEFERRALS = (
    "потом скажу", "скажу потом", "потом", "позже", "давайте позже", "давайте потом",
    "вернусь к этому", "вернемся к этому", "вернемся к этому позже", "вернусь к этому позже",
    "пропустим пока", "давайте пропустим", "отвечу позже", "отвечу потом", "уточню позже",
    "надо уточнить", "уточню и напишу", "нужно уточнить", "позже напишу", "напишу позже",
    "потом допишу", "допишу позже", "можно позже", "можно потом", "спрошу и напишу",
    "later", "i'll tell you later", "tell you later", "let's come back to it", "skip for now",
    "come back later", "i'll answer later", "need to check", "i'll check", "ask me later",
    "к этому вернусь", "позже отвечу", "потом отвечу", "вернемся к этому в конце",
    "можно этот вопрос потом", "надо уточнить у коллег", "i'll get back to you on that",
    "get back to you", "let me check", "i will tell you later",
)
_DEFERRAL = re.compile(
    r"\b(?:потом|позже|позднее|в конце|попозже)\b.{0,40}\b(?:отвечу|скажу|напишу|допишу|"
    r"вернусь|вернемся|вернёмся|уточню|пришлю)\b|\b(?:отвечу|скажу|напишу|допишу|вернусь|"
    r"вернемся|вернёмся|уточню|пришлю)\b.{0,40}\b(?:потом|позже|позднее|в конце|попозже)\b|"
    r"(?:этот вопрос|это) (?:потом|позже)|надо уточнить|нужно уточнить|ещё считаем|еще считаем|"
    r"пока считаем|get back to you|come back to (?:this|it)|later\b|на потом|надо подумать|"
    r"нужно подумать|подумаю|\b(?:уточню|напишу|отвечу|скажу|пришлю|посчитаю)\b.{0,30}"
    r"\b(?:завтра|вечером|на неделе|после)\b|tomorrow|let me think",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(
    r"\bвыше\b|уже (?:писал|писала|говорил|говорила|сказал|сказала|ответил|ответила|указал|"
    r"указала|рассказал|рассказала|сформулировал|сформулировала|было|описал|описала|отвечал|"
    r"отвечала)|(?:писал|писала|написал|написала|говорил|говорила|отвечал|отвечала) (?:ранее|"
    r"раньше|уже)|всё есть в|все есть в|отправила? в начале|в начале (?:разговора|беседы)|"
    r"в самом начале|(?:всё|все) указан|то же,? что|как в описании|см\.? описание|"
    r"(?:перечислял|перечисляла|указывал|указывала|описывал|описывала|рассказывал|"
    r"рассказывала)\b|same as|(?:pasted|wrote|listed|mentioned) (?:it )?(?:earlier|above|before)|"
    r"в (?:первом|предыдущем|прошлом|самом первом) (?:сообщении|ответе)|см\.? выше|"
    r"как я (?:уже )?(?:писал|писала|говорил|говорила)|там же|то же самое|"
    r"as i (?:said|wrote|mentioned)|already (?:said|wrote|told|answered|mentioned)|\babove\b|"
    r"mentioned (?:earlier|before)|same as before",
    re.IGNORECASE,
)
_QUESTION_BACK = re.compile(
    r"^(?:а\s+)?(?:что|как|зачем|почему|какой|какие|какую|это|мне|нужно|надо|обязательно|"
    r"можно|в смысле|а\b)|^(?:what|how|why|is it|do i|should i|can i|which)\b",
    re.IGNORECASE,
)
_CORRECTION = re.compile(
    r"\bой\b|\bне\s+[\d\w]+,?\s+а\s+|поправ|исправ|\bточнее\b|\bвернее\b|ошиб|опечат|"
    r"имела? в виду|\bi mean\b|correction|\bsorry,|\bactually\b|\bnot \d+ but\b",
    re.IGNORECASE,
)
_SQLISH = re.compile(r"(?:drop|delete|insert|select|update|union)\b.*(?:table|from|into|set)\b|"
                     r"--|;\s*$|<script|\{\{|\$\{", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]{2,}")
_NORMALISE = re.compile(r"[^\w\s?-]+")


def normalise(text: str) -> str:
    """Lower case, ё → е, punctuation other than "?" and "-" dropped, spaces collapsed."""
    lowered = text.lower().replace("ё", "е").replace("’", "'")
    return " ".join(_NORMALISE.sub(" ", lowered).split())


def classify(text: str, *, has_facts: bool, unknown_words: int, words: int,
             aside: bool = False) -> tuple[AnswerClass, float]:
    """The class of an answer and how sure the rules are; ``aside``: the words read as an
    off-topic remark (:func:`grant_interviewer.adapters.nlp.asides.weigh`)."""
    from rapidfuzz import fuzz, process

    plain = normalise(text).rstrip("?").strip()
    if not _LETTERS.search(text) and not has_facts:
        return AnswerClass.NON_ANSWER, 0.95  # punctuation, digits alone, emoji
    if _SQLISH.search(text) and not has_facts and words <= 12:
        return AnswerClass.NON_ANSWER, 0.9
    if words and unknown_words == words and words <= 3 and not has_facts:
        return AnswerClass.NON_ANSWER, 0.8  # keyboard mash: "asdf", "ываыв"
    if _CORRECTION.search(text) and has_facts:
        return AnswerClass.CORRECTION, 0.85
    if has_facts:
        return AnswerClass.SUBSTANTIVE, 0.9
    if words <= 8:
        for phrases, kind in ((DEFERRALS, AnswerClass.DEFERRAL),
                              (NON_ANSWERS, AnswerClass.NON_ANSWER)):
            best = process.extractOne(plain, phrases, scorer=fuzz.ratio)
            if best is not None and best[1] >= (90 if len(plain) <= 4 else 84):
                return kind, best[1] / 100.0
        for phrases, kind in ((DEFERRALS, AnswerClass.DEFERRAL),
                              (NON_ANSWERS, AnswerClass.NON_ANSWER)):
            for phrase in phrases:
                if len(phrase) >= 5 and (plain.startswith(phrase) or plain.endswith(phrase)) and (
                        words <= len(phrase.split()) + 3):
                    return kind, 0.75
    if words <= 10 and _EVASIVE.search(text):
        return AnswerClass.NON_ANSWER, 0.7
    if words <= 14 and _DEFERRAL.search(text):
        return AnswerClass.DEFERRAL, 0.75
    if words <= 25 and _REFERS_BACK.search(text):
        return AnswerClass.REFERS_BACK, 0.8
    if aside:
        return AnswerClass.OFF_TOPIC, 0.6
    if words <= 15 and text.strip().endswith("?") and _QUESTION_BACK.search(plain):
        return AnswerClass.QUESTION_BACK, 0.8
    if words <= 15 and text.strip().endswith("?"):
        return AnswerClass.QUESTION_BACK, 0.6
    return AnswerClass.SUBSTANTIVE, 0.7
