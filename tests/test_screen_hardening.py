"""Hostile end-user text: disguised names are still found, and long names cost time linear in their length."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rapidfuzz import process

from classifier.rules import ItemAssessment, Order, load_policy, matching, screen_order, screen_rows
from classifier.rules.disguise import unmask
from classifier.rules.end_use import MILITARY, assess_end_use
from classifier.rules.entities import Alias, Entity
from classifier.rules.limits import MAX_END_USER_CHARS
from classifier.rules.matching import MATCHED, EndUserMatcher

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
GYRO = ItemAssessment(labels=["navigation_avionics"])


@pytest.fixture(scope="module")
def policy():
    return load_policy(DATA_DIR)


def _decide(policy, end_user: str, end_use: str = "spares"):
    order = Order(
        destination_country="JP", end_user=end_user, end_user_country="JP", end_use=end_use, date=dt.date(2026, 3, 1)
    )
    return screen_order(order, GYRO, policy)


# (kind of disguise, end-user as written, code point the note must name)
DISGUISES = [
    ("zero-width space", "JM\u200bSDF", "U+200B"),
    ("soft hyphen", "Japan Maritime Self-De\u00adfense Force", "U+00AD"),
    ("word joiner", "海上\u2060自衛隊", "U+2060"),
    ("leading byte-order mark", "\ufeffJMSDF", "U+FEFF"),
    ("tag characters", "JMSDF\U000e0041\U000e007f", "U+E0041"),
    ("combining overlay", "J\u0336MSDF", "U+0336"),
    ("combining accent that does not compose", "JMSD\u0301F\u0323", "U+0301"),
    ("Cyrillic look-alikes", "JМЅDF", "U+041C"),
    ("Greek look-alikes", "ΑΤLΑ", "U+0391"),
    ("Cyrillic inside a long name", "Japan Mаritime Self-Defense Fоrce", "U+0430"),
]


def test_the_undisguised_names_are_prohibited_without_a_note(policy):
    for name in ("JMSDF", "Japan Maritime Self-Defense Force", "海上自衛隊", "ATLA"):
        decision = _decide(policy, name)
        assert decision.decision == "prohibited"
        assert all("text_normalised" not in reason for reason in decision.reasons)


@pytest.mark.parametrize(("kind", "written", "code_point"), DISGUISES, ids=[d[0] for d in DISGUISES])
def test_disguised_listed_name_stays_prohibited_and_says_how_it_was_read(policy, kind, written, code_point):
    decision = _decide(policy, written)
    assert decision.decision == "prohibited", kind
    assert decision.matched_entity["strength"] == "confirmed"
    note = decision.reasons[0]["text_normalised"]["end_user"]
    assert code_point in note


def test_disguised_end_use_is_read_and_noted(policy):
    assert assess_end_use("for mil\u200bitary use").kind == MILITARY
    decision = _decide(policy, "Omron Corporation", end_use="for the nаvy")
    assert decision.reasons[0]["text_normalised"] == {"end_use": decision.reasons[0]["text_normalised"]["end_use"]}
    assert "U+0430" in decision.reasons[0]["text_normalised"]["end_use"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("か\u3099", "が"),  # NFKC composes the voicing mark into the kana
        ("ア\u3099", "ア\u3099"),  # no composed form: the mark is kept, never dropped from kana
        ("ガンダム", "ガンダム"),
        ("防衛省", "防衛省"),  # Han characters are never read as look-alikes of other letters
        ("ロ口力カ", "ロ口力カ"),
        ("Kaijō", "Kaijo"),
    ],
)
def test_japanese_voicing_marks_and_han_characters_survive(written, expected):
    assert unmask(written).text == expected


def test_entity_names_are_unmasked_too():
    entity = Entity(
        id="acme",
        name="Acme",
        country="JP",
        parent=None,
        relation=None,
        aliases=(Alias("Ac\u200bme Dеfense Works", "en"),),
        memberships=(),
        notes=None,
        path="test",
    )
    match = EndUserMatcher({"acme": entity}).match("Acme Defense Works", frozenset({"JP"}))
    assert (match.status, match.entity_id) == (MATCHED, "acme")


def _matching_work(matcher, monkeypatch, text: str) -> int:
    """Return the characters the matcher folded, compared fuzzily and wrote into candidates while reading text."""
    work = {"chars": 0}
    real_extract, real_found, real_fold = process.extract, matcher._found, matching.fold_token

    def fold_token(token):
        work["chars"] += len(token)
        return real_fold(token)

    def extract(query, choices, **kwargs):
        work["chars"] += len(query) * len(choices)
        return real_extract(query, choices, **kwargs)

    def found(alias_key, method, score, detail_tokens):
        work["chars"] += sum(len(token) + 1 for token in detail_tokens)
        return real_found(alias_key, method, score, detail_tokens)

    monkeypatch.setattr(process, "extract", extract)
    monkeypatch.setattr(matcher, "_found", found)
    monkeypatch.setattr(matching, "fold_token", fold_token)
    matcher.match(text, frozenset({"JP"}))
    matcher.names_in_text(text, frozenset({"JP"}))
    monkeypatch.undo()
    return work["chars"]


@pytest.mark.parametrize("unit", ["JMSDF ", "Mitsubishi Heavy Industries ", "海上自衛隊佐世保地方隊 ", "三菱重工"])
def test_matching_work_grows_linearly_with_a_repeated_name(policy, monkeypatch, unit):
    short, long = unit * 50, unit * 800
    ratio = _matching_work(policy.matcher, monkeypatch, long) / _matching_work(policy.matcher, monkeypatch, short)
    assert ratio <= 16 * 1.25, f"16 times the text took {ratio:.1f} times the work"


def test_long_end_user_is_a_row_error_naming_the_field_and_limit(policy):
    rows = [
        {"id": "long", "destination_country": "JP", "end_user": "JMSDF " * 100, "labels": "aerospace"},
        {"id": "fine", "destination_country": "JP", "end_user": "JMSDF", "labels": "aerospace", "date": "2026-03-01"},
    ]
    long, fine = screen_rows(rows, policy)
    assert long["decision"] == ""
    assert long["error"] == f"row 1: end_user is 600 characters long; the limit is {MAX_END_USER_CHARS}"
    assert fine["decision"] == "prohibited" and fine["error"] == ""
