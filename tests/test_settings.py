"""One settings object: DUALUSE_* variables reach it, a bad value is a clear error (exit status 2 from the command
line), and no module below the entry points reads the environment."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import classifier.settings as settings_module
from api.settings import Settings
from classifier.llm import LLMSettings
from classifier.paths import PROJECT_ROOT
from classifier.registry import ModelNotFoundError, default_model_path
from classifier.rules.limits import MAX_DESCRIPTION_CHARS
from classifier.settings import SettingsError, available_cores, get_settings, load_settings, use_settings
from tests.server import cli


@pytest.fixture
def clean_env(monkeypatch):
    """No DUALUSE_* or OMP_NUM_THREADS variable from the surrounding shell."""
    for name in list(os.environ):
        if name.startswith("DUALUSE_") or name == "OMP_NUM_THREADS":
            monkeypatch.delenv(name)
    return monkeypatch


def test_defaults(clean_env):
    settings = load_settings(Settings)
    assert settings.data_dir == PROJECT_ROOT / "data" and settings.models_dir == PROJECT_ROOT / "models"
    assert settings.state_dir == PROJECT_ROOT / "state" and settings.model_path is None
    assert settings.database == f"sqlite:///{PROJECT_ROOT / 'state' / 'dualuse.db'}"
    assert settings.max_text_chars == MAX_DESCRIPTION_CHARS  # the description limit is defined once
    assert settings.llm == LLMSettings() and not settings.llm.enabled
    assert settings.cpu_threads == available_cores() and settings.log_format == "text"


def test_dualuse_variables_reach_the_object(clean_env, tmp_path):
    values = {
        "DUALUSE_DATA_DIR": tmp_path / "data",
        "DUALUSE_MODELS_DIR": tmp_path / "models",
        "DUALUSE_STATE_DIR": tmp_path / "state",
        "DUALUSE_MODEL_PATH": tmp_path / "models" / "v1",
        "DUALUSE_DATABASE_URL": "postgresql+psycopg://u:p@db/dualuse",
        "DUALUSE_MAX_ITEMS": "8",
        "DUALUSE_MAX_TEXT_CHARS": "2000",
        "DUALUSE_MAX_END_USER_CHARS": "300",
        "DUALUSE_RELOAD_INTERVAL": "0.5",
        "DUALUSE_LOG_FORMAT": "json",
        "DUALUSE_LLM_BASE_URL": " http://llm.internal:8000/v1/ ",
        "DUALUSE_LLM_MODEL": "m",
        "DUALUSE_LLM_API_KEY": "k",
        "DUALUSE_LLM_TIMEOUT": "7.5",
        "OMP_NUM_THREADS": "3",
    }
    for name, value in values.items():
        clean_env.setenv(name, str(value))
    clean_env.setenv("DUALUSE_MAX_BODY_BYTES", "")  # empty means unset: the default applies
    settings = load_settings(Settings)
    assert (settings.data_dir, settings.models_dir, settings.state_dir, settings.model_path) == (
        tmp_path / "data",
        tmp_path / "models",
        tmp_path / "state",
        tmp_path / "models" / "v1",
    )
    assert settings.database == "postgresql+psycopg://u:p@db/dualuse" and "u:p@db" not in repr(settings)
    assert (settings.max_items, settings.max_text_chars, settings.max_end_user_chars) == (8, 2000, 300)
    assert settings.max_body_bytes == 2 * 1024 * 1024
    assert settings.reload_interval == 0.5 and settings.log_format == "json"
    assert settings.llm == LLMSettings(base_url="http://llm.internal:8000/v1", model="m", api_key="k", timeout=7.5)
    assert "'k'" not in repr(settings)
    assert settings.cpu_threads == 3
    assert default_model_path(settings) == tmp_path / "models" / "v1"


def test_omp_num_threads_that_is_not_a_count_falls_back_to_the_cores(clean_env):
    for value in ("0", "4,2", "many"):
        clean_env.setenv("OMP_NUM_THREADS", value)
        assert load_settings().cpu_threads == available_cores()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DUALUSE_MAX_ITEMS", "many", "valid integer"),
        ("DUALUSE_LLM_TIMEOUT", "soon", "valid number"),
        ("DUALUSE_LLM_TIMEOUT", "-1", "greater than 0"),
        ("DUALUSE_LOG_FORMAT", "xml", "'text' or 'json'"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_variable(clean_env, name, value, message):
    clean_env.setenv(name, value)
    with pytest.raises(SettingsError, match=rf"{name}='{value}': .*{message}"):
        load_settings(Settings)


def test_the_promoted_model_is_found_under_the_settings_models_dir(clean_env, tmp_path):
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "dualuse.json").write_text(json.dumps({"version": "v1"}), encoding="utf-8")
    (tmp_path / "CURRENT").write_text("v1\n", encoding="utf-8")
    assert default_model_path(load_settings(models_dir=tmp_path)) == tmp_path / "v1"
    with pytest.raises(ModelNotFoundError, match="no trained model under"):
        default_model_path(load_settings(models_dir=tmp_path / "empty"))


def test_deep_defaults_come_from_the_installed_settings(clean_env, tmp_path):
    installed = load_settings(data_dir=tmp_path)
    clean_env.setattr(settings_module, "_active", None)
    use_settings(installed)
    assert get_settings() is installed
    from classifier.rules.vocabulary import vocabulary_path

    assert vocabulary_path() == tmp_path / "terms" / "screening_terms.yaml"


def _models_dir(root: Path) -> Path:
    (root / "v1").mkdir(parents=True)
    config = {"version": "v1", "metadata": {"created": "2026-01-01T00:00:00"}}
    (root / "v1" / "dualuse.json").write_text(json.dumps(config), encoding="utf-8")
    (root / "CURRENT").write_text("v1\n", encoding="utf-8")
    return root


def test_the_command_line_reads_the_settings(tmp_path):
    env = {**os.environ, "DUALUSE_MODELS_DIR": str(_models_dir(tmp_path / "models"))}
    result = cli(env, "models", "list")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\* v1 ", result.stdout, re.MULTILINE)


def test_a_bad_value_is_exit_status_2_from_the_command_line(tmp_path):
    env = {**os.environ, "DUALUSE_MODELS_DIR": str(tmp_path), "DUALUSE_MAX_ITEMS": "many"}
    result = cli(env, "models", "list")
    assert result.returncode == 2
    assert (
        result.stderr.startswith("error: invalid setting DUALUSE_MAX_ITEMS='many'") and "Traceback" not in result.stderr
    )


ENVIRONMENT_ACCESS = re.compile(r"\benviron\b|\bgetenv\b|\bputenv\b|\bunsetenv\b")


def test_no_module_below_the_entry_points_reads_the_environment():
    found = []
    for package in ("classifier", "training", "api"):
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if ENVIRONMENT_ACCESS.search(line):
                    found.append((path.relative_to(PROJECT_ROOT).as_posix(), line.strip()))
    # the settings module reads it (through pydantic-settings); the command line's entry point sets one variable
    allowed = [("classifier/cli.py", 'os.environ.setdefault("HF_HUB_OFFLINE", "1")')]
    assert [entry for entry in found if entry[0] != "classifier/settings.py"] == allowed


def test_the_readme_names_every_setting():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\bDUALUSE_[A-Z_]*[A-Z]\b", readme)) - {"DUALUSE_TEST_RAY", "DUALUSE_LLM"}  # LLM_*
    names = {f"DUALUSE_{field.upper()}" for field in Settings.model_fields if field not in ("omp_num_threads",)}
    names.discard("DUALUSE_BIND_HOST")  # set from `dualuse serve --host`
    assert names <= documented, names - documented
    assert documented <= names, documented - names
    assert "OMP_NUM_THREADS" in readme
