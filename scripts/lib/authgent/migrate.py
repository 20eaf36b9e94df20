"""Copy an authgent-server database from SQLite to PostgreSQL, every table.

Run by scripts/lib/authgent/migrate.ts with the interpreter of the pinned
authgent-server venv, so the schema is the server's own: the tables and
columns of `authgent_server.models.Base.metadata` (models/__init__.py), in
foreign-key order (`sorted_tables`: clients before the codes and tokens that
reference them). Values travel through SQLAlchemy's column types, so JSON,
booleans and timestamps arrive as the server wrote them. Signing keys are
copied as stored: encrypted with the server's secret key, so the Postgres
deployment must run with the same AUTHGENT_SECRET_KEY.

Input (environment, never argv, so no password shows in `ps`):
  AUTHGENT_MIGRATE_FROM     SQLAlchemy sync URL of the source (sqlite:///file:...?mode=ro&uri=true)
  AUTHGENT_MIGRATE_TO       SQLAlchemy sync URL of the target (postgresql+psycopg://...)
  AUTHGENT_MIGRATE_REPLACE  "1": delete the rows a non-empty target holds first
Output: one JSON object on stdout; exit 0 on success, 1 on a refusal or failure.
No URL, row value or SQL parameter is ever printed (hide_parameters=True).
"""

from __future__ import annotations

import json
import os
import sys

from sqlalchemy import create_engine, delete, func, insert, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from authgent_server.models import Base

BATCH = 500
# Bookkeeping tables another tool may have added; they hold no server data.
IGNORED_SOURCE_TABLES = {"alembic_version"}


class Refusal(Exception):
    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


def count(conn, table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def check_source(conn) -> dict[str, list[str]]:
    """The columns to copy per table; refuses what would not survive the copy."""
    inspector = inspect(conn)
    present = set(inspector.get_table_names())
    known = {table.name for table in Base.metadata.sorted_tables}
    if "signing_keys" not in present or "oauth_clients" not in present:
        raise Refusal(
            "ERR_MIGRATE_SOURCE_NOT_AUTHGENT",
            "the source has no signing_keys or oauth_clients table: it is not an authgent-server database",
        )
    unknown = sorted(present - known - IGNORED_SOURCE_TABLES)
    if unknown:
        raise Refusal(
            "ERR_MIGRATE_SOURCE_SCHEMA",
            "the source has tables this authgent-server release does not know (written by another version?); "
            "they would be lost: " + ", ".join(unknown),
            tables=unknown,
        )
    columns: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name not in present:
            continue
        source_columns = {column["name"] for column in inspector.get_columns(table.name)}
        model_columns = {column.name for column in table.columns}
        extra = sorted(source_columns - model_columns)
        if extra:
            raise Refusal(
                "ERR_MIGRATE_SOURCE_SCHEMA",
                f"the source's {table.name} has columns this authgent-server release does not know "
                f"(written by another version?); they would be lost: {', '.join(extra)}",
                table=table.name,
                columns=extra,
            )
        columns[table.name] = [column.name for column in table.columns if column.name in source_columns]
    return columns


def migrate(source_url: str, target_url: str, replace: bool) -> dict:
    source = create_engine(source_url, hide_parameters=True)
    target = create_engine(target_url, hide_parameters=True)
    try:
        with source.connect() as src:
            columns = check_source(src)
            tables = [table for table in Base.metadata.sorted_tables if table.name in columns]
            source_counts = {table.name: count(src, table) for table in tables}
            # One transaction on the target: a refusal or failure leaves it as it was
            # (PostgreSQL's DDL is transactional, so even the created tables go).
            with target.begin() as dst:
                # What the server does at startup (app.py lifespan); a no-op for existing tables.
                Base.metadata.create_all(dst)
                held = {table.name: count(dst, table) for table in Base.metadata.sorted_tables}
                held = {name: rows for name, rows in held.items() if rows}
                if held and not replace:
                    raise Refusal(
                        "ERR_MIGRATE_TARGET_NOT_EMPTY",
                        "the target already holds authgent data",
                        rows=held,
                    )
                for table in reversed(Base.metadata.sorted_tables):
                    if table.name in held:
                        dst.execute(delete(table))
                for table in tables:
                    selected = [table.c[name] for name in columns[table.name]]
                    result = src.execute(select(*selected))
                    while rows := result.mappings().fetchmany(BATCH):
                        dst.execute(insert(table), [dict(row) for row in rows])
                copied = {table.name: count(dst, table) for table in tables}
                wrong = {name: {"source": source_counts[name], "target": copied[name]} for name in copied if copied[name] != source_counts[name]}
                if wrong:
                    raise Refusal("ERR_MIGRATE_COUNT_MISMATCH", "row counts differ after the copy; nothing was committed", tables=wrong)
        return {
            "ok": True,
            "tables": [{"name": table.name, "rows": source_counts[table.name]} for table in tables],
            "replaced": held,
        }
    finally:
        source.dispose()
        target.dispose()


def main() -> int:
    try:
        result = migrate(
            os.environ["AUTHGENT_MIGRATE_FROM"],
            os.environ["AUTHGENT_MIGRATE_TO"],
            os.environ.get("AUTHGENT_MIGRATE_REPLACE") == "1",
        )
    except Refusal as refusal:
        print(json.dumps({"ok": False, "code": refusal.code, "message": str(refusal), **refusal.details}))
        return 1
    except SQLAlchemyError as error:
        # The driver's own message (psycopg and sqlite3 name host, user and file, never the password);
        # SQLAlchemy's wrapper would add the statement, which is not needed here.
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        print(json.dumps({"ok": False, "code": "ERR_MIGRATE_DATABASE", "message": " ".join(line.strip() for line in reason)[:2000]}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
