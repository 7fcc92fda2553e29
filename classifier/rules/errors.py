"""Errors of the rules layer: each names where the problem is so a user can fix it."""

from __future__ import annotations

from classifier.errors import DualUseError


class PolicyFileError(DualUseError, ValueError):
    """A policy or entity-list file that is malformed; names the file and the field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path = str(path)
        self.field = field
        self.message = message
        super().__init__(f"{self.path}: field '{field}': {message}" if field else f"{self.path}: {message}")


class OrderInputError(DualUseError, ValueError):
    """An order line whose fields cannot be screened; the message names the field."""


class ListImportError(DualUseError, ValueError):
    """A screening-list file that cannot be imported; the message names the file and the rows."""
