"""The retraining loop from a user's seat: train, promote, serve, review, retrain with reviews, compare, promote
or refuse, roll back; plus the active-learning pick and the label-quality report."""

from __future__ import annotations

import json
import time

import httpx
import pandas as pd
import pytest

from classifier.registry import current_version, list_versions, promote, promotion_stack, rollback
from tests.server import Server, cli
from training.compare import regressions
from training.label_quality import label_issues
from training.reviews import reviewed_items


def test_train_promote_serve_review_retrain_compare_and_rollback(tmp_path):
    models = tmp_path / "models"
    server = Server(tmp_path / "state", models, DUALUSE_RELOAD_INTERVAL="1")
    env = {**server.env, "DUALUSE_MODELS_DIR": str(models)}
    env.pop("DUALUSE_MODEL_PATH")
    server.env = env
    first = cli(env, "train", "--quick", "--quiet")
    assert first.returncode == 0, first.stderr
    v1 = current_version(models)
    assert v1 and f"promoted {v1}" in first.stdout
    key = cli(env, "keys", "create", "analyst", "--role", "analyst").stdout.strip().splitlines()[-1]
    server.start()
    try:
        headers = {"X-API-Key": key}
        assert httpx.get(f"{server.url}/readyz").json()["model"]["version"] == v1
        reviews = [
            ("Fibre-optic gyro, bias 0.003 deg/h, for INS", ["navigation_avionics"]),
            ("耐蚀哈氏合金反应釜 5000L 带夹套", ["materials_processing"]),
            ("Child's scooter with LED wheels", []),
        ]
        for text, labels in reviews:
            response = httpx.post(
                f"{server.url}/v1/reviews", headers=headers, json={"text": text, "labels": labels, "reason": "checked"}
            )
            assert response.status_code == 201
        second = cli(env, "train", "--quick", "--quiet", "--with-reviews", "--seed", "21")
        assert "adding 3 reviewed item(s) to training" in second.stdout
        assert "test macro_f1" in second.stdout and "promoted" in second.stdout
        v2 = sorted(v.name for v in list_versions(models) if v.name != v1)[-1]
        card = json.loads((models / v2 / "dualuse.json").read_text())
        assert card["metadata"]["counts"]["reviewed_in_train"] == 3
        if second.returncode == 3:
            assert "not promoting" in second.stdout and current_version(models) == v1
            forced = cli(env, "models", "promote", v2)
            assert forced.returncode == 0
        else:
            assert second.returncode == 0, second.stderr
        assert current_version(models) == v2
        deadline = time.monotonic() + 60
        while httpx.get(f"{server.url}/readyz").json()["model"]["version"] != v2:
            assert time.monotonic() < deadline, "the service did not switch to the promoted model"
            time.sleep(0.5)
        classify = httpx.post(
            f"{server.url}/v1/classify", headers=headers, json={"items": [{"id": "1", "text": "Ring laser gyro"}]}
        )
        assert classify.status_code == 200 and classify.json()["model_version"] == v2
        listing = cli(env, "models", "list").stdout
        assert f"* {v2}" in listing and v1 in listing
        back = cli(env, "models", "rollback")
        assert back.returncode == 0 and v1 in back.stdout and current_version(models) == v1
    finally:
        server.stop()


def test_promotion_stack_and_errors(tmp_path):
    for name in ("v1", "v2", "v3"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "dualuse.json").write_text("{}")
    for name in ("v1", "v2", "v3"):
        promote(name, tmp_path)
    assert promotion_stack(tmp_path) == ["v1", "v2", "v3"]
    assert rollback(tmp_path) == "v2" and rollback(tmp_path) == "v1"
    with pytest.raises(FileNotFoundError, match="no earlier promoted version"):
        rollback(tmp_path)
    with pytest.raises(FileNotFoundError, match="no model version 'v9'"):
        promote("v9", tmp_path)


def test_regressions_name_the_worse_measures():
    comparison = {
        "new": {"test": {"macro_f1": 0.80, "dual_use_recall": 0.97, "ja_recall": 0.95}},
        "old": {"test": {"macro_f1": 0.85, "dual_use_recall": 0.968, "ja_recall": 0.95}},
    }
    assert regressions(comparison) == ["macro_f1: 0.800 < 0.850"]


class _Review:
    def __init__(self, id, text, labels=None, confirmed=False, predicted_labels=None):
        self.id, self.text, self.labels = id, text, labels
        self.confirmed, self.predicted_labels = confirmed, predicted_labels


def test_reviewed_items_keep_provenance_latest_wins_and_never_leak_into_held_out_text():
    held_out = ["Hot isostatic press, 2000 bar, 1400 C, 600 mm work zone, argon"]
    reviews = [
        _Review(1, "Ring laser gyro 0.001 deg/h", ["navigation_avionics"]),
        _Review(2, "Ring laser gyro 0.001 deg/h", []),
        _Review(3, "Hot isostatic press, 2000 bar, 1400 C, 600 mm work zone, argon.", ["materials_processing"]),
        _Review(4, "GaN MMIC 2-18 GHz 10 W", None, confirmed=True, predicted_labels=["electronics"]),
        _Review(5, "Office chair", None, confirmed=False),
    ]
    items, dropped = reviewed_items(reviews, held_out)
    assert dropped == 1
    assert {item["source"]: item["labels"] for item in items} == {"review:2": [], "review:4": ["electronics"]}


def test_suggest_review_picks_uncertain_diverse_rows(quick_model_dir, tmp_path):
    source = tmp_path / "catalog.csv"
    texts = [
        "Ring laser gyro 0.001 deg/h",
        "Cotton T-shirt",
        "Hot isostatic press 2000 bar",
        "",
        "液体火箭发动机涡轮泵",
        "Cotton T-shirt",
        "サマリウムコバルト磁石",
        "Benchtop microcentrifuge 24 x 2 mL",
    ]
    pd.DataFrame({"id": range(len(texts)), "description": texts}).to_csv(source, index=False)
    result = cli(
        {**Server(tmp_path / "s", quick_model_dir).env},
        "suggest-review",
        str(source),
        "-n",
        "3",
        "--model",
        str(quick_model_dir),
        "-o",
        str(tmp_path / "pick.csv"),
    )
    assert result.returncode == 0, result.stderr
    picked = pd.read_csv(tmp_path / "pick.csv")
    assert len(picked) == 3 and picked["text"].is_unique
    assert picked["uncertainty_margin"].is_monotonic_increasing
    bad = cli(
        {**Server(tmp_path / "s", quick_model_dir).env},
        "suggest-review",
        str(source),
        "-n",
        "0",
        "--model",
        str(quick_model_dir),
    )
    assert bad.returncode == 2 and "n must be at least 1" in bad.stderr


def test_label_quality_flags_a_planted_label_error():
    from training.label_quality import corpus_records

    records = corpus_records()
    victim = next(dict(r) for r in records if r["text"].startswith("Williams FJ33-5A turbofan"))  # a plain jet engine
    # items in the shorter voices only: long vendor pages added to the corpus would move the average it is judged by
    short = [r for r in records if r["style"] in ("line", "marketing", "datasheet") and r["id"] != victim["id"]]
    aerospace = [victim] + [dict(r) for r in short if r["labels"] == ["aerospace"] and r["lang"] == "en"][:149]
    others = [dict(r) for r in short if "aerospace" not in r["labels"]][:250]
    victim["labels"] = []
    issues = label_issues(aerospace + others)
    flagged = issues[(issues["id"] == victim["id"]) & (issues["label"] == "aerospace")]
    assert not flagged.empty and flagged.iloc[0]["issue"] == "label missing, predicted likely"
    assert issues["severity"].is_monotonic_decreasing
