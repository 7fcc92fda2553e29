"""API latency (p50/p99) and throughput at 1, 8 and 32 concurrent clients, single-item and 64-item requests,
against a real `dualuse serve` on loopback; each load level runs for a bounded time. Each figure is printed beside the
naive fp32 batch-1 transformers loop measured in the same run on the same texts, with the share of items the
encoder did not score (the cascade settles them with the n-gram model and the head)."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import catalog_texts, machine_line, naive_loop, save, table
from tests.server import Server, cli


async def _client_loop(
    host: str,
    port: int,
    key: str,
    batch: int,
    texts: list[str],
    offset: int,
    stop_at: float,
    latencies: list[float],
    failures: list[int],
    skipped: list[bool],
) -> None:
    """One keep-alive HTTP/1.1 connection sending requests back to back until stop_at (raw bytes: a cheap client)."""
    reader, writer = await asyncio.open_connection(host, port)
    n = offset
    try:
        while time.monotonic() < stop_at:
            items = [{"id": str(i), "text": texts[(n + i) % len(texts)]} for i in range(batch)]
            n += batch
            body = json.dumps({"items": items}).encode()
            head = (
                f"POST /v1/classify HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            writer.write(head + body)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            failures.append(status != 200)
            if status == 200:
                skipped += ["transformer" not in r["members"] for r in json.loads(body)["results"]]
    finally:
        writer.close()


def _load(url: str, key: str, clients: int, batch: int, seconds: float, texts: list[str]) -> dict:
    """Return latency and throughput figures for `clients` closed-loop clients running for `seconds`."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    failures: list[int] = []
    skipped: list[bool] = []

    async def run() -> None:
        stop_at = time.monotonic() + seconds
        await asyncio.gather(
            *(
                _client_loop(host, int(port), key, batch, texts, i * 997, stop_at, latencies, failures, skipped)
                for i in range(clients)
            )
        )

    started = time.perf_counter()
    asyncio.run(run())
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "items_per_request": batch,
        "requests": len(latencies),
        "errors": sum(failures),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
        "requests_per_second": round(len(latencies) / wall, 1),
        "texts_per_second": round(len(latencies) * batch / wall, 1),
        "encoder_skipped": round(sum(skipped) / max(len(skipped), 1), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each load level")
    parser.add_argument("--catalog", default="mixed", help="texts sent: en, zh, ja (one language) or mixed")
    args = parser.parse_args(argv)
    from classifier.registry import default_model_path

    model_dir = default_model_path()
    texts = catalog_texts(args.catalog)
    about = machine_line()
    naive = naive_loop(model_dir, random.Random(0).sample(texts, min(300, len(texts))))
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "state", model_dir, DUALUSE_MAX_ITEMS="64")
        key = cli(server.env, "keys", "create", "bench").stdout.strip().splitlines()[-1]
        server.start()
        try:
            _load(server.url, key, 4, 1, 2.0, texts)  # warm-up
            runs = [
                _load(server.url, key, clients, batch, args.seconds, texts)
                for batch in (1, 64)
                for clients in (1, 8, 32)
            ]
        finally:
            server.stop()
    rows = [
        [
            r["items_per_request"],
            r["clients"],
            r["requests"],
            r["p50_ms"],
            r["p99_ms"],
            r["requests_per_second"],
            r["texts_per_second"],
            f"{r['texts_per_second'] / naive['texts_per_second']:.2f}x",
            f"{r['encoder_skipped']:.1%}",
            r["errors"],
        ]
        for r in runs
    ]
    markdown = (
        f"Model {model_dir.name} on {about}; {args.catalog} texts, {args.seconds:.0f} s per load level, the load "
        f"generator on the same machine. Naive fp32 batch-1 loop on the same texts, in the same run: "
        f"{naive['texts_per_second']:.1f} texts/s, p50 {naive['p50_ms']:.1f} ms per text.\n\n"
        + table(
            [
                "items/request",
                "clients",
                "requests",
                "p50 ms",
                "p99 ms",
                "requests/s",
                "texts/s",
                "texts/s vs naive",
                "encoder skipped",
                "errors",
            ],
            rows,
        )
    )
    results = {
        "model": model_dir.name,
        "machine_line": about,
        "catalog": args.catalog,
        "naive_fp32_batch1": {k: round(v, 1) for k, v in naive.items()},
        "runs": runs,
    }
    path = save("api_latency", results, markdown)
    print(markdown)
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
