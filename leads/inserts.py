"""Several new rows of different tables written in one round trip: what a lead's submission writes beside the lead.

Every submission writes, with its lead, its first status step, its outbox event and its idempotency record. As
three `objects.create()` calls they cost three round trips and the ORM's query building three times (the
benchmark's figures before and after: README, "Lead intake"). Here the rows are built as model instances (defaults and
`auto_now_add` filled in, each value adapted for the database exactly as the ORM adapts it) and sent as one
statement on PostgreSQL (data-modifying CTEs, which all run whatever the final SELECT reads), one INSERT each
on SQLite (`make run`), which has no such statement.

Like `bulk_create`, it sends no `pre_save`/`post_save` signals: use it only for rows whose receivers would do
nothing (a lead's first "received" step leaves no roll-up mark: leads.rollups).
"""

from typing import Any

from django.db import connection, models


def _insert(row: models.Model) -> tuple[str, list[Any]]:
    opts = row._meta
    fields = [field for field in opts.local_concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    params = [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields]
    # Only the model's own table and column names (quoted) go into the text; every value is a parameter.
    sql = f"INSERT INTO {connection.ops.quote_name(opts.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    return sql, params


def rows_insert(*rows: models.Model) -> None:
    """Insert the unsaved `rows` (their ids set afterwards), in the caller's transaction."""
    statements = [_insert(row) for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for row, (sql, params) in zip(rows, statements, strict=True):
                cursor.execute(sql, params)
                row.pk = cursor.lastrowid
                row._state.adding, row._state.db = False, connection.alias
            return
        parts = [f"row{number} AS ({sql} RETURNING id)" for number, (sql, _) in enumerate(statements)]
        ids = ", ".join(f"(SELECT id FROM row{number})" for number in range(len(rows)))  # noqa: S608
        cursor.execute(f"WITH {', '.join(parts)} SELECT {ids}", [param for _, params in statements for param in params])
        for row, pk in zip(rows, cursor.fetchone(), strict=True):
            row.pk = pk
            row._state.adding, row._state.db = False, connection.alias
