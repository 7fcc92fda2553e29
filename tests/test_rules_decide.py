"""Screening decisions: every decision, effective dates, routes, subsidiaries and parents, false positives."""

import datetime as dt
from pathlib import Path

import pytest

from classifier.rules import ItemAssessment, Order, OrderInputError, load_policy, screen_order

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DUAL_USE = ItemAssessment(labels=["aerospace"], scores={"aerospace": 0.93})
NOT_DUAL_USE = ItemAssessment(labels=[], scores={"aerospace": 0.04})
NEAR_THRESHOLD = ItemAssessment(labels=["aerospace"], scores={"aerospace": 0.52}, uncertain=["aerospace"])
BELOW_BUT_NEAR = ItemAssessment(labels=[], scores={"aerospace": 0.47}, uncertain=["aerospace"])


@pytest.fixture(scope="module")
def policy():
    return load_policy(DATA_DIR)


def order(**fields):
    values = {
        "description": "test item",
        "destination_country": "JP",
        "end_user_country": "JP",
        "end_use": "civil aircraft maintenance",
        "date": dt.date(2026, 7, 1),
    }
    values.update(fields)
    return Order(**values)


# (case, order fields, item, decision, rules that must fire, matched entity id)
CASES = [
    # prohibited: Japanese military end-users, whatever the route
    ("jmsdf", {"end_user": "JMSDF"}, DUAL_USE, "prohibited", ["mofcom-2026-001/military-end-user"], "jp-jmsdf"),
    (
        "jmsdf behind a Singapore consignee",
        {
            "end_user": "Japan Maritime Self-Defense Force",
            "destination_country": "SG",
            "intermediate_countries": ["SG"],
        },
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-001/military-end-user"],
        "jp-jmsdf",
    ),
    (
        "jmsdf via Singapore, end-user country written SG",
        {"end_user": "JMSDF", "destination_country": "SG", "end_user_country": "SG"},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-001/military-end-user"],
        "jp-jmsdf",
    ),
    (
        "unit in kanji",
        {"end_user": "海上自衛隊佐世保地方隊"},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-001/military-end-user"],
        "jp-jmsdf",
    ),
    (
        "ATLA institute also on No. 27",
        {"end_user": "防衛装備庁 航空装備研究所"},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-001/military-end-user", "mofcom-2026-027/control-list"],
        "atla-air-systems",
    ),
    (
        "NDA on No. 1 and No. 11",
        {"end_user": "防衛大学校"},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-001/military-end-user", "mofcom-2026-011/control-list"],
        "jp-nda",
    ),
    (
        "listed subsidiary",
        {"end_user": "MHI Aero Engines", "end_use": "civil aircraft engines"},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-011/control-list"],
        "mhi-aero-engines",
    ),
    (
        "listed subsidiary in Chinese",
        {"end_user": "三菱重工航空发动机株式会社"},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-011/control-list"],
        "mhi-aero-engines",
    ),
    (
        "JAXA with civilian end-use",
        {"end_user": "JAXA", "end_use": "weather satellite structure"},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-011/control-list"],
        "jaxa",
    ),
    (
        "No. 27 entity after 29 June",
        {"end_user": "NIPPI Corporation", "date": dt.date(2026, 6, 29)},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-027/control-list"],
        "nippi",
    ),
    (
        "consignee abroad buys for a JMSDF unit",
        {
            "end_user": "Singapore Aero Trading Pte Ltd",
            "end_user_country": "SG",
            "destination_country": "SG",
            "end_use": "MRO for JMSDF P-3C fleet",
        },
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-001/military-end-user-named-in-end-use"],
        None,
    ),
    (
        "consignee abroad, end-use in Chinese",
        {
            "end_user": "Pacific Parts Ltd",
            "end_user_country": "HK",
            "destination_country": "HK",
            "end_use": "用于日本海上自卫队的巡逻机",
        },
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-001/military-end-user-named-in-end-use"],
        None,
    ),
    (
        "consignee abroad buys for a listed entity",
        {
            "end_user": "Pacific Parts Ltd",
            "end_user_country": "HK",
            "destination_country": "HK",
            "end_use": "spares for IHI Aerospace rocket motors",
        },
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-011/control-list-named-in-end-use"],
        None,
    ),
    (
        "consignee abroad buys for a watch-list entity",
        {
            "end_user": "Pacific Parts Ltd",
            "end_user_country": "HK",
            "destination_country": "HK",
            "end_use": "line equipment for SUBARU Utsunomiya",
        },
        DUAL_USE,
        "review",
        ["mofcom-2026-012/watch-list-named-in-end-use"],
        None,
    ),
    (
        "end-use denies the military user",
        {
            "end_user": "Pacific Parts Ltd",
            "end_user_country": "HK",
            "destination_country": "HK",
            "end_use": "civil airline MRO, not for JMSDF or any military user",
        },
        DUAL_USE,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        None,
    ),
    (
        "military end-use, Japanese end-user",
        {"end_user": "Toyota Motor", "end_use": "潜水艦用"},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-001/military-end-use"],
        None,
    ),
    (
        "military end-use, contractor",
        {"end_user": "Kawasaki Heavy Industries", "end_use": "P-1 patrol aircraft"},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-001/military-end-use"],
        "khi",
    ),
    (
        "No. 1 in force on its first day",
        {"end_user": "JMSDF", "date": dt.date(2026, 1, 6)},
        DUAL_USE,
        "prohibited",
        ["mofcom-2026-001/military-end-user"],
        "jp-jmsdf",
    ),
    (
        "control code to military end-user",
        {"end_user": "JGSDF", "control_code": "9A012"},
        None,
        "prohibited",
        ["mofcom-2026-001/military-end-user"],
        "jp-jgsdf",
    ),
    # review: unresolved risk signals with Japan involved
    (
        "contractor parent, civilian end-use",
        {"end_user": "Mitsubishi Heavy Industries", "end_use": "power plant turbines"},
        DUAL_USE,
        "review",
        ["mofcom-2026-001/defence-contractor", "mofcom-2026-011/parent-of-listed"],
        "mhi",
    ),
    (
        "contractor works attached",
        {"end_user": "三菱電機株式会社 鎌倉製作所", "end_use": "weather radar"},
        DUAL_USE,
        "review",
        ["mofcom-2026-001/defence-contractor", "mofcom-2026-027/parent-of-listed"],
        "melco",
    ),
    (
        "listed subsidiary before No. 11",
        {"end_user": "MHI Aero Engines", "date": dt.date(2026, 2, 23)},
        DUAL_USE,
        "review",
        ["mofcom-2026-001/defence-contractor-group"],
        "mhi-aero-engines",
    ),
    (
        "watch list",
        {"end_user": "SUBARU Corporation", "end_use": "automotive test rig"},
        DUAL_USE,
        "review",
        ["mofcom-2026-012/watch-list"],
        "subaru",
    ),
    (
        "watch list in katakana",
        {"end_user": "エネオス", "end_use": "refinery control"},
        DUAL_USE,
        "review",
        ["mofcom-2026-012/watch-list"],
        "eneos",
    ),
    (
        "watch list, press-reported name",
        {"end_user": "TDK Corporation", "end_use": "magnet production"},
        DUAL_USE,
        "review",
        ["mofcom-2026-012/watch-list"],
        "tdk",
    ),
    ("blank end-user", {"end_user": ""}, DUAL_USE, "review", ["mofcom-2026-001/unidentified-end-user"], None),
    ("placeholder end-user", {"end_user": "TBD"}, DUAL_USE, "review", ["mofcom-2026-001/unidentified-end-user"], None),
    (
        "brand, not end-user",
        {"end_user": "NEC display monitor retailer", "end_use": "monitor calibration"},
        DUAL_USE,
        "review",
        ["mofcom-2026-001/unidentified-end-user"],
        None,
    ),
    (
        "vague end-use",
        {"end_user": "Tanaka Precision K.K.", "end_use": "general use"},
        DUAL_USE,
        "review",
        ["mofcom-2026-001/vague-end-use"],
        None,
    ),
    (
        "research alone is vague",
        {"end_user": "Tanaka Precision K.K.", "end_use": "研究用"},
        DUAL_USE,
        "review",
        ["mofcom-2026-001/vague-end-use"],
        None,
    ),
    (
        "blank end-use",
        {"end_user": "Tanaka Precision K.K.", "end_use": ""},
        DUAL_USE,
        "review",
        ["mofcom-2026-001/vague-end-use"],
        None,
    ),
    (
        "near threshold, above",
        {"end_user": "Omron Corporation"},
        NEAR_THRESHOLD,
        "review",
        ["mofcom-2026-001/uncertain-classification"],
        None,
    ),
    (
        "near threshold, below",
        {"end_user": "Omron Corporation"},
        BELOW_BUT_NEAR,
        "review",
        ["mofcom-2026-001/uncertain-classification"],
        None,
    ),
    (
        "near threshold, Japan only as transit",
        {
            "end_user": "Acme Pty",
            "end_user_country": "AU",
            "destination_country": "AU",
            "intermediate_countries": ["JP"],
        },
        BELOW_BUT_NEAR,
        "review",
        ["mofcom-2026-001/uncertain-classification"],
        None,
    ),
    (
        "possible match to a listed subsidiary",
        {"end_user": "Mitsubishi Heavy Aero Engines"},
        DUAL_USE,
        "review",
        ["mofcom-2026-011/possible-control-list"],
        "mhi-aero-engines",
    ),
    (
        "near-miss of a military unit",
        {"end_user": "Sasebo District"},
        DUAL_USE,
        "review",
        ["mofcom-2026-001/possible-military-end-user"],
        "jmsdf-sasebo-district",
    ),
    # license_required: ordinary dual-use licensing
    (
        "bank is not MHI",
        {"end_user": "Mitsubishi UFJ Bank", "end_use": "data centre servers"},
        DUAL_USE,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        None,
    ),
    (
        "shipping line is not KHI",
        {"end_user": "Kawasaki Kisen Kaisha", "end_use": "ship engine monitoring"},
        DUAL_USE,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        None,
    ),
    (
        "film maker is not Fujitsu",
        {"end_user": "富士フイルム", "end_use": "medical imaging"},
        DUAL_USE,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        None,
    ),
    (
        "other destination",
        {
            "end_user": "Siemens AG",
            "end_user_country": "DE",
            "destination_country": "DE",
            "end_use": "industrial motors",
        },
        DUAL_USE,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        None,
    ),
    (
        "blank end-user, no Japan",
        {"end_user": "", "end_user_country": "DE", "destination_country": "DE"},
        DUAL_USE,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        None,
    ),
    (
        "near threshold, no Japan",
        {"end_user": "Siemens AG", "end_user_country": "DE", "destination_country": "DE"},
        NEAR_THRESHOLD,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        None,
    ),
    (
        "military end-use, not Japanese",
        {
            "end_user": "BAE Systems",
            "end_user_country": "GB",
            "destination_country": "GB",
            "end_use": "warship combat system",
        },
        DUAL_USE,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        None,
    ),
    (
        "UK ministry is not the Japanese one",
        {"end_user": "Ministry of Defence", "end_user_country": "GB", "destination_country": "GB"},
        DUAL_USE,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        None,
    ),
    (
        "before No. 1",
        {"end_user": "JMSDF", "date": dt.date(2025, 12, 31)},
        DUAL_USE,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        "jp-jmsdf",
    ),
    (
        "No. 27 entity before 29 June",
        {"end_user": "NIPPI Corporation", "date": dt.date(2026, 6, 28)},
        DUAL_USE,
        "license_required",
        ["prc-dual-use-licensing/dual-use-licence"],
        "nippi",
    ),
    # not a likely dual-use item, but a military or listed end-user: a person looks (never silent not_controlled)
    (
        "not dual-use to the military",
        {"end_user": "JMSDF"},
        NOT_DUAL_USE,
        "review",
        ["mofcom-2026-001/not-dual-use-military-end-user"],
        "jp-jmsdf",
    ),
    (
        "not dual-use to a listed entity",
        {"end_user": "MHI Aero Engines"},
        NOT_DUAL_USE,
        "review",
        ["mofcom-2026-011/not-dual-use-listed-end-user"],
        "mhi-aero-engines",
    ),
    # not_controlled: not a likely dual-use item, for anyone else
    (
        "not dual-use, military end-use",
        {"end_user": "Toyota Motor", "end_use": "軍用"},
        NOT_DUAL_USE,
        "not_controlled",
        ["prc-dual-use-licensing/not-dual-use"],
        None,
    ),
    (
        "not dual-use, near threshold, no Japan",
        {"end_user": "Siemens AG", "end_user_country": "DE", "destination_country": "DE"},
        BELOW_BUT_NEAR,
        "not_controlled",
        ["prc-dual-use-licensing/not-dual-use"],
        None,
    ),
    (
        "no labels given as a list",
        {"end_user": "Toyota Motor", "labels": []},
        None,
        "not_controlled",
        ["prc-dual-use-licensing/not-dual-use"],
        None,
    ),
    # before the ordinary regime's data begins, nothing applies and a person decides
    (
        "no rule in force",
        {"end_user": "Siemens AG", "end_user_country": "DE", "destination_country": "DE", "date": dt.date(2024, 6, 1)},
        DUAL_USE,
        "review",
        ["no-rule-in-force"],
        None,
    ),
]


@pytest.mark.parametrize(("case", "fields", "item", "decision", "rules", "entity_id"), CASES, ids=[c[0] for c in CASES])
def test_decision(policy, case, fields, item, decision, rules, entity_id):
    result = screen_order(order(**fields), item, policy)
    fired = [reason["rule"] for reason in result.reasons]
    assert result.decision == decision
    assert set(rules) <= set(fired)
    assert (result.matched_entity or {}).get("id") == entity_id


def test_reasons_carry_rule_citation_date_source_alias_and_scores(policy):
    result = screen_order(order(end_user="JMSDF Fleet Air Wing 4"), DUAL_USE, policy)
    reason = result.reasons[0]
    assert reason["rule"] == "mofcom-2026-001/military-end-user"
    assert "Announcement No. 1 of 2026" in reason["citation"]
    assert reason["effective_from"] == "2026-01-06"
    assert reason["source"].startswith("https://")
    assert (reason["matched_alias"], reason["match_score"]) == ("JMSDF", 100.0)
    assert (reason["labels"], reason["scores"]) == (["aerospace"], {"aerospace": 0.93})


def test_matched_entity_keeps_detail_parent_and_list(policy):
    entity = screen_order(order(end_user="JMSDF Fleet Air Wing 4"), DUAL_USE, policy).matched_entity
    assert entity["detail"] == "fleet air wing 4"
    assert entity["parent"]["id"] == "jp-jsdf"
    assert entity["lists"] == ["jp_military"]


def test_subsidiary_shows_its_parent_group(policy):
    entity = screen_order(order(end_user="MHI Aero Engines"), DUAL_USE, policy).matched_entity
    assert entity["parent"] == {"id": "mhi", "name": "Mitsubishi Heavy Industries, Ltd.", "relation": "subsidiary"}
    assert entity["group_lists"] == ["jp_defence_contractors"]


def test_control_code_gives_the_label_of_its_category(policy):
    result = screen_order(order(end_user="JGSDF", control_code="9A012"), None, policy)
    assert result.item.labels == ["aerospace"]
    biotech = screen_order(order(end_user="Siemens AG", control_code="1C351.a"), None, policy)
    assert biotech.item.labels == ["biotech"]


def test_date_defaults_to_today(policy):
    result = screen_order(order(end_user="JMSDF", date=None), DUAL_USE, policy)
    assert result.date == dt.date.today()


def test_decision_as_dict_is_json_ready(policy):
    import json

    data = screen_order(order(end_user="JMSDF", id="L-7"), DUAL_USE, policy).as_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False))["id"] == "L-7"
    assert data["policy_version"] == policy.version


@pytest.mark.parametrize(
    ("fields", "item", "message"),
    [
        ({"destination_country": "JPN"}, DUAL_USE, "destination_country 'JPN' is not an ISO 3166 alpha-2 code"),
        ({"destination_country": ""}, DUAL_USE, "destination_country is empty"),
        ({"intermediate_countries": ["Singapore"]}, DUAL_USE, "intermediate_countries 'Singapore'"),
        ({}, ItemAssessment(labels=["drones"]), "unknown label id 'drones'"),
        ({"control_code": "EAR99"}, None, "control_code 'EAR99' is not a dual-use list code"),
        ({}, None, "the item is not classified"),
    ],
)
def test_bad_input_is_a_clear_error(policy, fields, item, message):
    with pytest.raises(OrderInputError, match=message):
        screen_order(order(end_user="JMSDF", **fields), item, policy)


def test_datetime_is_read_as_its_date(policy):
    result = screen_order(order(end_user="JMSDF", date=dt.datetime(2026, 1, 6, 9, 30)), DUAL_USE, policy)
    assert (result.decision, result.date) == ("prohibited", dt.date(2026, 1, 6))
