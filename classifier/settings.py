"""The one settings object: every knob is a DUALUSE_* environment variable with a working default, read here only.

An entry point (the `dualuse` command, the service's app factory, a bench script) builds the settings once with
`load_settings`, installs them with `use_settings` and passes them, or the values they hold, down as arguments.
Library code takes explicit paths and values; where a default must be found deep inside (a cached data loader, a
model member built by `from_pretrained`), it asks `get_settings()`, never the environment. The service's knobs
extend this class in `api.settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import Field, PositiveFloat, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from classifier.errors import DualUseError
from classifier.paths import PROJECT_ROOT

ENV_PREFIX = "DUALUSE_"
DEFAULT_LLM_MODEL = "gemma-3-270m-q4_k_m"
DEFAULT_LLM_TIMEOUT_SECONDS = 120.0


class SettingsError(DualUseError, ValueError):
    """An environment variable whose value is not valid for its setting."""


@dataclass(frozen=True)
class LLMSettings:
    """Where the chat-completions endpoint is and how to call it; an empty base_url means LLM assistance is off."""

    base_url: str = ""
    model: str = DEFAULT_LLM_MODEL
    api_key: str = ""
    timeout: float = DEFAULT_LLM_TIMEOUT_SECONDS

    @property
    def enabled(self) -> bool:
        """Return whether an endpoint is configured."""
        return bool(self.base_url)


def available_cores() -> int:
    """Return the number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class Settings(BaseSettings):
    """Settings of the model, the data and the commands; each field `name` is read from DUALUSE_NAME."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,  # VAR= means "not set": the default applies
        frozen=True,
    )

    data_dir: Path = PROJECT_ROOT / "data"  # labels, corpus, policies, entity lists
    models_dir: Path = PROJECT_ROOT / "models"  # trained model versions
    state_dir: Path = PROJECT_ROOT / "state"  # the service's database, jobs and the assembled LLM weights
    model_path: Path | None = None  # a model directory to use instead of the promoted version
    llm_base_url: str = ""  # an OpenAI-compatible /v1 URL; empty: LLM assistance is off
    llm_model: str = DEFAULT_LLM_MODEL
    llm_api_key: str = Field("", repr=False)
    llm_timeout: PositiveFloat = DEFAULT_LLM_TIMEOUT_SECONDS  # seconds
    # Thread pools follow OMP_NUM_THREADS when it is a positive number (Ray sets it per worker), else the cores.
    omp_num_threads: str = Field("", validation_alias="OMP_NUM_THREADS")

    @field_validator("llm_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @property
    def llm(self) -> LLMSettings:
        """Return the LLM endpoint settings (DUALUSE_LLM_BASE_URL, _MODEL, _API_KEY and _TIMEOUT)."""
        return LLMSettings(self.llm_base_url, self.llm_model, self.llm_api_key, self.llm_timeout)

    @property
    def cpu_threads(self) -> int:
        """Return the number of threads to use: OMP_NUM_THREADS when a positive number, else the cores available."""
        raw = self.omp_num_threads.strip()
        return int(raw) if raw.isdigit() and int(raw) > 0 else available_cores()


S = TypeVar("S", bound=Settings)


def env_name(field: str) -> str:
    """Return the environment variable that sets a field (a name in pydantic's error location)."""
    return field if field.isupper() else ENV_PREFIX + field.upper()  # an alias (OMP_NUM_THREADS) is the variable


def load_settings(settings_class: type[S] = Settings, **values) -> S:
    """Return settings of settings_class read from the environment (values given here win); an invalid value
    raises SettingsError naming its variable, with pydantic's message."""
    try:
        return settings_class(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            field = str(error["loc"][0]) if error["loc"] else ""
            problems.append(f"{env_name(field)}={error.get('input')!r}: {error['msg']}")
        raise SettingsError("invalid setting " + "; ".join(problems)) from exc


_active: Settings | None = None


def use_settings(settings: S) -> S:
    """Make settings the ones `get_settings()` returns in this process (called by an entry point); return them."""
    global _active
    _active = settings
    return settings


def get_settings() -> Settings:
    """Return this process's settings: the ones an entry point installed, else read from the environment once."""
    return _active if _active is not None else use_settings(load_settings())
