"""Types shared by the adapters: parsed rows, the parse report and table layouts."""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.ingestion.objects import ChildSpec, ObjectSpec

# A parsed row: the raw table it goes to, the 1-based physical line it starts on, and
# its values as COPY text fields in table column order (after _load_id and _line_number).
Row = tuple[str, int, list[str]]

LOAD_ID_COLUMN = "_load_id"
LINE_NUMBER_COLUMN = "_line_number"
RECORD_COLUMN = "_record"

# Objects whose export is never legitimately empty: a snapshot without them is broken.
# Other objects may have no rows (no refunds this month), so a CSV with only a header,
# or a JSON Lines file with no objects, loads zero rows for them.
OBJECTS_REQUIRING_ROWS = frozenset(
    {
        ("salesforce", "account"),
        ("stripe", "customer"),
        ("netsuite", "subsidiary"),
        ("netsuite", "currency"),
        ("netsuite", "account"),
        ("netsuite", "accounting_period"),
    }
)


@dataclass
class ParseReport:
    """What an adapter noticed about one file besides its rows."""

    file: str
    # Columns in the file that the spec does not know (kept as schema drift).
    unknown_columns: list[str] = field(default_factory=list)
    # Optional spec columns the file does not have; they load as NULL.
    missing_columns: list[str] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    # Stripe lists embedded with `has_more: true`, whose remaining items are not in the file.
    incomplete_child_lists: int = 0

    def count(self, table: str) -> None:
        self.row_counts[table] = self.row_counts.get(table, 0) + 1


def requires_rows(spec: ObjectSpec) -> bool:
    """Return whether a file of `spec` with no rows is an error."""
    return (spec.source, spec.name) in OBJECTS_REQUIRING_ROWS


def is_json_format(file_format: str) -> bool:
    """Return whether rows of this format carry the whole object in `_record`."""
    return file_format in ("jsonl", "sobject_tree")


def table_columns(spec: ObjectSpec, *, with_record: bool) -> list[str]:
    """Return the data columns of the object's table, in the order adapters emit them."""
    columns = [column.name for column in spec.columns]
    if with_record:
        columns.append(RECORD_COLUMN)
    return columns


def child_table_columns(child: ChildSpec) -> list[str]:
    """Return the data columns of a child table, in the order the Stripe adapter emits them."""
    names = [column.name for column in child.columns]
    if child.parent_column in names:
        raise ValueError(
            f"Child table {child.table} has a column named like its parent column "
            f"{child.parent_column!r}; rename one of them in objects.py."
        )
    columns = [child.parent_column, *names]
    if child.keeps_record:
        columns.append(RECORD_COLUMN)
    return columns
