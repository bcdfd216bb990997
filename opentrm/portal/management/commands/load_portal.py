"""``opentrm load_portal``: the shipped glossary and the SEE country profiles.

Safe to run again: a glossary term changes (and gets a new version) only when the shipped
wording changed; an existing country profile belongs to its editors and is left alone.
"""

from typing import Any

from django.core.management.base import BaseCommand

from opentrm.portal.services import glossary_load, profiles_load


class Command(BaseCommand):
    help = "Load the shipped glossary and the country profiles of the countries listed."

    def handle(self, *args: Any, **options: Any) -> None:
        terms = glossary_load()
        profiles = profiles_load()
        self.stdout.write(f"glossary terms added or changed: {terms}; profiles created: {profiles}")
