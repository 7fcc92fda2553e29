"""The longest text each free-text order field may hold, so that screening one order takes bounded time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from classifier.rules.errors import OrderInputError

# A name with its unit and address fits in a few hundred characters; a stated end-use in a paragraph or two.
MAX_DESCRIPTION_CHARS = 10_000
MAX_END_USER_CHARS = 500
MAX_END_USE_CHARS = 2_000


class FieldTooLong(OrderInputError):
    """An order field longer than its limit; carries the field, its length and the limit."""

    def __init__(self, field: str, length: int, limit: int) -> None:
        self.field = field
        self.length = length
        self.limit = limit
        super().__init__(f"{field} is {length} characters long; the limit is {limit}")


@dataclass(frozen=True)
class FieldLimits:
    """Characters allowed in each free-text field of an order."""

    description: int = MAX_DESCRIPTION_CHARS
    end_user: int = MAX_END_USER_CHARS
    ultimate_consignee: int = MAX_END_USER_CHARS
    end_use: int = MAX_END_USE_CHARS

    def check(self, order: Mapping) -> None:
        """Raise FieldTooLong for the first free-text field of the order dict that is longer than its limit."""
        for field, limit in asdict(self).items():
            value = order.get(field)
            if isinstance(value, str) and len(value) > limit:
                raise FieldTooLong(field, len(value), limit)
