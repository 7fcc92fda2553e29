"""Parameters in the decision: when a label reads below its entries and why, and how far the rule is trusted (learned
on validation, recall kept)."""

from __future__ import annotations

from dataclasses import asdict

from classifier.entries.decision import ParameterCheck
from classifier.entries.reading import below_reasons
from classifier.entries.suggest import StatedParameter, thresholds_assessed

ABOUT = {"electronics": ["3A001", "3A002"], "biotech": ["2B352"], "navigation_avionics": ["7A003"]}


def test_the_reason_names_the_paragraph_the_stated_value_and_the_threshold():
    reasons = below_reasons("12-bit ADC, sample rate 250 MSPS, LVDS outputs", ABOUT)
    assert set(reasons) == {"electronics"}
    assert "below 3A001.a.5.a.3: 250 MSPS, needs > 400 megasample/second" in reasons["electronics"]


def test_only_the_entries_the_item_is_about_are_read():
    # 3A001.a.14's 1 GSps lines read this ADC below; without 3A001 among its candidates the label has no reason
    assert below_reasons("12-bit ADC, sample rate 250 MSPS, LVDS outputs", {"electronics": ["3A002"]}) == {}


def test_a_label_with_a_line_met_or_undecided_has_no_reason():
    assert below_reasons("12-bit ADC, sample rate 3 GSPS, JESD204C", ABOUT) == {}
    assert below_reasons("Vector network analyser, 10 MHz to 67 GHz, 1.85 mm test ports", ABOUT) == {}


def test_special_design_is_never_demoted_but_puffery_is_no_sign_of_it():
    adc = "12-bit ADC, sample rate 250 MSPS"
    assert below_reasons(adc + ", specially designed for missile seekers", ABOUT) == {}
    assert below_reasons("导弹导引头用 " + adc, ABOUT) == {}
    assert "electronics" in below_reasons("Military-grade " + adc + ", MIL-STD-810 tested", ABOUT)
    assert "electronics" in below_reasons(adc + "，军工级品质", ABOUT)


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
    reasons = below_reasons("Freeze dryer, condenser capacity 30 kg/24 h, CIP only (no SIP)", ABOUT)
    assert reasons == {"biotech": 'below 2B352.e: "CIP only", needs in situ sterilisation'}


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


def test_the_suggested_paragraph_is_a_line_the_text_meets_in_full_and_the_cli_sums_up_the_rest(capsys):
    from classifier.cli import _print_entries
    from classifier.entries.suggest import _suggestion

    text = "Wideband GaN power amplifier module 6-18 GHz, Psat 50 W, gain 50 dB"
    entry = _suggestion("3A001", text, thresholds_assessed("3A001", text), 1.0).as_dict()
    assert entry["code"] == "3A001.b.4.b.3"  # > 30 W from 12 to 16 GHz; 3A001.b.4.a.1 is only its band (2.7 GHz up)
    _print_entries([entry])
    printed = capsys.readouterr().out
    assert "meets      3A001.b.4.b.3 rf_saturated_power > 30 watt: 50 watt from '50 W'" in printed
    assert "3A001.b.4.a.1 rf_saturated_power" not in printed and "other conditions of 3A001:" in printed
