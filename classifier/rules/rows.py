"""The screening pipeline: order dicts in, one decision or error per order out, for `dualuse screen`, the API and
the web page alike. Rows read from CSV or JSONL and orders sent as JSON take the same path."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from classifier.rules.decide import Decision, screen_order
from classifier.rules.errors import OrderInputError
from classifier.rules.limits import FieldLimits
from classifier.rules.orders import ItemAssessment, Order, item_from_order
from classifier.rules.ruleset import Policy
from classifier.rules.schema import as_date

OUTPUT_COLUMNS = ("decision", "reasons", "matched_entity", "warnings", "error", "policy_version")
BATCH_SIZE = 64

# Assesses descriptions in one call: an ItemAssessment per description, or the reason it could not be assessed.
Assess = Callable[[list[str]], list["ItemAssessment | str"]]


def _text(row: dict, column: str) -> str:
    value = row.get(column)
    if isinstance(value, (bool, dict, list, tuple)):
        raise OrderInputError(f"{column} must be text, not {type(value).__name__}")
    return "" if value is None else str(value).strip()


def _text_list(row: dict, column: str) -> list[str] | None:
    """Return a list column written as a JSON list or comma-separated text; None when the cell is blank."""
    value = row.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            raise OrderInputError(f"{column} {text!r} is not a JSON list") from None
        if not isinstance(parsed, list):
            raise OrderInputError(f"{column} {text!r} is not a JSON list")
        return [str(item).strip() for item in parsed if str(item).strip()]
    return [part.strip() for part in text.split(",") if part.strip()]


def _scores(row: dict) -> dict[str, float]:
    value = row.get("scores")
    if value is None or value == "":
        return {}
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
        return {str(label): float(score) for label, score in parsed.items()}
    except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
        raise OrderInputError(f"scores {value!r} is not a JSON object of label -> number") from None


def _date(row: dict) -> dt.date | None:
    value = row.get("date")
    if value is None or value == "":
        return None
    try:
        return as_date(value)
    except ValueError:
        raise OrderInputError(f"date {value!r} is not a date written YYYY-MM-DD") from None


def order_from_row(row: dict) -> tuple[Order, ItemAssessment | None]:
    """Return the order of one input row and the item assessment it carries (None if it needs a classifier)."""
    order = Order(
        description=_text(row, "description"),
        destination_country=_text(row, "destination_country"),
        end_user=_text(row, "end_user"),
        end_user_country=_text(row, "end_user_country"),
        end_use=_text(row, "end_use"),
        ultimate_consignee=_text(row, "ultimate_consignee"),
        intermediate_countries=_text_list(row, "intermediate_countries") or [],
        date=_date(row),
        labels=_text_list(row, "labels"),
        control_code=_text(row, "control_code") or None,
        id=_text(row, "id") or None,
    )
    item = item_from_order(order)
    uncertain = _text_list(row, "uncertain") or []
    scores = _scores(row)
    if item is not None and (uncertain or scores):
        item = ItemAssessment(item.labels, {**scores, **item.scores}, uncertain, item.source)
    return order, item


@dataclass(frozen=True)
class ScreenedOrder:
    """One order's outcome: its decision and the item assessment behind it, or the error that stopped it."""

    decision: Decision | None
    item: ItemAssessment | None
    error: str = ""


def assessment_from_prediction(prediction, model_version: str | None) -> ItemAssessment | str:
    """Return a model's prediction for a description as an item assessment, or the reason it gave none."""
    if prediction.error:
        return f"description: {prediction.error}"
    return ItemAssessment(
        labels=prediction.labels,
        scores=prediction.scores,
        uncertain=prediction.uncertain,
        source=f"model {model_version}",
    )


def _parse(row: dict, limits: FieldLimits) -> list:
    """Return [order, item, error] for one order dict; the item is None when it needs assessing."""
    try:
        limits.check(row)
        order, item = order_from_row(row)
    except OrderInputError as exc:
        return [None, None, str(exc)]
    return [order, item, ""]


def _decide(
    order: Order | None, item: ItemAssessment | None, error: str, policy: Policy, can_assess: bool
) -> ScreenedOrder:
    if error:
        return ScreenedOrder(None, item, error)
    if item is None:
        missing = "description is empty" if can_assess else "no classifier is available"
        return ScreenedOrder(None, None, f"the item has no labels or control_code and {missing}")
    try:
        return ScreenedOrder(screen_order(order, item, policy), item)
    except OrderInputError as exc:
        return ScreenedOrder(None, item, str(exc))


def screen_orders(
    orders: list[dict], policy: Policy, classify: Assess | None = None, limits: FieldLimits = FieldLimits()
) -> list[ScreenedOrder]:
    """Return the outcome of every order dict, in order; descriptions without labels are assessed by one call
    of `classify`."""
    parsed = [_parse(order, limits) for order in orders]
    wanted = [
        entry for entry in parsed if classify is not None and not entry[2] and entry[1] is None and entry[0].description
    ]
    if wanted:
        assessments = classify([entry[0].description for entry in wanted])
        if len(assessments) != len(wanted):
            raise ValueError(f"classify returned {len(assessments)} assessments for {len(wanted)} descriptions")
        for entry, assessment in zip(wanted, assessments, strict=True):
            entry[1 if isinstance(assessment, ItemAssessment) else 2] = assessment
    return [_decide(order, item, error, policy, classify is not None) for order, item, error in parsed]


def _output_row(number: int, row: dict, outcome: ScreenedOrder, policy: Policy) -> dict:
    """Return the input row with decision, reasons, matched_entity, error and policy_version columns added."""
    decision = outcome.decision
    return {
        **row,
        "decision": decision.decision if decision else "",
        "reasons": json.dumps(decision.reasons, ensure_ascii=False) if decision else "[]",
        "matched_entity": json.dumps(decision.matched_entity, ensure_ascii=False)
        if decision and decision.matched_entity
        else "",
        "warnings": json.dumps(decision.warnings, ensure_ascii=False) if decision else "[]",
        "error": f"row {number}: {outcome.error}" if outcome.error else "",
        "policy_version": policy.version,
    }


def screen_rows(
    rows: Iterable[dict], policy: Policy, classify: Assess | None = None, limits: FieldLimits = FieldLimits()
) -> Iterator[dict]:
    """Yield every input row with decision, reasons, matched_entity, error and policy_version added."""
    numbered = enumerate(rows, start=1)
    while batch := list(islice(numbered, BATCH_SIZE)):
        outcomes = screen_orders([row for _, row in batch], policy, classify, limits)
        for (number, row), outcome in zip(batch, outcomes, strict=True):
            yield _output_row(number, row, outcome, policy)
