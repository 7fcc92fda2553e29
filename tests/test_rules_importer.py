"""Importing a screening list from CSV or OpenSanctions JSON into an entity-list file."""

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from classifier.rules import ListImportError, check_against_data, dump_entity_list, import_entity_list
from classifier.rules.entities import build_entities
from classifier.rules.matching import MATCHED, EndUserMatcher

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
HEADER = dict(
    list_id="imported",
    kind="control_list",
    title="Imported list",
    source_url="https://example.org/list",
    date=dt.date(2026, 9, 1),
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CSV_TEXT = """id,name,aliases,alias_zh,country,parent,position,source_url
ex-optics,Example Optics K.K.,EXO;エグザンプル光学,示例光学,JP,,1,https://example.org/ex
ex-optics-lab,Example Optics Sendai Lab,,,jp,ex-optics,2,
"""

FTM_LINES = [
    {
        "id": "os-1",
        "schema": "Company",
        "properties": {
            "name": ["Example Avionics Co., Ltd.", "EXA Avionics"],
            "alias": ["イグザンプル・アビオニクス"],
            "weakAlias": ["EXA"],
            "country": ["jp"],
            "sourceUrl": ["https://example.org/os-1"],
        },
    },
    {"id": "os-2", "schema": "Company", "properties": {"name": ["Example Avionics Service"], "country": ["jp"]}},
    {"id": "own-1", "schema": "Ownership", "properties": {"owner": ["os-1"], "asset": ["os-2"]}},
    {"id": "addr-1", "schema": "Address", "properties": {"full": ["1-1 Example, Tokyo"]}},
]


def test_csv_import_builds_a_valid_list(tmp_path):
    document = import_entity_list(write(tmp_path, "list.csv", CSV_TEXT), **HEADER)
    lists, entities = build_entities([(yaml.safe_load(dump_entity_list(document)), "imported.yaml")])
    assert entities["ex-optics"].country == "JP"
    assert {(alias.kind, alias.text) for alias in entities["ex-optics"].aliases} >= {
        ("abbr", "EXO"),
        ("ja", "エグザンプル光学"),
        ("zh", "示例光学"),
    }
    assert entities["ex-optics-lab"].parent == "ex-optics"
    assert EndUserMatcher(entities).match("エグザンプル光学", frozenset({"JP"})).status == MATCHED


def test_opensanctions_lines_with_ownership(tmp_path):
    path = write(tmp_path, "entities.ftm.json", "\n".join(json.dumps(line, ensure_ascii=False) for line in FTM_LINES))
    document = import_entity_list(path, **HEADER)
    entities = {entity["id"]: entity for entity in document["entities"]}
    assert set(entities) == {"imported-os-1", "imported-os-2"}
    assert entities["imported-os-2"]["parent"] == "imported-os-1"
    assert entities["imported-os-1"]["aliases"] == {
        "ja": ["イグザンプル・アビオニクス"],
        "en": ["EXA Avionics"],
        "generic": ["EXA"],
    }


def test_opensanctions_json_array(tmp_path):
    path = write(tmp_path, "entities.json", json.dumps(FTM_LINES[:2]))
    assert len(import_entity_list(path, **HEADER)["entities"]) == 2


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.csv", "name,country\n,JP\nAcme,JPN\n", "row 1: column 'name' is empty"),
        ("bad.csv", "name,country\nAcme,JPN\n", "row 1: country 'JPN' is not an ISO 3166 alpha-2 code"),
        ("nonames.csv", "title,country\nAcme,JP\n", "needs a 'name' column"),
        ("list.xlsx", "", "unsupported format '.xlsx'"),
        ("broken.jsonl", '{"id": "a"\n', "line 1 is not JSON"),
        (
            "dup.csv",
            "id,name,aliases,country\na,Alpha Corp,AC,JP\nb,Beta Corp,AC,JP\n",
            "'AC' of 'b' is also an alias of 'a'",
        ),
    ],
)
def test_import_errors_name_file_and_row(tmp_path, name, text, message):
    with pytest.raises(ListImportError, match=message):
        import_entity_list(write(tmp_path, name, text), **HEADER)


def test_clash_with_existing_lists_is_reported(tmp_path):
    document = import_entity_list(write(tmp_path, "list.csv", "name,aliases,country\nSome Firm,MHI,JP\n"), **HEADER)
    with pytest.raises(ListImportError, match="'MHI'"):
        check_against_data(document, "imported.yaml", DATA_DIR)
