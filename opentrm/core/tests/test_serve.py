"""``opentrm serve``'s cache table when several serving processes start at once on one database
(OPENTRM_CACHE=database, docs/deployment.md "Several processes")."""

from collections.abc import Iterator

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from opentrm.core.management.commands.serve import make_cache_table
from opentrm.core.tests.threads import rival_write

TABLE = "opentrm_cache_started_twice"


@pytest.fixture
def no_table(transactional_db: None) -> Iterator[None]:
    yield
    made = "TABLE" if TABLE in connection.introspection.table_names() else "INDEX"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP {made} IF EXISTS "{TABLE}"')


def test_a_process_starting_while_another_makes_the_cache_table_comes_up(
    no_table: None,
) -> None:
    # The other process's CREATE TABLE is under way (not committed) when this one looks, so this
    # one creates it too and meets the other's table: before, ``serve`` stopped with
    # 'relation "opentrm_cache" already exists'.
    with rival_write(lambda: call_command("createcachetable", TABLE, verbosity=0)):
        make_cache_table(TABLE)

    shared = DatabaseCache(TABLE, {})  # the table works as the processes' shared cache
    shared.set("feedback:count", 2)
    assert shared.get("feedback:count") == 2


def test_a_name_taken_by_something_that_is_not_a_table_still_stops_the_start(
    no_table: None,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE INDEX "{TABLE}" ON django_migrations (app)')

    with pytest.raises(CommandError, match="could not be created"):
        make_cache_table(TABLE)

    assert TABLE not in connection.introspection.table_names()
