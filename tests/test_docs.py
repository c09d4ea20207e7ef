"""Docs that cannot drift (STYLE §5): the README's command reference is the real `--help` (cog)."""

from __future__ import annotations

from cogapp import Cog

from tests.conftest import ROOT


def test_readme_command_reference_is_current(capsys):
    assert Cog().main(["cog", "--check", str(ROOT / "README.md")]) == 0, "run: cog -r README.md"
