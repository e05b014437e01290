"""Off-topic asides and abbreviated ruble units, read by the offline analyzer (issue #7)."""

from __future__ import annotations

import pytest

from grant_interviewer.adapters.nlp import asides
from grant_interviewer.adapters.nlp.analyzer import OfflineAnalyzer, _lexicon, sentences_of
from grant_interviewer.adapters.nlp.topics import TopicCues
from grant_interviewer.domain.packs import load_pack
from grant_interviewer.domain.understanding.facts import AnswerClass


@pytest.fixture(scope="module")
def analyzer() -> OfflineAnalyzer:
    """The analyzer with the morphology loaded."""
    loaded = OfflineAnalyzer(load_pack)
    loaded.start()
    assert loaded._resources.wait(60), loaded.status()
    return loaded


@pytest.mark.parametrize(("lang", "asked", "text"), [
    ("ru", "goal", "Простите, что долго молчала: простыла, лежу с температурой."),
    ("ru", "tasks", "Кот опять уселся на ноутбук, печатаю одной рукой."),
    ("ru", "activities", "У меня свекровь в больнице, я между работой и ней мечусь."),
    ("ru", "geography", "С утра ливень, весь двор затопило, сижу без света."),
    ("ru", "results", "В офисе отключили отопление, все сидят в пальто, извините за задержку."),
    ("ru", "partners", "Грант опять дали своим, у них там всё по блату."),
    ("ru", "team", "Эксперты нам уже который год отказывают, это несправедливо."),
    ("en", "goal", "Sorry, my daughter has a fever and I'm answering between doctor visits."),
    ("en", "tasks", "The wifi in our office keeps dropping, apologies for the delay."),
    ("en", "partners", "The fund rejected us again, it's the same winners every year, so unfair."),
])
def test_an_aside_about_the_speaker_or_the_fund_is_off_topic(
        analyzer: OfflineAnalyzer, lang: str, asked: str, text: str) -> None:
    """Health, pets, family, weather, the office, apologies, complaints about the fund: an
    off-topic remark, which serves no topic and stores no fact."""
    facts = analyzer.analyze_sync(text, lang=lang, asked=asked)
    assert facts.answer_class == AnswerClass.OFF_TOPIC, text
    assert facts.topics == ()
    assert not facts.money and not facts.counts


@pytest.mark.parametrize(("lang", "asked", "text"), [
    ("ru", "problem", "Пожилые люди в деревне часто болеют, а до врача не доехать."),
    ("ru", "problem", "Зимой в спортзале холодно, отопление старое, нужен ремонт."),
    ("ru", "project_essence", "Проект про бездомных кошек и собак: стерилизация и пристройство."),
    ("ru", "risks", "Возможен отказ администрации дать зал, тогда договоримся с библиотекой."),
    ("ru", "risks", "Если ведущий заболеет, его заменит второй педагог."),
    ("ru", "team", "Я руковожу проектом, муж помогает с техникой и транспортом."),
    ("ru", "problem", "Я сама мама особого ребёнка и знаю эту проблему изнутри."),
    ("en", "risks", "Bad weather could disrupt the outdoor sessions, then we use the hall."),
    ("en", "activities", "Kids will walk shelter dogs together with volunteers."),
    ("en", "team", "I lead the project and my husband helps with transport."),
])
def test_content_about_illness_weather_pets_or_refusals_stays_content(
        analyzer: OfflineAnalyzer, lang: str, asked: str, text: str) -> None:
    """The same words in an answer about the project (a group of people, an activity, a
    venue, a plan, the project itself) keep it content, serving the topic asked."""
    facts = analyzer.analyze_sync(text, lang=lang, asked=asked)
    assert facts.answer_class.is_content, text
    assert asked in facts.topics


def test_an_apology_inside_a_real_answer_does_not_reject_it(analyzer: OfflineAnalyzer) -> None:
    """One aside sentence in a substantive answer: the answer and its facts stand."""
    facts = analyzer.analyze_sync(
        "Извините, пишу с телефона, отвечаю медленно. Мы проводим занятия по робототехнике "
        "для школьников, в проекте будут участвовать 30 детей.", lang="ru",
        asked="target_audience")
    assert facts.answer_class == AnswerClass.SUBSTANTIVE
    assert [c.value for c in facts.counts if c.main] == [30]


def test_the_aside_words_are_taken_out_before_the_cues() -> None:
    """"отказ" is a risks cue and "грант" a budget one, but in a complaint about the fund they
    are the complaint: the project side weighs nothing."""
    from grant_interviewer.adapters.nlp.resources import get_resources

    resources = get_resources()
    resources.start()
    assert resources.wait(60)
    lexicon = _lexicon(resources.morph)
    cues = TopicCues(load_pack("ru"))
    complaint = sentences_of("Нам опять отказ по гранту, эксперты заявки не читают, обидно.",
                             "ru", lexicon)
    assert cues.topics_of(complaint[0])  # the cues are there ...
    weights = asides.weigh(complaint, cues)
    assert weights.project == 0.0  # ... and do not count
    assert weights.is_aside
    plain = sentences_of("Проводим занятия для подростков каждую неделю.", "ru", lexicon)
    assert asides.weigh(plain, cues) == asides.AsideWeights(core=0, aside=0.0, project=0.0)


@pytest.mark.parametrize(("text", "amount"), [
    ("350т.р.", 350_000),
    ("собственные средства 420 т.р.", 420_000),
    ("партнёры дадут 200 т. руб", 200_000),
    ("90 тыс.р.", 90_000),
    ("1,2 млн.р.", 1_200_000),
    ("300 т.руб.", 300_000),
])
def test_abbreviated_thousand_and_million_rubles_are_money(
        analyzer: OfflineAnalyzer, text: str, amount: int) -> None:
    """"т.р.", "т. руб", "тыс.р.", "млн.р.": thousand and million rubles, a co-funding fact."""
    facts = analyzer.analyze_sync(text, lang="ru", asked="co_funding")
    assert facts.answer_class == AnswerClass.SUBSTANTIVE
    assert [(m.amount, m.currency, m.role) for m in facts.money] == [
        (amount, "RUB", "co_funding")]


def test_a_tonne_is_not_a_thousand_rubles(analyzer: OfflineAnalyzer) -> None:
    """A lone "т" without a ruble unit is not read as thousands of rubles."""
    facts = analyzer.analyze_sync("привезём 5 т щебня для дорожек", lang="ru",
                                  asked="co_funding")
    assert facts.money == ()


@pytest.mark.parametrize(("lang", "asked", "text"), [
    ("ru", "budget_total", "С утра торчала в банке, там очередь на час, только освободилась."),
    ("ru", "partners", "Вчера до вечера ездил по инстанциям с бумагами, устал страшно."),
    ("ru", "tasks", "Сегодня весь день бегаю с документами между почтой и нотариусом."),
    ("ru", "results", "На днях полдня простоял в пробке, так и не доехал до района."),
    ("ru", "team", "Позавчера искала печать организации, весь офис перевернула."),
    ("ru", "goal", "Только что вернулся с совещания, отвечаю с дороги."),
    ("en", "results", "Yesterday I drove two hours to get a stamp on a single form."),
    ("en", "team", "I was stuck at the bank all morning, the queue was endless."),
])
def test_the_speakers_day_of_errands_is_off_topic(
        analyzer: OfflineAnalyzer, lang: str, asked: str, text: str) -> None:
    """A day of errands told as a story (a time of the day, the speaker's own verb, an errand):
    off-topic, even where the errand names a cue ("район", "организация", "офис")."""
    facts = analyzer.analyze_sync(text, lang=lang, asked=asked)
    assert facts.answer_class == AnswerClass.OFF_TOPIC, text
    assert facts.topics == ()


@pytest.mark.parametrize(("lang", "asked", "text"), [
    ("ru", "partners", "Вчера я ездила в школу договариваться о зале, директор согласилась."),
    ("ru", "activities", "Каждое утро я сама вожу детей на занятия на автобусе."),
    ("ru", "activities", "По вечерам я веду кружок рисования в библиотеке."),
    ("ru", "partners", "Утром ходила в администрацию: нам обещали выделить помещение под клуб."),
    ("ru", "problem",
     "Сегодня утром снова видела, как подростки сидят в подъезде: им просто некуда пойти."),
    ("ru", "activities", "Вчера я отвезла ребят из кружка на экскурсию в музей, им понравилось."),
    ("en", "activities", "Yesterday I drove the kids to the swimming pool for their first lesson."),
    ("en", "problem", "Every morning I see teenagers hanging around the bus stop, bored."),
])
def test_the_speakers_day_spent_on_the_project_stays_content(
        analyzer: OfflineAnalyzer, lang: str, asked: str, text: str) -> None:
    """A day told about the project (a venue, an activity, a group of people seen or served) or
    a habit ("каждое утро", "по вечерам") is content."""
    facts = analyzer.analyze_sync(text, lang=lang, asked=asked)
    assert facts.answer_class.is_content, text
    assert asked in facts.topics


@pytest.mark.parametrize(("lang", "asked", "text"), [
    ("ru", "partners", "Мы куда только не обращались, никто даже не перезвонил."),
    ("ru", "co_funding", "Нашу организацию никто не поддерживает, ни бизнес, ни власти."),
    ("ru", "sustainability", "До нас никому нет дела, мы как будто невидимки."),
    ("ru", "partners", "Сколько раз просили у района хоть какую-то помощь — бесполезно."),
    ("ru", "partners", "Власти на нас плюют, помощи от них не дождёшься."),
    ("ru", "problem", "Нас игнорируют, письма остаются без ответа."),
    ("en", "partners", "Nobody ever answers our emails, not the council, not the sponsors."),
    ("en", "co_funding", "We asked every business in town and nobody gave us anything."),
])
def test_a_grumble_that_nobody_helps_us_is_off_topic(
        analyzer: OfflineAnalyzer, lang: str, asked: str, text: str) -> None:
    """Nobody helps, answers or cares, said of the applicants ("нам", "нас", "наша
    организация", "us"): off-topic, the addressees named ("власти", "council") included."""
    facts = analyzer.analyze_sync(text, lang=lang, asked=asked)
    assert facts.answer_class == AnswerClass.OFF_TOPIC, text
    assert facts.topics == ()


@pytest.mark.parametrize(("lang", "asked", "text"), [
    ("ru", "problem", "Семьям беженцев никто не помогает с документами, они не знают, куда идти."),
    ("ru", "problem", "Инвалидам-колясочникам в посёлке никто не помогает выйти из дома."),
    ("ru", "problem", "Бабушками в деревнях никто не интересуется, к ним никто не приезжает."),
    ("ru", "problem", "Наши пенсионеры никому не нужны, кроме соседей, и целыми днями сидят одни."),
    ("ru", "sustainability", "Если грант не дадут, нам никто не поможет, поэтому ищем спонсоров."),
    ("ru", "project_essence", "Никто, кроме нас, в районе этим не занимается."),
    ("ru", "risks", "Главный риск — что нам никто не даст помещение, тогда будем в школе."),
    ("ru", "partners", "Нам помогают администрация и местные предприниматели."),
    ("ru", "budget_breakdown",
     "В районе нет никого, кто бы нам помог с транспортом, поэтому просим деньги на автобус."),
    ("ru", "problem", "У нас в посёлке никто не занимается экологией, мусор никто не вывозит."),
    ("ru", "project_essence", "Раньше этим никто не занимался, мы первые в районе."),
    ("ru", "target_audience", "Мы работаем с теми, кому никто не помогает."),
    ("ru", "problem", "В нашем районе никто не поддерживает местных художников."),
    ("en", "problem", "Nobody helps families of refugees with the paperwork, they are lost."),
    ("en", "problem", "Nobody in our village cares about the old church, it is falling apart."),
    ("en", "project_essence", "Nobody except us runs anything for teenagers in the district."),
])
def test_nobody_helping_the_beneficiaries_stays_content(
        analyzer: OfflineAnalyzer, lang: str, asked: str, text: str) -> None:
    """Nobody helps a group of people (the problem the project answers; "у нас", "в нашем
    районе" are a place, not the applicants), a risk ("если"), the project being the only one
    ("кроме нас", "мы первые") or a need for the budget: content."""
    facts = analyzer.analyze_sync(text, lang=lang, asked=asked)
    assert facts.answer_class.is_content, text
    assert asked in facts.topics


def test_whose_day_and_whom_nobody_helps_is_read_from_the_grammar() -> None:
    """The speaker's verb: a past singular verb with no other subject before it ("ездил") or
    a first person singular present one ("бегаю"), not someone else's ("директор уехал"); the
    grumble's "who": "нам" (or a subjectless plural past verb) and no group of people."""
    from grant_interviewer.adapters.nlp.resources import get_resources

    resources = get_resources()
    resources.start()
    assert resources.wait(60)
    lexicon = _lexicon(resources.morph)
    cues = TopicCues(load_pack("ru"))

    def weighed(text: str) -> asides.AsideWeights:
        return asides.weigh(sentences_of(text, "ru", lexicon), cues)

    assert weighed("Вчера полдня ездил за справками.").is_aside
    assert weighed("Сегодня с утра бегаю по кабинетам с бумагами.").is_aside
    assert weighed("Вчера директор полдня ездил за справками.").core == 1  # "справка" alone
    assert weighed("Вчера бухгалтер весь день искала договор в папках.").core == 0
    assert weighed("Вчера полдня проторчала в министерстве.").is_aside  # time lost: an errand
    assert weighed("С утра то в банк, то в налоговую.").is_aside  # no verb: the speaker's day
    # a trip alone, or a day with a group of people, is the project's
    assert weighed("Утром съездила на рынок за красками для мастерской.").core == 0
    assert weighed("Вчера весь день возила подростков по банкам на экскурсии.").core == 0
    assert weighed("Просили у района автобус, даже ответа не дали.").is_aside
    assert weighed("Сегодня возила маму к врачу.").is_aside  # one of the family: the speaker's
    assert weighed("Сегодня возила бабушек к врачу.").core == 0  # a group: the beneficiaries
    assert weighed("Нам никто не отвечает.").is_aside
    assert weighed("Всё тянем сами, никто не помогает.").is_aside  # "we" from the verb
    assert weighed("Помощи ни от кого не видим.").is_aside  # "ни от кого": nobody
    assert weighed("Пока никто не помогает нам с помещением.").core == 0  # not settled yet
    assert weighed("Им никто не отвечает.").core == 0  # "им": a group, the problem
    assert weighed("Детям никто не отвечает.").core == 0
