"""Inference for the fine-tuned MiniLM encoder: ONNX Runtime (int8) when exported, PyTorch otherwise."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from classifier.probability import sigmoid
from classifier.settings import get_settings

TRANSFORMER_DIR = "transformer"
ONNX_FILE = "model.int8.onnx"
MAX_LENGTH = 128
TORCH_BATCH_SIZE = 8  # small token-length-sorted batches waste the least padding
# ONNX Runtime runs one text per call: int8 dynamic quantization scales activations over the whole batch, so a text
# batched with others could score differently (by up to ~0.25 measured) from the same text alone. One text per call
# makes every score independent of its neighbours (API, catalog, Ray chunks alike) and, with one single-threaded
# session call per core, is as fast on 2 cores as batches of 8 (measured: ~95-105 texts/s both).
ONNX_BATCH_SIZE = 1
# A text longer than the encoder's window is scored over all of it: windows of max_length tokens, each sharing this
# many tokens with the one before, all texts' windows batched together, and each label's logit max-pooled over a
# text's windows (a controlled part of a long page counts wherever it is written).
WINDOW_OVERLAP = 64


def _onnx_session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle pool threads leave the cores
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class TransformerScorer:
    """A fine-tuned sequence-classification encoder with the predict_proba verb.

    Texts are tokenized once into windows (see WINDOW_OVERLAP), sorted by token count and cut into batches (one
    window each with ONNX Runtime). With ONNX Runtime, several batches run at once, one single-threaded session call
    per core (which scales better on a few cores than one call using them all); a lone batch (a one-item API request)
    uses every core.
    """

    kind = "transformer"
    explains = False

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
        self.threads = get_settings().cpu_threads
        if backend == "onnx":
            self.session = _onnx_session(onnx_path, threads=self.threads)
            self.parallel_session = _onnx_session(onnx_path, threads=1) if self.threads > 1 else self.session
            # one pool for the scorer's life, not one per call; its threads start on first use
            self.pool = ThreadPoolExecutor(self.threads, "dualuse-encoder") if self.threads > 1 else None
            self.input_names = {i.name for i in self.session.get_inputs()}
        elif backend == "torch":
            import torch

            from classifier.encoder import MeanPoolClassifier

            torch.set_num_threads(self.threads)
            self.model = MeanPoolClassifier.from_pretrained(self.directory)
        else:
            raise ValueError(f"backend must be 'auto', 'onnx' or 'torch', not {backend!r}")

    def _logits(self, encoded: dict, session=None) -> np.ndarray:
        if self.backend == "onnx":
            padded = self.tokenizer.pad(encoded, return_tensors="np")
            feed = {name: padded[name].astype(np.int64) for name in self.input_names}
            return (session or self.session).run(None, feed)[0]
        import torch

        with torch.inference_mode():
            return self.model(**self.tokenizer.pad(encoded, return_tensors="pt")).float().numpy()

    def features(self, texts: list[str]) -> None:
        """Return None: the encoder shares no features with the rest of the model."""
        return None

    def predict_proba(self, texts: list[str], features=None, batch_size: int | None = None) -> np.ndarray:
        """Return an (n_texts x n_labels) matrix of label probabilities (features: unused, see `features`;
        batch_size defaults per backend, see above)."""
        texts = list(texts)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not texts:
            return out
        batch_size = batch_size or (ONNX_BATCH_SIZE if self.backend == "onnx" else TORCH_BATCH_SIZE)
        encoded, owners = self._windows(texts)
        order = sorted(range(len(owners)), key=lambda i: len(encoded["input_ids"][i]))
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]

        def logits(indices: list[int], session=None) -> np.ndarray:
            return self._logits({key: [values[i] for i in indices] for key, values in encoded.items()}, session)

        if self.backend == "onnx" and len(batches) > 1 and self.threads > 1:
            results = list(self.pool.map(lambda indices: logits(indices, self.parallel_session), batches))
        else:
            results = [logits(indices) for indices in batches]
        pooled = np.full(out.shape, -np.inf, dtype=np.float32)
        for indices, batch_logits in zip(batches, results):
            np.maximum.at(pooled, owners[indices], batch_logits)  # a label scores as its strongest window
        out[:] = sigmoid(pooled)
        return out

    def _windows(self, texts: list[str]) -> tuple[dict, np.ndarray]:
        """Return the token windows of every text (one for a text that fits the encoder's window, overlapping
        windows that cover the whole of a longer one) and, for each window, the index of its text."""
        if not self.tokenizer.is_fast:  # only fast tokenizers cut overflowing windows; a slow one truncates
            encoded = self.tokenizer(texts, truncation=True, max_length=self.max_length)
            return dict(encoded), np.arange(len(texts))
        encoded = self.tokenizer(
            texts,
            truncation=True,
            max_length=self.max_length,
            stride=min(WINDOW_OVERLAP, self.max_length // 2),
            return_overflowing_tokens=True,
        )
        owners = np.asarray(encoded.pop("overflow_to_sample_mapping"), dtype=np.int64)
        return dict(encoded), owners

    def predict(self, texts: list[str], threshold: float = 0.5) -> np.ndarray:
        """Return a multi-hot matrix of labels whose probability reaches threshold."""
        return (self.predict_proba(texts) >= threshold).astype(np.int8)

    def save_pretrained(self, directory: str | Path) -> None:
        """Write the encoder's files (weights, tokenizer, head, ONNX export) into directory."""
        directory = Path(directory)
        if directory.resolve() != self.directory.resolve():
            shutil.copytree(self.directory, directory, dirs_exist_ok=True)

    @classmethod
    def from_pretrained(cls, directory: str | Path, backend: str = "auto") -> TransformerScorer:
        """Return a scorer for the encoder saved in directory, with the labels saved with its head."""
        import json

        from classifier.encoder import HEAD_CONFIG

        labels = json.loads((Path(directory) / HEAD_CONFIG).read_text(encoding="utf-8"))["labels"]
        return cls(directory, labels, backend=backend)
