"""The generated ``strings.py`` of versioned data (the measure catalogue, the referral
template): every translatable text inside ``gettext_noop``, so makemessages finds it.

The output is already in `ruff format` style, so formatting the tree leaves it unchanged.
"""

import json
from collections.abc import Iterable
from pathlib import Path

LINE_LENGTH = 100  # pyproject.toml [tool.ruff]


def render_strings_module(
    *, title: str, source: str, command: str, test: str, strings: Iterable[tuple[str, str]]
) -> str:
    """The module's source: ``title`` as its first line, each (text, translator note) of
    ``strings`` in order; it names the JSON ``source``, the ``command`` that regenerates it
    and the ``test`` that fails while it is out of date."""
    lines = [
        f'"""{title} GENERATED.',
        "",
        f"Do not edit: change {source}, then regenerate this file with",
        "",
        f"    {command}",
        "",
        f"{test} fails while this file is out of date.",
        '"""',
        "",
        "# ruff: noqa: E501",
        "",
        "from django.utils.translation import gettext_noop",
        "",
        "STRINGS: tuple[str, ...] = (",
    ]
    for text, note in strings:
        lines.append(f"    # Translators: {note}.")
        call = f"    gettext_noop({_python_string(text)}),"
        if len(call) <= LINE_LENGTH:
            lines.append(call)
        else:  # the layout `ruff format` gives a call too long for one line
            lines += ["    gettext_noop(", f"        {_python_string(text)}", "    ),"]
    lines.append(")")
    return "\n".join(lines) + "\n"


def write_strings_module(package_file: str, source: str) -> None:
    """Write ``source`` to the ``strings.py`` beside ``package_file`` (a ``__main__``)."""
    target = Path(package_file).with_name("strings.py")
    target.write_text(source, encoding="utf-8")
    print(f"wrote {target}")


def _python_string(text: str) -> str:
    # json.dumps gives a valid double-quoted Python literal for any text without '%' escapes.
    return json.dumps(text, ensure_ascii=False)
