"""Small-group suppression: the rule, its complement, and the CSV form."""

from __future__ import annotations

import pytest

from exchange.reports.tables import count_table, suppress_column, to_csv


def shown(cells):
    return [None if c.suppressed else c.value for c in cells]


@pytest.mark.parametrize(("counts", "total", "expected", "expected_total"), [
    ([10, 7, 6], 23, [10, 7, 6], 23),              # nothing small
    ([10, 3, 6], 19, [10, None, None], 19),         # one small cell: its smallest neighbour hides too
    ([10, 3, 2], 15, [10, None, None], 15),         # two small cells already protect each other
    ([10, 3, 0], 13, [None, None, 0], 13),          # a zero names nobody, so it is never the complement
    ([3], 3, [None], None),                          # a small total is hidden as well
    ([4, 0], None, [None, 0], None),                # without a total, no complement is needed
    ([0, 0], 0, [0, 0], 0),
    ([5, 1, 9], 15, [None, None, 9], 15),
])
def test_suppress_column(counts, total, expected, expected_total):
    cells, total_cell = suppress_column(counts, total)
    assert shown(cells) == expected
    assert (None if total_cell is None or total_cell.suppressed else total_cell.value) == expected_total


def test_no_suppressed_cell_can_be_backed_out_from_the_total():
    for counts in ([1, 20], [4, 5, 30], [2, 8, 8, 8], [6, 1]):
        cells, total = suppress_column(counts, sum(counts))
        hidden = [i for i, c in enumerate(cells) if c.suppressed]
        assert len(hidden) != 1 or total.suppressed, counts


def test_csv_writes_words_for_small_groups_and_defuses_formulas():
    table = count_table("city", "By city", ["=HYPERLINK(1)", "Lagos"], ["Registered"], [[2], [9]], totals=[11])
    text = to_csv(table, first_column="Group", total_label="Total", fewer="fewer than 5")
    rows = [line.split(",") for line in text.strip().splitlines()]
    assert rows[0] == ["Group", "Registered"]
    assert rows[1] == ["'=HYPERLINK(1)", "fewer than 5"]
    assert rows[2] == ["Lagos", "fewer than 5"]  # the complement: otherwise 11 - 9 = 2
    assert rows[3] == ["Total", "11"]
