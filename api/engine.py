"""What the service serves with: the loaded model and the loaded screening policy."""

from __future__ import annotations

import logging
import threading

from api.settings import Settings

log = logging.getLogger("dualuse.api")


class Engine:
    """Holds the model and the policy; either may be missing, which /readyz reports."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.model = None
        self.policy = None
        self.model_error: str | None = None
        self.policy_error: str | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load (or reload) the model and the policy; failures are recorded, not raised."""
        from classifier.model import DualUseClassifier
        from classifier.registry import default_model_path
        from classifier.rules import load_policy

        try:
            model = DualUseClassifier.from_pretrained(self.settings.model_path or default_model_path())
            with self._lock:
                self.model, self.model_error = model, None
            log.info("model %s loaded", model.version)
        except Exception as exc:  # the service still answers health checks and screens by given labels
            self.model_error = f"{type(exc).__name__}: {exc}"
            log.error("model not loaded: %s", self.model_error)
        try:
            policy = load_policy(self.settings.data_dir)
            with self._lock:
                self.policy, self.policy_error = policy, None
        except Exception as exc:
            self.policy_error = f"{type(exc).__name__}: {exc}"
            log.error("policy not loaded: %s", self.policy_error)

    @property
    def model_version(self) -> str | None:
        """Return the loaded model's version, or None."""
        return self.model.version if self.model is not None else None

    def classify(self, texts: list):
        """Return Predictions for texts; raises RuntimeError when no model is loaded."""
        model = self.model
        if model is None:
            raise RuntimeError(f"no model loaded ({self.model_error})")
        return model.classify(texts)
