"""Micro-batching: concurrent classify calls are gathered into one model call.

While the model runs, new requests queue; the next call takes all of them at once (up to MAX_BATCH_TEXTS), so
load forms batches by itself and a lone request never waits for company.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from typing import Callable

MAX_BATCH_TEXTS = 64
MAX_WAIT_SECONDS = 0.0  # requests that queue while the model runs form the next batch; waiting only adds latency


class MicroBatcher:
    """Runs the model on batches of the requests waiting (plus any arriving within max_wait, 0 by default)."""

    def __init__(self, get_model: Callable[[], object], max_batch: int = MAX_BATCH_TEXTS,
                 max_wait: float = MAX_WAIT_SECONDS):
        self.get_model = get_model
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.queue: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="dualuse-batcher", daemon=True)
        self.thread.start()

    def classify(self, texts: list) -> list:
        """Return Predictions for texts, computed together with other callers' texts; re-raises model errors."""
        future: Future = Future()
        self.queue.put((list(texts), future))
        return future.result()

    def _gather(self) -> list[tuple[list, Future]]:
        """Return the next request with every request already waiting, plus those arriving within max_wait."""
        batch = [self.queue.get()]
        size = len(batch[0][0])
        deadline = time.monotonic() + self.max_wait
        while size < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                texts, future = self.queue.get(timeout=remaining) if remaining > 0 else self.queue.get_nowait()
            except queue.Empty:
                break
            batch.append((texts, future))
            size += len(texts)
        return batch

    def _loop(self) -> None:
        while True:
            batch = self._gather()
            model = self.get_model()
            try:
                if model is None:
                    raise RuntimeError("no model loaded")
                predictions = model.classify([text for texts, _ in batch for text in texts])
            except Exception as exc:
                for _, future in batch:
                    future.set_exception(exc)
                continue
            start = 0
            for texts, future in batch:
                future.set_result(predictions[start : start + len(texts)])
                start += len(texts)
