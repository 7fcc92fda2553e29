"""Policy and entity-list files: validation names the file and field; a new announcement is a data change."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from classifier.rules import ItemAssessment, Order, PolicyFileError, load_policy, screen_order

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
NO1 = "policies/mofcom_2026_001_japan_prohibition.yaml"
NO11 = "policies/mofcom_2026_011_control_list.yaml"
MILITARY = "entities/jp_military_end_users.yaml"
CONTROL = "entities/mofcom_2026_011_control_list.yaml"


@pytest.fixture()
def data_copy(tmp_path):
    for folder in ("policies", "entities", "terms"):
        shutil.copytree(DATA_DIR / folder, tmp_path / folder)
    return tmp_path


def edit(root, relative, change):
    path = root / relative
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def set_rule(field, value, index=0):
    return lambda doc: doc["rules"][index].update({field: value})


def set_condition(kind, values):
    return lambda doc: doc["rules"][0]["applies_when"].update({kind: values})


def set_entity(index, field, value):
    return lambda doc: doc["entities"][index].update({field: value})


# (file, change, field named in the error, words in the message)
BROKEN = [
    (NO1, set_rule("decision", "banned"), "rules[0].decision", "'banned' is not one of"),
    (NO1, lambda doc: doc.pop("effective_from"), "effective_from", "is required"),
    (NO1, lambda doc: doc.update(effective_from="2026-13-01"), "effective_from", "is not a date"),
    (NO1, lambda doc: doc.update(effective_to=dt.date(2025, 1, 1)), "effective_to", "is before effective_from"),
    (NO1, set_condition("end_user_in", ["jp_military"]), "rules[0].applies_when.end_user_in", "unknown field"),
    (
        NO1,
        set_condition("end_user_on", ["jp_militray"]),
        "rules[0].applies_when.end_user_on[0]",
        "not the id of any entity list",
    ),
    (NO1, set_condition("route_includes", ["JPN"]), "rules[0].applies_when.route_includes[0]", "ISO 3166"),
    (NO1, set_condition("item", ["dual-use"]), "rules[0].applies_when.item[0]", "is not one of"),
    (NO1, lambda doc: doc["rules"][0].update(applies_when={}), "rules[0].applies_when", "at least one condition"),
    (NO1, lambda doc: doc["title"].pop("zh"), "title.zh", "is required"),
    (NO1, lambda doc: doc["sources"][0].update(url="www.mofcom.gov.cn"), "sources[0].url", "http(s)"),
    (NO1, lambda doc: doc["rules"][1].update(id=doc["rules"][0]["id"]), "rules[1].id", "used by another rule"),
    (NO11, lambda doc: doc.update(id="mofcom-2026-001"), "id", "is also the id of"),
    (MILITARY, set_entity(1, "parent", "jp-mdo"), "entities[1].parent", "not the id of any entity"),
    (MILITARY, set_entity(1, "relation", "branch"), "entities[1].relation", "is not one of unit, subsidiary"),
    (MILITARY, lambda doc: doc["list"].update(kind="blacklist"), "list.kind", "is not one of"),
    (MILITARY, set_entity(0, "aliases", {"en": ["Mitsubishi"]}), "entities[0].aliases", "shared by unrelated firms"),
    (
        MILITARY,
        set_entity(0, "aliases", {"abbr": ["JMSDF"]}),
        "entities[3].aliases",
        "'JMSDF' of 'jp-jmsdf' is also an alias of 'jp-mod'",
    ),
    (MILITARY, set_entity(0, "aliases", {"nickname": ["MoD"]}), "entities[0].aliases.nickname", "unknown field"),
    (CONTROL, lambda doc: doc["entities"].append({"ref": "jp-ndaa"}), "ref", "not the id of an entity"),
    (
        CONTROL,
        lambda doc: doc["list"].update(instrument="mofcom-2026-111"),
        "list.instrument",
        "not the id of any policy",
    ),
    (CONTROL, set_entity(0, "id", "jp-nda"), "entities[0].id", "already defined"),
]


TERMS = "terms/screening_terms.yaml"
BROKEN += [
    (
        TERMS,
        lambda doc: doc["civilian_senses"][0].update(senses=["{colours} navy"]),
        "civilian_senses[0].senses",
        "unknown word class {colours}",
    ),
    (TERMS, lambda doc: doc["civilian_senses"][0].pop("source"), "civilian_senses[0].source", "`source: unsourced`"),
    (TERMS, lambda doc: doc["military_terms"].update(en=["weapon(s"]), "military_terms.en", "not a valid phrase list"),
    (TERMS, lambda doc: doc.update(militray_terms={}), "militray_terms", "unknown field"),
    (
        MILITARY,
        lambda doc: doc["entities"][0]["aliases"].update(en=[{"name": "MoD Tokyo", "source": "a friend"}]),
        "entities[0].aliases.en[0].source",
        "neither an http(s) address nor 'unsourced'",
    ),
]


@pytest.mark.parametrize(("relative", "change", "field", "words"), BROKEN)
def test_malformed_file_names_file_and_field(data_copy, relative, change, field, words):
    edit(data_copy, relative, change)
    with pytest.raises(PolicyFileError) as caught:
        load_policy(data_copy)
    assert caught.value.field.endswith(field)
    assert words in caught.value.message
    assert caught.value.path.endswith(Path(relative).name)


def test_invalid_yaml_names_the_file(data_copy):
    (data_copy / NO1).write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyFileError, match="mofcom_2026_001_japan_prohibition.yaml: is not valid YAML"):
        load_policy(data_copy)


NEW_INSTRUMENT = {
    "id": "mofcom-2026-099",
    "title": {"zh": "商务部公告2026年第99号（示例）", "en": "Example announcement adding one entity"},
    "citation": "MOFCOM Announcement No. 99 of 2026 (example)",
    "issued": dt.date(2026, 9, 1),
    "effective_from": dt.date(2026, 9, 1),
    "effective_to": None,
    "sources": [{"url": "https://example.org/announcement-99"}],
    "rules": [
        {
            "id": "control-list",
            "decision": "prohibited",
            "detail": "Listed by the example announcement.",
            "applies_when": {"item": ["dual_use"], "end_user_on": ["example_control"]},
        }
    ],
}
NEW_LIST = {
    "list": {
        "id": "example_control",
        "kind": "control_list",
        "title": {"en": "Example control list"},
        "instrument": "mofcom-2026-099",
        "date": dt.date(2026, 9, 1),
        "effective_from": dt.date(2026, 9, 1),
        "sources": [{"url": "https://example.org/announcement-99"}],
    },
    "entities": [
        {
            "id": "example-optics",
            "name": "Example Optics K.K.",
            "country": "JP",
            "aliases": {"ja": ["株式会社エグザンプル光学"]},
        }
    ],
}


def test_new_announcement_is_a_data_change(data_copy):
    dump = lambda doc: yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)  # noqa: E731
    (data_copy / "policies" / "mofcom_2026_099_example.yaml").write_text(dump(NEW_INSTRUMENT), encoding="utf-8")
    (data_copy / "entities" / "example_control.yaml").write_text(dump(NEW_LIST), encoding="utf-8")
    policy = load_policy(data_copy)
    item = ItemAssessment(labels=["sensors_lasers"])
    line = dict(destination_country="JP", end_user="エグザンプル光学", end_user_country="JP", end_use="camera lenses")
    assert screen_order(Order(date=dt.date(2026, 9, 1), **line), item, policy).decision == "prohibited"
    assert screen_order(Order(date=dt.date(2026, 8, 31), **line), item, policy).decision == "license_required"
    assert policy.version != load_policy(DATA_DIR).version


def test_effective_to_ends_a_rule(data_copy):
    edit(data_copy, NO1, lambda doc: doc.update(effective_to=dt.date(2026, 12, 31)))
    policy = load_policy(data_copy)
    line = dict(destination_country="JP", end_user="JMSDF", end_user_country="JP", end_use="spares")
    item = ItemAssessment(labels=["aerospace"])
    assert screen_order(Order(date=dt.date(2026, 12, 31), **line), item, policy).decision == "prohibited"
    assert screen_order(Order(date=dt.date(2027, 1, 1), **line), item, policy).decision == "license_required"


def test_shipped_data_loads_and_records_gaps():
    policy = load_policy(DATA_DIR)
    assert {
        "jp_military",
        "mofcom_2026_11_control",
        "mofcom_2026_12_watch",
        "mofcom_2026_27_control",
        "jp_defence_contractors",
    } <= set(policy.lists)
    assert any("Position 15: NOT FOUND" in gap for gap in policy.lists["mofcom_2026_11_control"].gaps)
    assert len(policy.version) == 12
