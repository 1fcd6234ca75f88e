"""Cross-validated NLU evaluation: the intent classifier and its choice of FAQ answer.

Runs `rasa test nlu --cross-validation` on the project's NLU data (data/nlu/ plus the FAQ
responses in data/responses/), so every figure is measured on examples the model was not
trained on: each fold is trained on the other folds and tested on the held-out one. Then it
reads the reports Rasa writes and prints the figures next to the targets.

    .venv/bin/python scripts/nlu_eval.py [--folds 3] [--out DIR] [--config FILE]

Exits non-zero only when the evaluation cannot run or its reports are missing; a low score
is reported, not treated as an error. Folds are shuffled at random by Rasa, so figures move
a little from run to run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
DATA_DIRS = ("data/nlu", "data/responses")  # NLU examples + FAQ responses; not stories/rules
CONFIG = "config.yml"
SPACY_MODEL = ROOT / "models" / "spacy_en"

INTENT_ACCURACY_TARGET = 0.95
FAQ_ACCURACY_TARGET = 0.95
PER_LABEL_F1_FLOOR = 0.95
SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


class EvalError(Exception):
    """The evaluation could not run or produced no usable report."""


def _stage_data(workdir: Path) -> Path:
    """Copy the NLU data and FAQ responses into one folder Rasa can read as `--nlu`."""
    staged = workdir / "data"
    for rel in DATA_DIRS:
        src = ROOT / rel
        if not src.is_dir():
            raise EvalError(f"{rel}/ is missing")
        shutil.copytree(src, staged / Path(rel).name)
    return staged


def _run_rasa(nlu_dir: Path, out_dir: Path, folds: int, log_file: Path, config: str) -> None:
    cmd = [
        sys.executable, "-m", "rasa", "test", "nlu",
        "--nlu", str(nlu_dir),
        "--config", config,
        "--cross-validation", "--folds", str(folds),
        "--out", str(out_dir),
        "--no-plot", "--successes",
    ]
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    print("$ rasa " + " ".join(cmd[3:]), flush=True)
    print(f"  ({folds} folds, each trains the intent classifier and DIET: several minutes; "
          f"log in {log_file})", flush=True)
    started = time.monotonic()
    with open(log_file, "w") as log:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    print(f"  finished in {time.monotonic() - started:.0f}s", flush=True)
    if proc.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-40:]
        raise EvalError("rasa test nlu failed (exit %d); last lines of its log:\n%s"
                        % (proc.returncode, "\n".join(tail)))


def _load_json(path: Path, required: bool = True) -> Optional[Any]:
    if not path.exists():
        if required:
            raise EvalError(f"Rasa wrote no {path.name} in {path.parent}")
        return None
    with open(path) as f:
        return json.load(f)


def _label_rows(report: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {k: v for k, v in report.items() if k not in SUMMARY_KEYS and isinstance(v, dict)}


def _mark(value: float, target: float) -> str:
    return "ok" if value >= target else "BELOW TARGET"


def _confused_pairs(errors: List[Dict[str, Any]], target_key: str,
                    prediction_key: str) -> List[Tuple[Tuple[str, str], List[Dict[str, Any]]]]:
    pairs: Dict[Tuple[str, str], List[Dict[str, Any]]] = defaultdict(list)
    for e in errors:
        pred = e[prediction_key]
        pairs[(e[target_key], pred.get("name") or "None")].append(
            {"text": e["text"], "confidence": pred.get("confidence") or 0.0})
    return sorted(pairs.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def _print_section(title: str, report: Dict[str, Any], errors: List[Dict[str, Any]],
                   target_key: str, prediction_key: str, accuracy_target: float,
                   accuracy_label: str, max_pairs: int, examples_per_pair: int) -> None:
    accuracy = float(report["accuracy"])
    weighted = report["weighted avg"]
    total = int(weighted["support"])
    print(f"\n{title}")
    print(f"  {accuracy_label:<22} {accuracy:.3f}   target >= {accuracy_target:.2f}   "
          f"{_mark(accuracy, accuracy_target)}   ({total - len(errors)}/{total} held-out examples right)")
    print(f"  {'weighted F1':<22} {float(weighted['f1-score']):.3f}")
    print(f"  {'macro F1':<22} {float(report['macro avg']['f1-score']):.3f}")

    low = sorted(((label, row) for label, row in _label_rows(report).items()
                  if float(row["f1-score"]) < PER_LABEL_F1_FLOOR),
                 key=lambda kv: float(kv[1]["f1-score"]))
    if low:
        print(f"  labels with F1 < {PER_LABEL_F1_FLOOR:.2f}:")
        for label, row in low:
            print(f"    {label:<32} F1 {float(row['f1-score']):.3f}  precision "
                  f"{float(row['precision']):.3f}  recall {float(row['recall']):.3f}  "
                  f"(n={int(row['support'])})")
    else:
        print(f"  every label has F1 >= {PER_LABEL_F1_FLOOR:.2f}")

    pairs = _confused_pairs(errors, target_key, prediction_key)
    if pairs:
        print("  most confused (expected -> predicted: count, then examples with confidence):")
        for (expected, predicted), items in pairs[:max_pairs]:
            print(f"    {expected} -> {predicted}: {len(items)}")
            for item in items[:examples_per_pair]:
                print(f"        \"{item['text']}\" ({item['confidence']:.2f})")
        if len(pairs) > max_pairs:
            print(f"    ... and {len(pairs) - max_pairs} more pairs")


def _fallback_threshold(config_file: str) -> Optional[float]:
    import yaml

    with open(ROOT / config_file) as f:
        config = yaml.safe_load(f) or {}
    for component in config.get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return None


def _print_low_confidence(successes: List[Dict[str, Any]], errors: List[Dict[str, Any]],
                          config_file: str) -> None:
    """Rasa scores the top intent even where the FallbackClassifier would have fired."""
    threshold = _fallback_threshold(config_file)
    if threshold is None:
        return
    right = sum(1 for r in successes if (r["intent_prediction"].get("confidence") or 0) < threshold)
    wrong = sum(1 for r in errors if (r["intent_prediction"].get("confidence") or 0) < threshold)
    print(f"  under the FallbackClassifier threshold ({threshold:.2f}): {right + wrong} of "
          f"{len(successes) + len(errors)} ({right} right, {wrong} wrong); Rasa scores their top "
          f"intent, in a conversation they would get the fallback")


def _example_counts(nlu_dir: Path) -> Counter:
    """Examples per intent / FAQ key, read the same way Rasa reads them."""
    from rasa.shared.importers.importer import TrainingDataImporter

    data = TrainingDataImporter.load_from_dict(training_data_paths=[str(nlu_dir)]).get_nlu_data()
    return Counter(e.get_full_intent() for e in data.intent_examples)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds (default 3)")
    parser.add_argument("--out", type=Path, help="keep Rasa's reports in this folder "
                        "(default: a temporary folder, removed afterwards)")
    parser.add_argument("--config", default=CONFIG,
                        help=f"the pipeline to evaluate (default {CONFIG}), to compare a change")
    parser.add_argument("--pairs", type=int, default=10, help="confused pairs to show per section")
    parser.add_argument("--examples", type=int, default=3, help="example texts per confused pair")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")

    out_arg = args.out.resolve() if args.out else None
    os.chdir(ROOT)
    if not (SPACY_MODEL / "config.cfg").exists():
        print(f"error: {SPACY_MODEL.relative_to(ROOT)} is missing; build it with `make spacy`",
              file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="nlu-eval-"))
    out_dir = out_arg or workdir / "results"
    try:
        nlu_dir = _stage_data(workdir)
        counts = _example_counts(nlu_dir)
        too_few = sorted(k for k, n in counts.items() if n < args.folds)
        print(f"NLU data: {sum(counts.values())} examples, "
              f"{len({k.split('/')[0] for k in counts})} intents, "
              f"{sum(1 for k in counts if k.startswith('faq/'))} FAQ keys")
        if too_few:
            print(f"  note: Rasa drops labels with fewer than {args.folds} examples: {', '.join(too_few)}")

        out_dir.mkdir(parents=True, exist_ok=True)
        _run_rasa(nlu_dir, out_dir, args.folds, out_dir / "rasa-test-nlu.log", args.config)

        intent_report = _load_json(out_dir / "intent_report.json")
        intent_errors = _load_json(out_dir / "intent_errors.json", required=False) or []
        intent_successes = _load_json(out_dir / "intent_successes.json", required=False) or []
        rs_report = _load_json(out_dir / "response_selection_report.json")
        rs_errors = _load_json(out_dir / "response_selection_errors.json", required=False) or []

        print(f"\n=== NLU cross-validation ({args.folds} folds; every figure is on held-out examples) ===")
        _print_section("Intents", intent_report,
                       intent_errors, "intent", "intent_prediction", INTENT_ACCURACY_TARGET,
                       "intent accuracy", args.pairs, args.examples)
        _print_low_confidence(intent_successes, intent_errors, args.config)
        _print_section("FAQ keys (the answer chosen for retrieval intent `faq`)", rs_report,
                       rs_errors, "intent_response_key_target", "intent_response_key_prediction",
                       FAQ_ACCURACY_TARGET, "FAQ key accuracy", args.pairs, args.examples)

        entity_report = _load_json(out_dir / "DIETClassifier_report.json", required=False)
        if entity_report and "weighted avg" in entity_report:
            print(f"\nEntities (DIETClassifier): weighted F1 "
                  f"{float(entity_report['weighted avg']['f1-score']):.3f} (no target)")

        intent_acc = float(intent_report["accuracy"])
        faq_acc = float(rs_report["accuracy"])
        print(f"\nSummary: intent accuracy {intent_acc:.3f} (target >= {INTENT_ACCURACY_TARGET:.2f}, "
              f"{_mark(intent_acc, INTENT_ACCURACY_TARGET)}); FAQ key accuracy {faq_acc:.3f} "
              f"(target >= {FAQ_ACCURACY_TARGET:.2f}, {_mark(faq_acc, FAQ_ACCURACY_TARGET)})")
        if args.out:
            print(f"Reports kept in {out_dir}")
        return 0
    except (EvalError, KeyError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
