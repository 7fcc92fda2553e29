"""LLM assistance: label proposals and second opinions from any OpenAI-compatible chat-completions endpoint.

Off by default: set DUALUSE_LLM_BASE_URL (e.g. http://127.0.0.1:8081/v1 for the embedded model of
classifier.local_llm, or the /v1 URL of any vLLM, llama.cpp, Ollama or hosted server), DUALUSE_LLM_MODEL,
DUALUSE_LLM_API_KEY and DUALUSE_LLM_TIMEOUT (seconds), all read by classifier.settings. An LLM answer is advice for
a human reviewer: it can raise a concern, never remove a label or lower a decision. Every failure (unreachable server, timeout, HTTP error,
refusal, malformed answer) comes back as `LLMOpinion.error`, never as an exception.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import httpx

from classifier.errors import DualUseError
from classifier.settings import LLMSettings, get_settings
from classifier.taxonomy import Taxonomy, default_taxonomy

ANSWER_MAX_TOKENS = 96
PROMPT_TEXT_CHARS = 2000
MAX_RATIONALE_CHARS = 500
ERROR_EXCERPT_CHARS = 200

REFUSAL_PATTERN = re.compile(
    r"\bI\s*(?:can(?:no|'|’)t|am unable to|['’]m unable to|won['’]t|will not)\s+"
    r"(?:help|assist|provide|do|comply|classify)\b|\bI['’]m sorry\b|\bas an AI\b",
    re.IGNORECASE,
)
TRUNCATED_LABELS = re.compile(r'"labels"\s*:\s*\[([^\]]*)\]')
FENCED_BLOCK = re.compile(r"```(?:json)?\s*(.*?)```", re.IGNORECASE | re.DOTALL)

EXAMPLES = (
    (
        "Fibre-optic gyroscope, bias stability 0.01 deg/h, for inertial navigation units",
        {"labels": ["navigation_avionics"], "rationale": "Navigation-grade fibre-optic gyro."},
    ),
    (
        "Toy quadcopter drone with HD camera, 15 min flight time, for kids",
        {"labels": [], "rationale": "Toy drone below control thresholds."},
    ),
    (
        "Samarium-cobalt magnets for a satellite attitude-control reaction wheel",
        {"labels": ["materials", "aerospace"], "rationale": "Rare-earth magnets for a spacecraft part."},
    ),
)


@dataclass
class LLMOpinion:
    """An LLM's proposed labels with its rationale; `error` says why there is no usable answer."""

    labels: list[str]
    rationale: str
    concern: bool = False
    error: str | None = None
    raw: str = ""
    unknown_labels: list[str] = field(default_factory=list)


class LLMError(DualUseError, RuntimeError):
    """A chat-completions call that gave no answer text."""


def system_prompt(taxonomy: Taxonomy) -> str:
    """Return the instructions: the label ids with their scope, the no-label rule and the JSON answer format."""
    lines = [
        f"- {label.id}: {label.name} ({label.scope}), e.g. {', '.join(label.examples[:3])}" for label in taxonomy.labels
    ]
    return (
        "You flag products that are likely dual-use items under export control. Label ids:\n"
        + "\n".join(lines)
        + "\nConsumer goods and items below control thresholds get no label. Answer with one JSON object only: "
        '{"labels": [label ids], "rationale": "one short sentence"}. Use "labels": [] when no label applies.'
    )


def label_messages(text: str, taxonomy: Taxonomy) -> list[dict]:
    """Return the chat messages asking for labels of one description, with worked examples as earlier turns."""
    messages = [{"role": "system", "content": system_prompt(taxonomy)}]
    for example, answer in EXAMPLES:
        messages.append({"role": "user", "content": f"Product: {example}"})
        messages.append({"role": "assistant", "content": json.dumps(answer)})
    messages.append({"role": "user", "content": f"Product: {text[:PROMPT_TEXT_CHARS]}"})
    return messages


def _json_objects(raw: str):
    """Yield every JSON object found in raw: fenced code blocks first, then any object embedded in prose."""
    decoder = json.JSONDecoder()
    for source in [*FENCED_BLOCK.findall(raw), raw]:
        for start in (m.start() for m in re.finditer(r"\{", source)):
            try:
                value, _ = decoder.raw_decode(source, start)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                yield value


def _truncated_answer(raw: str) -> dict | None:
    """Return {'labels': [...]} salvaged from an answer cut off after its labels list, or None."""
    match = TRUNCATED_LABELS.search(raw)
    return {"labels": re.findall(r'"([^"]*)"', match.group(1))} if match else None


def _label_id(value) -> str:
    return re.sub(r"[\s\-]+", "_", str(value).strip().lower())


def parse_answer(raw: str, taxonomy: Taxonomy | None = None) -> LLMOpinion:
    """Return the opinion in an answer text; known label ids are kept, unknown ones dropped into unknown_labels."""
    taxonomy = taxonomy or default_taxonomy()
    if not raw.strip():
        return LLMOpinion([], "", error="empty answer", raw=raw)
    answer = next((obj for obj in _json_objects(raw) if "labels" in obj), None) or _truncated_answer(raw)
    if answer is None:
        excerpt = raw.strip()[:ERROR_EXCERPT_CHARS]
        if REFUSAL_PATTERN.search(raw):
            return LLMOpinion([], "", error=f"refused: {excerpt}", raw=raw)
        return LLMOpinion([], "", error=f"no JSON object with 'labels' in the answer: {excerpt}", raw=raw)
    proposed = answer["labels"]
    if isinstance(proposed, str):
        proposed = [part for part in re.split(r"[,;]", proposed) if part.strip()]
    if not isinstance(proposed, list):
        return LLMOpinion([], "", error=f"'labels' must be a list, not {type(proposed).__name__}", raw=raw)
    ids = {_label_id(value) for value in proposed}
    labels = [label for label in taxonomy.ids if label in ids]
    unknown = sorted(ids - set(taxonomy.ids))
    rationale = str(answer.get("rationale") or "").strip()[:MAX_RATIONALE_CHARS]
    return LLMOpinion(labels, rationale, raw=raw, unknown_labels=unknown)


class LLMClient:
    """A client for an OpenAI-compatible chat-completions endpoint (POST {base_url}/chat/completions)."""

    def __init__(self, settings: LLMSettings | None = None, taxonomy: Taxonomy | None = None):
        self.settings = settings or get_settings().llm
        self.taxonomy = taxonomy or default_taxonomy()
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        self._http = httpx.Client(timeout=self.settings.timeout, headers=headers)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def chat(self, messages: list[dict], max_tokens: int = ANSWER_MAX_TOKENS) -> str:
        """Return the assistant's answer text, or raise LLMError saying what went wrong."""
        if not self.settings.enabled:
            raise LLMError("LLM assistance is off: set DUALUSE_LLM_BASE_URL to an OpenAI-compatible endpoint")
        url = f"{self.settings.base_url}/chat/completions"
        body = {
            "model": self.settings.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        try:
            response = self._http.post(url, json=body)
        except httpx.TimeoutException:
            raise LLMError(f"no answer from {url} within {self.settings.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise LLMError(f"cannot reach {url}: {exc}") from None
        if response.status_code != 200:
            raise LLMError(f"HTTP {response.status_code} from {url}: {response.text[:ERROR_EXCERPT_CHARS]}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            excerpt = response.text[:ERROR_EXCERPT_CHARS]
            raise LLMError(f"not a chat-completions response from {url}: {excerpt}") from None
        if not isinstance(content, str):
            raise LLMError(f"answer content from {url} is not text")
        return content

    def propose_labels(self, text: str) -> LLMOpinion:
        """Return the LLM's proposed labels and rationale for one description; failures are in `error`."""
        if not isinstance(text, str) or not text.strip():
            return LLMOpinion([], "", error="empty description")
        try:
            raw = self.chat(label_messages(text, self.taxonomy))
        except LLMError as exc:
            return LLMOpinion([], "", error=str(exc))
        return parse_answer(raw, self.taxonomy)

    def second_opinion(self, text: str, model_labels: list[str]) -> LLMOpinion:
        """Return the LLM's opinion with `concern` set when it proposes a label the model did not give."""
        model_labels = self.taxonomy.validate_ids(model_labels, "model_labels")
        opinion = self.propose_labels(text)
        opinion.concern = opinion.error is None and bool(set(opinion.labels) - set(model_labels))
        return opinion
