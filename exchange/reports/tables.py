"""Report tables with small-group suppression, and their CSV form; pure functions.

The rule (also shown on the dashboard): a count of people from 1 to 4 is shown as "fewer than 5", never as a
number, in pages, charts and CSV files alike. A total from 1 to 4 is suppressed too. When a column has exactly
one suppressed cell and its total is shown, the total minus the other cells would give that cell back, so the
next smallest non-zero cell of the column is suppressed as well (complementary suppression). Zero is shown:
it names nobody.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ..common.spreadsheet import cell

THRESHOLD = 5


@dataclass(frozen=True)
class Cell:
    """A count as shown: `value` is None when it is suppressed."""

    value: int | float | None
    suppressed: bool = False

    @property
    def number(self) -> float:
        """The value for drawing (0 when suppressed)."""
        return 0 if self.value is None else self.value


@dataclass
class Row:
    label: str
    cells: list[Cell]


@dataclass
class Table:
    """A labelled table of people counts; `total` is the totals row (None when the table has none)."""

    key: str
    title: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None
    note: str = ""

    @property
    def suppressed_any(self) -> bool:
        rows = [*self.rows, *([self.total] if self.total else [])]
        return any(c.suppressed for r in rows for c in r.cells)


def suppress_column(counts: list[int], total: int | None) -> tuple[list[Cell], Cell | None]:
    """Return the column's cells and total with small groups (and their complement) suppressed."""
    hidden = [0 < c < THRESHOLD for c in counts]
    total_hidden = total is not None and 0 < total < THRESHOLD
    if total is not None and not total_hidden and sum(hidden) == 1:
        candidates = [i for i, c in enumerate(counts) if c > 0 and not hidden[i]]
        if candidates:
            hidden[min(candidates, key=lambda i: (counts[i], i))] = True
    cells = [Cell(None, True) if h else Cell(c) for c, h in zip(counts, hidden, strict=True)]
    total_cell = None if total is None else (Cell(None, True) if total_hidden else Cell(total))
    return cells, total_cell


def count_table(key: str, title: str, labels: list[str], columns: list[str], counts: list[list[int]],
                totals: list[int] | None = None, note: str = "") -> Table:
    """Build a table from raw counts (`counts[row][column]`), suppressing each column on its own."""
    n_cols = len(columns)
    by_column = []
    for col in range(n_cols):
        column = [row[col] for row in counts]
        by_column.append(suppress_column(column, None if totals is None else totals[col]))
    rows = [Row(label, [by_column[col][0][i] for col in range(n_cols)]) for i, label in enumerate(labels)]
    total = None if totals is None else Row("", [by_column[col][1] for col in range(n_cols)])
    return Table(key=key, title=title, columns=columns, rows=rows, total=total, note=note)


def show(cell: Cell, fewer: str) -> str:
    """Return the cell as text: the number, or the words for a suppressed cell."""
    if cell.suppressed:
        return fewer
    if isinstance(cell.value, float):
        return f"{cell.value:.1f}"
    return str(cell.value)


def to_csv(table: Table, *, first_column: str, total_label: str, fewer: str) -> str:
    """Return the table as CSV, suppressed cells written as words."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(first_column), *(cell(c) for c in table.columns)])
    for row in table.rows:
        writer.writerow([cell(row.label), *(show(c, fewer) for c in row.cells)])
    if table.total is not None:
        writer.writerow([cell(total_label), *(show(c, fewer) for c in table.total.cells)])
    return out.getvalue()
