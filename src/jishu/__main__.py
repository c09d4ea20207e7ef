"""`jishu` and `python -m jishu`: the data folder's workbooks start parsing (fast/prefetch.py) before the
command line is imported (Typer and pydantic: 0.05 s earlier than the command line could), then
the command line runs."""

import sys

from jishu.fast import prefetch


def main() -> None:
    try:
        prefetch.from_arguments(sys.argv[1:])
    except Exception:  # noqa: BLE001, S110 - a head start only: the command line asks again, and says
        pass  # what went wrong where every fault is reported (masked, without a traceback)
    from jishu.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
