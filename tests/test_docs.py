"""Docs that cannot drift: the README's command reference is generated from the commands themselves."""

from __future__ import annotations

from jishu.docs import updated_readme
from tests.conftest import ROOT


def test_readme_command_reference_is_current():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert updated_readme(text) == text, "run: python -m jishu.docs --write"


def test_every_command_is_documented():
    from jishu.cli import app

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        assert f"### `jishu {command.name or command.callback.__name__}`" in text


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_blocks = text.split("```sh")[1:3]
    assert "jishu progress --year 2022" in first_blocks[0]
    assert "python -m pytest" in first_blocks[1]
