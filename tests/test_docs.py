"""The documentation keeps up with the code: settings, commands and the README's two commands."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.main

from grant_interviewer.interfaces.cli.app import app
from grant_interviewer.service import COMMANDS
from grant_interviewer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CONFIGURATION = ROOT / "docs" / "configuration.md"
OPERATIONS = ROOT / "docs" / "operations.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
CHANGELOG = ROOT / "CHANGELOG.md"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _env_name(field_name: str) -> str:
    """The environment variable of a setting, built the way ``Settings`` reads it."""
    alias = Settings.model_fields[field_name].validation_alias
    if isinstance(alias, str):
        return alias.upper()
    return f"{Settings.model_config.get('env_prefix', '')}{field_name}".upper()


def _subcommands(command: Any) -> dict[str, Any]:
    """The commands of a command group (typer's groups, with or without click), else {}."""
    return dict(getattr(command, "commands", None) or {})


def _cli_commands() -> dict[str, Any]:
    return _subcommands(typer.main.get_command(app))


def _first_code_block(markdown: str) -> str:
    match = re.search(r"^```[^\n]*\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no fenced code block"
    return match.group(1)


def _make_recipe(makefile: str, target: str) -> str:
    """The recipe lines of a Makefile target (the tab-indented lines after ``target:``)."""
    match = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n?)*)", makefile, re.MULTILINE)
    assert match, f"Makefile has no {target!r} target"
    return match.group(1)


@pytest.mark.parametrize("field_name", sorted(Settings.model_fields))
def test_every_setting_is_documented(field_name: str) -> None:
    """Each setting's GRANT_INTERVIEWER_* variable is named in docs/configuration.md."""
    env = _env_name(field_name)
    assert re.search(rf"\b{env}\b", _read(CONFIGURATION)), (
        f"{env} (Settings.{field_name}) is not documented in docs/configuration.md"
    )


def test_env_names_follow_the_settings_prefix() -> None:
    """The env-name helper matches settings.py's prefix, so the check above tests real names."""
    assert Settings.model_config.get("env_prefix") == "GRANT_INTERVIEWER_"
    assert _env_name("data_dir") == "GRANT_INTERVIEWER_DATA_DIR"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_conversation_command_is_documented(command: str) -> None:
    """Each command the service understands appears in README.md or docs/operations.md."""
    pattern = rf"(?<![\w/]){re.escape(command)}\b"
    assert re.search(pattern, _read(README)) or re.search(pattern, _read(OPERATIONS)), (
        f"in-conversation command {command} is documented neither in README.md nor in "
        "docs/operations.md"
    )


def test_every_cli_command_is_documented() -> None:
    """Every command of the typer app (and of its sub-apps) appears in docs/operations.md."""
    operations = _read(OPERATIONS)
    missing: list[str] = []
    commands = _cli_commands()
    assert commands, "the typer app registers no commands"
    for name, command in commands.items():
        if not re.search(rf"grant-interviewer {re.escape(name)}\b", operations):
            missing.append(name)
        for sub in _subcommands(command):
            if not re.search(rf"\b{re.escape(name)} {re.escape(sub)}\b", operations):
                missing.append(f"{name} {sub}")
    assert not missing, f"CLI commands missing from docs/operations.md: {missing}"


def test_readme_first_block_has_the_two_commands() -> None:
    """README's first code block installs and starts `chat`, then runs `make test`."""
    block = _first_code_block(_read(README))
    assert "pip install -e ." in block
    assert re.search(r"grant-interviewer chat\b", block)
    assert re.search(r"^\s*make test\s*$", block, re.MULTILINE)


def test_readme_chat_command_exists() -> None:
    """The README's `grant-interviewer chat` is the installed script and a real command."""
    scripts = tomllib.loads(_read(ROOT / "pyproject.toml"))["project"]["scripts"]
    assert scripts.get("grant-interviewer") == "grant_interviewer.interfaces.cli.app:main"
    assert "chat" in _cli_commands()


def test_make_test_runs_pytest_and_ci_runs_make_test() -> None:
    """`make test` runs pytest, and .ci/run runs `make test` (the README's second command)."""
    recipe = _make_recipe(_read(ROOT / "Makefile"), "test")
    assert re.search(r"-m pytest\b|\bpytest\b", recipe), recipe
    ci_lines = [line.split("#", 1)[0].strip() for line in _read(ROOT / ".ci" / "run").splitlines()]
    assert "make test" in ci_lines


def test_readme_links_the_documentation() -> None:
    """README links every page of docs/ plus the changelog, and every linked file exists."""
    readme = _read(README)
    for path in (CONFIGURATION, ARCHITECTURE, OPERATIONS, CHANGELOG):
        relative = path.relative_to(ROOT).as_posix()
        assert f"]({relative})" in readme, f"README.md does not link {relative}"
    for target in re.findall(r"\]\(((?:docs/)?[\w.-]+\.md)\)", readme):
        assert (ROOT / target).is_file(), f"README.md links a missing file: {target}"


def test_relative_links_in_docs_resolve() -> None:
    """Relative links in the new docs point at files or folders that exist."""
    broken: list[str] = []
    for page in (CONFIGURATION, ARCHITECTURE, OPERATIONS):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", _read(page)):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.name}: {target}")
    assert not broken, f"broken links: {broken}"
