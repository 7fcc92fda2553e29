"""The Annex I lookup and the corpus' entry-code fields (`entries`, `national`, `entries_below`)."""

import json
import shutil

import pytest

from classifier.entries.control_list import CHINA_LIST_NOTE, ControlListError, attribution, control_list
from classifier.paths import PROJECT_ROOT
from classifier.taxonomy import default_taxonomy
from training.build_corpus import build_corpus
from training.corpus import entry_errors


def test_heading_provisions_and_chain_are_verbatim():
    lists = control_list()
    assert len(lists.entries) == 384
    assert lists.entry("7A003").heading.startswith("'Inertial measurement equipment or systems'")
    chain = lists.provision_chain("7A003.a.1")
    assert [path for path, _ in chain] == ["7A003", "7A003.a", "7A003.a.1"]
    assert "0,8 nautical miles per hour" in chain[-1][1]
    with pytest.raises(ControlListError):
        lists.entry("7A999")
    with pytest.raises(ControlListError):
        lists.provision_chain("7A003.q")


def test_decontrol_notes_apply_down_the_path_only():
    lists = control_list()
    gyro = lists.decontrol_notes("7A002.a.1.b")
    assert gyro == ['Note: 7A002.a.1.b. does not control "spinning mass gyros".']
    assert lists.decontrol_notes("7A002.a.1.a") == []
    assert any("civil aircraft" in note for note in lists.decontrol_notes("7A003.a.1"))


def test_us_eccn_and_attribution():
    lists = control_list()
    assert lists.us_eccn("7A003") == "7A003"
    assert lists.us_eccn("0A001") is None  # reactor items are not on the US CCL
    assert "© European Union" in attribution() and "2011/833/EU" in attribution()
    assert "same number" in CHINA_LIST_NOTE and "not included" in CHINA_LIST_NOTE


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"labels": ["navigation_avionics"], "entries": ["7A999"]}, "not an entry"),
        ({"labels": ["navigation_avionics"], "entries": "7A003"}, "must be a list"),
        ({"labels": ["navigation_avionics"], "entries": ["7A003", "7A003"]}, "repeated"),
        ({"labels": ["navigation_avionics"], "entries": ["7A001", "7A002", "7A003", "7A004"]}, "at most 3"),
        ({"labels": [], "entries": ["7A003"]}, "only on an item with labels"),
        ({"labels": ["navigation_avionics"], "entries_below": ["7A002"]}, "relabelled as a look-alike"),
        ({"labels": [], "national": "China national control"}, "only on an item with labels"),
        ({"labels": ["materials"], "national": " "}, "non-empty"),
    ],
)
def test_entry_fields_are_validated(record, message):
    errors = entry_errors(record, "item")
    assert errors and message in errors[0], errors


def test_valid_entry_fields_pass():
    assert entry_errors({"labels": ["navigation_avionics"], "entries": ["7A003", "7A002"]}, "item") == []
    assert entry_errors({"labels": ["materials"], "entries": [], "national": "PRC national item"}, "item") == []
    assert entry_errors({"labels": [], "lookalike": True, "entries_below": ["2B001"]}, "item") == []


def test_build_carries_entry_fields_to_the_splits(tmp_path):
    shutil.copytree(PROJECT_ROOT / "data" / "control_list", tmp_path / "control_list")
    authored = tmp_path / "corpus" / "authored"
    authored.mkdir(parents=True)
    items = [
        {
            "text": f"Fibre-optic INS number {i}, 0.{i} nm/h CEP free inertial",
            "labels": ["navigation_avionics"],
            "lang": "en",
            "style": "line",
            "entries": ["7A003"],
        }
        for i in range(1, 6)
    ] + [
        {
            "text": f"Turning centre model L{i}, positioning accuracy {i + 6} um",
            "labels": [],
            "lang": "en",
            "style": "line",
            "lookalike": True,
            "entries_below": ["2B001"],
        }
        for i in range(1, 6)
    ]
    (authored / "items.jsonl").write_text("\n".join(json.dumps(item) for item in items), encoding="utf-8")
    splits = build_corpus(tmp_path, default_taxonomy())
    records = [record for split in splits.values() for record in split if record["source"] == "authored"]
    assert sorted(tuple(r.get("entries", ())) for r in records).count(("7A003",)) == 5
    assert sum(r.get("entries_below") == ["2B001"] for r in records) == 5
    written = [
        json.loads(line)
        for split in ("train", "validation", "test")
        for line in (tmp_path / "corpus" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert sum("entries" in record for record in written) == 5
