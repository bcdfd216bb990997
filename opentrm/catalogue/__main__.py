"""Regenerate strings.py from the catalogue JSON: ``python -m opentrm.catalogue``."""

from opentrm.catalogue.loader import render_strings_module
from opentrm.core.strings_module import write_strings_module


def main() -> None:
    write_strings_module(__file__, render_strings_module())


if __name__ == "__main__":
    main()
