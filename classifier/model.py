"""The dual-use classifier: blended member models, per-label calibration, thresholds, uncertainty and evidence.

The fine-tuned encoder, the n-gram baseline and their ensemble are all a `DualUseClassifier` with different
members, so evaluation treats them alike.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from classifier.evidence import evidence_spans
from classifier.gate import DualUseGate
from classifier.language import LANGS, guess_language
from classifier.linear import NgramClassifier
from classifier.text import validate_description
from classifier.transformer import TRANSFORMER_DIR, TransformerScorer

CONFIG_FILE = "dualuse.json"
UNCERTAINTY_MARGIN = 0.8  # in log-odds: a score within a factor ~2.2 in odds of its threshold is "near"
NOTICE = "Flags likely dual-use items for human review; not a legal determination."


@dataclass
class Prediction:
    """One description's result: labels, calibrated scores, uncertain labels and the evidence for each label."""

    labels: list[str]
    scores: dict[str, float]
    dual_use: bool
    uncertain: list[str]
    evidence: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict:
        """Return the prediction as a JSON-ready dict."""
        return asdict(self)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _scatter(rows_probs: np.ndarray, rows: np.ndarray, n_texts: int) -> np.ndarray:
    full = np.zeros((n_texts, rows_probs.shape[1]), dtype=rows_probs.dtype)
    full[rows] = rows_probs
    return full


class DualUseClassifier:
    """Blend of member scorers per language, Platt-calibrated per label, a dual-use gate, thresholds per label."""

    def __init__(
        self,
        labels: list[str],
        members: dict[str, object],
        weights: dict[str, dict[str, float]] | None = None,
        calibration: dict[str, tuple[float, float]] | None = None,
        thresholds: dict[str, float] | None = None,
        dual_use_threshold: float = 0.5,
        gate: DualUseGate | None = None,
        uncertainty_margin: float = UNCERTAINTY_MARGIN,
        version: str = "unversioned",
        metadata: dict | None = None,
    ):
        if not members:
            raise ValueError("a DualUseClassifier needs at least one member model")
        self.labels = list(labels)
        self.members = dict(members)
        equal = {name: 1.0 / len(members) for name in members}
        self.weights = {lang: dict((weights or {}).get(lang, equal)) for lang in LANGS}
        self.calibration = {label: tuple((calibration or {}).get(label, (1.0, 0.0))) for label in self.labels}
        self.thresholds = {label: float((thresholds or {}).get(label, 0.5)) for label in self.labels}
        self.dual_use_threshold = float(dual_use_threshold)
        self.gate = gate
        self.uncertainty_margin = uncertainty_margin
        self.version = version
        self.metadata = dict(metadata or {})

    def row_weights(self, texts: list[str], names: list[str] | None = None) -> np.ndarray:
        """Return the (n_texts x n_members) blend weights of each text's language, each row summing to 1."""
        names = list(self.members) if names is None else names
        by_language = {}
        for lang in LANGS:
            weights = np.array([self.weights[lang].get(name, 0.0) for name in names])
            by_language[lang] = weights / (weights.sum() or 1.0)
        return np.array([by_language[guess_language(text)] for text in texts]).reshape(len(texts), len(names))

    def member_probabilities(self, texts: list[str], ngram_features=None,
                             row_weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Return each member's uncalibrated probability matrix (the n-gram member's from its features when given).

        With row_weights (from `row_weights`), a member runs only on the rows that give it a weight in the blend;
        its other rows are zeros, which the blend ignores (e.g. the encoder is skipped where only the n-gram model
        counts).
        """
        out = {}
        for column, (name, member) in enumerate(self.members.items()):
            rows = None if row_weights is None else np.flatnonzero(row_weights[:, column] > 0)
            everything = rows is None or len(rows) == len(texts)
            subset = texts if everything else [texts[i] for i in rows]
            features = ngram_features if everything or ngram_features is None else ngram_features[rows]
            if isinstance(member, NgramClassifier):
                probs = member.predict_proba(subset, features)
            else:
                probs = member.predict_proba(subset)
            out[name] = probs if everything else _scatter(probs, rows, len(texts))
        return out

    def blend(self, texts: list[str], member_probs: dict[str, np.ndarray],
              row_weights: np.ndarray | None = None) -> np.ndarray:
        """Return the per-language weighted average of member probabilities (row_weights: see `row_weights`)."""
        names = list(member_probs)
        row_weights = self.row_weights(texts, names) if row_weights is None else row_weights
        stacked = np.stack([member_probs[name] for name in names], axis=1).astype(np.float64)
        return (row_weights[:, :, None] * stacked).sum(axis=1)

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Return calibrated probabilities: sigmoid(a * logit(p) + b) per label."""
        a = np.array([self.calibration[label][0] for label in self.labels])
        b = np.array([self.calibration[label][1] for label in self.labels])
        return 1.0 / (1.0 + np.exp(-(a * _logit(raw) + b)))

    def predict_proba(self, texts: list[str], ngram_features=None) -> np.ndarray:
        """Return an (n_texts x n_labels) matrix of calibrated probabilities."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.labels)))
        weights = self.row_weights(texts)
        return self.calibrate(self.blend(texts, self.member_probabilities(texts, ngram_features, weights), weights))

    def dual_use_scores(self, probs: np.ndarray, texts: list[str]) -> tuple[np.ndarray, float]:
        """Return (each item's dual-use score, the threshold it must reach): the gate's probability, or for models
        saved without a gate, the best label score and the dual-use threshold."""
        if self.gate is not None:
            return self.gate.scores(probs, texts), self.gate.threshold
        return probs.max(axis=1), self.dual_use_threshold

    def decide(self, probs: np.ndarray, texts: list[str]) -> np.ndarray:
        """Return the multi-hot decisions for the calibrated probabilities of texts.

        An item is likely dual-use when its dual-use score reaches the gate's threshold (tuned for recall); it then
        gets every label at or above that label's own threshold (tuned for F1), or its best label if none is.
        """
        threshold = np.array([self.thresholds[label] for label in self.labels])
        if not len(probs):
            return np.zeros(probs.shape, dtype=np.int8)
        scores, gate_threshold = self.dual_use_scores(probs, texts)
        flagged = scores >= gate_threshold
        decisions = ((probs >= threshold) & flagged[:, None]).astype(np.int8)
        rescue = flagged & (decisions.sum(axis=1) == 0)
        decisions[np.flatnonzero(rescue), probs.argmax(axis=1)[rescue]] = 1
        return decisions

    def predict(self, texts: list[str]) -> np.ndarray:
        """Return the multi-hot matrix of predicted labels."""
        texts = list(texts)
        return self.decide(self.predict_proba(texts), texts)

    def uncertain_mask(self, probs: np.ndarray, decisions: np.ndarray, texts: list[str]) -> np.ndarray:
        """Return a boolean matrix of uncertain labels: scores within the margin (in log-odds) of their threshold,
        labels given by the best-label rescue below their own threshold, and the best label of an item whose
        dual-use score is near the gate's threshold."""
        logits = _logit(probs)
        thresholds = np.array([self.thresholds[label] for label in self.labels])
        mask = np.abs(logits - _logit(thresholds)) <= self.uncertainty_margin
        mask |= decisions.astype(bool) & (probs < thresholds)
        scores, gate_threshold = self.dual_use_scores(probs, texts)
        near_gate = np.abs(_logit(scores) - _logit(np.float64(gate_threshold))) <= self.uncertainty_margin
        mask[np.arange(len(probs)), probs.argmax(axis=1)] |= near_gate
        return mask

    def _ngram_member(self) -> NgramClassifier | None:
        return next((m for m in self.members.values() if isinstance(m, NgramClassifier)), None)

    def _evidence(self, texts: list[str], labels: list[list[str]], features) -> list[dict[str, list[str]]]:
        member = self._ngram_member()
        if member is None:
            return [{label: [] for label in wanted} for wanted in labels]
        indices = [[self.labels.index(label) for label in wanted] for wanted in labels]
        weights = member.feature_weights(features, indices)
        return [{label: evidence_spans(text, row[self.labels.index(label)]) for label in wanted}
                for text, wanted, row in zip(texts, labels, weights)]

    def classify(self, texts: list, with_evidence: bool = True) -> list[Prediction]:
        """Return one Prediction per input; a value that is not usable text gets an error and no labels."""
        errors = [validate_description(text) for text in texts]
        valid = [i for i, error in enumerate(errors) if error is None]
        valid_texts = [texts[i] for i in valid]
        ngram = self._ngram_member()
        features = ngram.features(valid_texts) if with_evidence and ngram is not None and valid_texts else None
        probs = self.predict_proba(valid_texts, features)
        decisions = self.decide(probs, valid_texts)
        uncertain = self.uncertain_mask(probs, decisions, valid_texts) if len(valid) else decisions.astype(bool)
        labels = [[self.labels[j] for j in np.flatnonzero(row)] for row in decisions]
        near = [[self.labels[j] for j in np.flatnonzero(row)] for row in uncertain]
        if with_evidence:
            wanted = [given + [label for label in doubtful if label not in given] for given, doubtful in zip(labels, near)]
            evidence = self._evidence(valid_texts, wanted, features)
        else:
            evidence = [{} for _ in valid]
        results: list[Prediction] = [
            Prediction(labels=[], scores={}, dual_use=False, uncertain=[], error=error) for error in errors
        ]
        rounded = np.round(probs, 4).tolist()
        for row, index in enumerate(valid):
            scores = dict(zip(self.labels, rounded[row]))
            results[index] = Prediction(labels[row], scores, bool(labels[row]), near[row], evidence[row])
        return results

    def save_pretrained(self, directory: str | Path) -> None:
        """Write the members and the blending, calibration and threshold settings into directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name, member in self.members.items():
            if isinstance(member, NgramClassifier):
                member.save_pretrained(directory)
        config = {
            "version": self.version,
            "labels": self.labels,
            "members": {name: type(member).__name__ for name, member in self.members.items()},
            "weights": self.weights,
            "calibration": {label: list(ab) for label, ab in self.calibration.items()},
            "thresholds": self.thresholds,
            **({"gate": self.gate.as_dict()} if self.gate else {"dual_use_threshold": self.dual_use_threshold}),
            "uncertainty_margin": self.uncertainty_margin,
            "metadata": self.metadata,
            "notice": NOTICE,
        }
        (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def from_pretrained(cls, directory: str | Path, backend: str = "auto", members: list[str] | None = None):
        """Return the classifier saved in directory; `members` restricts which member models are loaded."""
        directory = Path(directory)
        config_path = directory / CONFIG_FILE
        if not config_path.exists():
            raise FileNotFoundError(f"{directory} is not a dualuse model directory (no {CONFIG_FILE}); train one with `dualuse train`")
        config = json.loads(config_path.read_text(encoding="utf-8"))
        loaded = {}
        for name, kind in config["members"].items():
            if members is not None and name not in members:
                continue
            if kind == "NgramClassifier":
                loaded[name] = NgramClassifier.from_pretrained(directory)
            elif kind == "TransformerScorer":
                loaded[name] = TransformerScorer(directory / TRANSFORMER_DIR, config["labels"], backend=backend)
            else:
                raise ValueError(f"{config_path}: unknown member kind {kind!r}")
        return cls(
            labels=config["labels"], members=loaded, weights=config["weights"], calibration=config["calibration"],
            thresholds=config["thresholds"], dual_use_threshold=config.get("dual_use_threshold", 0.5),
            gate=DualUseGate.from_dict(config["gate"]) if config.get("gate") else None,
            uncertainty_margin=config["uncertainty_margin"],
            version=config["version"], metadata=config.get("metadata"),
        )
