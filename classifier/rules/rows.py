"""Screening a stream of order rows (as read from CSV or JSONL): every row comes out, bad ones with an error."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from classifier.rules.decide import screen_order
from classifier.rules.errors import OrderInputError
from classifier.rules.orders import ItemAssessment, Order, item_from_order
from classifier.rules.ruleset import Policy
from classifier.rules.schema import as_date

OUTPUT_COLUMNS = ("decision", "reasons", "matched_entity", "error", "policy_version")
BATCH_SIZE = 64

Classify = Callable[[list[str]], list[ItemAssessment]]


def _text(row: dict, column: str) -> str:
    value = row.get(column)
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


def _result(row: dict, decision: str = "", reasons: str = "[]", matched: str = "", error: str = "",
            version: str = "") -> dict:
    return {**row, "decision": decision, "reasons": reasons, "matched_entity": matched, "error": error,
            "policy_version": version}


def _screen_batch(numbered: list[tuple[int, dict]], policy: Policy, classify: Classify | None) -> Iterator[dict]:
    parsed: list[tuple[int, dict, Order | None, ItemAssessment | None, str]] = []
    for number, row in numbered:
        try:
            order, item = order_from_row(row)
            parsed.append((number, row, order, item, ""))
        except OrderInputError as exc:
            parsed.append((number, row, None, None, f"row {number}: {exc}"))
    to_classify = [index for index, (_, _, order, item, error) in enumerate(parsed)
                   if not error and item is None and classify is not None and order.description]
    if to_classify:
        assessments = classify([parsed[index][2].description for index in to_classify])
        if len(assessments) != len(to_classify):
            raise ValueError(f"classify returned {len(assessments)} assessments for {len(to_classify)} descriptions")
        for index, assessment in zip(to_classify, assessments, strict=True):
            number, row, order, _, error = parsed[index]
            parsed[index] = (number, row, order, assessment, error)
    for number, row, order, item, error in parsed:
        if error:
            yield _result(row, error=error, version=policy.version)
            continue
        if item is None:
            missing = "description is empty" if classify is not None else "no classifier is available"
            yield _result(row, error=f"row {number}: the item has no labels or control_code and {missing}",
                          version=policy.version)
            continue
        try:
            decision = screen_order(order, item, policy)
        except OrderInputError as exc:
            yield _result(row, error=f"row {number}: {exc}", version=policy.version)
            continue
        matched = json.dumps(decision.matched_entity, ensure_ascii=False) if decision.matched_entity else ""
        yield _result(row, decision.decision, json.dumps(decision.reasons, ensure_ascii=False), matched,
                      version=policy.version)


def screen_rows(rows: Iterable[dict], policy: Policy, classify: Classify | None = None) -> Iterator[dict]:
    """Yield every input row with decision, reasons, matched_entity, error and policy_version added."""
    numbered = enumerate(rows, start=1)
    while batch := list(islice(numbered, BATCH_SIZE)):
        yield from _screen_batch(batch, policy, classify)
