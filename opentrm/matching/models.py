"""The matching index: a person's normalised forms and blocking keys, derived from the case
data by ``matching.index`` whenever a person is written (never edited by hand)."""

from django.db import models

from opentrm.cases.models import Person


class MatchProfile(models.Model):
    """A person's names in every normalised reading, and the other fields the scorer compares
    (``scoring.Prepared``). Derived data: rebuilt from the person with ``matching_reindex``."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="match_profile"
    )
    data = models.JSONField()
    indexed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"match profile of {self.person_id}"


class MatchKey(models.Model):
    """One blocking key of a person (``scoring.blocking_keys``): persons sharing a key are
    compared; a lookup is an index scan on ``key``."""

    # The unique constraint's index (person first) serves the person's lookups. The key's is a
    # plain B-tree (lookups are by equality: no pattern index for ``LIKE`` to keep up) holding
    # the person too, so that a search reads the index only, not a heap page per key.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["key", "person"], name="matching_matchkey_key")]
        constraints = [
            models.UniqueConstraint("person", "key", name="matching_matchkey_unique"),
        ]

    def __str__(self) -> str:
        return f"match key of {self.person_id}"
