"""The `dualuse` console script.

The CLI is the composition root: command handlers import `training` and `api` lazily, so the `classifier`
package itself never depends on them. `main` reads the settings once (the service's class, which extends the
classifier's) and hands them to the command handler, which passes them, or the paths and values they hold, down.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.errors import DualUseError
from classifier.settings import load_settings, use_settings

if TYPE_CHECKING:
    from api.settings import Settings


def _cmd_data_check(args: argparse.Namespace, settings: Settings) -> int:
    from training.data_check import check_corpus

    report = check_corpus(args.corpus or settings.data_dir / "corpus")
    for table in report.tables:
        print(table, end="\n\n")
    if report.ok:
        print("data check: OK")
        return 0
    print(f"data check: {len(report.violations)} violation(s)", file=sys.stderr)
    for violation in report.violations:
        print(f"  - {violation}", file=sys.stderr)
    return 1


def _cmd_data_build(args: argparse.Namespace, settings: Settings) -> int:
    from training.build_corpus import build_corpus

    splits = build_corpus(settings.data_dir)
    for name, records in splits.items():
        print(f"{name}: {len(records)} items")
    return 0


def _load_model(path: str | None, settings: Settings):
    from transformers.utils import logging as hf_logging

    from classifier.model import DualUseClassifier
    from classifier.registry import default_model_path

    hf_logging.set_verbosity_error()
    return DualUseClassifier.from_pretrained(path or default_model_path(settings))


def _condition(found: dict) -> str:
    """Return a stated parameter's condition and what the text states for it ("> 30 watt: 50 watt from '50 W'")."""
    from classifier.entries.thresholds import FEATURE_UNIT

    feature = found["threshold"].endswith(FEATURE_UNIT)  # a condition stated in words: present or absent
    stated = "not stated"
    if found["phrase"]:
        value = ("present" if found["value"] else "absent") if feature else f"{found['value']:g} {found['unit']}"
        stated = f"{value} from {found['phrase']!r}"
    return f"{'present' if feature else found['threshold']}: {stated}"


def _print_entries(entries: list[dict]) -> None:
    """Print the suggested control-list entries: code, confidence, the list's lines and the stated parameters."""
    from classifier.entries.control_list import within

    if not entries:
        return
    print("  control-list entries to check (candidates, not a ruling):")
    for rank, entry in enumerate(entries, 1):
        us = f", US ECCN {entry['us_eccn']}" if entry["us_eccn"] else ""
        gap = "  insufficient data: the text states none of its parameters" if entry["insufficient_data"] else ""
        print(f"   {rank}. {entry['code']}  score {entry['score']:.2f}{us}{gap}")
        for line in entry["text"]:
            print(f"      {line}")
        # the suggested paragraph's own and its parents' conditions are listed; an entry such as 3A001 has dozens of
        # conditions, and the ones off the suggested path are counted
        others = Counter()
        for found in entry["parameters"]:
            if within(entry["code"], found["paragraph"]):
                print(f"      {found['status']:<10} {found['paragraph']} {found['parameter']} {_condition(found)}")
            else:
                others[found["status"]] += 1
        if others:
            counts = ", ".join(f"{n} {status}" for status, n in sorted(others.items()))
            print(f"      {sum(others.values())} other conditions of {entry['entry']}: {counts}")
        for note in entry["decontrol_notes"]:
            print(f"      {note}")
    print(f"  {entries[0]['china']}")


def _print_prediction(text: str, prediction, version: str) -> None:
    from classifier.model import NOTICE
    from classifier.taxonomy import default_taxonomy

    if prediction.error:
        print(f"error: {prediction.error}")
        return
    verdict = "likely dual-use" if prediction.dual_use else "not a likely dual-use item"
    print(f"{verdict}   (model {version})")
    name = default_taxonomy().display  # labels by name and control-list category; --json keeps the ids
    ranked = sorted(prediction.scores.items(), key=lambda item: -item[1])
    shown = [(label, score) for label, score in ranked if label in prediction.labels or label in prediction.uncertain]
    width = max((len(name(label)) for label, _ in shown), default=0)
    for label, score in shown:
        marks = ("LABEL" if label in prediction.labels else "") + (
            " uncertain" if label in prediction.uncertain else ""
        )
        evidence = "; ".join(prediction.evidence.get(label, []))
        print(f"  {name(label):<{width}} {score:6.3f}  {marks.strip():<16} {evidence}")
    top = ", ".join(f"{name(label)} {score:.3f}" for label, score in ranked[:3])
    print(f"  top scores: {top}")
    for label, reason in prediction.below.items():
        print(f"  {name(label)}: not flagged, the stated parameters fall short ({reason})")
    _print_entries(prediction.entries)
    print(f"  {NOTICE}")


def _cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    import json

    texts = args.text or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not texts:
        print("error: give a description as an argument or on standard input", file=sys.stderr)
        return 2
    model = _load_model(args.model, settings)
    predictions = model.classify(texts, full=args.full)
    for text, prediction in zip(texts, predictions):
        if args.json:
            print(
                json.dumps({"text": text, **prediction.as_dict(), "model_version": model.version}, ensure_ascii=False)
            )
        else:
            _print_prediction(text, prediction, model.version)
    return 1 if any(p.error for p in predictions) else 0


def _cmd_label(args: argparse.Namespace, settings: Settings) -> int:
    from classifier.catalog import check_catalog, label_catalog
    from classifier.registry import default_model_path, model_version

    check_catalog(Path(args.input), Path(args.output), args.id_column, args.text_column)
    if args.engine == "ray":
        try:
            from classifier.ray_engine import label_catalog_ray
        except ImportError:
            print("error: --engine ray needs the ray extra: pip install '.[ray]'", file=sys.stderr)
            return 2
        model_dir = Path(args.model) if args.model else default_model_path(settings)
        version = model_version(model_dir)
        summary = label_catalog_ray(
            args.input,
            args.output,
            model_dir,
            id_column=args.id_column,
            text_column=args.text_column,
            address=args.address,
            batch_size=args.chunk_size,
            with_evidence=not args.no_evidence,
            full=args.full,
        )
    else:
        model = _load_model(args.model, settings)
        version = model.version
        summary = label_catalog(
            args.input,
            args.output,
            model,
            id_column=args.id_column,
            text_column=args.text_column,
            chunk_size=args.chunk_size,
            with_evidence=not args.no_evidence,
            progress=not args.quiet,
            full=args.full,
        )
    resumed = f", {summary.resumed_chunks} chunk(s) resumed from an earlier run" if summary.resumed_chunks else ""
    print(
        f"{summary.rows} rows labeled into {summary.output}: {summary.dual_use} likely dual-use, "
        f"{summary.errors} with errors{resumed} (model {version})"
    )
    return 0


def _stop_training(signum, frame) -> None:
    raise KeyboardInterrupt  # a stopped training removes its partial model (training.train) and reports it


def _cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    import signal

    from classifier.background import StatusWriter
    from training.arguments import TrainingArguments

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)  # training's progress lines
    chosen = {
        name: getattr(args, name) for name in ("epochs", "learning_rate", "seed") if getattr(args, name) is not None
    }
    arguments = TrainingArguments(
        quick=args.quick, ngram_only=args.members == "ngram", encoder_from=args.encoder_from, **chosen
    )
    signal.signal(signal.SIGTERM, _stop_training)
    if not args.status_file:
        return _train(args, settings, arguments)[0]
    status = StatusWriter(Path(args.status_file), ["ngram"] if arguments.ngram_only else ["transformer", "ngram"])
    try:
        code, state, details = _train(args, settings, arguments, status)
    except BaseException as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        status.finish("interrupted" if interrupted else "failed", error="" if interrupted else f"{exc}")
        raise
    status.finish(state, **details)
    return code


TRAINING_SHARE = 0.95  # of a run with a status file: the rest is the comparison with the promoted model


def _train(args: argparse.Namespace, settings: Settings, arguments, status=None) -> tuple[int, str, dict]:
    """Train, then promote by the usual comparison; return (exit code, final state, details for the status file)."""
    from training.corpus import load_split
    from training.promotion import promote_if_not_worse
    from training.reviews import reviewed_items
    from training.train import train_model

    reviewed: list[dict] = []
    if args.with_reviews:
        held_out = [r["text"] for split in ("validation", "test") for r in load_split(split)]
        from api.storage import trusted_reviews

        reviewed, dropped = reviewed_items(trusted_reviews(settings.database), held_out)
        print(
            f"adding {len(reviewed)} reviewed item(s) to training"
            + (f"; {dropped} dropped as duplicates of validation/test items" if dropped else "")
        )
    output_root = Path(args.output_dir) if args.output_dir else settings.models_dir
    output_root.mkdir(parents=True, exist_ok=True)
    report = None if status is None else (lambda stage, done: status.progress(stage, done * TRAINING_SHARE))
    path = train_model(arguments, output_root, progress=not args.quiet, extra_train=reviewed, report=report)
    if args.output_dir is not None or args.no_promote:
        print(f"trained {path.name} (not promoted)")
        return 0, "trained", {"version": path.name}
    if status is not None:
        status.progress("comparison", TRAINING_SHARE)
    outcome = promote_if_not_worse(path, reviewed, force=args.force)
    if outcome.table:
        print(outcome.table)
    if not outcome.promoted:
        print(
            f"not promoting {path.name}: worse than {outcome.previous} on "
            + "; ".join(outcome.regressions)
            + " (use --force to promote anyway, or `dualuse models promote`)"
        )
        return 3, "not promoted", {"version": path.name, "regressions": list(outcome.regressions)}
    print(f"promoted {path.name}: the commands and the service now use it")
    return 0, "promoted", {"version": path.name}


def _cmd_suggest_review(args: argparse.Namespace, settings: Settings) -> int:
    from classifier.catalog import check_columns
    from classifier.tabular import TableWriter
    from training.active_learning import suggest_review

    if args.n < 1:
        print(f"error: -n must be at least 1, not {args.n}", file=sys.stderr)
        return 2
    check_columns(Path(args.catalog), args.id_column, args.text_column)
    picked = suggest_review(args.catalog, _load_model(args.model, settings), args.n, args.id_column, args.text_column)
    if args.output:
        writer = TableWriter(args.output)
        writer.write(picked)
        writer.close()
        print(f"{len(picked)} rows to review written to {args.output}")
    for entry in picked.to_dict(orient="records"):
        print(
            f"{entry['id']!s:<14} margin {entry['uncertainty_margin']:.3f}  {entry['top_scores']}  {str(entry['text'])[:80]}"
        )
    return 0


def _cmd_data_quality(args: argparse.Namespace, settings: Settings) -> int:
    from training.label_quality import corpus_records, label_issues

    issues = label_issues(corpus_records())
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    issues.to_csv(output, index=False)
    print(f"{len(issues)} suspected label issue(s) written to {output} for review (nothing was changed):")
    for entry in issues.head(args.show).to_dict(orient="records"):
        print(
            f"  {entry['id']}  {entry['issue']:<32} {entry['label']:<20} p={entry['out_of_fold_probability']:.2f}  "
            f"{entry['text'][:70]}"
        )
    return 0


def _cmd_models(args: argparse.Namespace, settings: Settings) -> int:
    from classifier.registry import check_loads, list_versions, promote, rollback

    if args.models_command == "promote":
        check_loads(args.version, settings.models_dir)
        promote(args.version, settings.models_dir)
        print(f"promoted {args.version}")
    elif args.models_command == "rollback":
        print(f"rolled back to {rollback(settings.models_dir)}")
    else:
        for version in list_versions(settings.models_dir):
            test = version.metrics.get("test", {})
            figures = (
                f"macro-F1 {test['macro_f1']:.3f}  dual-use recall {test['dual_use']['recall']:.3f}"
                if test
                else "no metrics"
            )
            print(f"{'*' if version.promoted else ' '} {version.name:<36} {version.created[:19]:<20} {figures}")
    return 0


def _cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from classifier.registry import default_model_path
    from training.evaluate import evaluate_model

    model_dir = Path(args.model) if args.model else default_model_path(settings)
    out_dir = Path(args.output_dir) if args.output_dir else Path("reports") / model_dir.name
    report = evaluate_model(model_dir, out_dir)
    print((out_dir / "report.md").read_text(encoding="utf-8"))
    print(f"report written to {out_dir}")
    return 0 if all(report["targets"].values()) else 1


def _cmd_screen(args: argparse.Namespace, settings: Settings) -> int:
    from classifier.registry import ModelNotFoundError
    from classifier.rules import load_policy
    from classifier.screen_file import model_assessor, screen_file
    from classifier.tabular import TabularError, file_format, read_columns

    file_format(Path(args.output))
    if not Path(args.input).is_file():
        raise TabularError(f"{args.input}: file not found")
    read_columns(args.input)
    policy = load_policy(settings.data_dir)
    try:
        classify = model_assessor(_load_model(args.model, settings))
    except ModelNotFoundError as exc:
        print(f"warning: {exc}; rows without labels or control_code will get an error", file=sys.stderr)
        classify = None
    summary = screen_file(args.input, args.output, policy, classify)
    print(f"{sum(summary.counts.values())} order lines screened into {args.output} (policy {policy.version}):")
    for decision in ("prohibited", "review", "license_required", "not_controlled", "error"):
        print(f"  {decision:<17} {summary.counts.get(decision, 0)}")
    if summary.highlights:
        print("Needing attention:")
        for line in summary.highlights:
            print(f"  {line}")
    print("Decisions support human review; they are not legal determinations.")
    return 0


def _cmd_lists_import(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from classifier.rules import ListImportError
    from classifier.rules.importer import check_against_data, dump_entity_list, import_entity_list

    output = Path(args.output) if args.output else settings.data_dir / "entities" / f"{args.list_id}.yaml"
    try:
        dates = (
            dt.date.fromisoformat(args.date),
            dt.date.fromisoformat(args.effective_from) if args.effective_from else None,
        )
    except ValueError as exc:
        raise ListImportError(f"--date / --effective-from: {exc}") from exc
    document = import_entity_list(
        args.input,
        list_id=args.list_id,
        kind=args.kind,
        title=args.title,
        source_url=args.source_url,
        date=dates[0],
        instrument=args.instrument,
        country=args.country,
        effective_from=dates[1],
    )
    if output.parent.resolve() == (settings.data_dir / "entities").resolve():
        check_against_data(document, output.name, settings.data_dir)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(dump_entity_list(document), encoding="utf-8")
    print(f"{len(document['entities'])} entities written to {output} (list {args.list_id}, kind {args.kind})")
    print("Add or update a policy file in data/policies that names this list for it to affect decisions.")
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import create_app
    from api.storage import FIRST_KEY_NAME, ensure_first_key

    settings = settings.model_copy(update={"bind_host": args.host})
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    secret = ensure_first_key(settings.database)
    if secret:
        print(f"No API key existed; created admin key '{FIRST_KEY_NAME}' for the web page and clients (shown once):")
        print(secret)
    background = None
    if args.train_in_background and settings.model_path is None:
        from classifier.background import LOG_FILE, BackgroundTraining

        background = BackgroundTraining.start_if_needed(settings.models_dir, settings.state_dir, args.quick_training)
        if background is not None:
            print(
                "training the full model in the background (progress on the page and at /readyz, log in "
                f"{settings.state_dir / LOG_FILE}); the service switches to it once it is promoted"
            )
    print(f"dualuse API on http://{args.host}:{args.port}/ (docs at /docs)")
    try:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info", access_log=False)
    finally:
        if background is not None:
            background.stop()
    return 0


def _cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    from api.storage import Store

    settings.state_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database)
    if args.keys_command == "create":
        record, secret = store.create_key(args.name, role=args.role)
        print(f"created {record.role} API key {record.id} ({record.name}); store it now, it is not shown again:")
        print(secret)
    elif args.keys_command == "revoke":
        count = store.revoke_key(args.key)
        if not count:
            print(f"error: no active key with id or name {args.key!r}", file=sys.stderr)
            return 1
        print(f"revoked {count} key(s)")
    else:
        for key in store.list_keys():
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            print(f"{key.id}  {key.name:<24} {key.role:<8} created {key.created_at:%Y-%m-%d %H:%M}  {state}")
    return 0


def _cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from api.database import upgrade_database

    settings.state_dir.mkdir(parents=True, exist_ok=True)
    before, after = upgrade_database(settings.database)
    print(
        f"database schema at version {after}"
        + (" (already up to date)" if before == after else f" (upgraded from {before or 'an empty database'})")
    )
    return 0


def _llm_client(settings: Settings, quiet: bool = False):
    from classifier.local_llm import llm_client

    return llm_client(settings.llm, None if quiet else lambda message: print(message, file=sys.stderr))


def _cmd_llm_label(args: argparse.Namespace, settings: Settings) -> int:
    from training.llm_label import llm_label

    with _llm_client(settings, args.quiet) as client:
        summary = llm_label(
            args.input,
            args.output,
            client,
            text_column=args.text_column,
            id_column=args.id_column,
            progress=not args.quiet,
        )
    print(
        f"{summary.rows} rows written to {summary.output} for review: {summary.proposed} with proposed labels, "
        f"{summary.errors} with errors (model {client.settings.model}). Proposals are not training data until "
        "an analyst accepts them."
    )
    return 0


def _cmd_llm(args: argparse.Namespace, settings: Settings) -> int:
    import json

    if args.llm_command == "serve":
        from classifier.local_llm import serve

        print(f"embedded LLM on http://{args.host}:{args.port}/v1 (OpenAI-compatible chat completions)")
        serve(args.host, args.port)
        return 0
    from training.llm_label import evaluate_llm

    with _llm_client(settings) as client:
        report = evaluate_llm(client, limit=args.limit, seed=args.seed, progress=True)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    dual_use = report["dual_use"]
    print(
        f"{report['model']} on {report['items']} test items: micro-F1 {report['micro_f1']:.3f}, macro-F1 "
        f"{report['macro_f1']:.3f}, dual-use precision {dual_use['precision']:.3f} recall {dual_use['recall']:.3f}, "
        f"{report['errors']} unusable answers; report in {output}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    from training.arguments import TrainingArguments

    parser = argparse.ArgumentParser(
        prog="dualuse",
        description="Flag likely dual-use items in product descriptions and screen orders. "
        "Outputs support human review; they are not legal determinations.",
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error, not just its message")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data = commands.add_parser("data", help="check or rebuild the labeled corpus")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    check = data_commands.add_parser("check", help="validate the corpus splits and print counts")
    check.add_argument("--corpus", help="directory with train/validation/test.jsonl (default: data/corpus)")
    check.set_defaults(handler=_cmd_data_check)
    build = data_commands.add_parser("build", help="rebuild the splits from data/corpus/authored and data/control_list")
    build.set_defaults(handler=_cmd_data_build)
    quality = data_commands.add_parser(
        "quality", help="report items whose labels disagree with out-of-fold predictions"
    )
    quality.add_argument("-o", "--output", default="reports/label_quality.csv")
    quality.add_argument("--show", type=int, default=20, help="how many issues to print")
    quality.set_defaults(handler=_cmd_data_quality)

    classify = commands.add_parser("classify", help="classify one or more descriptions")
    classify.add_argument("text", nargs="*", help="description(s); read one per line from stdin when omitted")
    classify.add_argument("--json", action="store_true", help="print one JSON object per description")
    classify.add_argument("--model", help="model directory (default: the promoted model)")
    classify.add_argument(
        "--full",
        action="store_true",
        help="no cascade: run the encoder wherever the text's language gives it weight, not only where it can "
        "change the answer",
    )
    classify.set_defaults(handler=_cmd_classify)

    label = commands.add_parser("label", help="label a catalog file (.csv, .jsonl, .parquet, .xlsx)")
    label.add_argument("input")
    label.add_argument("-o", "--output", required=True, help="output file; its extension picks the format")
    label.add_argument("--id-column", default="id")
    label.add_argument("--text-column", default="description")
    label.add_argument("--chunk-size", type=int, default=512, help="rows per chunk (memory and resume unit)")
    label.add_argument("--no-evidence", action="store_true", help="skip evidence spans (faster)")
    label.add_argument("--model", help="model directory (default: the promoted model)")
    label.add_argument("--quiet", action="store_true", help="no progress bar")
    label.add_argument(
        "--full",
        action="store_true",
        help="no cascade: run the encoder wherever the text's language gives it weight, not only where it can "
        "change the answer",
    )
    label.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="label here, or on Ray Data (local Ray, or a cluster with --address)",
    )
    label.add_argument("--address", help="Ray cluster address, e.g. ray://HEAD:10001 (with --engine ray)")
    label.set_defaults(handler=_cmd_label)

    train = commands.add_parser("train", help="train a new model version from data/")
    defaults = TrainingArguments()
    train.add_argument("--epochs", type=int, help=f"passes over the training data (default {defaults.epochs})")
    train.add_argument("--learning-rate", type=float, help=f"encoder learning rate (default {defaults.learning_rate})")
    train.add_argument("--seed", type=int, help=f"random seed (default {defaults.seed})")
    train.add_argument("--output-dir", help="where to write the model version (default: the models directory)")
    train.add_argument("--quick", action="store_true", help="small sample, one epoch: a smoke run in seconds")
    train.add_argument(
        "--members",
        choices=["all", "ngram"],
        default="all",
        help="ngram: the n-gram model and the head without the encoder, in minutes (default: all)",
    )
    train.add_argument(
        "--encoder-from",
        metavar="MODEL_DIR",
        help="reuse the fine-tuned encoder of this earlier model version (trained on the same data and settings) and "
        "refit the rest: minutes, after a change to the threshold records, the n-gram model or the head",
    )
    train.add_argument("--status-file", help="write the progress to this JSON file (read by /readyz and the page)")
    train.add_argument("--with-reviews", action="store_true", help="add analysts' reviewed items to training")
    train.add_argument("--no-promote", action="store_true", help="keep the promoted model whatever the result")
    train.add_argument("--force", action="store_true", help="promote even if the new model is worse")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(handler=_cmd_train)

    evaluate = commands.add_parser("evaluate", help="write the test-split evaluation report with plots")
    evaluate.add_argument("--model", help="model directory (default: the promoted model)")
    evaluate.add_argument("--output-dir", help="report directory (default: reports/<model version>)")
    evaluate.set_defaults(handler=_cmd_evaluate)

    screen = commands.add_parser("screen", help="screen order lines (.csv, .jsonl, .parquet, .xlsx)")
    screen.add_argument("input")
    screen.add_argument("-o", "--output", required=True, help="output file; its extension picks the format")
    screen.add_argument("--model", help="model directory for rows given only a description")
    screen.set_defaults(handler=_cmd_screen)

    lists = commands.add_parser("lists", help="manage screening lists")
    lists_commands = lists.add_subparsers(dest="lists_command", required=True, metavar="ACTION")
    list_import = lists_commands.add_parser("import", help="import a screening list from CSV or OpenSanctions JSON")
    list_import.add_argument("input")
    list_import.add_argument("-o", "--output", help="entity-list YAML file (default: data/entities/LIST_ID.yaml)")
    list_import.add_argument("--list-id", required=True, help="id of the list, referenced by policy files")
    list_import.add_argument(
        "--kind", required=True, choices=["military", "control_list", "watch_list", "contractor", "other"]
    )
    list_import.add_argument("--title", required=True, help="title of the list")
    list_import.add_argument("--source-url", required=True, help="where the list was published")
    list_import.add_argument("--date", required=True, help="publication date, YYYY-MM-DD")
    list_import.add_argument("--effective-from", help="date the list takes effect, YYYY-MM-DD")
    list_import.add_argument("--instrument", help="id of the policy file (legal instrument) the list belongs to")
    list_import.add_argument("--country", help="ISO country code for entities that give none")
    list_import.set_defaults(handler=_cmd_lists_import)

    suggest = commands.add_parser("suggest-review", help="pick the catalog rows the model is least sure about")
    suggest.add_argument("catalog")
    suggest.add_argument("-n", type=int, default=20, help="how many rows to pick")
    suggest.add_argument("-o", "--output", help="write the picked rows to this file (.csv, .jsonl, ...)")
    suggest.add_argument("--id-column", default="id")
    suggest.add_argument("--text-column", default="description")
    suggest.add_argument("--model", help="model directory (default: the promoted model)")
    suggest.set_defaults(handler=_cmd_suggest_review)

    models = commands.add_parser("models", help="list, promote or roll back trained model versions")
    models_commands = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    models_commands.add_parser("list", help="list versions; * marks the promoted one")
    promote_parser = models_commands.add_parser("promote", help="serve this version")
    promote_parser.add_argument("version")
    models_commands.add_parser("rollback", help="go back to the previously promoted version")
    models.set_defaults(handler=_cmd_models)

    serve = commands.add_parser("serve", help="start the HTTP API and web page")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--train-in-background",
        action="store_true",
        help="train the full model at low priority while serving, unless one exists; promoted if not worse",
    )
    serve.add_argument("--quick-training", action="store_true", help="with --train-in-background: a quick smoke run")
    serve.set_defaults(handler=_cmd_serve)

    keys = commands.add_parser("keys", help="create, revoke or list API keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = keys_commands.add_parser("create", help="create a key; prints it as the last line")
    create.add_argument("name")
    create.add_argument(
        "--role",
        choices=("client", "analyst", "admin"),
        default="client",
        help="client: its own jobs; analyst: also the audit trail, every job and reviews that "
        "training trusts; admin: also cancels any job (default: client)",
    )
    revoke = keys_commands.add_parser("revoke", help="revoke a key by id or name")
    revoke.add_argument("key")
    keys_commands.add_parser("list", help="list keys (never their secrets)")
    keys.set_defaults(handler=_cmd_keys)

    database = commands.add_parser("db", help="manage the service's database schema")
    database_commands = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    database_commands.add_parser("upgrade", help="apply the schema migrations this release ships")
    database.set_defaults(handler=_cmd_db)

    llm_label = commands.add_parser("llm-label", help="write an LLM's proposed labels for a catalog to a review file")
    llm_label.add_argument("input")
    llm_label.add_argument("-o", "--output", required=True, help="review file; its extension picks the format")
    llm_label.add_argument("--id-column", default="id")
    llm_label.add_argument("--text-column", default="description")
    llm_label.add_argument("--quiet", action="store_true", help="no progress bar")
    llm_label.set_defaults(handler=_cmd_llm_label)

    llm = commands.add_parser("llm", help="serve or evaluate the LLM used for label proposals and second opinions")
    llm_commands = llm.add_subparsers(dest="llm_command", required=True, metavar="ACTION")
    llm_serve = llm_commands.add_parser("serve", help="serve the embedded model as an OpenAI-compatible endpoint")
    llm_serve.add_argument("--host", default="127.0.0.1")
    llm_serve.add_argument("--port", type=int, default=8081)
    llm_evaluate = llm_commands.add_parser("evaluate", help="measure the LLM's labels on the test split")
    llm_evaluate.add_argument("--limit", type=int, help="a seeded sample of this many test items (default: all)")
    llm_evaluate.add_argument("--seed", type=int, default=0)
    llm_evaluate.add_argument("-o", "--output", default="reports/llm_evaluation.json")
    llm.set_defaults(handler=_cmd_llm)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = build_parser().parse_args(argv)
    # The one write to the environment, here at the process's entry point and nowhere deeper: model weights come from
    # installed packages, never a hub (huggingface_hub and transformers read this variable themselves).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from api.settings import Settings

        settings = use_settings(load_settings(Settings))  # read once, here; handlers pass it (or its values) down
        return args.handler(args, settings)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except DualUseError as exc:  # the one error boundary: the project's own errors are messages, not tracebacks
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
