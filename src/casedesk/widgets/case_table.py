"""What every screen that lists cases in a DataTable (keyed by case id) does alike."""

from __future__ import annotations

from typing import Any

from textual.coordinate import Coordinate
from textual.widgets import DataTable


class CaseTableActions:
    """Mix into a Screen with one DataTable whose row keys are case ids and a `rows` list:
    j/k move, enter or a click opens the case."""

    rows: list[Any]
    app: Any
    query_one: Any  # the Screen's

    def selected_case(self) -> int | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key
        return int(key.value) if key.value is not None else None

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_case()

    def action_open_case(self) -> None:
        case_id = self.selected_case()
        opener = getattr(self.app, "open_case", None)
        if case_id is not None and opener is not None:
            opener(case_id)
