from pathlib import Path

import pytest

from orchestration.database import parse_database_url
from orchestration.settings import PROJECT_ROOT, load_settings


def test_defaults_live_under_repository():
    settings = load_settings({})

    assert settings.home == PROJECT_ROOT / ".tieout"
    assert settings.database_url is None
    assert settings.dagster_database_url is None
    assert settings.dagster_home == PROJECT_ROOT / ".tieout" / "dagster"
    assert settings.generated_dir == PROJECT_ROOT / ".tieout" / "generated"
    assert settings.snapshot_root == PROJECT_ROOT / ".tieout" / "generated" / "snapshots"
    assert settings.quarantine_dir == PROJECT_ROOT / ".tieout" / "quarantine"
    assert settings.dbt_project_dir == PROJECT_ROOT / "dbt_project"
    assert settings.expectations_dir == PROJECT_ROOT / "expectations"
    assert settings.uses_embedded_database


def test_home_override_moves_derived_paths(tmp_path):
    settings = load_settings({"TIEOUT_HOME": str(tmp_path)})

    assert settings.home == tmp_path
    assert settings.dagster_home == tmp_path / "dagster"
    assert settings.snapshot_root == tmp_path / "generated" / "snapshots"
    assert settings.quarantine_dir == tmp_path / "quarantine"


def test_relative_home_resolves_from_repository():
    settings = load_settings({"TIEOUT_HOME": "state/here"})

    assert settings.home == PROJECT_ROOT / "state" / "here"


def test_explicit_dagster_home_and_snapshots_win(tmp_path):
    environ = {
        "TIEOUT_HOME": str(tmp_path / "home"),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "TIEOUT_SNAPSHOTS": str(tmp_path / "drop"),
    }
    settings = load_settings(environ)

    assert settings.dagster_home == tmp_path / "dagster"
    assert settings.snapshot_root == tmp_path / "drop"
    assert settings.generated_dir == tmp_path / "home" / "generated"


def test_settings_are_frozen():
    settings = load_settings({})

    with pytest.raises(AttributeError):
        settings.home = Path("/elsewhere")  # type: ignore[misc]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:p@db.example:6543/wh",
        "postgres://u:p@db.example:6543/wh",
        "postgresql+psycopg2://u:p@db.example:6543/wh",
        "postgresql+psycopg://u:p@db.example:6543/wh",
        "  postgresql+psycopg://u:p@db.example:6543/wh  ",
    ],
)
def test_database_url_driver_is_normalized(url):
    settings = load_settings({"TIEOUT_DATABASE_URL": url})

    assert settings.database_url == "postgresql://u:p@db.example:6543/wh"
    assert not settings.uses_embedded_database


def test_blank_database_url_means_embedded():
    settings = load_settings({"TIEOUT_DATABASE_URL": "   "})

    assert settings.database_url is None


def test_non_postgres_url_is_rejected():
    with pytest.raises(ValueError, match="mysql"):
        load_settings({"TIEOUT_DATABASE_URL": "mysql://u@host/db"})


def test_dagster_database_url_is_normalized():
    settings = load_settings({"TIEOUT_DAGSTER_DATABASE_URL": "postgresql+psycopg2://d@h/dg"})

    assert settings.dagster_database_url == "postgresql://d@h/dg"


def test_parse_url_reads_every_part():
    info = parse_database_url(
        "postgresql+psycopg2://ana:s%40cret@db.example:6543/wh?sslmode=require"
    )

    assert info.host == "db.example"
    assert info.port == 6543
    assert info.user == "ana"
    assert info.password == "s@cret"
    assert info.database == "wh"
    assert info.dagster_database == "wh_dagster"
    assert info.params == (("sslmode", "require"),)


def test_parse_url_defaults():
    info = parse_database_url("postgresql://db.example")

    assert info.port == 5432
    assert info.user == "postgres"
    assert info.password == ""
    assert info.database == "tieout"
    assert info.dagster_database == "tieout_dagster"


def test_parse_url_without_host_is_rejected():
    with pytest.raises(ValueError, match="no host"):
        parse_database_url("postgresql:///tieout")


def test_urls_name_driver_and_quote_password():
    info = parse_database_url("postgresql://ana:s%40cret@db.example:6543/wh?sslmode=require")

    assert info.sqlalchemy_url() == (
        "postgresql+psycopg2://ana:s%40cret@db.example:6543/wh?sslmode=require"
    )
    assert info.sqlalchemy_url("psycopg", database="other").startswith(
        "postgresql+psycopg://ana:s%40cret@db.example:6543/other"
    )
    assert info.libpq_url() == "postgresql://ana:s%40cret@db.example:6543/wh?sslmode=require"
