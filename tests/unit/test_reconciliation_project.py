import os

from orchestration.reconciliation.project import PARSE_PLACEHOLDERS, parse_environment


def test_parse_environment_fills_missing_variables(monkeypatch):
    monkeypatch.delenv("TIEOUT_PG_HOST", raising=False)

    with parse_environment():
        assert os.environ["TIEOUT_PG_HOST"] == PARSE_PLACEHOLDERS["TIEOUT_PG_HOST"]

    assert "TIEOUT_PG_HOST" not in os.environ


def test_parse_environment_keeps_set_variables(monkeypatch):
    monkeypatch.setenv("TIEOUT_PG_HOST", "db.internal")

    with parse_environment():
        assert os.environ["TIEOUT_PG_HOST"] == "db.internal"

    assert os.environ["TIEOUT_PG_HOST"] == "db.internal"


def test_parse_environment_restores_path(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin")

    with parse_environment():
        pass

    assert os.environ["PATH"] == "/usr/bin"
