"""The fine-tuned encoder: a sentence-transformers body, mean pooling over tokens, and a linear multi-label head."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

HEAD_WEIGHTS = "head.safetensors"
HEAD_CONFIG = "head.json"


class MeanPoolClassifier(torch.nn.Module):
    """Encoder -> attention-masked mean of token states -> L2 normalisation -> linear head (one logit per label)."""

    def __init__(self, encoder, labels: list[str]):
        super().__init__()
        self.encoder = encoder
        self.labels = list(labels)
        self.head = torch.nn.Linear(encoder.config.hidden_size, len(labels))

    def embed(self, input_ids, attention_mask, token_type_ids=None):
        """Return the normalised mean-pooled sentence embeddings."""
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        """Return the label logits."""
        return self.head(self.embed(input_ids, attention_mask, token_type_ids))

    def save_pretrained(self, directory: str | Path) -> None:
        """Write the encoder (Hugging Face format), the head weights and the label list into directory."""
        directory = Path(directory)
        self.encoder.save_pretrained(directory)
        save_file(
            {"weight": self.head.weight.detach().contiguous(), "bias": self.head.bias.detach().contiguous()},
            str(directory / HEAD_WEIGHTS),
        )
        (directory / HEAD_CONFIG).write_text(json.dumps({"labels": self.labels}, indent=2), encoding="utf-8")

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> MeanPoolClassifier:
        """Return the classifier saved in directory, in eval mode."""
        from transformers import AutoModel

        directory = Path(directory)
        labels = json.loads((directory / HEAD_CONFIG).read_text(encoding="utf-8"))["labels"]
        model = cls(AutoModel.from_pretrained(directory), labels)
        model.head.load_state_dict(load_file(str(directory / HEAD_WEIGHTS)))
        return model.eval()
