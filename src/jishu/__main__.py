"""`jishu` and `python -m jishu`: the data folder's workbooks start parsing (fast/prefetch.py) before the
command line is imported (Typer and pydantic: 0.05 s earlier than the command line could), then
the command line runs."""

import sys

from jishu.fast import prefetch


def main() -> None:
    prefetch.from_arguments(sys.argv[1:])
    from jishu.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
