"""Arguments of the dbt commands that the close runs."""

from pathlib import Path

from orchestration.close.dbt_cli import dbt_arguments
from orchestration.settings import load_settings


def test_dbt_arguments_use_own_target(tmp_path):
    settings = load_settings({"TIEOUT_HOME": str(tmp_path)})
    target = tmp_path / "dbt-docs"

    arguments = dbt_arguments(settings, ["docs", "generate", "--static"], target)

    assert arguments[:3] == ["docs", "generate", "--static"]
    assert arguments[arguments.index("--target-path") + 1] == str(target)
    assert arguments[arguments.index("--log-path") + 1] == str(target / "logs")
    assert Path(arguments[arguments.index("--project-dir") + 1]) == settings.dbt_project_dir
    assert Path(arguments[arguments.index("--profiles-dir") + 1]) == settings.dbt_project_dir
