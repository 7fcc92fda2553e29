"""The dual-use classifier: member models, the head over them (blend, calibration, gate, thresholds), uncertainty
and evidence.

The fine-tuned encoder, the n-gram baseline and their ensemble are all a `DualUseClassifier` with different
members, so evaluation treats them alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from classifier.entries.decision import ParameterCheck
from classifier.entries.ranking import RANKER_DIR, EntryRanker
from classifier.entries.reading import below_reasons, reading_matrix
from classifier.entries.suggest import suggest_entries
from classifier.evidence import explain
from classifier.head import EnsembleHead
from classifier.language import guess_language
from classifier.members import DEFERRED_KINDS, Scorer, load_member, member_spec
from classifier.paths import CONFIG_FILE
from classifier.registry import ModelNotFoundError
from classifier.text import validate_description

NOTICE = "Flags likely dual-use items for human review; not a legal determination."


@dataclass
class Prediction:
    """One description's result: labels, calibrated scores, uncertain labels, the evidence for each label and the
    member models that scored it (the cascade leaves out the encoder where it cannot change the answer)."""

    labels: list[str]
    scores: dict[str, float]
    dual_use: bool
    uncertain: list[str]
    evidence: dict[str, list[str]] = field(default_factory=dict)
    entries: list[dict] = field(default_factory=list)
    below: dict[str, str] = field(default_factory=dict)  # label -> why its stated parameters fall below its entries
    error: str | None = None
    members: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the prediction as a JSON-ready dict (its values are the prediction's own, not copies)."""
        return dict(vars(self))


class Scores(NamedTuple):
    """Calibrated probabilities, multi-hot decisions, uncertain labels and which members scored each row."""

    probs: np.ndarray
    decisions: np.ndarray
    uncertain: np.ndarray
    ran: np.ndarray  # (n_texts x n_members) booleans, columns in the model's member order


@dataclass
class Cascade:
    """Valid texts scored by the members that always run, waiting for the deferred members on the `pending` rows.

    `DualUseClassifier.start` makes one, `score_deferred` scores its pending texts (the API batches those across
    requests) and `finish` turns it into Predictions. Whether a row is pending depends on that row alone.
    """

    inputs: list
    errors: list[str | None]
    valid: list[int]
    texts: list[str]
    languages: list[str]
    weights: np.ndarray  # blend weights per row and member; a settled row's: the members that ran, renormalised
    member_probs: dict[str, np.ndarray]
    pending: np.ndarray  # rows (of texts) that the deferred members still have to score
    features: dict
    readings: np.ndarray | None  # the texts' parameter readings, when the head uses them
    with_evidence: bool

    @property
    def pending_texts(self) -> list[str]:
        """Return the texts the deferred members still have to score."""
        return [self.texts[i] for i in self.pending]

    @property
    def pending_languages(self) -> list[str]:
        """Return the languages of `pending_texts`."""
        return [self.languages[i] for i in self.pending]


def _scatter(rows_probs: np.ndarray, rows: np.ndarray, n_texts: int) -> np.ndarray:
    full = np.zeros((n_texts, rows_probs.shape[1]), dtype=rows_probs.dtype)
    full[rows] = rows_probs
    return full


def languages_of(texts: list[str]) -> list[str]:
    """Return each text's language as the head routes it (en, zh or ja)."""
    return [guess_language(text) for text in texts]


class DualUseClassifier:
    """Member scorers and the head that turns their probabilities into calibrated scores and decisions.

    Scoring is a cascade unless `full=True`: the members that always run (the n-gram model) and the head score
    every row first, and the deferred members (the encoder, see `DEFERRED_KINDS`) run only on the rows whose labels,
    dual_use or uncertain labels they could change (`EnsembleHead.settled`). A settled row's scores are the blend of
    the members that ran, and its result names them.
    """

    def __init__(
        self,
        labels: list[str],
        members: dict[str, Scorer],
        head: EnsembleHead | None = None,
        version: str = "unversioned",
        metadata: dict | None = None,
        entry_ranker: EntryRanker | None = None,
        parameter_check: ParameterCheck | None = None,
    ):
        if not members:
            raise ValueError("a DualUseClassifier needs at least one member model")
        self.labels = list(labels)
        self.members = dict(members)
        self.head = head if head is not None else EnsembleHead(self.labels)
        self.version = version
        self.metadata = dict(metadata or {})
        self.entry_ranker = (
            entry_ranker  # control-list entries for flagged items, over the explaining member's features
        )
        self.parameter_check = parameter_check  # which labels a below-threshold reading of their entries demotes

    @property
    def deferred(self) -> list[str]:
        """Return the names of the members the cascade runs only where they can change an answer."""
        return [name for name, member in self.members.items() if member.kind in DEFERRED_KINDS]

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
            if rows is not None and not len(rows):
                out[name] = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
                continue
            everything = rows is None or len(rows) == len(texts)
            subset = texts if everything else [texts[i] for i in rows]
            shared = features.get(name)
            shared = shared if everything or shared is None else shared[rows]
            probs = member.predict_proba(subset, shared)
            out[name] = probs if everything else _scatter(probs, rows, len(texts))
        return out

    def fit_head(self, texts: list[str], targets: np.ndarray, member_probs: dict | None = None) -> DualUseClassifier:
        """Fit the head on validation texts, their parameter readings and targets (from member_probs when already
        scored), and the cascade's rule per language (`EnsembleHead.fit_cascade`, whose validation figures go into the
        metadata); return self."""
        member_probs = self.member_probabilities(texts) if member_probs is None else member_probs
        member_probs = {name: member_probs[name] for name in self.members}
        languages = languages_of(texts)
        readings = reading_matrix(texts, self.labels)
        self.head.fit(member_probs, languages, targets, readings)
        if self.deferred and len(self.deferred) < len(self.members):
            self.metadata["cascade_validation"] = self.head.fit_cascade(
                member_probs, languages, self.deferred, readings
            )
        return self

    def readings_of(self, texts: list[str]) -> np.ndarray | None:
        """Return the texts' parameter readings when the head uses them (`EnsembleHead.uses_readings`), else None."""
        return reading_matrix(texts, self.labels) if self.head.uses_readings else None

    def score(
        self, texts: list[str], member_probs: dict | None = None, features: dict | None = None, full: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (calibrated probabilities, multi-hot decisions) of texts (see `score_rows`)."""
        scores = self.score_rows(texts, member_probs, features, full)
        return scores.probs, scores.decisions

    def score_rows(
        self,
        texts: list[str],
        member_probs: dict | None = None,
        features: dict | None = None,
        full: bool = False,
        languages: list[str] | None = None,
    ) -> Scores:
        """Return the Scores of texts by the cascade, or by every member with weight for the text's language with
        full=True.

        member_probs: every member's probabilities of every text, when already scored (the cascade then uses the
        deferred members' only on the rows it would have run them on).
        """
        texts = list(texts)
        languages = languages_of(texts) if languages is None else languages
        if not texts:
            empty = np.zeros((0, len(self.labels)))
            return Scores(empty, empty.astype(np.int8), empty.astype(bool), np.zeros((0, len(self.members)), bool))
        readings = self.readings_of(texts)
        weights, member_probs, pending = self._first_stage(texts, languages, member_probs, features, full, readings)
        return self._complete(texts, languages, weights, member_probs, pending, readings)

    def _first_stage(
        self,
        texts: list[str],
        languages: list[str],
        member_probs: dict | None,
        features: dict | None,
        full: bool,
        readings: np.ndarray | None,
    ) -> tuple[np.ndarray, dict, np.ndarray]:
        """Return (blend weights, member probabilities, pending rows) once the members that always run have scored.

        Without deferred members, or with full=True, every member runs where its language gives it weight.
        """
        weights = self.head.row_weights(languages, list(self.members))
        deferred = np.array([name in self.deferred for name in self.members])
        nothing = np.zeros(0, dtype=int)
        if full or not deferred.any():
            if member_probs is None:
                member_probs = self.member_probabilities(texts, weights, features)
            return weights, {name: member_probs[name] for name in self.members}, nothing
        cheap = np.where(deferred, 0.0, weights)
        deferred_weight = weights[:, deferred].sum(axis=1)
        given = member_probs is not None
        if not given:
            member_probs = self.member_probabilities(texts, cheap, features)
        member_probs = {name: member_probs[name] for name in self.members}
        partial = self.head.blend(member_probs, languages, cheap)
        settled = self.head.settled(partial, deferred_weight, languages, readings=readings) & (deferred_weight > 0)
        weights[settled] = cheap[settled] / (1.0 - deferred_weight[settled, None])
        pending = np.flatnonzero((deferred_weight > 0) & ~settled)
        return weights, member_probs, nothing if given else pending

    def score_deferred(self, texts: list[str], languages: list[str]) -> np.ndarray:
        """Return the deferred members' probabilities of texts, (n_texts x n_deferred x n_labels), each member run
        where the text's language gives it weight."""
        weights = self.head.row_weights(languages, list(self.members))
        deferred = np.array([name in self.deferred for name in self.members])
        probs = self.member_probabilities(list(texts), np.where(deferred, weights, 0.0))
        return np.stack([probs[name] for name in self.deferred], axis=1)

    def _complete(
        self,
        texts: list[str],
        languages: list[str],
        weights: np.ndarray,
        member_probs: dict,
        pending: np.ndarray,
        readings: np.ndarray | None,
        deferred_probs: np.ndarray | None = None,
    ) -> Scores:
        """Return the Scores once the deferred members have scored the pending rows (deferred_probs: their
        `score_deferred` of those rows, when already computed)."""
        if len(pending):
            if deferred_probs is None:
                deferred_probs = self.score_deferred([texts[i] for i in pending], [languages[i] for i in pending])
            member_probs = dict(member_probs)
            for column, name in enumerate(self.deferred):
                probs = member_probs[name].copy()
                probs[pending] = deferred_probs[:, column]
                member_probs[name] = probs
        probs = self.head.predict_proba(member_probs, languages, weights, readings)
        decisions, uncertain = self.head.judge(probs, languages)
        return Scores(probs, decisions, uncertain, weights > 0)

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
        scores = self.score_rows(texts, languages=languages)
        return self.head.uncertainty(scores.probs, languages), scores.probs, scores.decisions

    def _explainer(self) -> tuple[str, Scorer] | None:
        return next(((name, m) for name, m in self.members.items() if m.explains), None)

    def _evidence(self, texts: list[str], labels: list[list[str]], features) -> list[dict[str, list[str]]]:
        explainer = self._explainer()
        if explainer is None:
            return [{label: [] for label in wanted} for wanted in labels]
        indices = [[self.labels.index(label) for label in wanted] for wanted in labels]
        weights = explainer[1].feature_weights(features, indices)
        return [
            explain(text, {label: row[self.labels.index(label)] for label in wanted})
            for text, wanted, row in zip(texts, labels, weights)
        ]

    def entries(self, texts: list[str], labels: list[list[str]], features=None) -> list[list[dict]]:
        """Return each text's candidate control-list entries (best first) among the categories of its labels (a
        prediction's labels and uncertain labels); a text with none gets none.

        features: the explaining member's `features(texts)`, when already computed.
        """
        found: list[list[dict]] = [[] for _ in texts]
        rows = [i for i, wanted in enumerate(labels) if wanted]
        explainer = self._explainer()
        if self.entry_ranker is None or explainer is None or not rows:
            return found
        subset = [texts[i] for i in rows]
        features = explainer[1].features(subset) if features is None else features[rows]
        scores = self.entry_ranker.code_scores(features)
        for row, index in enumerate(rows):
            allowed = np.isin(self.entry_ranker.code_labels_, labels[index])
            found[index] = [s.as_dict() for s in suggest_entries(texts[index], scores[row], allowed, self.entry_ranker)]
        return found

    def named(self, scores: Scores) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
        """Return each row's label names, uncertain label names, and both (labels first, no repeats)."""
        labels = [[self.labels[j] for j in np.flatnonzero(row)] for row in scores.decisions]
        near = [[self.labels[j] for j in np.flatnonzero(row)] for row in scores.uncertain]
        both = [given + [label for label in doubtful if label not in given] for given, doubtful in zip(labels, near)]
        return labels, near, both

    def decide(self, texts: list[str], member_probs: dict | None = None) -> np.ndarray:
        """Return the multi-hot labels as `classify` gives them: the head's decisions after the parameter check."""
        texts = list(texts)
        scores = self.score_rows(texts, member_probs)
        if self.parameter_check is None or not self.parameter_check.labels_:
            return scores.decisions
        labels, near, wanted = self.named(scores)
        labels, _, _ = self.demote_below(texts, labels, near, self.entries(texts, wanted))
        return np.array([[int(label in given) for label in self.labels] for given in labels], dtype=np.int8)

    def below_reasons(self, texts: list[str], labels: list[list[str]], entries: list[list[dict]]) -> list[dict]:
        """Return, per text, label -> why the text's stated parameters are below the label's candidate entries (for
        each of its labels whose candidates read below)."""
        if self.entry_ranker is None:
            return [{} for _ in texts]
        code_label = self.entry_ranker.code_label()
        found = []
        for text, wanted, candidates in zip(texts, labels, entries):
            about = {label: [e["entry"] for e in candidates if code_label.get(e["entry"]) == label] for label in wanted}
            found.append(below_reasons(text, about) if wanted else {})
        return found

    def demote_below(self, texts: list[str], labels: list[list[str]], near: list[list[str]], entries: list[list[dict]]):
        """Return (labels, uncertain, below) after the parameter check: a trusted label whose reading is below moves
        to uncertain, with the reason."""
        if self.parameter_check is None or not self.parameter_check.labels_:  # nothing to demote: no work per row
            return labels, near, [{} for _ in texts]
        trusted = [[label for label in given if label in self.parameter_check.labels_] for given in labels]
        checked = [
            self.parameter_check.apply(given, doubtful, reasons)
            for given, doubtful, reasons in zip(labels, near, self.below_reasons(texts, trusted, entries))
        ]
        return [c[0] for c in checked], [c[1] for c in checked], [c[2] for c in checked]

    def start(self, texts: list, with_evidence: bool = True, full: bool = False) -> Cascade:
        """Return the Cascade of texts: each checked, its language guessed once, scored by the members that always
        run (every member with full=True) and either settled or pending for the deferred members."""
        errors = [validate_description(text) for text in texts]
        valid = [i for i, error in enumerate(errors) if error is None]
        valid_texts = [texts[i] for i in valid]
        languages = languages_of(valid_texts)
        explainer = self._explainer() if with_evidence and valid_texts else None
        features = {explainer[0]: explainer[1].features(valid_texts)} if explainer else {}
        readings = self.readings_of(valid_texts)
        if valid_texts:
            weights, member_probs, pending = self._first_stage(valid_texts, languages, None, features, full, readings)
        else:
            weights, member_probs, pending = np.zeros((0, len(self.members))), {}, np.zeros(0, dtype=int)
        return Cascade(
            list(texts),
            errors,
            valid,
            valid_texts,
            languages,
            weights,
            member_probs,
            pending,
            features,
            readings,
            with_evidence,
        )

    def finish(self, cascade: Cascade, deferred_probs: np.ndarray | None = None) -> list[Prediction]:
        """Return one Prediction per input of cascade; deferred_probs: `score_deferred` of its pending texts (scored
        here when not given)."""
        results = [
            Prediction(labels=[], scores={}, dual_use=False, uncertain=[], error=error) for error in cascade.errors
        ]
        if not cascade.texts:
            return results
        scores = self._complete(
            cascade.texts,
            cascade.languages,
            cascade.weights,
            cascade.member_probs,
            cascade.pending,
            cascade.readings,
            deferred_probs,
        )
        labels, near, wanted = self.named(scores)  # evidence and entries cover labels and uncertain labels
        explainer = self._explainer() if cascade.with_evidence else None
        if explainer:
            evidence = self._evidence(cascade.texts, wanted, cascade.features[explainer[0]])
        else:
            evidence = [{} for _ in cascade.valid]
        entries = self.entries(cascade.texts, wanted, cascade.features.get(explainer[0]) if explainer else None)
        labels, near, below = self.demote_below(cascade.texts, labels, near, entries)
        names = list(self.members)
        rounded = np.round(scores.probs, 4).tolist()
        for row, index in enumerate(cascade.valid):
            results[index] = Prediction(
                labels[row],
                dict(zip(self.labels, rounded[row])),
                bool(labels[row]),
                near[row],
                evidence[row],
                entries=entries[row],
                below=below[row],
                members=[name for name, ran in zip(names, scores.ran[row]) if ran],
            )
        return results

    def classify(self, texts: list, with_evidence: bool = True, full: bool = False) -> list[Prediction]:
        """Return one Prediction per input; a value that is not usable text gets an error and no labels. The cascade
        runs the encoder only where it can change the answer; full=True runs every member wherever the text's
        language gives it weight (the ensemble without the cascade)."""
        return self.finish(self.start(texts, with_evidence, full))

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
        if self.entry_ranker is not None:
            self.entry_ranker.save_pretrained(directory / RANKER_DIR)
            config["entries"] = {"path": RANKER_DIR}
        if self.parameter_check is not None:
            config["parameter_check"] = self.parameter_check.as_dict()
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
            entry_ranker=EntryRanker.from_pretrained(directory / config["entries"]["path"])
            if "entries" in config
            else None,
            parameter_check=ParameterCheck.from_dict(config["parameter_check"])
            if "parameter_check" in config
            else None,
        )
