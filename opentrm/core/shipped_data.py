"""Versioned JSON files shipped inside a package (the measure catalogue, the referral template)."""

import json
import re
from importlib import resources
from typing import Any


def shipped_versions(package: str, file_name: re.Pattern[str]) -> tuple[int, ...]:
    """The versions of the files in ``package`` whose name ``file_name`` matches (its first
    group is the version number), oldest first."""
    names = (entry.name for entry in resources.files(package).iterdir())
    found = (file_name.fullmatch(name) for name in names)
    return tuple(sorted(int(match.group(1)) for match in found if match))


def read_shipped_json(package: str, name: str) -> Any:
    """The parsed content of the JSON file ``name`` in ``package``."""
    return json.loads((resources.files(package) / name).read_text(encoding="utf-8"))
