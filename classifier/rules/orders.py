"""Order lines and item assessments: the inputs of a screening decision, checked field by field."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from classifier.rules.countries import country_code
from classifier.rules.errors import OrderInputError
from classifier.taxonomy import TaxonomyError, default_taxonomy

# Five characters as on China's dual-use list and EU Annex I: category digit, group letter A-E, three digits;
# sub-item suffixes such as ".a.1" may follow.
_CONTROL_CODE = re.compile(r"^[0-9][A-E][0-9]{3}(?:\.[0-9A-Z]+)*$")


@dataclass
class ItemAssessment:
    """What is known about the item: likely dual-use labels, their scores, and labels near a threshold."""

    labels: list[str]
    scores: dict[str, float] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)
    source: str = "caller"


@dataclass
class Order:
    """One order line as the compliance team writes it; countries are ISO 3166 alpha-2 codes."""

    description: str = ""
    destination_country: str = ""
    end_user: str = ""
    end_user_country: str = ""
    end_use: str = ""
    intermediate_countries: list[str] = field(default_factory=list)
    # The party that finally receives the goods when it is not the end-user named above (optional).
    ultimate_consignee: str = ""
    date: dt.date | None = None
    labels: list[str] | None = None
    control_code: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class CheckedOrder:
    """An order whose country codes and date have been validated."""

    order: Order
    destination_country: str
    end_user_country: str | None
    intermediate_countries: tuple[str, ...]
    date: dt.date


def check_order(order: Order) -> CheckedOrder:
    """Return the order with validated countries and a date (today when missing), or raise OrderInputError."""
    try:
        destination = country_code(order.destination_country, "destination_country")
        end_user_country = country_code(order.end_user_country, "end_user_country")
        intermediates = tuple(
            code
            for code in (country_code(value, "intermediate_countries") for value in order.intermediate_countries)
            if code
        )
    except ValueError as exc:
        raise OrderInputError(str(exc)) from None
    if destination is None:
        raise OrderInputError("destination_country is empty; give an ISO 3166 alpha-2 code such as 'JP'")
    date = order.date
    if isinstance(date, dt.datetime):
        date = date.date()
    elif date is not None and not isinstance(date, dt.date):
        raise OrderInputError(f"date {date!r} is not a date")
    return CheckedOrder(order, destination, end_user_country, intermediates, date or dt.date.today())


def label_for_control_code(code: str) -> str:
    """Return the taxonomy label of a dual-use list code such as '9A012', or raise OrderInputError."""
    cleaned = code.strip().upper().replace(" ", "")
    label = default_taxonomy().label_for_code(cleaned) if _CONTROL_CODE.match(cleaned) else None
    if label is None:
        raise OrderInputError(f"control_code {code!r} is not a dual-use list code such as '9A012' or '1C351'")
    return label


def item_from_order(order: Order) -> ItemAssessment | None:
    """Return the item assessment the order itself carries (labels and/or control code), or None."""
    if order.labels is None and not (order.control_code or "").strip():
        return None
    labels = list(order.labels or [])
    scores: dict[str, float] = {}
    source = "caller"
    if (order.control_code or "").strip():
        label = label_for_control_code(order.control_code)
        labels = [label, *(existing for existing in labels if existing != label)]
        scores[label] = 1.0
        source = f"control_code {order.control_code.strip().upper()}"
    return ItemAssessment(labels=labels, scores=scores, source=source)


def check_item(item: ItemAssessment) -> ItemAssessment:
    """Return the item if all its label ids are in the taxonomy, or raise OrderInputError."""
    try:
        taxonomy = default_taxonomy()
        taxonomy.validate_ids(item.labels, "labels")
        taxonomy.validate_ids(item.uncertain, "uncertain")
        taxonomy.validate_ids(list(item.scores), "scores")
    except TaxonomyError as exc:
        raise OrderInputError(str(exc)) from None
    return item
