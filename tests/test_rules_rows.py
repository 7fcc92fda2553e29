"""Screening rows as read from CSV or JSONL: every row comes out, bad rows carry a clear error."""

import csv
import json
from pathlib import Path

import pytest

from classifier.rules import ItemAssessment, load_policy, screen_rows

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "orders.csv"


@pytest.fixture(scope="module")
def policy():
    return load_policy(ROOT / "data")


def row(**fields):
    values = {
        "id": "r",
        "description": "fibre-optic gyro",
        "destination_country": "JP",
        "end_user": "JMSDF",
        "end_user_country": "JP",
        "end_use": "spares",
        "labels": '["navigation_avionics"]',
        "intermediate_countries": "",
        "date": "2026-03-01",
    }
    values.update(fields)
    return values


# (row fields, decision, error)
CASES = [
    ({}, "prohibited", ""),
    ({"labels": "navigation_avionics, sensors_lasers"}, "prohibited", ""),
    ({"labels": "[]"}, "review", ""),
    ({"labels": "[]", "end_user": "Toyota Motor"}, "not_controlled", ""),
    ({"destination_country": "SG", "intermediate_countries": '["SG", "MY"]'}, "prohibited", ""),
    ({"destination_country": "SG", "intermediate_countries": "SG,MY"}, "prohibited", ""),
    ({"date": "2025-12-31"}, "license_required", ""),
    ({"date": "2026-03-01T09:30:00"}, "prohibited", ""),
    ({"control_code": "9A012", "labels": ""}, "prohibited", ""),
    ({"uncertain": '["aerospace"]', "labels": "[]", "end_user": "Omron Corporation"}, "review", ""),
    ({"destination_country": "JPN"}, "", "row 1: destination_country 'JPN' is not an ISO 3166 alpha-2 code"),
    ({"labels": '["navigation_avionics"'}, "", "row 1: labels '[\"navigation_avionics\"' is not a JSON list"),
    ({"labels": '["gyro"]'}, "", "row 1: labels: unknown label id 'gyro'"),
    ({"date": "01/03/2026"}, "", "row 1: date '01/03/2026' is not a date written YYYY-MM-DD"),
    ({"control_code": "XYZ"}, "", "row 1: control_code 'XYZ' is not a dual-use list code"),
    ({"scores": "high"}, "", "row 1: scores 'high' is not a JSON object"),
    ({"labels": ""}, "", "row 1: the item has no labels or control_code and no classifier is available"),
]


@pytest.mark.parametrize(("fields", "decision", "error"), CASES)
def test_row(policy, fields, decision, error):
    [result] = list(screen_rows([row(**fields)], policy))
    assert result["decision"] == decision
    assert result["error"].startswith(error) if error else result["error"] == ""


def test_every_row_comes_out_in_order_with_its_columns(policy):
    rows = [row(id=str(number), destination_country="JPN" if number % 3 == 0 else "JP") for number in range(200)]
    results = list(screen_rows(rows, policy))
    assert [result["id"] for result in results] == [str(number) for number in range(200)]
    bad = [(number, result) for number, result in enumerate(results) if number % 3 == 0]
    assert all(result["error"].startswith(f"row {number + 1}:") for number, result in bad)
    assert all(set(row()) <= set(result) for result in results)
    assert json.loads(results[1]["matched_entity"])["id"] == "jp-jmsdf"
    assert json.loads(results[1]["reasons"])[0]["rule"] == "mofcom-2026-001/military-end-user"


def test_classifier_labels_rows_without_labels(policy):
    calls = []

    def classify(descriptions):
        calls.append(descriptions)
        return [ItemAssessment(labels=["aerospace"], scores={"aerospace": 0.9}) for _ in descriptions]

    rows = [row(labels=""), row(labels='["aerospace"]'), row(labels="", description="")]
    results = list(screen_rows(rows, policy, classify=classify))
    assert calls == [["fibre-optic gyro"]]
    assert [result["decision"] for result in results] == ["prohibited", "prohibited", ""]
    assert results[2]["error"] == "row 3: the item has no labels or control_code and description is empty"


def test_jsonl_values_may_be_typed(policy):
    typed = row(labels=["navigation_avionics"], intermediate_countries=["SG"], destination_country="SG")
    [result] = list(screen_rows([typed], policy))
    assert result["decision"] == "prohibited"


def test_sample_orders_cover_every_decision(policy):
    with SAMPLE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    results = list(screen_rows(rows, policy))
    assert len(results) == len(rows) >= 20
    assert {"prohibited", "review", "license_required", "not_controlled"} <= {r["decision"] for r in results}
    assert all(r["decision"] or r["error"] for r in results)
