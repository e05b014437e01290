"""The FPG application form: its sections in the form's order, with captions (ru, en).

The order follows the form as ``shared/FPG_FACTS.md`` describes it: title, direction, dates,
geography, short description, social significance, target groups, goal, tasks, calendar plan,
results, partners, information coverage, further development, team, organisation, budget,
co-financing. Each form section names the reference points (interview topics) whose answers
fill it; a topic of a pack that the form does not know is appended after the form's sections.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FormSection:
    """One part of the FPG form and the interview topics that fill it."""

    id: str
    caption_ru: str
    caption_en: str
    topics: tuple[str, ...] = ()  # reference-point ids, in the order they appear in the part

    def caption(self, lang: str) -> str:
        """The caption in ``lang`` (English for any language but Russian)."""
        return self.caption_ru if lang == "ru" else self.caption_en


FORM: tuple[FormSection, ...] = (
    FormSection("title", "Название проекта", "Project title", ("project_title",)),
    FormSection("direction", "Грантовое направление", "Grant direction"),
    FormSection("dates", "Сроки реализации проекта", "Project dates", ("timeline",)),
    FormSection("geography", "География проекта", "Project geography", ("geography",)),
    FormSection("summary", "Краткое описание проекта", "Short project description",
                ("project_essence",)),
    FormSection("significance", "Обоснование социальной значимости", "Social significance",
                ("problem",)),
    FormSection("target_groups", "Целевые группы", "Target groups", ("target_audience",)),
    FormSection("goal", "Цель проекта", "Project goal", ("goal",)),
    FormSection("tasks", "Задачи проекта", "Project objectives", ("tasks",)),
    FormSection("calendar", "Календарный план", "Calendar plan", ("activities",)),
    FormSection("results", "Ожидаемые результаты", "Expected results", ("results",)),
    FormSection("partners", "Партнёры проекта", "Project partners", ("partners",)),
    FormSection("publicity", "Информационное сопровождение", "Information coverage",
                ("info_coverage",)),
    FormSection("development", "Дальнейшее развитие проекта", "Further development",
                ("sustainability",)),
    FormSection("team", "Руководитель и команда проекта", "Project head and team", ("team",)),
    FormSection("organization", "Организация-заявитель", "Applicant organisation",
                ("organization",)),
    FormSection("budget", "Бюджет проекта", "Project budget",
                ("budget_total", "budget_breakdown")),
    FormSection("co_financing", "Софинансирование", "Co-financing", ("co_funding",)),
)  # fmt: skip

# Where each topic sits in the form (its part's position, then its place within the part).
TOPIC_ORDER: dict[str, tuple[int, int]] = {
    topic: (part, place)
    for part, section in enumerate(FORM)
    for place, topic in enumerate(section.topics)
}

# The FPG grant directions (a typical list: FPG_FACTS.md; each contest's Положение has the
# current one). A stand-in until domain/directions.py lands, with the same ids.
DIRECTIONS: dict[str, tuple[str, str]] = {
    "social_services": ("Социальное обслуживание, социальная поддержка и защита граждан",
                        "Social services, social support and protection of citizens"),
    "health": ("Охрана здоровья граждан, пропаганда здорового образа жизни",
               "Health protection and healthy lifestyles"),
    "family": ("Поддержка семьи, материнства, отцовства и детства",
               "Support of family, motherhood, fatherhood and childhood"),
    "youth": ("Поддержка молодёжных проектов", "Youth projects"),
    "education": ("Поддержка проектов в области науки, образования, просвещения",
                  "Science, education and enlightenment"),
    "culture": ("Поддержка проектов в области культуры и искусства", "Culture and art"),
    "young_talent": ("Выявление и поддержка молодых талантов в области культуры и искусства",
                     "Support of young talent in culture and art"),
    "historical_memory": ("Сохранение исторической памяти", "Preservation of historical memory"),
    "human_rights": ("Защита прав и свобод человека и гражданина",
                     "Protection of human and civil rights and freedoms"),
    "ecology": ("Охрана окружающей среды и защита животных",
                "Environment and animal protection"),
    "interethnic": ("Укрепление межнационального и межрелигиозного согласия",
                    "Interethnic and interreligious harmony"),
    "public_diplomacy": ("Развитие общественной дипломатии и поддержка соотечественников",
                         "Public diplomacy and support of compatriots"),
    "civil_society": ("Развитие институтов гражданского общества",
                      "Development of civil-society institutions"),
}  # fmt: skip


def direction_name(direction_id: str, lang: str) -> str:
    """The direction's name in ``lang``; an id this table does not know is shown as it is."""
    names = DIRECTIONS.get(direction_id)
    if names is None:
        return direction_id
    return names[0] if lang == "ru" else names[1]
