"""FPG grant directions: the list, inference from answers, names in headings, example keys."""

from __future__ import annotations

import pytest

from grant_interviewer.domain.directions import (
    DIRECTIONS,
    direction,
    direction_in_text,
    example_keys,
    infer_direction,
)
from grant_interviewer.domain.model import ProjectType

# (expected direction, answers) — real-looking project descriptions, terse and long
LABELLED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("social_services", ("хотим помогать пожилым людям в деревне",
                         "будем возить продукты и лекарства одиноким старикам")),
    ("social_services", ("Служба сиделок для лежачих больных на дому, обучение родственников "
                         "уходу за тяжелобольными.",)),
    ("social_services", ("Клуб общения для пенсионеров и людей с инвалидностью, "
                         "досуг и помощь по дому одиноким.",)),
    ("social_services", ("Социальное такси для колясочников и незрячих жителей района.",)),
    ("social_services", ("Пункт помощи бездомным: горячее питание, одежда, помощь с документами "
                         "для людей в трудной жизненной ситуации.",)),
    ("health", ("Секция вольной борьбы для мальчишек в селе в Дагестане, тренировки три раза "
                "в неделю и турниры.",)),
    ("health", ("скандинавская ходьба и зарядка для жителей старше 50, пропаганда зож",)),
    ("health", ("Профилактика диабета: школа здоровья, бесплатные замеры сахара, "
                "консультации врача.",)),
    ("health", ("Футбольный турнир дворовых команд и бесплатные тренировки по выходным.",)),
    ("health", ("Профилактика наркотической и алкогольной зависимости среди рабочих завода, "
                "спортивные соревнования.",)),
    ("family", ("Центр поддержки многодетных семей: консультации психолога для родителей и "
                "семейные мастерские.",)),
    ("family", ("Школа приёмных родителей и сопровождение семей, взявших детей-сирот под "
                "опеку.",)),
    ("family", ("клуб молодых мам с малышами до трёх лет, встречи и помощь",)),
    ("family", ("Семейный фестиваль для пап и детей, мастер-классы для отцов и их детей.",)),
    ("youth", ("Бесплатный клуб для подростков: робототехника, медиа, наставники и летний "
               "лагерь для подростков.",)),
    ("youth", ("Молодёжный форум и школа молодёжного лидерства для студентов колледжей.",)),
    ("youth", ("Работа с трудными подростками, которые стоят на профилактическом учёте; "
               "подросткам нужен досуг.",)),
    ("education", ("Курсы финансовой грамотности и лекции для взрослых жителей посёлка.",)),
    ("education", ("Научные лекции и олимпиада по программированию, кружки робототехники для "
                   "школьников.",)),
    ("education", ("Просветительский лекторий о науке в сельских библиотеках: лекции учёных.",)),
    ("education", ("Обучение педагогов и учителей работе с детьми с особенностями развития, "
                   "курсы повышения квалификации.",)),
    ("culture", ("Народный театр ставит три спектакля и даёт концерты в домах культуры.",)),
    ("culture", ("Фестиваль фольклора и ремёсел, выставка мастеров, концерт хора.",)),
    ("culture", ("We want to run a community theatre studio: drama classes and a festival "
                 "of performances.",)),
    ("culture", ("Кинопоказы и литературные вечера в сельской библиотеке, поэзия и кино.",)),
    ("young_talent", ("Поиск и поддержка одарённых детей: конкурс для юных музыкантов и "
                      "талантливых вокалистов, стипендии талантам.",)),
    ("historical_memory", ("Сохранение исторической памяти: книга о земляках — ветеранах "
                           "Великой Отечественной войны, поисковый отряд, мемориал.",)),
    ("historical_memory", ("Краеведческий проект: оцифровка архива и летопись села, "
                           "память о героях войны.",)),
    ("human_rights", ("Бесплатная юридическая помощь: юристы консультируют по защите прав "
                      "потребителей и правовым вопросам.",)),
    ("human_rights", ("Правозащитный центр для осуждённых и их семей, юридические "
                      "консультации.",)),
    ("ecology", ("Раздельный сбор мусора во дворах, переработка отходов и экологические "
                 "уроки.",)),
    ("ecology", ("Приют для бездомных собак и кошек: стерилизация животных и поиск хозяев.",)),
    ("ecology", ("Очистка берега реки и родников, посадка деревьев, субботники.",)),
    ("ecology", ("Recycling points and waste sorting, clean-ups of the river and the forest.",)),
    ("interethnic", ("Фестиваль национальных культур народов Поволжья для укрепления "
                     "межнационального согласия, адаптация мигрантов.",)),
    ("interethnic", ("Межрелигиозный диалог и дружба народов: встречи молодёжи разных "
                     "конфессий, межнациональный лагерь.",)),
    ("public_diplomacy", ("Поддержка соотечественников за рубежом: онлайн-школа русского языка "
                          "для русскоязычных детей, живущих за рубежом.",)),
    ("civil_society", ("Ресурсный центр для НКО района: обучение активистов, консультации "
                       "некоммерческих организаций.",)),
    ("civil_society", ("Развитие ТОС и инициатив жителей: благоустройство дворов силами "
                       "местного сообщества, школа активистов.",)),
    ("health", ("Adaptive sports and fitness training for people after injuries, a health "
                "programme with doctors.",)),
    ("family", ("Support for foster families and parents raising children with disabilities: "
                "family counselling.",)),
    ("historical_memory", ("Oral history project: interviews with war veterans, a memorial "
                           "exhibition and an archive of local history.",)),
)


def test_directions_have_unique_ids_and_both_names() -> None:
    """Thirteen directions, unique ascii ids, a Russian and an English name each."""
    ids = [d.id for d in DIRECTIONS]
    assert len(ids) == len(set(ids)) == 13
    assert all(i.isascii() and d.ru and d.en for i, d in zip(ids, DIRECTIONS, strict=True))
    assert direction("health").name("ru").startswith("Охрана здоровья")
    assert direction("health").name("en").startswith("Health")


@pytest.mark.parametrize(("expected", "answers"), LABELLED)
def test_direction_is_inferred_from_answers(expected: str, answers: tuple[str, ...]) -> None:
    """Each labelled project description yields its direction with some confidence."""
    lang = "en" if answers[0].isascii() else "ru"
    found, confidence = infer_direction(answers, lang)
    assert found == expected
    assert 0.0 < confidence <= 1.0


def test_labelled_accuracy_covers_every_direction() -> None:
    """The labelled set spans every direction, and stems classify all of it."""
    assert {label for label, _ in LABELLED} == {d.id for d in DIRECTIONS}
    right = sum(
        infer_direction(a, "en" if a[0].isascii() else "ru")[0] == label for label, a in LABELLED
    )
    assert right == len(LABELLED)


def test_nothing_said_gives_no_direction() -> None:
    """Empty, evasive or one-word answers name no direction."""
    assert infer_direction([], "ru") == (None, 0.0)
    assert infer_direction(["не знаю", "потом скажу"], "ru") == (None, 0.0)
    assert infer_direction(["спорт"], "ru") == (None, 0.0)  # one hit is too little


def test_confidence_grows_with_evidence() -> None:
    """A clear, repeated topic gives a higher confidence than a mixed one."""
    _, clear = infer_direction(["Секция борьбы, тренировки, турниры, соревнования, спорт."], "ru")
    _, mixed = infer_direction(["Спортивный праздник и концерт для семей с детьми."], "ru")
    assert clear > mixed
    assert clear >= 0.8


def test_direction_names_are_found_in_headings() -> None:
    """A knowledge-base heading that names a direction is attributed to it."""
    heading = (
        "Примеры по направлениям > Охрана здоровья граждан, пропаганда здорового образа жизни "
        "> Проблема"
    )
    assert direction_in_text(heading, "ru") == "health"
    assert direction_in_text("Выявление и поддержка молодых талантов в области культуры и "
                             "искусства > Цель", "ru") == "young_talent"
    assert direction_in_text("Examples > Environment and animal protection", "en") == "ecology"
    assert direction_in_text("Типичные ошибки > Результаты без чисел", "ru") is None


def test_example_keys_fall_back_to_the_family_and_the_project_type() -> None:
    """Examples are looked up by direction, then its family; the project type stands in."""
    assert example_keys("historical_memory", ProjectType.OTHER) == ("historical_memory", "culture")
    assert example_keys("health", ProjectType.CULTURAL) == ("health",)
    assert example_keys(None, ProjectType.SPORTS) == ("health",)
    assert example_keys(None, ProjectType.OTHER) == ()
