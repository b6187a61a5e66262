"""Runs fakesnow's HTTP server (`python -m fakesnow -s ...`) with two fakesnow 0.12.1 bugs fixed in
memory. Both are described, with how they show, in test/destinations/snowflake/FAKESNOW_GAPS.md:

1. "MERGE inside BEGIN ... COMMIT": fakesnow records a table comment for every CREATE TABLE that has
   any property, TEMPORARY included, even without a comment, by writing to its `_fs_global` DuckDB
   database. Its MERGE emulation creates a temporary table, so inside an explicit transaction that
   already wrote to the user's database every MERGE fails ("a single transaction can only write to
   a single attached database"). Fix: record a comment only when there is one.
2. "ADD COLUMN IF NOT EXISTS a, b": fakesnow splits a multi-column ADD into one ALTER per column but
   keeps IF NOT EXISTS on the first only (sqlglot stores it on the first column definition), so
   adding columns that partly exist fails. Fix: carry the first column's IF NOT EXISTS to all.

`--unpatched` runs fakesnow as published; the tests use it to check that the bugs still exist, so
these fixes are dropped once fakesnow ships its own.
"""

import sys

if "--unpatched" in sys.argv:
    sys.argv.remove("--unpatched")
else:
    import fakesnow.info_schema as info_schema
    import fakesnow.transforms as transforms
    from sqlglot import exp

    record_comment = info_schema.insert_table_comment_sql

    def record_only_real_comments(catalog: str, schema: str, table: str, comment: str | None) -> str:
        return record_comment(catalog, schema, table, comment) if comment is not None else "SELECT 1"

    info_schema.insert_table_comment_sql = record_only_real_comments

    split_add_columns = transforms.alter_table_add_multiple_columns

    def split_add_columns_keeping_if_not_exists(expression: exp.Expr) -> list[exp.Expr]:
        actions = expression.args.get("actions") if isinstance(expression, exp.Alter) else None
        if actions and all(isinstance(a, exp.ColumnDef) for a in actions) and actions[0].args.get("exists"):
            for action in actions[1:]:
                action.set("exists", True)
        return split_add_columns(expression)

    transforms.alter_table_add_multiple_columns = split_add_columns_keeping_if_not_exists

from fakesnow.cli import main  # noqa: E402  (imported after the fixes, so the server sees them)

sys.exit(main(sys.argv[1:]))
