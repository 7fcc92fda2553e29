"""The head over the member models: per-language blend weights, per-label Platt calibration, per-label thresholds
and the dual-use gate, fitted on validation scores in the scikit-learn manner (fitted state ends in `_`).

The head sees member probabilities, the texts' languages and their parameter readings (`classifier.entries.reading`:
per label, a paragraph of its entries met, every stated one below, or nothing to go by), never the texts: every member
runs before it, and the language and readings are worked out once per text by the caller.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score

from classifier.errors import DualUseError
from classifier.gate import DEFAULT_MIN_RECALL, DualUseGate
from classifier.language import LANGS
from classifier.probability import logit, sigmoid

UNCERTAINTY_MARGIN = 0.8  # in log-odds: a score within a factor ~2.2 in odds of its threshold is "near"
WEIGHT_GRID = np.linspace(0.0, 1.0, 11)
THRESHOLD_GRID = np.round(np.linspace(0.05, 0.95, 37), 3)
MIN_LANGUAGE_ROWS = 5  # fewer validation rows of a language than this: its weights are fitted on all rows
# The cascade (see `EnsembleHead.settled` and `fit_cascade`): a language keeps the exact bound when it lets at least
# EXACT_SKIP_ENOUGH of its validation rows skip the deferred members; otherwise it gets label and gate margins (in
# log-odds, from this grid) with which the cascade agrees with the full ensemble on CASCADE_AGREEMENT of those rows.
EXACT_SKIP_ENOUGH = 0.5
CASCADE_AGREEMENT = 0.997  # the requirement is 99.5% on validation and test: 0.2 points kept for what validation misses
CASCADE_MARGIN_GRID = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
SETTLE_SLACK = 1e-9  # widens every bound, so that rounding in the full computation cannot cross a boundary
# L2 penalty on the reading offsets (log-odds): a handful of readings cannot make them huge, and a label's own pair
# stays near the pair fitted over all labels unless its readings say otherwise
READING_PENALTY = 1.0


def _width(margins: dict) -> float:
    """Return how wide cascade margins are (None: unbounded), to prefer the wider of two that skip as many rows."""
    return sum(np.inf if value is None else value for value in margins.values())


class NotFittedError(DualUseError, RuntimeError):
    """The head was used before `fit` or `from_dict`."""


def _mean_average_precision(probs: np.ndarray, targets: np.ndarray) -> float:
    scores = [
        average_precision_score(targets[:, j], probs[:, j]) for j in range(targets.shape[1]) if targets[:, j].any()
    ]
    return float(np.mean(scores)) if scores else 0.0


def _fit_weights(member_probs: dict[str, np.ndarray], languages: np.ndarray, targets: np.ndarray) -> dict:
    """Return per-language member weights maximising mean average precision on that language's rows."""
    names = list(member_probs)
    if len(names) == 1:
        return {lang: {names[0]: 1.0} for lang in LANGS}
    candidates = [w for w in itertools.product(WEIGHT_GRID, repeat=len(names)) if abs(sum(w) - 1.0) < 1e-9]
    weights = {}
    for lang in LANGS:
        rows = languages == lang
        if rows.sum() < MIN_LANGUAGE_ROWS:
            rows = np.ones(len(languages), dtype=bool)
        best = max(
            candidates,
            key=lambda w: _mean_average_precision(
                sum(wi * member_probs[n][rows] for wi, n in zip(w, names)), targets[rows]
            ),
        )
        weights[lang] = {name: float(w) for name, w in zip(names, best)}
    return weights


def _fit_calibration(raw: np.ndarray, targets: np.ndarray, labels: list[str]) -> dict[str, tuple[float, float]]:
    """Return Platt parameters (a, b) per label so that sigmoid(a * logit(p) + b) matches observed frequencies."""
    logits = logit(raw)
    calibration = {}
    for j, label in enumerate(labels):
        y = targets[:, j]
        if y.min() == y.max():
            calibration[label] = (1.0, 0.0)
            continue
        fit = LogisticRegression(C=100.0).fit(logits[:, [j]], y)
        calibration[label] = (float(fit.coef_[0, 0]), float(fit.intercept_[0]))
    return calibration


def _penalised_offsets(
    offset: np.ndarray, truth: np.ndarray, met: np.ndarray, below: np.ndarray, prior: np.ndarray
) -> np.ndarray:
    """Return the (met, below) log-odds offsets that maximise the likelihood of truth given fixed log-odds `offset`,
    with an L2 penalty (READING_PENALTY) pulling them towards prior."""

    def loss(c: np.ndarray) -> tuple[float, np.ndarray]:
        z = offset + c[0] * met + c[1] * below
        nll = np.sum(np.logaddexp(0.0, z) - truth * z) + 0.5 * READING_PENALTY * float((c - prior) @ (c - prior))
        residual = sigmoid(z) - truth
        return nll, np.array([residual @ met, residual @ below]) + READING_PENALTY * (c - prior)

    return minimize(loss, prior, jac=True, method="L-BFGS-B").x


def _fit_reading_offsets(
    logits: np.ndarray, readings: np.ndarray, targets: np.ndarray, labels: list[str]
) -> dict[str, list[float]]:
    """Return, per label, the log-odds its calibrated score gains when the text meets one of its entries and when it
    reads below (`classifier.entries.reading`): one pair fitted over every (validation text, label) pair, then each
    label's own pair pulled towards it (few labels see many readings)."""
    met, below, truth = (readings == 1).astype(float), (readings == -1).astype(float), targets.astype(float)
    pooled = _penalised_offsets(logits.ravel(), truth.ravel(), met.ravel(), below.ravel(), np.zeros(2))
    return {
        label: [
            round(float(c), 6) for c in _penalised_offsets(logits[:, j], truth[:, j], met[:, j], below[:, j], pooled)
        ]
        for j, label in enumerate(labels)
    }


def _fit_thresholds(probs: np.ndarray, targets: np.ndarray, labels: list[str]) -> dict[str, float]:
    """Return per-label thresholds maximising each label's F1."""
    thresholds = [
        max(THRESHOLD_GRID, key=lambda t: (f1_score(targets[:, j], probs[:, j] >= t, zero_division=0), -abs(t - 0.5)))
        if targets[:, j].any()
        else 0.5
        for j in range(len(labels))
    ]
    return {label: float(round(t, 4)) for label, t in zip(labels, thresholds)}


class EnsembleHead:
    """Blend -> calibrate -> gate and label thresholds: from member probabilities to decisions.

    An item is likely dual-use when its dual-use score (the gate's probability; for heads saved without a gate, the
    best label score) reaches the gate's threshold, tuned for `min_recall`. A flagged item gets every label at or above
    that label's own threshold (tuned for F1), or its best label if none is. A label is uncertain when its score is
    within `uncertainty_margin` (log-odds) of its threshold, when the best-label rescue gave it below its threshold,
    or, for the best label, when the dual-use score is that near the gate's threshold.

    For the cascade, `settled` tells which rows these decisions cannot change for whatever the members not yet run
    would say (the exact bound, cut to the margins `fit_cascade` chose per language where that bound settles too few).
    """

    def __init__(
        self,
        labels: list[str],
        min_recall: float = DEFAULT_MIN_RECALL,
        uncertainty_margin: float = UNCERTAINTY_MARGIN,
        seed: int = 0,
    ):
        self.labels = list(labels)
        self.min_recall = min_recall
        self.uncertainty_margin = uncertainty_margin
        self.seed = seed

    def fit(
        self,
        member_probs: dict[str, np.ndarray],
        languages: list[str],
        targets: np.ndarray,
        readings: np.ndarray | None = None,
    ) -> EnsembleHead:
        """Fit weights, calibration (with the reading offsets when readings are given), thresholds and gate on
        validation probabilities; return self."""
        targets = np.asarray(targets, dtype=int)
        if targets.shape != (len(languages), len(self.labels)):
            raise ValueError(f"targets must have shape ({len(languages)}, {len(self.labels)}), got {targets.shape}")
        self.weights_ = _fit_weights(member_probs, np.asarray(languages), targets)
        raw = self.blend(member_probs, languages)
        self.calibration_ = _fit_calibration(raw, targets, self.labels)
        self.reading_offsets_ = None
        if readings is not None:
            self.reading_offsets_ = _fit_reading_offsets(logit(self.calibrate(raw)), readings, targets, self.labels)
        calibrated = self.calibrate(raw, readings)
        self.thresholds_ = _fit_thresholds(calibrated, targets, self.labels)
        self.gate_ = DualUseGate(self.min_recall, seed=self.seed).fit(calibrated, languages, targets)
        self.dual_use_threshold_ = None
        self.cascade_ = {}  # the exact bound until `fit_cascade`
        return self

    def _check_fitted(self, attribute: str = "thresholds_") -> None:
        if not hasattr(self, attribute):
            raise NotFittedError("the head is not fitted: call fit() or load a saved model")

    def row_weights(self, languages: list[str], names: list[str]) -> np.ndarray:
        """Return the (n_texts x n_members) blend weights of each text's language, each row summing to 1."""
        self._check_fitted("weights_")
        by_language = {}
        for lang in LANGS:
            weights = np.array([self.weights_[lang].get(name, 0.0) for name in names])
            by_language[lang] = weights / (weights.sum() or 1.0)
        return np.array([by_language[lang] for lang in languages]).reshape(len(languages), len(names))

    def blend(
        self, member_probs: dict[str, np.ndarray], languages: list[str], row_weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the per-language weighted average of member probabilities (row_weights: see `row_weights`)."""
        names = list(member_probs)
        row_weights = self.row_weights(languages, names) if row_weights is None else row_weights
        stacked = np.stack([member_probs[name] for name in names], axis=1).astype(np.float64)
        return (row_weights[:, :, None] * stacked).sum(axis=1)

    @property
    def uses_readings(self) -> bool:
        """Return True when calibration moves scores by the texts' parameter readings (see `calibrate`)."""
        return bool(getattr(self, "reading_offsets_", None))

    def calibrate(self, raw: np.ndarray, readings: np.ndarray | None = None) -> np.ndarray:
        """Return calibrated probabilities: sigmoid(a * logit(p) + b) per label, plus the fitted offset of each
        label's reading (+1 met, -1 below, 0 none; `classifier.entries.reading.reading_matrix`) when given. The
        offsets are fixed per row, so calibration stays monotone in the blend (the cascade's bound relies on it)."""
        a = np.array([self.calibration_[label][0] for label in self.labels])
        b = np.array([self.calibration_[label][1] for label in self.labels])
        z = a * logit(raw) + b
        if readings is not None and self.uses_readings:
            met, below = np.array([self.reading_offsets_[label] for label in self.labels]).T
            z = z + met * (readings == 1) + below * (readings == -1)
        return sigmoid(z)

    def predict_proba(
        self,
        member_probs: dict[str, np.ndarray],
        languages: list[str],
        row_weights: np.ndarray | None = None,
        readings: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return the (n_texts x n_labels) calibrated probabilities of the blended member probabilities (readings:
        see `calibrate`)."""
        if not len(languages):
            return np.zeros((0, len(self.labels)))
        return self.calibrate(self.blend(member_probs, languages, row_weights), readings)

    def dual_use_scores(self, probs: np.ndarray, languages: list[str]) -> tuple[np.ndarray, float]:
        """Return (each item's dual-use score, the threshold it must reach)."""
        self._check_fitted()
        if self.gate_ is not None:
            return self.gate_.scores(probs, languages), self.gate_.threshold_
        return probs.max(axis=1), self.dual_use_threshold_

    def decide(self, probs: np.ndarray, languages: list[str], gate: tuple | None = None) -> np.ndarray:
        """Return the multi-hot decisions for calibrated probabilities (see the class docstring); gate: their
        `dual_use_scores` when already computed."""
        self._check_fitted()
        if not len(probs):
            return np.zeros(probs.shape, dtype=np.int8)
        thresholds = np.array([self.thresholds_[label] for label in self.labels])
        scores, gate_threshold = self.dual_use_scores(probs, languages) if gate is None else gate
        flagged = scores >= gate_threshold
        decisions = ((probs >= thresholds) & flagged[:, None]).astype(np.int8)
        rescue = flagged & (decisions.sum(axis=1) == 0)
        decisions[np.flatnonzero(rescue), probs.argmax(axis=1)[rescue]] = 1
        return decisions

    def predict(
        self, member_probs: dict[str, np.ndarray], languages: list[str], readings: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the multi-hot decisions for member probabilities."""
        return self.decide(self.predict_proba(member_probs, languages, readings=readings), languages)

    def margins(
        self, probs: np.ndarray, languages: list[str], gate: tuple | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (each label score's distance to its threshold, each item's distance to the gate's threshold), in
        log-odds."""
        thresholds = np.array([self.thresholds_[label] for label in self.labels])
        scores, gate_threshold = self.dual_use_scores(probs, languages) if gate is None else gate
        return np.abs(logit(probs) - logit(thresholds)), np.abs(logit(scores) - logit(gate_threshold))

    def uncertainty(self, probs: np.ndarray, languages: list[str]) -> np.ndarray:
        """Return each item's smallest distance (log-odds) to any boundary that decides it: lower is less certain."""
        if not len(probs):
            return np.zeros(0)
        label_margins, gate_margins = self.margins(probs, languages)
        return np.minimum(label_margins.min(axis=1), gate_margins)

    def uncertain_mask(
        self, probs: np.ndarray, decisions: np.ndarray, languages: list[str], gate: tuple | None = None
    ) -> np.ndarray:
        """Return a boolean matrix of uncertain labels (see the class docstring)."""
        if not len(probs):
            return np.zeros(probs.shape, dtype=bool)
        label_margins, gate_margins = self.margins(probs, languages, gate)
        thresholds = np.array([self.thresholds_[label] for label in self.labels])
        mask = label_margins <= self.uncertainty_margin
        mask |= decisions.astype(bool) & (probs < thresholds)
        mask[np.arange(len(probs)), probs.argmax(axis=1)] |= gate_margins <= self.uncertainty_margin
        return mask

    def judge(self, probs: np.ndarray, languages: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return (multi-hot decisions, uncertain-label mask) of calibrated probabilities, scoring the gate once."""
        self._check_fitted()
        if not len(probs):
            return np.zeros(probs.shape, dtype=np.int8), np.zeros(probs.shape, dtype=bool)
        gate = self.dual_use_scores(probs, languages)
        decisions = self.decide(probs, languages, gate)
        return decisions, self.uncertain_mask(probs, decisions, languages, gate)

    def _band(self, probs: np.ndarray, thresholds) -> np.ndarray:
        """Return -1, 0 or 1 for scores below, within or above `uncertainty_margin` (log-odds) of thresholds, by the
        same arithmetic as `margins`."""
        distance = logit(probs) - logit(thresholds)
        return np.where(np.abs(distance) <= self.uncertainty_margin, 0, np.sign(distance)).astype(np.int8)

    def settled(
        self,
        partial: np.ndarray,
        deferred_weight: np.ndarray,
        languages: list[str],
        margins: dict | None = None,
        readings: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return which rows get the same decisions and uncertain labels whatever the deferred members say.

        partial: the blend's sum over the members that ran (weight x probability); deferred_weight: each row's total
        weight of the members that did not. Their probabilities lie in [0, 1], so each label's blend lies between
        partial and partial + deferred_weight (the exact bound); calibration is monotone, so each calibrated score
        lies between its values there, and `DualUseGate.score_bounds` bounds the gate over that box. Where the row's
        language has cascade margins (`fit_cascade`), the box is also cut to `label` log-odds around each calibrated
        score of the members that ran alone, and the gate to `gate` log-odds around theirs. A row is settled when
        every label threshold, uncertain band, the gate's threshold and band and, where it decides a label, the best
        label come out the same at both ends: then every point in between, the result of the members that ran alone
        included, gives the same labels, dual_use and uncertain labels. A row whose members that ran carry no weight
        is never settled.
        """
        self._check_fitted()
        if not len(partial):
            return np.zeros(0, dtype=bool)
        thresholds = np.array([self.thresholds_[label] for label in self.labels])
        weight = deferred_weight[:, None]
        ends = (
            self.calibrate(np.clip(partial - SETTLE_SLACK, 0.0, 1.0), readings),
            self.calibrate(np.clip(partial + weight + SETTLE_SLACK, 0.0, 1.0), readings),
        )
        low = np.clip(np.minimum(*ends) - SETTLE_SLACK, 0.0, 1.0)
        high = np.clip(np.maximum(*ends) + SETTLE_SLACK, 0.0, 1.0)
        label_margin, gate_margin = self._margins_of(languages, margins)
        alone = None
        if np.isfinite(label_margin).any() or np.isfinite(gate_margin).any():
            ran = np.maximum(1.0 - weight, 1e-12)
            alone = self.calibrate(partial / ran, readings)
            centre = logit(alone)
            low = np.maximum(low, sigmoid(centre - label_margin[:, None] - SETTLE_SLACK))
            high = np.minimum(high, sigmoid(centre + label_margin[:, None] + SETTLE_SLACK))
        if self.gate_ is not None:
            gate_low, gate_high = self.gate_.score_bounds(low, high, languages, SETTLE_SLACK)
            gate_threshold = self.gate_.threshold_
            if alone is not None:
                centre = logit(self.gate_.scores(alone, languages))
                gate_low = np.maximum(gate_low, sigmoid(centre - gate_margin - SETTLE_SLACK))
                gate_high = np.minimum(gate_high, sigmoid(centre + gate_margin + SETTLE_SLACK))
        else:
            gate_low, gate_high, gate_threshold = low.max(axis=1), high.max(axis=1), self.dual_use_threshold_
        flagged = gate_low >= gate_threshold
        passes = low >= thresholds
        bands = self._band(low, thresholds), self._band(high, thresholds)
        gate_band = self._band(gate_low, gate_threshold)
        can_be_best = high >= low.max(axis=1, keepdims=True)
        surely_near = (bands[0] == 0) & (bands[1] == 0)
        # the best label matters when it is rescued (flagged, no label at its threshold) or marked for the gate
        best_matters = (flagged & ~passes.any(axis=1)) | ((gate_band == 0) & ~(surely_near | ~can_be_best).all(axis=1))
        return (
            (deferred_weight < 1.0)
            & (flagged == (gate_high >= gate_threshold))
            & (gate_band == self._band(gate_high, gate_threshold))
            & (bands[0] == bands[1]).all(axis=1)
            & (~flagged | (passes == (high >= thresholds)).all(axis=1))
            & (~best_matters | (can_be_best.sum(axis=1) == 1))
        )

    def _margins_of(self, languages: list[str], margins: dict | None) -> tuple[np.ndarray, np.ndarray]:
        """Return each row's (label, gate) cascade margins in log-odds, infinite where its language has none."""
        margins = self.cascade_margins() if margins is None else margins
        by_language = {
            lang: (
                (np.inf, np.inf)
                if not margins.get(lang)
                else (margins[lang].get("label") or np.inf, margins[lang].get("gate") or np.inf)
            )
            for lang in LANGS
        }
        pairs = np.array([by_language[lang] for lang in languages], dtype=np.float64).reshape(len(languages), 2)
        return pairs[:, 0], pairs[:, 1]

    def cascade_margins(self) -> dict:
        """Return each language's cascade margins ({"label": log-odds, "gate": log-odds}; None: the exact bound)."""
        return getattr(self, "cascade_", None) or {}

    def fit_cascade(
        self,
        member_probs: dict[str, np.ndarray],
        languages: list[str],
        deferred: list[str],
        readings: np.ndarray | None = None,
    ) -> dict:
        """Choose each language's cascade rule on validation probabilities and return what it gives there.

        deferred: the members the cascade runs only where they can change an answer. A language keeps the exact
        bound when it lets EXACT_SKIP_ENOUGH of its rows skip them; otherwise it gets the (label, gate) margins of
        CASCADE_MARGIN_GRID that let the most rows skip while the cascade agrees with the full ensemble on
        CASCADE_AGREEMENT of its rows (labels, dual_use and uncertain alike; the wider margins on a tie), or the
        exact bound when none does. Returns, per language: the margins, the rows, the exact bound's skip share and
        the chosen rule's skip share and agreement.
        """
        languages = list(languages)
        names = list(member_probs)
        weights = self.row_weights(languages, names)
        columns = np.array([name in deferred for name in names])
        cheap = np.where(columns, 0.0, weights)
        deferred_weight = weights[:, columns].sum(axis=1)
        partial = self.blend(member_probs, languages, cheap)
        full = self.judge(self.predict_proba(member_probs, languages, weights, readings), languages)
        ran = np.maximum(1.0 - deferred_weight, 1e-12)[:, None]
        alone = self.judge(self.predict_proba(member_probs, languages, cheap / ran, readings), languages)
        differs = (full[0] != alone[0]).any(axis=1) | (full[1] != alone[1]).any(axis=1)
        langs = np.asarray(languages)
        grid = [None] + [
            {"label": label, "gate": gate}
            for label in CASCADE_MARGIN_GRID + (None,)
            for gate in CASCADE_MARGIN_GRID + (None,)
            if label or gate
        ]
        self.cascade_, report = {}, {}
        for lang in LANGS:
            rows = (langs == lang) & (deferred_weight > 0)
            if not rows.any():
                self.cascade_[lang] = None
                continue
            if rows.sum() < MIN_LANGUAGE_ROWS:
                rows = deferred_weight > 0

            chosen = np.flatnonzero(rows)
            subset = [languages[i] for i in chosen]

            def outcome(margin, chosen=chosen, subset=subset):
                margins = {code: margin for code in LANGS}
                rows_readings = None if readings is None else readings[chosen]
                settled = self.settled(partial[chosen], deferred_weight[chosen], subset, margins, rows_readings)
                return float(settled.mean()), 1.0 - float((settled & differs[chosen]).mean())

            exact_skip, _ = outcome(None)
            margin = None
            if exact_skip < EXACT_SKIP_ENOUGH:
                scored = [(outcome(candidate), candidate) for candidate in grid[1:]]
                good = [
                    (skip, _width(candidate), candidate)
                    for (skip, agreement), candidate in scored
                    if agreement >= CASCADE_AGREEMENT and skip > exact_skip
                ]
                if good:
                    margin = max(good, key=lambda entry: entry[:2])[2]
            skip, agreement = outcome(margin)
            self.cascade_[lang] = margin
            report[lang] = {
                "margins": margin,
                "rows": int(rows.sum()),
                "exact_skip": round(exact_skip, 4),
                "skip": round(skip, 4),
                "agreement": round(agreement, 4),
            }
        return report

    def as_dict(self) -> dict:
        """Return the fitted head as JSON-ready settings (the keys of the model's config file)."""
        self._check_fitted()
        decision = (
            {"gate": self.gate_.as_dict()}
            if self.gate_ is not None
            else {"dual_use_threshold": self.dual_use_threshold_}
        )
        return {
            "weights": self.weights_,
            "calibration": {label: list(ab) for label, ab in self.calibration_.items()},
            "reading_offsets": getattr(self, "reading_offsets_", None),
            "thresholds": self.thresholds_,
            **decision,
            "uncertainty_margin": self.uncertainty_margin,
            "cascade": self.cascade_margins(),
        }

    @classmethod
    def from_dict(cls, labels: list[str], settings: dict) -> EnsembleHead:
        """Return the fitted head stored by `as_dict` (a head saved without a gate keeps its best-score rule)."""
        head = cls(labels, uncertainty_margin=settings.get("uncertainty_margin", UNCERTAINTY_MARGIN))
        head.weights_ = {lang: dict(settings["weights"][lang]) for lang in LANGS}
        head.calibration_ = {label: tuple(settings["calibration"][label]) for label in head.labels}
        head.reading_offsets_ = settings.get("reading_offsets")  # absent (older models): no reading offsets
        head.thresholds_ = {label: float(settings["thresholds"][label]) for label in head.labels}
        head.gate_ = DualUseGate.from_dict(settings["gate"]) if settings.get("gate") else None
        head.dual_use_threshold_ = None if head.gate_ else float(settings.get("dual_use_threshold", 0.5))
        head.cascade_ = {lang: settings.get("cascade", {}).get(lang) for lang in LANGS}  # absent: the exact bound
        return head
