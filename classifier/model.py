"""The dual-use classifier: member models, the head over them (blend, calibration, gate, thresholds), uncertainty
and evidence.

The fine-tuned encoder, the n-gram baseline and their ensemble are all a `DualUseClassifier` with different
members, so evaluation treats them alike.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from classifier.evidence import evidence_spans
from classifier.head import EnsembleHead
from classifier.language import guess_language
from classifier.members import Scorer, load_member, member_spec
from classifier.paths import CONFIG_FILE
from classifier.registry import ModelNotFoundError
from classifier.text import validate_description

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


def _scatter(rows_probs: np.ndarray, rows: np.ndarray, n_texts: int) -> np.ndarray:
    full = np.zeros((n_texts, rows_probs.shape[1]), dtype=rows_probs.dtype)
    full[rows] = rows_probs
    return full


def languages_of(texts: list[str]) -> list[str]:
    """Return each text's language as the head routes it (en, zh or ja)."""
    return [guess_language(text) for text in texts]


class DualUseClassifier:
    """Member scorers and the head that turns their probabilities into calibrated scores and decisions."""

    def __init__(
        self,
        labels: list[str],
        members: dict[str, Scorer],
        head: EnsembleHead | None = None,
        version: str = "unversioned",
        metadata: dict | None = None,
    ):
        if not members:
            raise ValueError("a DualUseClassifier needs at least one member model")
        self.labels = list(labels)
        self.members = dict(members)
        self.head = head if head is not None else EnsembleHead(self.labels)
        self.version = version
        self.metadata = dict(metadata or {})

    def member_probabilities(
        self, texts: list[str], row_weights: np.ndarray | None = None, features: dict | None = None
    ) -> dict[str, np.ndarray]:
        """Return each member's uncalibrated probability matrix.

        With row_weights (the head's `row_weights` for the texts' languages), a member runs only on the rows that give
        it a weight in the blend; its other rows are zeros, which the blend ignores (e.g. the encoder is skipped where
        only the n-gram model counts). features: member name -> that member's `features(texts)`, when already computed.
        """
        features = features or {}
        out = {}
        for column, (name, member) in enumerate(self.members.items()):
            rows = None if row_weights is None else np.flatnonzero(row_weights[:, column] > 0)
            everything = rows is None or len(rows) == len(texts)
            subset = texts if everything else [texts[i] for i in rows]
            shared = features.get(name)
            shared = shared if everything or shared is None else shared[rows]
            probs = member.predict_proba(subset, shared)
            out[name] = probs if everything else _scatter(probs, rows, len(texts))
        return out

    def fit_head(self, texts: list[str], targets: np.ndarray, member_probs: dict | None = None) -> DualUseClassifier:
        """Fit the head on validation texts and targets (from member_probs when already scored); return self."""
        member_probs = self.member_probabilities(texts) if member_probs is None else member_probs
        self.head.fit({name: member_probs[name] for name in self.members}, languages_of(texts), targets)
        return self

    def score(
        self, texts: list[str], member_probs: dict | None = None, features: dict | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (calibrated probabilities, multi-hot decisions) of texts, from member_probs when already scored."""
        texts = list(texts)
        return self._score(texts, languages_of(texts), member_probs, features)

    def _score(
        self, texts: list[str], languages: list[str], member_probs: dict | None = None, features: dict | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if not texts:
            return np.zeros((0, len(self.labels))), np.zeros((0, len(self.labels)), dtype=np.int8)
        if member_probs is None:  # one set of row weights serves member skipping and the blend
            weights = self.head.row_weights(languages, list(self.members))
            member_probs = self.member_probabilities(texts, weights, features)
        else:
            weights = None
        probs = self.head.predict_proba({name: member_probs[name] for name in self.members}, languages, weights)
        return probs, self.head.decide(probs, languages)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Return an (n_texts x n_labels) matrix of calibrated probabilities."""
        return self.score(texts)[0]

    def predict(self, texts: list[str]) -> np.ndarray:
        """Return the multi-hot matrix of predicted labels."""
        return self.score(texts)[1]

    def uncertainty(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (each text's distance to its nearest decision boundary in log-odds, probabilities, decisions)."""
        texts = list(texts)
        languages = languages_of(texts)
        probs, decisions = self._score(texts, languages)
        return self.head.uncertainty(probs, languages), probs, decisions

    def _explainer(self) -> tuple[str, Scorer] | None:
        return next(((name, m) for name, m in self.members.items() if m.explains), None)

    def _evidence(self, texts: list[str], labels: list[list[str]], features) -> list[dict[str, list[str]]]:
        explainer = self._explainer()
        if explainer is None:
            return [{label: [] for label in wanted} for wanted in labels]
        indices = [[self.labels.index(label) for label in wanted] for wanted in labels]
        weights = explainer[1].feature_weights(features, indices)
        return [
            {label: evidence_spans(text, row[self.labels.index(label)]) for label in wanted}
            for text, wanted, row in zip(texts, labels, weights)
        ]

    def classify(self, texts: list, with_evidence: bool = True) -> list[Prediction]:
        """Return one Prediction per input; a value that is not usable text gets an error and no labels."""
        errors = [validate_description(text) for text in texts]
        valid = [i for i, error in enumerate(errors) if error is None]
        valid_texts = [texts[i] for i in valid]
        languages = languages_of(valid_texts)
        explainer = self._explainer() if with_evidence and valid_texts else None
        features = {explainer[0]: explainer[1].features(valid_texts)} if explainer else {}
        probs, decisions = self._score(valid_texts, languages, features=features)
        uncertain = self.head.uncertain_mask(probs, decisions, languages)
        labels = [[self.labels[j] for j in np.flatnonzero(row)] for row in decisions]
        near = [[self.labels[j] for j in np.flatnonzero(row)] for row in uncertain]
        if explainer:
            wanted = [
                given + [label for label in doubtful if label not in given] for given, doubtful in zip(labels, near)
            ]
            evidence = self._evidence(valid_texts, wanted, features[explainer[0]])
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
        """Write every member into its own sub-directory and the head and metadata into the config file."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        specs = {name: member_spec(name, member) for name, member in self.members.items()}
        for name, member in self.members.items():
            member.save_pretrained(directory / specs[name]["path"])
        config = {
            "version": self.version,
            "labels": self.labels,
            "members": specs,
            **self.head.as_dict(),
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
            raise ModelNotFoundError(
                f"{directory} is not a dualuse model directory (no {CONFIG_FILE}); train one with `dualuse train`"
            )
        config = json.loads(config_path.read_text(encoding="utf-8"))
        loaded = {
            name: load_member(directory, spec, backend)
            for name, spec in config["members"].items()
            if members is None or name in members
        }
        return cls(
            config["labels"],
            loaded,
            head=EnsembleHead.from_dict(config["labels"], config),
            version=config["version"],
            metadata=config.get("metadata"),
        )
