"""Control-list entries for flagged items: the ranker, the parameters against thresholds, and every output that
carries them (the model, `dualuse classify`, `dualuse label`, `/v1/classify`)."""

from __future__ import annotations

import copy
import csv
import json

import numpy as np
import pytest
from sklearn.preprocessing import normalize

from classifier.entries.decision import ParameterCheck
from classifier.entries.ranking import EntryRanker
from classifier.entries.suggest import suggest_entries, thresholds_assessed
from classifier.entries.thresholds import MEETS, NOT_STATED
from classifier.linear import unit_rows
from classifier.model import DualUseClassifier
from tests.server import cli

INS_TEXT = "Strapdown inertial navigation system, ring-laser gyros, free inertial drift 0.5 nm/h CEP, for aircraft"
INS_WEAK_TEXT = "Strapdown inertial navigation system, ring-laser gyros, free inertial drift 2 nm/h CEP, for aircraft"
INS_BARE_TEXT = "Strapdown inertial navigation system with ring-laser gyros for aircraft"


@pytest.fixture(scope="module")
def ngram(quick_model):
    return quick_model.members["ngram"]


@pytest.fixture(scope="module")
def ranker(ngram):
    """A ranker over three reference items, all voting: two inertial systems (7A003) and a gyro (7A001)."""
    texts = [
        "inertial navigation system ring laser gyro aircraft position drift nm/h",
        "INS for vessels, free inertial navigation, fibre optic gyros",
        "tactical gyroscope, bias stability, angle random walk",
    ]
    codes = ["7A003", "7A003", "7A001"]
    label_of = {"7A003": "navigation_avionics", "7A001": "navigation_avionics"}
    return EntryRanker(neighbours=3).fit(ngram.features(texts), codes, [1.0, 1.0, 1.0], label_of)


def _suggest(ranker, ngram, text):
    scores = ranker.code_scores(ngram.features([text]))[0]
    return suggest_entries(text, scores, np.ones(len(ranker.codes_), dtype=bool), ranker)


def test_candidates_are_ranked_by_their_neighbours_and_carry_the_list_text(ranker, ngram):
    found = _suggest(ranker, ngram, INS_TEXT)
    assert found[0].entry == "7A003"
    first = found[0].as_dict()
    assert first["list"].startswith("EU Annex I") and first["us_eccn"] == "7A003"
    assert "same number" in first["china"] and "not included" in first["china"]
    assert first["text"][0].startswith("7A003 'Inertial measurement equipment or systems'")
    assert "European Union" in first["attribution"]
    assert 0.0 <= first["score"] <= 1.0


def test_a_stated_value_meeting_the_threshold_names_its_paragraph(ranker, ngram):
    first = _suggest(ranker, ngram, INS_TEXT)[0]
    met = [p for p in first.parameters if p.status == "meets"]
    assert met and met[0].paragraph == "7A003.a.1" and met[0].phrase == "0.5 nm/h"
    assert first.code == "7A003.a.1"
    assert first.text[-1].startswith("7A003.a.1 0,8 nautical miles per hour")
    assert not first.insufficient_data


def test_a_stated_value_above_the_line_is_below_and_the_code_stays_general(ranker, ngram):
    first = _suggest(ranker, ngram, INS_WEAK_TEXT)[0]
    drift = [p for p in first.parameters if p.paragraph == "7A003.a.1"]
    assert drift[0].status == "below" and drift[0].value == pytest.approx(2.0)
    assert all(p.status != "meets" for p in first.parameters)


def test_no_stated_parameter_is_not_stated_and_insufficient_data(ranker, ngram):
    first = _suggest(ranker, ngram, INS_BARE_TEXT)[0]
    assert first.parameters and all(p.status == "not_stated" for p in first.parameters)
    assert all(p.value is None and p.phrase is None for p in first.parameters)
    assert first.insufficient_data


def test_a_decontrol_note_comes_with_the_entry(ranker, ngram):
    first = _suggest(ranker, ngram, INS_TEXT)[0]
    assert any("civil aircraft" in note for note in first.decontrol_notes)


def test_candidates_stay_within_the_allowed_codes(ranker, ngram):
    scores = ranker.code_scores(ngram.features([INS_TEXT]))[0]
    only_gyro = np.array([code == "7A001" for code in ranker.codes_])
    assert [s.entry for s in suggest_entries(INS_TEXT, scores, only_gyro, ranker)] == ["7A001"]
    assert suggest_entries(INS_TEXT, scores, np.zeros(len(ranker.codes_), dtype=bool), ranker) == []


def test_the_model_suggests_entries_of_its_labels_categories_only(quick_model):
    texts = ["光纤陀螺惯导 纯惯性定位精度0.5nm/h(CEP) 零偏稳定性0.005°/h", "Office chair, mesh back"]
    found = quick_model.entries(texts, [["navigation_avionics"], []])
    assert found[1] == []
    assert found[0] and all(entry["entry"].startswith("7") for entry in found[0])
    assert len(found[0]) <= 3 and found[0][0]["score"] >= found[0][-1]["score"]


PLAIN = ["Cotton T-shirt", "Wooden kitchen chair", "Paperback novel, 320 pages", "Ceramic coffee mug"]


def test_classify_gives_flagged_items_entries_and_unflagged_none(quick_model):
    texts = ["Hot isostatic press, 2000 bar, 1400 C, 400 mm hot zone", *PLAIN]
    ranker = quick_model.entry_ranker
    for prediction in quick_model.classify(texts):  # entries come only from the labels and uncertain labels
        wanted = set(prediction.labels) | set(prediction.uncertain)
        assert all(ranker.code_labels_[ranker.codes_.index(e["entry"])] in wanted for e in prediction.entries)
        assert bool(prediction.entries) <= bool(wanted)
    assert quick_model.classify(texts[:1])[0].entries
    assert quick_model.entries(texts, [[] for _ in texts]) == [[] for _ in texts]


def test_ranker_confidence_and_unit_rows_are_sklearns(quick_model):
    """The ranker computes its calibration and its unit rows itself (no per-call input checks): sklearn's figures."""
    ranker = quick_model.entry_ranker
    signals = np.array([[share, meets, below] for share in (0.0, 0.3, 1.0) for meets in (0, 1) for below in (0, 1)])
    if ranker.calibration_ is not None:
        assert np.allclose(ranker.confidence(signals), ranker.calibration_.predict_proba(signals)[:, 1], atol=1e-12)
    features = quick_model.members["ngram"].features(["Ring laser gyro INS 0.5 nm/h CEP", "", "Cotton T-shirt"])
    assert np.allclose(unit_rows(features).toarray(), normalize(features).toarray(), atol=1e-12)


def test_saved_model_keeps_its_ranker(quick_model, tmp_path):
    quick_model.save_pretrained(tmp_path / "copy")
    loaded = DualUseClassifier.from_pretrained(tmp_path / "copy")
    texts = ["Ring laser gyro INS 0.5 nm/h CEP"]
    assert loaded.entries(texts, [["navigation_avionics"]]) == quick_model.entries(texts, [["navigation_avionics"]])


def test_cli_classify_prints_entries_and_label_adds_a_json_column(quick_model_dir, tmp_path):
    env = {"DUALUSE_MODEL_PATH": str(quick_model_dir), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    text = "Navigation-grade fibre-optic gyro INS, free inertial 0.5 nm/h CEP, bias 0.005 deg/h, for aircraft"
    printed = cli(env, "classify", text)
    assert printed.returncode == 0, printed.stderr
    if "LABEL" in printed.stdout or "uncertain" in printed.stdout:
        assert "control-list entries to check" in printed.stdout and "not_stated" in printed.stdout + "meets below"
    catalog = tmp_path / "catalog.csv"
    plain_rows = "".join(f"{i},{description}\n" for i, description in enumerate(PLAIN, start=2))
    catalog.write_text(f'id,description\n1,"{text}"\n{plain_rows}', encoding="utf-8")
    out = tmp_path / "labelled.csv"
    labelled = cli(env, "label", str(catalog), "-o", str(out))
    assert labelled.returncode == 0, labelled.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    entries = [json.loads(row["entries"]) for row in rows]
    assert len(rows) == 1 + len(PLAIN)
    assert all(e == [] for row, e in zip(rows, entries) if not row["labels"] and not row["uncertain"])
    assert all({"list", "code", "parameters", "score", "insufficient_data"} <= set(e) for e in entries[0])


def test_a_trusted_label_that_reads_below_is_left_uncertain_with_the_reason(quick_model):
    model = copy.copy(quick_model)
    model.parameter_check = ParameterCheck.from_dict({"labels": ["navigation_avionics"]})
    candidates = [[{"entry": "7A003"}]]
    labels, uncertain, reasons = model.demote_below([INS_WEAK_TEXT], [["navigation_avionics"]], [[]], candidates)
    assert labels == [[]] and uncertain == [["navigation_avionics"]]
    assert reasons[0]["navigation_avionics"].startswith("below 7A003.a.1: ")
    met = INS_WEAK_TEXT.replace("2 nm/h", "0.5 nm/h")
    kept = ([["navigation_avionics"]], [[]], [{}])
    assert model.demote_below([met], [["navigation_avionics"]], [[]], candidates) == kept
    assert model.demote_below([INS_WEAK_TEXT], [["navigation_avionics"]], [[]], [[]]) == kept  # no candidates


def test_an_entrys_thresholds_are_not_checked_against_a_text_that_does_not_name_its_subject():
    fabric = "Carbon fibre fabric, plain weave 3K; fibre tensile strength 3,530 MPa"
    assert {a.status for a in thresholds_assessed("1C216", fabric)} == {NOT_STATED}
    steel = "Maraging steel bar, tensile strength 2,350 MPa"
    assert MEETS in {a.status for a in thresholds_assessed("1C216", steel)}
