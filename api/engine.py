"""What the service serves with: the loaded model and the loaded screening policy."""

from __future__ import annotations

import logging
import threading

from api.batching import MicroBatcher, NoModelError, Scored
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
        self.batcher = MicroBatcher(lambda: self.model)

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
            model = DualUseClassifier.from_pretrained(self.settings.model_path or default_model_path())
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
                version = current_version()
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
        """Return Predictions for texts and the version of the model that made them (micro-batched with concurrent
        calls); NoModelError when no model is loaded."""
        try:
            return self.batcher.classify(texts)
        except NoModelError as exc:
            raise NoModelError(f"no model loaded ({self.model_error})") from exc


def _public_reason(exc: Exception) -> str:
    """Return why loading failed, fit to show to any client: the error's kind, never its paths."""
    return f"{type(exc).__name__} (the service log has the details)"
