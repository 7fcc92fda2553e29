"""What the service serves with: the loaded model and the loaded screening policy."""

from __future__ import annotations

import logging
import threading

import numpy as np

from api.batching import SLICE_TEXTS, MicroBatcher, NoModelError, Scored, Turns
from api.settings import Settings

log = logging.getLogger("dualuse.api")


class Engine:
    """Holds the model and the policy; either may be missing, which /readyz reports."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.model = None
        self.policy = None
        self.model_error: str | None = None  # the reason without file-system paths (the log has the details)
        self.policy_error: str | None = None
        self._lock = threading.Lock()
        self.batcher = MicroBatcher(lambda: self.model, work=_score_deferred)
        self.turns = Turns()  # for the n-gram, head and evidence work of request threads, slice by slice

    def load(self) -> None:
        """Load (or reload) the model and the policy; failures are recorded, not raised."""
        from classifier.rules import load_policy

        self.load_model()
        try:
            policy = load_policy(self.settings.data_dir)
            with self._lock:
                self.policy, self.policy_error = policy, None
        except Exception as exc:
            self.policy_error = _public_reason(exc)
            log.error("policy not loaded: %s: %s", type(exc).__name__, exc)

    def load_model(self) -> None:
        """Load the configured or promoted model and swap it in; requests in flight finish on the old one."""
        from classifier.model import DualUseClassifier
        from classifier.registry import default_model_path

        try:
            model = DualUseClassifier.from_pretrained(default_model_path(self.settings))
        except Exception as exc:  # the service still answers health checks and screens by given labels
            self.model_error = _public_reason(exc)
            log.error("model not loaded: %s: %s", type(exc).__name__, exc)
            return
        with self._lock:
            self.model, self.model_error = model, None
        log.info("model %s loaded", model.version)

    def watch_promotions(self, interval: float) -> threading.Event:
        """Reload the model whenever another version is promoted; return an event that stops the watcher."""
        from classifier.registry import current_version

        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(interval):
                version = current_version(self.settings.models_dir)
                if version and version != self.model_version:
                    log.info("promoted model changed to %s; loading it", version)
                    self.load_model()

        if self.settings.model_path is None:
            threading.Thread(target=watch, name="dualuse-model-watch", daemon=True).start()
        return stop

    @property
    def model_version(self) -> str | None:
        """Return the loaded model's version, or None."""
        return self.model.version if self.model is not None else None

    def classify(self, texts: list) -> Scored:
        """Return Predictions for texts and the version of the model that made them; NoModelError when no model is
        loaded.

        The n-gram model and the head score the texts in the caller's thread, one slice of SLICE_TEXTS per turn
        (`Turns`); only the rows they leave unsettled go to the encoder, micro-batched with concurrent calls' rows.
        """
        model = self.model
        if model is None:
            raise NoModelError(f"no model loaded ({self.model_error})")
        cascades = []
        for start in range(0, len(texts), SLICE_TEXTS):
            with self.turns:
                cascades.append(model.start(texts[start : start + SLICE_TEXTS]))
        rows = [row for cascade in cascades for row in zip(cascade.pending_texts, cascade.pending_languages)]
        deferred = np.stack(self.batcher.classify(rows, model).predictions) if rows else None
        predictions, done = [], 0
        for cascade in cascades:
            pending = len(cascade.pending)
            with self.turns:
                predictions += model.finish(cascade, deferred[done : done + pending] if pending else None)
            done += pending
        return Scored(predictions, model.version)


def _score_deferred(model, rows: list[tuple[str, str]]):
    """Return the deferred members' probabilities of (text, language) rows: the batcher's work."""
    return model.score_deferred([text for text, _ in rows], [language for _, language in rows])


def _public_reason(exc: Exception) -> str:
    """Return why loading failed, fit to show to any client: the error's kind, never its paths."""
    return f"{type(exc).__name__} (the service log has the details)"
