"""Thresholds of control-list entries set against stated parameters, and their validation by `data check`."""

import shutil

import pytest
import yaml

from classifier.entries.threshold_check import threshold_errors
from classifier.entries.thresholds import BELOW, MEETS, NOT_STATED, assess, load_thresholds, thresholds_for
from classifier.paths import PROJECT_ROOT


def threshold(paragraph, parameter=None):
    """Return the record of a paragraph (of its parameter, where the paragraph states several conditions)."""
    (found,) = [t for t in load_thresholds() if t.paragraph == paragraph and parameter in (None, t.parameter)]
    return found


@pytest.mark.parametrize(
    ("paragraph", "text", "status"),
    [
        ("7A002.a.1.a", "FOG, bias stability 0.01 deg/h, range ±300°/s", MEETS),
        ("7A002.a.1.a", "MEMS IMU, bias instability 10°/h, 9-axis", BELOW),
        ("7A002.a.1.a", "光纤陀螺 零偏稳定性≤0.02°/h", MEETS),
        ("7A002.a.1.a", "ジャイロ バイアス安定性 1.2°/h", BELOW),
        ("7A003.a.1", "INS, navigation accuracy 0.5 nm/h CEP", MEETS),
        ("7A003.a.1", "INS, navigation accuracy 2 nm/h CEP", BELOW),
        ("2B001.a.1", "turning centre, positioning accuracy 8 µm", BELOW),
        ("2B001.a.1", "jig grinder, repeatability 0.5 µm", MEETS),
        ("6A005.a.6.b.2", "multimode fibre laser, output power 6 kW, 1070 nm", MEETS),
        ("6A005.a.6.b.2", "industrial fibre laser 500 W output power", BELOW),
        ("2B352.b.1", "fermenter, total volume 300 L, SIP", MEETS),
        ("2B352.b.1", "benchtop fermenter, working volume 2 L", BELOW),
        (("3A001.a.14.a.3", "adc_sample_rate"), "ADC 12-bit, sample rate 3 GSPS", MEETS),
        (("3A001.a.14.a.3", "adc_sample_rate"), "ADC 12-bit, sampling rate 250 MSPS", BELOW),
    ],
)
def test_both_sides_of_the_line(paragraph, text, status):
    record = threshold(*paragraph) if isinstance(paragraph, tuple) else threshold(paragraph)
    assert assess(record, text).status == status


def test_exactly_on_the_line_follows_the_comparator():
    assert assess(threshold("7A002.a.1.a"), "bias stability 0.5 deg/h").status == BELOW  # "less than 0,5"
    assert assess(threshold("7A003.a.1"), "CEP 0.8 nm/hr").status == MEETS  # "0,8 ... or less"


def test_a_range_is_read_at_the_end_the_comparator_needs():
    low = threshold("3A001.a.2.b")  # ambient temperature below 218 K (-55 °C)
    assert assess(low, "operating temperature -65 to +125 °C").status == MEETS
    assert assess(low, "operating temperature -40 to +85 °C").status == BELOW


def test_no_stated_parameter_is_not_stated_never_a_guess():
    result = assess(threshold("7A002.a.1.a"), "Fibre-optic gyro for navigation, weight 1.2 kg, 28 V")
    assert result.status == NOT_STATED and result.stated is None and result.stated_value is None


def test_a_number_of_the_right_unit_away_from_the_keywords_is_not_taken():
    text = "Turntable rate range 0.5 deg/h to 500 deg/s; MEMS gyro inside"
    assert assess(threshold("7A002.a.1.a"), text).status == NOT_STATED


def test_a_value_as_near_before_a_keyword_as_after_it_belongs_to_the_keyword_before():
    from classifier.entries.thresholds import find_stated, load_parameters

    stated = find_stated("引張強度 3,530MPa、引張弾性率 230GPa、密度 1.76g/cm³", load_parameters()["tensile_modulus"])
    assert (stated.value, stated.unit) == (230, "gigapascal")


def test_decontrol_note_travels_with_the_threshold():
    notes = threshold("7A003.a.1").notes
    assert any("civil aircraft" in note and "does not apply" in note for note in notes)


def test_thresholds_cover_at_least_sixty_entries():
    assert len({t.code for t in load_thresholds()}) >= 60
    assert {t.paragraph for t in thresholds_for("7A002")} >= {"7A002.a.1.a", "7A002.a.1.b"}


def test_shipped_threshold_files_are_valid():
    assert threshold_errors() == []


@pytest.fixture()
def data_copy(tmp_path):
    shutil.copytree(PROJECT_ROOT / "data" / "control_list", tmp_path / "control_list")
    return tmp_path


def write_records(data, records):
    (data / "control_list" / "thresholds" / "z_test.yaml").write_text(yaml.safe_dump(records), encoding="utf-8")


def good_record():
    return {
        "paragraph": "7A002.a.1.a",
        "parameter": "gyro_bias_stability",
        "comparator": "<",
        "value": 0.5,
        "unit": "degree/hour",
        "line": 'A "bias" "stability" of less (better) than 0,5 degree per hour',
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unit": "furlong/fortnight/zz"}, "not known to pint"),
        ({"unit": "hertz"}, "does not measure"),
        ({"paragraph": "7A002.z.9"}, "not in the Annex I text"),
        ({"line": "A bias stability of less than 0,5 degree per hour"}, "not the verbatim text"),
        ({"value": 0.7}, "not written in its line"),
        ({"value": "half"}, "not a number"),
        ({"comparator": "=="}, "comparator must be"),
        ({"parameter": "bogus"}, "unknown parameter"),
    ],
)
def test_data_check_catches_a_bad_record(data_copy, change, message):
    write_records(data_copy, [good_record()])
    assert threshold_errors(data_copy) == []
    write_records(data_copy, [good_record() | change])
    errors = threshold_errors(data_copy)
    assert len(errors) == 1 and message in errors[0], errors


def test_a_features_record_says_the_item_has_it_and_the_feature_needs_words_for_lacking_it(data_copy):
    feature = {
        "paragraph": "7A005.b",
        "parameter": "adaptive_antenna",
        "comparator": ">=",
        "value": 1,
        "unit": "dimensionless",
        "line": "Employing 'adaptive antenna systems'.",
    }
    write_records(data_copy, [feature])
    assert threshold_errors(data_copy) == []  # its value is not written in the line: the line names it in words
    write_records(data_copy, [feature | {"comparator": "<"}])
    assert any("a feature's record is '>= 1'" in error for error in threshold_errors(data_copy))
    parameters = data_copy / "control_list" / "parameters.yaml"
    parameters.write_text(
        parameters.read_text().replace("  absent: [single antenna,", "  absent_words: [single antenna,")
    )
    write_records(data_copy, [])
    assert any("value 1 is not written" in error for error in threshold_errors(data_copy))


def test_a_record_may_take_its_line_from_a_decontrol_note_on_its_paragraph(data_copy):
    # 6A003.b.4 Note 3 exempts cameras of 9 Hz or less from 6A003.b.4.b: more than 9 Hz is a condition of that line
    record = {
        "paragraph": "6A003.b.4.b",
        "parameter": "frame_rate",
        "comparator": ">",
        "value": 9,
        "unit": "hertz",
        "line": "A maximum frame rate equal to or less than 9 Hz",
    }
    write_records(data_copy, [record])
    assert threshold_errors(data_copy) == []
    write_records(data_copy, [record | {"paragraph": "6A002.a.3.f"}])  # a note on another branch says nothing of it
    errors = threshold_errors(data_copy)
    assert len(errors) == 1 and "not the verbatim text of 6A002.a.3.f or of a note on it" in errors[0], errors


def test_data_check_catches_a_bad_subject(data_copy):
    subjects = data_copy / "control_list" / "subjects.yaml"
    subjects.write_text(
        "1C216: [maraging]\n1C999: [unobtainium]\n2B352.h: []\n6A005.a: {not: [CO2]}\n6A005.b: {not: []}\n",
        encoding="utf-8",
    )
    errors = threshold_errors(data_copy)
    assert len(errors) == 3, errors
    assert "'1C999' is not an entry or paragraph" in errors[0] and "'2B352.h' needs a list of words" in errors[1]
    assert "'6A005.b' needs a list of words" in errors[2]


def test_data_check_catches_a_bad_exemption(data_copy):
    exemptions = data_copy / "control_list" / "exemptions.yaml"
    exemptions.write_text(
        "6A008: [weather radar]\n1C999: [unobtainium]\n7A004: [star tracker]\n2B352.d: []\n", encoding="utf-8"
    )
    errors = threshold_errors(data_copy)
    assert len(errors) == 3, errors
    assert "'1C999' is not an entry or paragraph" in errors[0]
    assert "'7A004' has no note saying what it does not control" in errors[1]
    assert "'2B352.d' needs a list of words" in errors[2]


def test_a_converters_rate_counts_wherever_the_text_names_the_converter():
    # samples per second are always a converter's rate: written away from the word ADC it still counts
    line = threshold("3A001.a.5.a.4", "adc_sample_rate")
    assert assess(line, "Dual 14-bit 3.0 GSPS JESD204B/C RF ADC, 196-BGA").status == MEETS
    assert assess(line, "Dual 14-bit 125 MSPS JESD204B/C RF ADC, 196-BGA").status == BELOW
    # without the word, the rate is no ADC's
    assert assess(line, "Dual 14-bit 3.0 GSPS JESD204B/C RF DAC, 196-BGA").status == NOT_STATED


def test_data_check_catches_a_repeated_record_and_a_key_written_twice(data_copy):
    write_records(data_copy, [good_record(), good_record()])
    errors = threshold_errors(data_copy)
    assert len(errors) == 1 and "record 2 repeats record 1" in errors[0], errors
    write_records(data_copy, [good_record()])
    (data_copy / "control_list" / "subjects.yaml").write_text("1C216: [maraging]\n1C216: [steel]\n", encoding="utf-8")
    errors = threshold_errors(data_copy)
    assert len(errors) == 1 and "key(s) written twice: 1C216" in errors[0], errors
