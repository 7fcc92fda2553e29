import json

import numpy as np

from classifier.gate import DualUseGate
from classifier.head import EnsembleHead
from classifier.language import LANGS
from classifier.model import DualUseClassifier

LABELS = ["aerospace", "materials", "telecom"]


def _scores(rng: np.random.RandomState, n: int, centres: list[float]) -> np.ndarray:
    return np.clip(rng.normal(centres, 0.05, size=(n, len(centres))), 0.01, 0.99)


def _look_alike_data(seed: int = 0):
    """Positives score 0.4 on aerospace or telecom; look-alikes score 0.4 on materials (their best label score is the
    same, so only the pattern of scores tells them apart)."""
    rng = np.random.RandomState(seed)
    probs = np.vstack(
        [_scores(rng, 60, [0.4, 0.05, 0.05]), _scores(rng, 60, [0.05, 0.05, 0.4]), _scores(rng, 120, [0.05, 0.4, 0.05])]
    )
    targets = np.zeros((240, 3), dtype=int)
    targets[:60, 0] = 1
    targets[60:120, 2] = 1
    languages = ["en"] * 240
    return probs, targets, languages


def fit_gate(probs, languages, targets, min_recall):
    return DualUseGate(min_recall).fit(probs, languages, targets)


def _head(thresholds: float, gate: DualUseGate | None = None, dual_use_threshold: float = 0.5) -> EnsembleHead:
    settings = {
        "weights": {lang: {"ngram": 1.0} for lang in LANGS},
        "calibration": {label: [1.0, 0.0] for label in LABELS},
        "thresholds": {label: thresholds for label in LABELS},
        **({"gate": gate.as_dict()} if gate else {"dual_use_threshold": dual_use_threshold}),
    }
    return EnsembleHead.from_dict(LABELS, settings)


def test_the_gate_separates_look_alikes_that_the_best_score_cannot():
    probs, targets, languages = _look_alike_data()
    gate = fit_gate(probs, languages, targets, min_recall=0.97)
    flagged = gate.scores(probs, languages) >= gate.threshold_
    assert flagged[:120].mean() >= 0.97
    assert flagged[120:].mean() <= 0.05
    best = probs.max(axis=1)
    assert (best[120:] >= np.sort(best[:120])[3]).mean() > 0.3  # the best-score rule at the same recall would not


def test_the_gate_threshold_keeps_recall_on_fresh_items():
    probs, targets, languages = _look_alike_data(seed=0)
    gate = fit_gate(probs, languages, targets, min_recall=0.98)
    fresh, fresh_targets, fresh_languages = _look_alike_data(seed=1)
    flagged = gate.scores(fresh, fresh_languages) >= gate.threshold_
    assert flagged[fresh_targets.any(axis=1)].mean() >= 0.95


def test_a_validation_set_of_one_class_gives_a_gate_that_flags_all_or_nothing():
    probs = np.full((10, 3), 0.3)
    everything = fit_gate(probs, ["en"] * 10, np.ones((10, 3), dtype=int), 0.97)
    nothing = fit_gate(probs, ["en"] * 10, np.zeros((10, 3), dtype=int), 0.97)
    assert (everything.scores(probs, ["en"] * 10) >= everything.threshold_).all()
    assert not (nothing.scores(probs, ["en"] * 10) >= nothing.threshold_).any()


def test_decide_uses_the_gate_and_a_saved_head_keeps_it():
    probs, targets, languages = _look_alike_data()
    gate = fit_gate(probs, languages, targets, min_recall=0.97)
    head = _head(0.6, gate)
    decisions = head.decide(probs, languages)
    assert decisions[:120].any(axis=1).mean() >= 0.97 and decisions[120:].sum() <= 6
    # a flagged item below every label threshold gets its best label (marked uncertain by classify)
    assert (decisions[:60, 0] == decisions[:60].any(axis=1)).all()
    config = json.loads(json.dumps(head.as_dict()))
    assert "gate" in config and "dual_use_threshold" not in config
    restored = DualUseGate.from_dict(config["gate"])
    np.testing.assert_allclose(restored.scores(probs, languages), gate.scores(probs, languages), rtol=1e-5)
    np.testing.assert_array_equal(EnsembleHead.from_dict(LABELS, config).decide(probs, languages), decisions)


def test_a_model_saved_without_a_gate_flags_by_its_best_label_score():
    head = _head(0.6, dual_use_threshold=0.3)
    probs = np.array([[0.35, 0.1, 0.1], [0.25, 0.1, 0.1]])
    assert head.decide(probs, ["en", "en"]).tolist() == [[1, 0, 0], [0, 0, 0]]


def test_an_unfitted_head_says_so():
    import pytest

    from classifier.head import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted"):
        DualUseClassifier(LABELS, {"ngram": object()}).head.decide(np.full((1, 3), 0.5), ["en"])
