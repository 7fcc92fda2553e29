"""Parameters in the decision: when a label's candidate entries are all below their thresholds, and how far the rule
is trusted (learned on validation, recall kept)."""

from __future__ import annotations

from dataclasses import asdict

from classifier.entries.decision import ParameterCheck, below_reason, entry_below
from classifier.entries.suggest import StatedParameter, thresholds_assessed

CODE_LABEL = {"3A001": "electronics", "3A002": "electronics", "7A003": "navigation_avionics"}


def _entry(code: str, *statuses: str) -> dict:
    parameters = [
        {
            "parameter": "sample_rate",
            "paragraph": f"{code}.a.{n}",
            "threshold": "> 1.3 gigasample / second",
            "status": status,
            "value": 1.0 if status != "not_stated" else None,
            "unit": "gigasample / second" if status != "not_stated" else None,
        }
        for n, status in enumerate(statuses, 1)
    ]
    return {"entry": code, "parameters": parameters}


def test_an_entry_is_below_only_when_every_threshold_is_stated_and_below():
    assert entry_below(_entry("3A001", "below", "below"))
    assert not entry_below(_entry("3A001", "below", "not_stated"))
    assert not entry_below(_entry("3A001", "below", "meets"))
    assert not entry_below(_entry("3A001"))  # no thresholds: nothing to be below


def test_the_reason_names_the_paragraph_the_value_and_the_threshold():
    reason = below_reason("electronics", [_entry("3A001", "below")], CODE_LABEL, "ADC, 14-bit, 1 GSPS")
    assert reason == "below 3A001.a.1: 1 gigasample / second, needs > 1.3 gigasample / second"


def test_every_candidate_of_the_label_must_be_below():
    entries = [_entry("3A001", "below"), _entry("3A002", "not_stated")]
    assert below_reason("electronics", entries, CODE_LABEL, "ADC") is None
    assert below_reason("navigation_avionics", entries, CODE_LABEL, "ADC") is None  # no candidates of its own


def test_special_design_is_never_demoted_but_puffery_is_no_sign_of_it():
    entries = [_entry("3A001", "below")]
    assert below_reason("electronics", entries, CODE_LABEL, "ADC specially designed for missile seekers") is None
    assert below_reason("electronics", entries, CODE_LABEL, "导弹导引头用 ADC") is None
    assert below_reason("electronics", entries, CODE_LABEL, "Military-grade ADC, MIL-STD-810 tested") is not None


def test_trust_is_learned_per_label_and_recall_is_kept():
    # electronics: demoted 3 times on validation, right 3 times; navigation: right once in 3
    fired = [(0, "electronics"), (1, "electronics"), (2, "electronics"), (3, "navigation_avionics")]
    fired += [(4, "navigation_avionics"), (5, "navigation_avionics")]
    truth = [set(), set(), set(), set(), {"navigation_avionics"}, {"navigation_avionics"}, {"electronics"}]
    predicted = [["electronics"]] * 3 + [["navigation_avionics"]] * 3 + [["electronics"]]
    check = ParameterCheck().fit(fired, truth, predicted, min_recall=0.5)
    assert check.labels_ == ["electronics"]
    assert check.validation_["navigation_avionics"] == {"fired": 3, "right": 1}
    labels, uncertain, below = check.apply(["electronics", "telecom"], [], {"electronics": "below 3A001.a.1: ..."})
    assert labels == ["telecom"] and uncertain == ["electronics"] and below == {"electronics": "below 3A001.a.1: ..."}
    assert check.apply(["navigation_avionics"], [], {"navigation_avionics": "below"}) == (
        ["navigation_avionics"],
        [],
        {},
    )


def test_a_label_whose_demotions_would_cost_recall_is_not_trusted():
    fired = [(0, "electronics"), (1, "electronics"), (2, "electronics"), (3, "electronics"), (4, "electronics")]
    truth = [set(), set(), set(), set(), {"electronics"}]  # right 4 of 5 (0.8), but the one miss is the only positive
    predicted = [["electronics"]] * 5
    assert ParameterCheck().fit(fired, truth, predicted, min_recall=0.97).labels_ == []
    assert ParameterCheck().fit(fired, truth, predicted, min_recall=0.0).labels_ == ["electronics"]


def test_the_fitted_check_round_trips_through_the_config():
    check = ParameterCheck().fit([(0, "materials"), (1, "materials")], [set(), set()], [["materials"]] * 2, 0.97)
    assert ParameterCheck.from_dict(check.as_dict()).labels_ == ["materials"]


def test_a_lacking_feature_is_named_by_the_words_that_say_so():
    lacking = {
        "parameter": "in_situ_sterilisation",
        "paragraph": "2B352.e",
        "threshold": ">= 1 dimensionless",
        "status": "below",
        "value": 0.0,
        "unit": "dimensionless",
        "phrase": "no SIP",
    }
    entries = [{"entry": "2B352", "parameters": [lacking]}]
    reason = below_reason("biotech", entries, {"2B352": "biotech"}, "Freeze dryer, 30 kg/24 h, no SIP")
    assert reason == 'below 2B352.e: "no SIP", needs in situ sterilisation'


def test_the_cli_shows_a_feature_as_present_or_absent_with_the_words_that_say_so(capsys):
    from classifier.cli import _print_entries

    text = "Pilot freeze dryer, condenser capacity 30 kg/24 h, CIP only (no SIP)"
    assessments = [StatedParameter.of(a) for a in thresholds_assessed("2B352", text)]
    entry = {
        "code": "2B352.e",
        "score": 0.5,
        "us_eccn": None,
        "insufficient_data": False,
        "text": [],
        "decontrol_notes": [],
        "china": "",
        "parameters": [asdict(p) for p in assessments if p.paragraph == "2B352.e"],
    }
    _print_entries([entry])
    printed = capsys.readouterr().out
    assert "below      2B352.e in_situ_sterilisation present: absent from 'CIP only'" in printed
    assert "meets      2B352.e condenser_ice_capacity >= 10 kilogram: 30 kilogram from '30 kg'" in printed
