import json
import subprocess
import sys

import numpy as np
import pytest

from classifier.taxonomy import default_taxonomy
from training.build_corpus import assign_splits, item_id
from training.corpus import CorpusError, load_corpus, load_split, record_errors
from training.data_check import check_corpus
from training.near_duplicates import near_duplicate_pairs


def test_data_check_passes_on_the_project_corpus_and_prints_the_table():
    result = subprocess.run([sys.executable, "-m", "classifier.cli", "data", "check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Authored items per label x language x style x split" in result.stdout
    assert "data check: OK" in result.stdout


def test_corpus_loads_as_datasetdict_with_multi_hot_vectors():
    corpus = load_corpus()
    assert set(corpus) == {"train", "validation", "test"}
    labels = default_taxonomy().ids
    row = corpus["test"][0]
    assert len(row["label_vector"]) == len(labels)
    assert [labels[i] for i, v in enumerate(row["label_vector"]) if v] == row["labels"]
    assert all(source == "authored" for source in corpus["test"]["source"])
    assert any(source.startswith("ccl:") for source in corpus["train"]["source"])


def test_record_errors_name_the_line_and_the_problem():
    taxonomy = default_taxonomy()
    good = {
        "id": "x",
        "text": "Ring laser gyro",
        "labels": ["navigation_avionics"],
        "lang": "en",
        "style": "line",
        "source": "authored",
    }
    assert record_errors(good, "f:1", taxonomy) == []
    assert record_errors({**good, "labels": ["drones"]}, "f:2", taxonomy) == ["f:2: unknown label id 'drones'"]
    assert "f:3: 'lang' must be one of en, zh, ja, not 'de'" in record_errors({**good, "lang": "de"}, "f:3", taxonomy)
    giveaway = record_errors({**good, "text": "Dual-use gyro"}, "f:4", taxonomy)
    assert giveaway and "giveaway" in giveaway[0]
    assert record_errors({**good, "labels": [], "lookalike": True}, "f:5", taxonomy) == []


def test_check_reports_unknown_labels_with_file_and_line(tmp_path):
    for split in ("train", "validation", "test"):
        (tmp_path / f"{split}.jsonl").write_text("", encoding="utf-8")
    bad = {
        "id": "a-1",
        "text": "Hot isostatic press",
        "labels": ["processing"],
        "lang": "en",
        "style": "line",
        "source": "authored",
    }
    (tmp_path / "validation.jsonl").write_text(json.dumps(bad) + "\n", encoding="utf-8")
    report = check_corpus(tmp_path)
    assert not report.ok
    assert any(v.endswith("validation.jsonl:1: unknown label id 'processing'") for v in report.violations)
    with pytest.raises(CorpusError, match="validation.jsonl:1: unknown label id"):
        load_split("validation", tmp_path)


def test_no_near_duplicates_cross_the_splits():
    corpus = load_corpus()
    train = [t for t, s in zip(corpus["train"]["text"], corpus["train"]["source"]) if s == "authored"]
    for other in ("validation", "test"):
        assert near_duplicate_pairs(train, corpus[other]["text"]) == []


def test_near_duplicate_measure_folds_case_width_and_punctuation():
    pairs = near_duplicate_pairs(["FOG, bias 0.01°/h, 3-axis IMU"], ["fog bias 0.01°/h 3 axis imu", "Zircaloy tube"])
    assert [(i, j) for i, j, _ in pairs] == [(0, 0)]


def test_split_assignment_keeps_previous_placements_and_groups_near_duplicates():
    rng = np.random.default_rng(0)
    words = [f"w{n:03d}x" for n in range(300)]
    texts = [" ".join(rng.choice(words, 8, replace=False)) for _ in range(40)]
    items = [{"id": item_id("a", t), "text": t, "labels": ["navigation_avionics"], "lang": "en"} for t in texts]
    items.append({"id": "dup", "text": texts[0] + ".", "labels": ["navigation_avionics"], "lang": "en"})
    first = assign_splits(items, previous={})
    assert first["dup"] == first[items[0]["id"]]
    counts = np.unique(list(first.values()), return_counts=True)
    assert dict(zip(*counts))["train"] >= 20
    moved = {items[5]["id"]: "test"}
    second = assign_splits(items, previous={**first, **moved})
    assert second[items[5]["id"]] == "test"
    assert all(second[k] == v for k, v in first.items() if k != items[5]["id"])
