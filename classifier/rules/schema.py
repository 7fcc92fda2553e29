"""Field readers for the YAML data files: each failure raises PolicyFileError naming file and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from classifier.rules.errors import PolicyFileError


def as_date(value: Any) -> dt.date:
    """Return value as a date (a date, a datetime, or text starting YYYY-MM-DD); raise ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


class Fields:
    """A mapping read from one data file, with the dotted path that locates it in the file."""

    def __init__(self, raw: Any, path: str, where: str = "") -> None:
        if not isinstance(raw, dict):
            raise PolicyFileError(path, where, f"expected a mapping, got {type(raw).__name__}")
        self.raw = raw
        self.path = path
        self.where = where

    def name(self, key: str) -> str:
        """Return the dotted field name of `key` inside this mapping."""
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str, message: str) -> PolicyFileError:
        """Return an error about field `key` of this mapping."""
        return PolicyFileError(self.path, self.name(key), message)

    def check_keys(self, allowed: set[str]) -> None:
        """Raise if the mapping holds a key outside `allowed` (a typo would otherwise be ignored)."""
        for key in self.raw:
            if key not in allowed:
                raise self.error(str(key), f"unknown field; expected one of {', '.join(sorted(allowed))}")

    def text(self, key: str, required: bool = True) -> str | None:
        """Return a non-empty string field, or None when optional and absent."""
        value = self.raw.get(key)
        if value is None or value == "":
            if required:
                raise self.error(key, "is required and must be non-empty text")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.error(key, f"must be text, got {type(value).__name__}")
        return str(value).strip()

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        """Return a required string field whose value is one of `options`."""
        value = self.text(key)
        if value not in options:
            raise self.error(key, f"{value!r} is not one of {', '.join(options)}")
        return value

    def date(self, key: str, required: bool = True) -> dt.date | None:
        """Return a date field written as YYYY-MM-DD, or None when optional and absent (null)."""
        value = self.raw.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required (a date written YYYY-MM-DD)")
            return None
        try:
            return as_date(value)
        except ValueError:
            raise self.error(key, f"{value!r} is not a date written YYYY-MM-DD") from None

    def integer(self, key: str) -> int | None:
        """Return an optional integer field."""
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"{value!r} is not a whole number")
        return value

    def text_list(self, key: str, required: bool = False) -> tuple[str, ...]:
        """Return a list of non-empty strings (a single string counts as a one-item list)."""
        value = self.raw.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required and must be a non-empty list")
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or (required and not items):
            raise self.error(key, "must be a non-empty list of text" if required else "must be a list of text")
        for index, item in enumerate(items):
            if not isinstance(item, (str, int)) or isinstance(item, bool) or str(item).strip() == "":
                raise self.error(f"{key}[{index}]", f"{item!r} is not non-empty text")
        return tuple(str(item).strip() for item in items)

    def mapping(self, key: str, required: bool = True) -> Fields | None:
        """Return a nested mapping field as Fields."""
        value = self.raw.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required and must be a mapping")
            return None
        return Fields(value, self.path, self.name(key))

    def mappings(self, key: str, required: bool = True) -> list[Fields]:
        """Return a list-of-mappings field as a list of Fields."""
        value = self.raw.get(key)
        if value is None or value == []:
            if required:
                raise self.error(key, "is required and must be a non-empty list")
            return []
        if not isinstance(value, list):
            raise self.error(key, "must be a list")
        return [Fields(item, self.path, f"{self.name(key)}[{index}]") for index, item in enumerate(value)]


def read_sources(fields: Fields, key: str = "sources") -> tuple[dict[str, str], ...]:
    """Return the required list of sources, each a mapping with a 'url' and an optional 'note'."""
    sources = []
    for item in fields.mappings(key):
        item.check_keys({"url", "note"})
        url = item.text("url")
        if not url.startswith(("http://", "https://")):
            raise item.error("url", f"{url!r} is not an http(s) address")
        note = item.text("note", required=False)
        sources.append({"url": url, "note": note} if note else {"url": url})
    return tuple(sources)


def read_yaml(path: Path) -> object:
    """Return the parsed YAML document of `path`, or raise PolicyFileError naming the file."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyFileError(str(path), "", f"cannot read the file: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise PolicyFileError(str(path), "", f"is not valid YAML: {exc}") from exc
