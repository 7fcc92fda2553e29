"""Micro-batching: concurrent calls' rows are gathered into one model call, fairly and with failures kept apart.

The work done per call is `work(model, rows)` (by default `model.classify(rows)`); the service batches only the rows
that need the encoder (`DualUseClassifier.score_deferred`), the rest being settled in the caller's thread. While the
model runs, new requests queue; the next call takes a slice of at most `slice_size` texts from every
waiting request, in arrival order, up to `max_batch` texts in all. A lone request never waits for company, a
large request is scored slice by slice so that single-item requests arriving meanwhile join the next call, and an
exception while scoring one request's texts fails that request only. Each request is scored by the model that
was loaded when it arrived, and its answer names that model's version, so a hot reload in between cannot stamp
another version on it.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import NamedTuple

MAX_BATCH_TEXTS = 64
SLICE_TEXTS = 16  # a large request gives up the model after this many texts if others are waiting

log = logging.getLogger("dualuse.api")


class NoModelError(RuntimeError):
    """No model is loaded to classify with."""


class Scored(NamedTuple):
    """Predictions (or whatever the batcher's work returns per row) for one request's rows, in order, and the version
    of the model that made them."""

    predictions: list
    model_version: str


@dataclass(eq=False)
class _Pending:
    """One caller's texts, the model pinned for them, and how far scoring has got."""

    texts: list
    model: object
    version: str
    future: Future = field(default_factory=Future)
    done: int = 0
    predictions: list = field(default_factory=list)


class MicroBatcher:
    """Runs the model on slices of the waiting requests; `queued_texts` counts the texts not yet scored."""

    def __init__(
        self,
        get_model: Callable[[], object],
        max_batch: int = MAX_BATCH_TEXTS,
        slice_size: int = SLICE_TEXTS,
        work: Callable[[object, list], Sequence] | None = None,
    ):
        self.get_model = get_model
        self.work = work or _classify
        self.max_batch = max_batch
        self.slice_size = min(slice_size, max_batch)
        self._pending: deque[_Pending] = deque()
        self._ready = threading.Condition()
        self.queued_texts = 0
        self.thread = threading.Thread(target=self._loop, name="dualuse-batcher", daemon=True)
        self.thread.start()

    def classify(self, texts: list, model=None) -> Scored:
        """Return the work's result for each of texts, computed together with other callers' rows, by model (default:
        the current one); re-raises this call's errors."""
        model = self.get_model() if model is None else model
        if model is None:
            raise NoModelError("no model loaded")
        pending = _Pending(list(texts), model, model.version)
        if not pending.texts:
            return Scored([], pending.version)
        with self._ready:
            self._pending.append(pending)
            self.queued_texts += len(pending.texts)
            self._ready.notify()
        return pending.future.result()

    def _take_slices(self) -> list[tuple[_Pending, list]]:
        """Wait for work; return (request, texts) slices, one per waiting request in turn, up to max_batch texts."""
        with self._ready:
            while not self._pending:
                self._ready.wait()
            slices, size = [], 0
            for pending in self._pending:
                count = min(self.slice_size, len(pending.texts) - pending.done, self.max_batch - size)
                if count <= 0:
                    break
                slices.append((pending, pending.texts[pending.done : pending.done + count]))
                size += count
            return slices

    def _score(self, slices: list[tuple[_Pending, list]]) -> dict[_Pending, object]:
        """Return each slice's predictions, or the exception that scoring that request's slice alone raised."""
        outcome: dict[_Pending, object] = {}
        by_model: dict[int, list[tuple[_Pending, list]]] = {}
        for item in slices:
            by_model.setdefault(id(item[0].model), []).append(item)
        for group in by_model.values():
            model = group[0][0].model
            if len(group) == 1:
                outcome[group[0][0]] = self._work_alone(model, group[0][1])
                continue
            try:
                predictions = self.work(model, [text for _, texts in group for text in texts])
            except Exception:  # find the request that breaks the call; the others still get their answers
                for pending, texts in group:
                    outcome[pending] = self._work_alone(model, texts)
                continue
            start = 0
            for pending, texts in group:
                outcome[pending] = predictions[start : start + len(texts)]
                start += len(texts)
        return outcome

    def _loop(self) -> None:
        while True:
            slices = self._take_slices()
            try:
                outcome = self._score(slices)
            except BaseException as exc:  # never let the worker die: fail this round's requests and go on
                outcome = {pending: exc for pending, _ in slices}
            self._settle(slices, outcome)

    def _settle(self, slices: list[tuple[_Pending, list]], outcome: dict[_Pending, object]) -> None:
        """Record each slice's result; finish the requests that failed or are fully scored."""
        with self._ready:
            for pending, texts in slices:
                result = outcome[pending]
                if isinstance(result, BaseException):
                    self._pending.remove(pending)
                    self.queued_texts -= len(pending.texts) - pending.done
                    pending.future.set_exception(result)
                    continue
                pending.predictions.extend(list(result))
                pending.done += len(texts)
                self.queued_texts -= len(texts)
                self._pending.remove(pending)
                if pending.done == len(pending.texts):
                    pending.future.set_result(Scored(pending.predictions, pending.version))
                else:  # to the back of the line, so that requests which arrived meanwhile go first
                    self._pending.append(pending)

    def _work_alone(self, model, texts: list):
        """Return the work's result for one request's rows, or the exception it raised (logged with its traceback)."""
        try:
            return self.work(model, texts)
        except Exception as exc:
            log.exception("classifying one request failed; the other requests in its batch go on")
            return exc


def _classify(model, texts: list) -> list:
    return model.classify(texts)


class Turns:
    """First come, first served: `with turns:` waits until every caller that arrived before has had its turn.

    The service's request threads take turns for the n-gram, head and evidence work (Python, holding the interpreter
    lock, so running several at once gains nothing and slows the event loop's health checks); a large request takes
    one turn per slice, so single-item requests that arrive meanwhile are not held behind all of it.
    """

    def __init__(self):
        self._changed = threading.Condition()
        self._waiting: deque[object] = deque()

    def __enter__(self) -> None:
        me = object()
        with self._changed:
            self._waiting.append(me)
            while self._waiting[0] is not me:
                self._changed.wait()

    def __exit__(self, *exc) -> None:
        with self._changed:
            self._waiting.popleft()
            self._changed.notify_all()
