"""Settings read from the real environment: validation, friendly errors, ~, misspelt names."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from grant_interviewer.errors import ConfigurationError, InvalidSettingsError
from grant_interviewer.settings import get_settings, reset_settings, unknown_env_names


@pytest.mark.parametrize("given", ["debug", "Info", " warning ", "ERROR", "critical"])
def test_log_level_is_case_insensitive(given: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """GRANT_INTERVIEWER_LOG_LEVEL accepts the five level names in any case."""
    monkeypatch.setenv("GRANT_INTERVIEWER_LOG_LEVEL", given)
    assert get_settings().log_level == given.strip().upper()


def test_unknown_log_level_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown level name is an error naming the variable and the valid names."""
    monkeypatch.setenv("GRANT_INTERVIEWER_LOG_LEVEL", "verbose")
    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()
    assert isinstance(caught.value, ConfigurationError)
    (problem,) = caught.value.problems
    assert problem.startswith("invalid GRANT_INTERVIEWER_LOG_LEVEL='verbose': ")
    assert "DEBUG, INFO, WARNING, ERROR or CRITICAL" in problem


def test_every_invalid_value_gets_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several invalid variables: one problem line each, named by environment variable."""
    monkeypatch.setenv("GRANT_INTERVIEWER_LANG", "de")
    monkeypatch.setenv("GRANT_INTERVIEWER_KB_TOP_K", "0")
    monkeypatch.setenv("GRANT_INTERVIEWER_MAX_QUESTIONS", "many")
    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()
    problems = caught.value.problems
    assert len(problems) == 3
    assert all("\n" not in problem for problem in problems)
    joined = "\n".join(problems)
    assert "GRANT_INTERVIEWER_LANG='de'" in joined and "'ru' or 'en'" in joined
    assert "GRANT_INTERVIEWER_KB_TOP_K='0'" in joined
    assert "GRANT_INTERVIEWER_MAX_QUESTIONS='many'" in joined


def test_data_dir_expands_the_home_directory(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """`~` in GRANT_INTERVIEWER_DATA_DIR is the home directory, as in a shell."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GRANT_INTERVIEWER_DATA_DIR", "~/gi-data")
    settings = get_settings()
    assert settings.data_dir == tmp_path / "home" / "gi-data"
    assert settings.resolved_database_url.endswith(f"{tmp_path}/home/gi-data/interviews.sqlite3")


def test_max_questions_defaults_to_the_pack() -> None:
    """Unset GRANT_INTERVIEWER_MAX_QUESTIONS is None: the content pack's budget applies."""
    assert get_settings().max_questions is None


def test_misspelt_variable_is_reported_once_per_load(monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """A GRANT_INTERVIEWER_* name that is no setting warns, with the closest valid name."""
    monkeypatch.setenv("GRANT_INTERVIEWER_DATABASE_ULR", "sqlite:///x.sqlite3")
    monkeypatch.setenv("grant_interviewer_lang", "en")  # valid: names are case-insensitive
    with caplog.at_level(logging.WARNING, logger="grant_interviewer.settings"):
        get_settings()
        get_settings()  # cached: no second warning
    warnings = [r.getMessage() for r in caplog.records if r.name == "grant_interviewer.settings"]
    assert len(warnings) == 1
    assert "GRANT_INTERVIEWER_DATABASE_ULR" in warnings[0]
    assert "did you mean GRANT_INTERVIEWER_DATABASE_URL?" in warnings[0]
    caplog.clear()
    reset_settings()
    with caplog.at_level(logging.WARNING, logger="grant_interviewer.settings"):
        get_settings()
    assert len([r for r in caplog.records if r.name == "grant_interviewer.settings"]) == 1


def test_unknown_names_without_a_close_match() -> None:
    """A name unlike any setting is still reported, with no suggestion."""
    found = unknown_env_names({"GRANT_INTERVIEWER_ZZZ": "1", "GRANT_INTERVIEWER_LANG": "ru",
                               "OTHER_LANG": "ru"})
    assert found == [("GRANT_INTERVIEWER_ZZZ", None)]
