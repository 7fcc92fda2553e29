import json

import numpy as np

from classifier.gate import DualUseGate
from classifier.model import DualUseClassifier
from training.thresholds import fit_gate

LABELS = ["aerospace", "materials", "telecom"]


def _scores(rng: np.random.RandomState, n: int, centres: list[float]) -> np.ndarray:
    return np.clip(rng.normal(centres, 0.05, size=(n, len(centres))), 0.01, 0.99)


def _look_alike_data(seed: int = 0):
    """Positives score 0.4 on aerospace or telecom; look-alikes score 0.4 on materials (their best label score is the
    same, so only the pattern of scores tells them apart)."""
    rng = np.random.RandomState(seed)
    probs = np.vstack([_scores(rng, 60, [0.4, 0.05, 0.05]), _scores(rng, 60, [0.05, 0.05, 0.4]),
                       _scores(rng, 120, [0.05, 0.4, 0.05])])
    targets = np.zeros((240, 3), dtype=int)
    targets[:60, 0] = 1
    targets[60:120, 2] = 1
    texts = ["flight controller"] * 120 + ["carbon bicycle frame"] * 120
    return probs, targets, texts


def test_the_gate_separates_look_alikes_that_the_best_score_cannot():
    probs, targets, texts = _look_alike_data()
    gate = fit_gate(probs, texts, targets, min_recall=0.97)
    flagged = gate.scores(probs, texts) >= gate.threshold
    assert flagged[:120].mean() >= 0.97
    assert flagged[120:].mean() <= 0.05
    best = probs.max(axis=1)
    assert (best[120:] >= np.sort(best[:120])[3]).mean() > 0.3  # the best-score rule at the same recall would not


def test_the_gate_threshold_keeps_recall_on_fresh_items():
    probs, targets, texts = _look_alike_data(seed=0)
    gate = fit_gate(probs, texts, targets, min_recall=0.98)
    fresh, fresh_targets, fresh_texts = _look_alike_data(seed=1)
    flagged = gate.scores(fresh, fresh_texts) >= gate.threshold
    assert flagged[fresh_targets.any(axis=1)].mean() >= 0.95


def test_a_validation_set_of_one_class_gives_a_gate_that_flags_all_or_nothing():
    probs = np.full((10, 3), 0.3)
    everything = fit_gate(probs, ["x"] * 10, np.ones((10, 3), dtype=int), 0.97)
    nothing = fit_gate(probs, ["x"] * 10, np.zeros((10, 3), dtype=int), 0.97)
    assert (everything.scores(probs, ["x"] * 10) >= everything.threshold).all()
    assert not (nothing.scores(probs, ["x"] * 10) >= nothing.threshold).any()


def test_decide_uses_the_gate_and_a_saved_model_keeps_it(tmp_path):
    probs, targets, texts = _look_alike_data()
    gate = fit_gate(probs, texts, targets, min_recall=0.97)
    model = DualUseClassifier(LABELS, {"ngram": None}, thresholds={label: 0.6 for label in LABELS}, gate=gate)
    decisions = model.decide(probs, texts)
    assert decisions[:120].any(axis=1).mean() >= 0.97 and decisions[120:].sum() <= 6
    # a flagged item below every label threshold gets its best label (marked uncertain by classify)
    assert (decisions[:60, 0] == decisions[:60].any(axis=1)).all()
    model.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "dualuse.json").read_text())
    assert "gate" in config and "dual_use_threshold" not in config
    restored = DualUseGate.from_dict(config["gate"])
    np.testing.assert_allclose(restored.scores(probs, texts), gate.scores(probs, texts), rtol=1e-5)


def test_a_model_saved_without_a_gate_flags_by_its_best_label_score():
    model = DualUseClassifier(LABELS, {"ngram": None}, thresholds={label: 0.6 for label in LABELS}, dual_use_threshold=0.3)
    probs = np.array([[0.35, 0.1, 0.1], [0.25, 0.1, 0.1]])
    assert model.decide(probs, ["a", "b"]).tolist() == [[1, 0, 0], [0, 0, 0]]
