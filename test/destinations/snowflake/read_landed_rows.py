"""Reads landed rows straight from fakesnow's server with the Python Snowflake connector, as an
independent check of what the Snowflake destination wrote.

Nothing of the Node side takes part: not snowflake-sdk, not the test shim, not its Arrow decoder
(arrow-rowset.ts). The connector decodes fakesnow's Arrow answers itself, into Python types, and
this script checks each value's Python type against the column type the caller expects before
turning it into JSON. A value of the wrong type (a number landed as text, a timestamp as a string,
JSON as a plain string in a VARCHAR) is an error, not something to normalise away.

Input (stdin, JSON):
  {"port": 1234, "database": "ZS_TEST",
   "tables": [{"schema": "src", "table": "tickets", "primaryKey": "id",
               "columns": [{"name": "id", "type": "bigint"}, ...]}]}
Output (stdout, JSON): one entry per table, in order:
  {"exists": true, "declaredTypes": {"id": "NUMBER", ...}, "rows": [{"id": 1, ...}, ...]}
Values, by column type: bigint as a JSON number (as decimal text beyond 2^53, which JSON numbers
cannot carry exactly into JavaScript), double as a number ("NaN"/"Infinity"/"-Infinity" as text),
boolean, text, timestamp as ISO-8601 UTC ("...:05Z", or "...:05.123Z" with a fraction), date as
"YYYY-MM-DD", json parsed. Identifiers are quoted upper case, the exact names Snowflake gives
unquoted ones. fakesnow would also answer other spellings in queries (FAKESNOW_GAPS.md, gap 12), so
tables and columns are first looked up in INFORMATION_SCHEMA by exact, case-sensitive name: a table
created as "src"."tickets" is reported as not existing, a column "subject" as missing.
"""

import datetime
import decimal
import json
import math
import sys

import snowflake.connector

MAX_SAFE_INTEGER = 2**53 - 1


class WrongType(Exception):
    pass


def quoted(name: str) -> str:
    return '"' + name.upper().replace('"', '""') + '"'


def iso_utc(value: datetime.datetime) -> str:
    utc = value.astimezone(datetime.timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        # Millisecond precision is what the writer sends; keep all six digits if there is more.
        fraction = f"{utc.microsecond:06d}"
        text += "." + (fraction[:3] if fraction.endswith("000") else fraction)
    return text + "Z"


def to_json_value(value, column_type: str, where: str):
    if value is None:
        return None

    def expect(ok: bool):
        if not ok:
            raise WrongType(f"{where}: a {column_type} column returned {type(value).__name__} {value!r}")

    if column_type == "bigint":
        # NUMBER(38,0) decodes to int; a Decimal with a fraction would mean a wrong column type.
        expect(isinstance(value, int) and not isinstance(value, bool)
               or isinstance(value, decimal.Decimal) and value == value.to_integral_value())
        n = int(value)
        return n if abs(n) <= MAX_SAFE_INTEGER else str(n)
    if column_type == "double":
        expect(isinstance(value, float))
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if column_type == "boolean":
        expect(isinstance(value, bool))
        return value
    if column_type == "text":
        expect(isinstance(value, str))
        return value
    if column_type == "timestamp":
        expect(isinstance(value, datetime.datetime) and value.tzinfo is not None)
        return iso_utc(value)
    if column_type == "date":
        expect(isinstance(value, datetime.date) and not isinstance(value, datetime.datetime))
        return value.isoformat()
    if column_type == "json":
        # The connector hands VARIANT over as its JSON text.
        expect(isinstance(value, str))
        return json.loads(value)
    raise WrongType(f"{where}: unknown column type {column_type}")


def read_table(cursor, spec: dict) -> dict:
    schema, table = spec["schema"].upper(), spec["table"].upper()
    cursor.execute(
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
        (schema, table),
    )
    if cursor.fetchone()[0] == 0:
        return {"exists": False, "declaredTypes": {}, "rows": []}
    cursor.execute(
        "SELECT COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
        (schema, table),
    )
    declared = {name: data_type for name, data_type in cursor.fetchall()}
    columns = spec["columns"]
    missing = [c["name"] for c in columns if c["name"].upper() not in declared]
    if missing:
        raise WrongType(f"{schema}.{table}: no column named {', '.join(n.upper() for n in missing)} (has {', '.join(declared)})")
    # fakesnow sends a NULL timestamp as a valid Arrow struct with null fields, which the connector
    # decodes as 1970-01-01 (FAKESNOW_GAPS.md, gap 3): each timestamp column comes with an IS NULL
    # flag computed by the server, so a NULL cannot pass for the epoch or the other way round.
    timestamps = [c for c in columns if c["type"] == "timestamp"]
    select = ", ".join([quoted(c["name"]) for c in columns] + [f"{quoted(c['name'])} IS NULL" for c in timestamps])
    cursor.execute(f"SELECT {select} FROM {quoted(schema)}.{quoted(table)} ORDER BY {quoted(spec['primaryKey'])}")
    rows = []
    key_index = [c["name"] for c in columns].index(spec["primaryKey"])
    for record in cursor.fetchall():
        values = list(record[: len(columns)])
        is_null = dict(zip((c["name"] for c in timestamps), record[len(columns):]))
        key = values[key_index]
        rows.append({
            c["name"]: None if is_null.get(c["name"]) else to_json_value(value, c["type"], f"{schema}.{table} {key}.{c['name']}")
            for c, value in zip(columns, values)
        })
    return {
        "exists": True,
        "declaredTypes": {c["name"]: declared[c["name"].upper()] for c in columns},
        "rows": rows,
    }


def main() -> int:
    request = json.load(sys.stdin)
    connection = snowflake.connector.connect(
        host="127.0.0.1",
        port=request["port"],
        protocol="http",
        account="zs-check",
        user="python_check",
        password="fakesnow-accepts-any-password",
        database=request["database"].upper(),
    )
    try:
        cursor = connection.cursor()
        result = [read_table(cursor, spec) for spec in request["tables"]]
    except WrongType as err:
        print(str(err), file=sys.stderr)
        return 2
    finally:
        connection.close()
    json.dump(result, sys.stdout, allow_nan=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
