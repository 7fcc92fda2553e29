"""Opt-in LLM second opinions: asked only for uncertain classifications and `review` decisions, returned beside
the model's answer, never in place of it (labels and decisions are not changed by an opinion)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from api.schemas import SecondOpinion
from classifier.llm import LLMClient

PARALLEL_CALLS = 4
LLM_OFF = ("LLM assistance is off on this service: start it with DUALUSE_LLM_BASE_URL set to an "
           "OpenAI-compatible endpoint (e.g. `dualuse llm serve` and http://127.0.0.1:8081/v1)")


def second_opinions(client: LLMClient | None, asks: dict[int, tuple[str, list[str]]]) -> dict[int, SecondOpinion]:
    """Return a second opinion per index of `asks` ({index: (text, model labels)}), calls made in parallel.

    Failures of the LLM (no server, timeout, refusal, malformed answer) come back in the opinion's `error`.
    """
    if not asks:
        return {}
    if client is None:
        return {index: SecondOpinion(labels=[], rationale="", concern=False, error=LLM_OFF, model="")
                for index in asks}

    def ask(item: tuple[str, list[str]]) -> SecondOpinion:
        text, model_labels = item
        opinion = client.second_opinion(text, model_labels)
        return SecondOpinion(labels=opinion.labels, rationale=opinion.rationale, concern=opinion.concern,
                             error=opinion.error, model=client.settings.model)

    with ThreadPoolExecutor(max_workers=min(PARALLEL_CALLS, len(asks))) as pool:
        return dict(zip(asks, pool.map(ask, asks.values())))
