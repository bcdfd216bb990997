"""Versioned JSON files shipped inside a package (the measure catalogue, the referral template),
and the generated ``strings.py`` that carries their translatable texts to makemessages."""

import json
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any

LINE_LENGTH = 100  # pyproject.toml [tool.ruff]


def shipped_versions(package: str, file_name: re.Pattern[str]) -> tuple[int, ...]:
    """The versions of the files in ``package`` whose name ``file_name`` matches (its first
    group is the version number), oldest first."""
    names = (entry.name for entry in resources.files(package).iterdir())
    found = (file_name.fullmatch(name) for name in names)
    return tuple(sorted(int(match.group(1)) for match in found if match))


def read_shipped_json(package: str, name: str) -> Any:
    """The parsed content of the JSON file ``name`` in ``package``."""
    return json.loads((resources.files(package) / name).read_text(encoding="utf-8"))


def render_strings_module(
    *, what: str, source: str, command: str, checked_by: str, strings: Iterable[tuple[str, str]]
) -> str:
    """The source of a generated ``strings.py``: every ``(text, translator note)`` inside
    gettext_noop, laid out as ``ruff format`` lays it out."""
    lines = [
        f'"""Every translatable text of {what}. GENERATED.',
        "",
        f"Do not edit: change {source}, then regenerate this file with",
        "",
        f"    {command}",
        "",
        f"{checked_by} fails while this file is out of date.",
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
        # json.dumps gives a valid double-quoted Python literal for any text.
        literal = json.dumps(text, ensure_ascii=False)
        call = f"    gettext_noop({literal}),"
        if len(call) <= LINE_LENGTH:
            lines.append(call)
        else:  # the layout `ruff format` gives a call too long for one line
            lines += ["    gettext_noop(", f"        {literal}", "    ),"]
    lines.append(")")
    return "\n".join(lines) + "\n"
