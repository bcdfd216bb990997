"""Rows without model objects, for ``generate_data`` (issue 18): the generator builds plain
tuples and this module writes them, by ``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3's
``cursor.copy()``) and by ``executemany`` on SQLite.

A ``Table`` names the columns the generator gives (in that order) and fills every other column
of the model the way ``Model.save`` would: its default, ``now`` for ``auto_now``/``auto_now_add``
columns, ``None`` or ``""`` where the field has no default. Values go through the field's
``get_db_prep_save`` wherever the database needs it (JSON everywhere; dates, times and UUIDs on
SQLite; an encrypted field is sealed with the key ring exactly as the model field seals it).
Ids are taken from the tables' sequences in blocks (``nextval`` on PostgreSQL, so the sequences
are past the ids written and concurrent writers get other ids), or after the largest id on
SQLite, whose writer holds the database's lock for the whole transaction.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import connection, models

from opentrm.core.encrypted import EncryptedTextField

Row = tuple[Any, ...]
# Field classes whose Python values each database's driver takes as they are.
_AS_IS_POSTGRES = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.DateField,  # DateTimeField too (a subclass)
    models.UUIDField,
    models.ForeignKey,
)
_AS_IS_SQLITE = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.ForeignKey,
)
# Callable defaults that give the same value every time (a new empty container).
_CONSTANT_DEFAULTS: tuple[Any, ...] = (dict, list)


def _as_is(field: "models.Field[Any, Any]") -> bool:
    if isinstance(field, EncryptedTextField | models.JSONField):
        return False
    kinds = _AS_IS_POSTGRES if connection.vendor == "postgresql" else _AS_IS_SQLITE
    return isinstance(field, kinds)


class Table:
    """One model's table: the columns given by the generator (``given``, separated by spaces)
    and how the others are filled."""

    def __init__(
        self,
        model: type[models.Model],
        given: str,
        constants: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.name = model._meta.db_table
        fields = {field.column: field for field in model._meta.concrete_fields}
        named = given.split()
        unknown = [column for column in [*named, *(constants or {})] if column not in fields]
        if unknown:
            raise ValueError(f"{self.name} has no column {', '.join(unknown)}")
        self.given = named
        self.constants = dict(constants or {})
        self.rest = [column for column in fields if column not in self.given]
        self.fields = fields
        self.columns = self.given + self.rest
        for column in self.rest:
            field = fields[column]
            if column in self.constants or getattr(field, "auto_now", False):
                continue
            if getattr(field, "auto_now_add", False):
                continue
            if (
                field.has_default()
                and callable(field.default)
                and field.default not in _CONSTANT_DEFAULTS
            ):
                raise ValueError(f"{self.name}.{column}: its default is drawn per row; give it")
        self.prepare: list[tuple[int, Callable[[Any], Any]]] = [
            (index, self._prep(fields[column]))
            for index, column in enumerate(self.given)
            if not _as_is(fields[column])
        ]

    @staticmethod
    def _prep(field: "models.Field[Any, Any]") -> Callable[[Any], Any]:
        def prep(value: Any) -> Any:
            return field.get_db_prep_save(value, connection)

        return prep

    def tail(self, now: datetime) -> Row:
        """The values of the columns not given, as the database takes them (one chunk's)."""
        values = []
        for column in self.rest:
            field = self.fields[column]
            if column in self.constants:
                value = self.constants[column]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:
                value = field.get_default()
            values.append(field.get_db_prep_save(value, connection))
        return tuple(values)


def take_ids(table: Table, count: int) -> list[int]:
    """``count`` new ids for ``table`` (module docstring)."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table.name, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table.name)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608 - a model's
        (last,) = cursor.fetchone()
        # SQLite's AUTOINCREMENT never gives back an id it gave once: start after it too.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table.name])
        found = cursor.fetchone()
        start = max(last, found[0] if found else 0) + 1
        return list(range(start, start + count))


def write(table: Table, rows: Iterable[Row], now: datetime) -> int:
    """Write ``rows`` (the given columns' values) with the other columns filled; how many."""
    tail = table.tail(now)
    prepare = table.prepare
    if prepare:
        rows = (_prepared(row, prepare) for row in rows)
    quoted = ", ".join(connection.ops.quote_name(column) for column in table.columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + tail)
                    written += 1
            return written
        full = [row + tail for row in rows]
        marks = ", ".join(["%s"] * len(table.columns))
        insert = f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})"  # noqa: S608 - names
        cursor.executemany(insert, full)
        return len(full)


def _prepared(row: Row, prepare: list[tuple[int, Callable[[Any], Any]]]) -> Row:
    values = list(row)
    for index, prep in prepare:
        values[index] = prep(values[index])
    return tuple(values)
