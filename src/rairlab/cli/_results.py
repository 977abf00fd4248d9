"""``rairlab results query``: SQL (DuckDB) over a trial run's Parquet tables.

The run's tables are views ``patients`` and ``lesions`` (one row per patient or
lesion and arm). Research use only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from rairlab.cli._output import JSON_OPTION, emit
from rairlab.errors import InvalidValueError

__all__ = ["app", "query"]

app = typer.Typer(
    help="Query a trial run's per-patient results with SQL (DuckDB).", no_args_is_help=True
)


@app.command("query")
def query(
    run_dir: Path = typer.Argument(..., metavar="DIR", help="A trial run directory."),
    sql: str = typer.Argument(
        ..., metavar="SQL", help='e.g. "SELECT arm, avg(response::INT) FROM patients GROUP BY arm".'
    ),
    limit: int = typer.Option(1000, "--limit", help="Rows printed at most."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run SQL over the views ``patients`` and ``lesions`` of a trial run."""
    import duckdb

    from rairlab.cohort import RunDir

    run = RunDir(run_dir)
    run.manifest()
    con = duckdb.connect()
    for table in ("patients", "lesions"):
        pattern = str(run.path / table / "*.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{pattern}')")
    try:
        cur = con.execute(sql)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise InvalidValueError("SQL", sql, f"a query DuckDB accepts ({first})") from None
    columns = [d[0] for d in cur.description or []]
    rows = cur.fetchmany(limit)
    data: dict[str, Any] = {"columns": columns, "rows": [list(r) for r in rows]}

    def render(console: Console) -> None:
        table = Table()
        for c in columns:
            table.add_column(c)
        for r in rows:
            table.add_row(*(f"{v:.4g}" if isinstance(v, float) else str(v) for v in r))
        console.print(table)

    emit(data, as_json, render)
