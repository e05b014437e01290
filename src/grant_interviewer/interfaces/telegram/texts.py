"""The Telegram channel's own words (ru first, en second).

The interview itself (questions, notices, command replies) comes from the service and its content
packs; these are only the things that exist because of Telegram: the start button, replies to
stickers and photos, the deletion confirmation, the command menu.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "welcome": (
            "Здравствуйте! Я помогу подготовить заявку в Фонд президентских грантов: задам "
            "вопросы по разделам анкеты, а в конце пришлю готовую анкету файлами .docx и .md.\n\n"
            "Ответы сохраняются после каждого сообщения — можно прерваться и вернуться позже."
        ),
        "start_button": "Начать интервью",
        "progress": "Прогресс: {done}/{total}",
        "not_text": (
            "Я понимаю только текст: стикеры, фото, голосовые, видео, файлы и геопозиции не "
            "разбираю. Напишите ответ словами, пожалуйста."
        ),
        "edited": (
            "Исправления сообщений я не вижу — ответ уже сохранён. Если нужно поправить, "
            "отправьте /back и ответьте заново."
        ),
        "forwarded": (
            "Пересланные сообщения я не принимаю как ответ. Напишите ответ своими словами "
            "(можно скопировать текст)."
        ),
        "group": "Интервью проходит только в личном чате со мной — напишите мне напрямую.",
        "delete_confirm": (
            "Удалить все ваши интервью и ответы без возможности восстановления?"
        ),
        "delete_yes": "Да, удалить всё",
        "delete_no": "Нет, оставить",
        "deleted": "Готово: удалено интервью — {count}. Чтобы начать заново, отправьте /start.",
        "delete_kept": "Ничего не удалено.",
        "lang_usage": "Язык интервью: /lang ru или /lang en.",
        "export_caption": "Анкета",
        "export_none": "Пока нечего выгружать: интервью ещё не начато. Отправьте /start.",
        "documents_failed": "Не удалось подготовить файлы анкеты. Попробуйте /export чуть позже.",
        "admin_finished": "Завершено интервью {session} (пользователь {user}).",
        "stale_button": "Эта кнопка уже неактуальна.",
        "help_extra": (
            "В Telegram ещё есть: /export — анкета файлами, /lang en — English, "
            "/delete_me — удалить мои данные."
        ),
    },
    "en": {
        "welcome": (
            "Hello! I will help you prepare an application to the Presidential Grants Foundation: "
            "I ask about each section of the form and at the end send you the filled-in "
            "questionnaire as .docx and .md files.\n\n"
            "Your answers are saved after every message, so you can stop and come back later."
        ),
        "start_button": "Start interview",
        "progress": "Progress: {done}/{total}",
        "not_text": (
            "I understand text only: stickers, photos, voice, video, files and locations are "
            "not something I can read. Please type your answer."
        ),
        "edited": (
            "I don't see edits to messages: the answer is already saved. To change it, send "
            "/back and answer again."
        ),
        "forwarded": (
            "A forwarded message is not taken as an answer. Please write the answer in your own "
            "words (copying the text is fine)."
        ),
        "group": "The interview runs only in a private chat with me: please message me directly.",
        "delete_confirm": "Delete all your interviews and answers? This cannot be undone.",
        "delete_yes": "Yes, delete everything",
        "delete_no": "No, keep them",
        "deleted": "Done: {count} interview(s) deleted. Send /start to begin again.",
        "delete_kept": "Nothing was deleted.",
        "lang_usage": "Interview language: /lang ru or /lang en.",
        "export_caption": "Questionnaire",
        "export_none": "Nothing to export yet: the interview has not started. Send /start.",
        "documents_failed": "Could not prepare the questionnaire files. Try /export a bit later.",
        "admin_finished": "Interview {session} finished (user {user}).",
        "stale_button": "This button is no longer valid.",
        "help_extra": (
            "In Telegram there is also: /export — the questionnaire as files, "
            "/lang ru — по-русски, /delete_me — delete my data."
        ),
    },
}

#: The command menu registered with setMyCommands, per language (the order is the menu's).
COMMAND_MENU: dict[str, tuple[tuple[str, str], ...]] = {
    "ru": (
        ("start", "Начать или продолжить интервью"),
        ("status", "Что уже заполнено"),
        ("skip", "Пропустить вопрос"),
        ("back", "Вернуться к предыдущему вопросу"),
        ("finish", "Завершить и получить анкету"),
        ("continue", "Продолжить интервью"),
        ("restart", "Начать заново"),
        ("export", "Прислать анкету файлами"),
        ("lang", "Язык: /lang ru или /lang en"),
        ("delete_me", "Удалить мои данные"),
        ("help", "Справка"),
    ),
    "en": (
        ("start", "Start or resume the interview"),
        ("status", "What is filled in so far"),
        ("skip", "Skip this question"),
        ("back", "Back to the previous question"),
        ("finish", "Finish and get the questionnaire"),
        ("continue", "Continue the interview"),
        ("restart", "Start over"),
        ("export", "Send the questionnaire as files"),
        ("lang", "Language: /lang ru or /lang en"),
        ("delete_me", "Delete my data"),
        ("help", "Help"),
    ),
}


def text(lang: str, key: str, **params: object) -> str:
    """A channel text in ``lang`` (Russian for an unknown language)."""
    table = TEXTS.get(lang) or TEXTS["ru"]
    return table[key].format(**params) if params else table[key]


def language_of(code: str | None, default: str) -> str:
    """The interview language for a Telegram ``language_code`` (ru, en, else ``default``)."""
    if not code:
        return default
    base = code.split("-")[0].lower()
    if base == "en":
        return "en"
    if base in ("ru", "uk", "be", "kk"):  # Russian speakers are the foundation's applicants
        return "ru"
    return default
