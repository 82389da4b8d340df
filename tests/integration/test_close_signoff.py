"""Sign-offs in ops.period_signoffs, recorded one by one and loaded from a CSV file."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from orchestration.close.signoff import (
    SignoffExistsError,
    list_signoffs,
    load_signoffs_file,
    record_signoff,
)
from orchestration.close.tables import ensure_close_tables

pytestmark = pytest.mark.integration


@pytest.fixture
def conn(warehouse):
    # Each test starts from an empty table in a transaction that is rolled back, so it sees
    # no sign-off made by another test.
    with psycopg.connect(warehouse.libpq_url()) as connection:
        ensure_close_tables(connection)
        connection.execute("delete from ops.period_signoffs")
        yield connection
        connection.rollback()


def test_signoff_recorded(conn):
    when = datetime(2026, 12, 3, 10, tzinfo=UTC)
    record_signoff(conn, "2026-11", "Ana Ortiz", subsidiary_id=2, signed_off_at=when)

    [signoff] = list_signoffs(conn)
    assert signoff.subsidiary_id == 2
    assert signoff.period == "2026-11"
    assert signoff.signed_off_by == "Ana Ortiz"
    assert signoff.signed_off_at == when


def test_signoff_twice_rejected(conn):
    record_signoff(conn, "2026-11", "Ana Ortiz")

    with pytest.raises(SignoffExistsError, match="--replace"):
        record_signoff(conn, "2026-11", "Bo Lind")


def test_signoff_replace_updates(conn):
    record_signoff(conn, "2026-11", "Ana Ortiz")
    record_signoff(conn, "2026-11", "Bo Lind", replace=True)

    assert [signoff.signed_off_by for signoff in list_signoffs(conn)] == ["Bo Lind"]


def test_signoff_all_and_one_coexist(conn):
    record_signoff(conn, "2026-11", "Ana Ortiz")
    record_signoff(conn, "2026-11", "Bo Lind", subsidiary_id=1)

    assert [signoff.subsidiary_id for signoff in list_signoffs(conn)] == [None, 1]


@pytest.mark.parametrize(
    ("period", "name", "message"),
    [("2026-13", "Ana", "expected YYYY-MM"), ("2026-11", "  ", "Missing signed_off_by")],
)
def test_signoff_invalid_input(conn, period, name, message):
    with pytest.raises(ValueError, match=message):
        record_signoff(conn, period, name)


def test_signoffs_file_loaded(conn, tmp_path):
    path = tmp_path / "signoffs.csv"
    path.write_text(
        "subsidiary_id,period,signed_off_by,signed_off_at\n"
        ",2026-10,Ana Ortiz,2026-11-04T09:00:00Z\n"
        "3,2026-10,Jonas Berg,2026-11-05T08:30:00\n"
    )

    assert load_signoffs_file(conn, path) == 2
    # Loading the same file again replaces the rows instead of adding copies.
    assert load_signoffs_file(conn, path) == 2

    signoffs = list_signoffs(conn)
    assert [(item.subsidiary_id, item.signed_off_by) for item in signoffs] == [
        (None, "Ana Ortiz"),
        (3, "Jonas Berg"),
    ]
    assert signoffs[1].signed_off_at == datetime(2026, 11, 5, 8, 30, tzinfo=UTC)


def test_signoffs_file_bad_line(conn, tmp_path):
    path = tmp_path / "signoffs.csv"
    path.write_text(
        "subsidiary_id,period,signed_off_by,signed_off_at\n"
        "1,2026-10,Ana Ortiz,2026-11-04T09:00:00Z\n"
        "1,October,Ana Ortiz,2026-11-04T09:00:00Z\n"
    )

    with pytest.raises(ValueError, match="line 3"):
        load_signoffs_file(conn, path)
    assert list_signoffs(conn) == []


def test_signoffs_file_missing_column(conn, tmp_path):
    path = tmp_path / "signoffs.csv"
    path.write_text("period,signed_off_by\n2026-10,Ana Ortiz\n")

    with pytest.raises(ValueError, match="missing columns subsidiary_id, signed_off_at"):
        load_signoffs_file(conn, path)
