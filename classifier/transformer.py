"""Inference for the fine-tuned MiniLM encoder: ONNX Runtime (int8) when exported, PyTorch otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

TRANSFORMER_DIR = "transformer"
ONNX_FILE = "model.int8.onnx"
MAX_LENGTH = 128
BATCH_SIZE = 32


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


def cpu_threads() -> int:
    """Return the number of threads to use: OMP_NUM_THREADS when set (e.g. by Ray), else the cores available."""
    if os.environ.get("OMP_NUM_THREADS", "").isdigit() and int(os.environ["OMP_NUM_THREADS"]) > 0:
        return int(os.environ["OMP_NUM_THREADS"])
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class TransformerScorer:
    """A fine-tuned sequence-classification encoder with the predict_proba verb; batches are sorted by length."""

    def __init__(self, directory: str | Path, labels: list[str], backend: str = "auto", max_length: int = MAX_LENGTH):
        from transformers import AutoTokenizer

        self.directory = Path(directory)
        self.labels = list(labels)
        self.max_length = max_length
        self.tokenizer = AutoTokenizer.from_pretrained(self.directory)
        onnx_path = self.directory / ONNX_FILE
        if backend == "auto":
            backend = "onnx" if onnx_path.exists() else "torch"
        self.backend = backend
        if backend == "onnx":
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = cpu_threads()
            options.inter_op_num_threads = 1
            self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
            self.input_names = {i.name for i in self.session.get_inputs()}
        elif backend == "torch":
            import torch

            from classifier.encoder import MeanPoolClassifier

            torch.set_num_threads(cpu_threads())
            self.model = MeanPoolClassifier.from_pretrained(self.directory)
        else:
            raise ValueError(f"backend must be 'auto', 'onnx' or 'torch', not {backend!r}")

    def _logits(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                                 return_tensors="np" if self.backend == "onnx" else "pt")
        if self.backend == "onnx":
            feed = {name: encoded[name].astype(np.int64) for name in self.input_names}
            return self.session.run(None, feed)[0]
        import torch

        with torch.inference_mode():
            return self.model(**encoded).float().numpy()

    def predict_proba(self, texts: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Return an (n_texts x n_labels) matrix of label probabilities."""
        texts = list(texts)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            indices = order[start : start + batch_size]
            out[indices] = _sigmoid(self._logits([texts[i] for i in indices]))
        return out

    def predict(self, texts: list[str], threshold: float = 0.5) -> np.ndarray:
        """Return a multi-hot matrix of labels whose probability reaches threshold."""
        return (self.predict_proba(texts) >= threshold).astype(np.int8)

    @classmethod
    def from_pretrained(cls, directory: str | Path, labels: list[str] | None = None, backend: str = "auto"):
        """Return a scorer for the encoder saved in directory (labels default to the ones saved with its head)."""
        import json

        from classifier.encoder import HEAD_CONFIG

        if labels is None:
            labels = json.loads((Path(directory) / HEAD_CONFIG).read_text(encoding="utf-8"))["labels"]
        return cls(directory, labels, backend=backend)
