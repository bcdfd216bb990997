"""Regenerate strings.py from the catalogue JSON: ``python -m opentrm.catalogue``."""

from pathlib import Path

from opentrm.catalogue.loader import render_strings_module


def main() -> None:
    target = Path(__file__).with_name("strings.py")
    target.write_text(render_strings_module(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
