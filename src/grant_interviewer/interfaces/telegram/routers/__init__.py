"""The bot's routers, one per concern, in the order the dispatcher tries them."""

from __future__ import annotations

from aiogram import Router

from grant_interviewer.interfaces.telegram.routers import (
    answers,
    callbacks,
    commands,
    guards,
    media,
    start,
)


def all_routers() -> list[Router]:
    """Guards first (groups, edits, forwards), then start, commands, callbacks, text, media."""
    return [
        guards.router(),
        start.router(),
        commands.router(),
        callbacks.router(),
        answers.router(),
        media.router(),
    ]
