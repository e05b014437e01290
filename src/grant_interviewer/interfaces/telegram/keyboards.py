"""Inline keyboards and their callback data.

Callback data is short text (Telegram allows 64 bytes): ``start:<lang>`` for the start button,
``do:<command>`` for an action the service offered (``/finish confirm``), ``delete:yes|no`` for
the deletion confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from grant_interviewer.interfaces.telegram.texts import text
from grant_interviewer.service import Action

START_PREFIX = "start:"
ACTION_PREFIX = "do:"
DELETE_PREFIX = "delete:"
CALLBACK_LIMIT = 64


def start_keyboard(lang: str) -> InlineKeyboardMarkup:
    """The one-tap "Start interview" button."""
    button = InlineKeyboardButton(
        text=text(lang, "start_button"), callback_data=START_PREFIX + lang
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def actions_keyboard(actions: Sequence[Action]) -> InlineKeyboardMarkup | None:
    """One button per action the service offered (None when there are none)."""
    rows = [
        [InlineKeyboardButton(text=action.label, callback_data=ACTION_PREFIX + action.command)]
        for action in actions
        if len((ACTION_PREFIX + action.command).encode("utf-8")) <= CALLBACK_LIMIT
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def delete_keyboard(lang: str) -> InlineKeyboardMarkup:
    """Confirm or cancel ``/delete_me``."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text(lang, key), callback_data=DELETE_PREFIX + answer)]
            for key, answer in (("delete_yes", "yes"), ("delete_no", "no"))
        ]
    )
