"""Log-odds and back: the one definition of logit and sigmoid used by the members, the head and the gate."""

from __future__ import annotations

import numpy as np

CLIP = 1e-6


def logit(p) -> np.ndarray:
    """Return log(p / (1 - p)), with p clipped to [1e-6, 1 - 1e-6] so that 0 and 1 stay finite."""
    p = np.clip(np.asarray(p, dtype=np.float64), CLIP, 1 - CLIP)
    return np.log(p / (1 - p))


def sigmoid(x) -> np.ndarray:
    """Return 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))
