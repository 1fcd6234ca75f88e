"""Long messages: time to answer, and the Rasa server's resident memory before and after,
for messages of 4k, 40k and 1M characters; ours beside Rasa's stock REST channel.

Starts the real action server and Rasa server (the cached small test model) on loopback,
warms it up with a few ordinary messages, sends each size REPEAT times (a new REST sender
each), one after another, and reads the Rasa server's VmRSS from /proc before the first and
after the last. The baseline (Rasa's own
`RestInput`, the same model and actions) is sent 4k and 40k only: before this project's
channel bounded input, one 40k message took 19 s and 4 GB, and 1M would exhaust the machine.

    make bench        # runs this after the Slack acknowledgement bench
    .venv/bin/python scripts/bench_long_messages.py

Bounded: 3 sizes x REPEAT requests on loopback, each with a 120 s timeout. Exits non-zero
if one of ours takes 0.5 s or more, or grows the server by 50 MB or more.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from harness.servers import (BIN, run_process, wait_until_up, action_server_command, demo_database,  # noqa: E402
                                free_port, running_assistant, subprocess_env, trained_model)

SIZES = (3_000, 4_000, 40_000, 1_000_000)  # 3,000: the longest message the channel lets through
BASELINE_SIZES = (3_000, 4_000, 40_000)
REPEAT = 5
TARGET_SECONDS, TARGET_MB = 0.5, 50
TEXT = "I want to join Women in Tech and start a group and raise an issue. "
WARM_UP = ("hello", "is there a group for parents?", "tell me about Women in Tech", TEXT * 10)


def rss_mb(port: int) -> float:
    """The resident memory of the process serving `port` (the Rasa server), from /proc."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"run" in args and str(port).encode() in args and any(a.endswith(b"rasa") for a in args):
            for line in (cmdline.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Rasa process on port {port}")


def send(base_url: str, sender: str, text: str) -> bool:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{base_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return bool(json.loads(response.read()))


def measure(base_url: str, sizes: tuple[int, ...]) -> dict[int, dict]:
    port = int(base_url.rsplit(":", 1)[1])
    # A server that has answered a few ordinary messages, as any live one has: the first
    # message's one-off start-up (TensorFlow graphs, caches) is not the long message's cost.
    for n, text in enumerate(WARM_UP):
        send(base_url, f"warm-up-{n}", text)
    figures = {}
    for size in sizes:
        text = (TEXT * (size // len(TEXT) + 1))[:size]
        before, times, answered = rss_mb(port), [], 0
        for n in range(REPEAT):
            started = time.perf_counter()
            answered += send(base_url, f"bench-{size}-{n}", text)
            times.append(time.perf_counter() - started)
        figures[size] = {"median": statistics.median(times), "max": max(times), "before": before,
                         "after": rss_mb(port), "answered": answered}
        print(f"  {size:>9,} chars: median {figures[size]['median'] * 1000:.0f} ms, "
              f"RSS {before:.0f} -> {figures[size]['after']:.0f} MB", flush=True)
    return figures


@contextmanager
def stock_rest(model: Path, workdir: Path):
    """Our model and actions behind Rasa's stock REST channel: no bound on input."""
    env = subprocess_env(DATABASE_URL=demo_database(workdir), CASE_ENCRYPTION_KEY=Fernet.generate_key().decode(),
                         ACTION_SERVER_TOKEN="bench")
    actions_port, rasa_port = free_port(), free_port()
    (workdir / "endpoints.yml").write_text(yaml.safe_dump({"action_endpoint": {
        "url": f"http://127.0.0.1:{actions_port}/webhook", "token": "bench"}}))
    (workdir / "credentials.yml").write_text(yaml.safe_dump({"rest": None}))
    with run_process(action_server_command(actions_port), workdir / "actions.log", env) as actions:
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, workdir / "actions.log")
        with run_process([BIN / "rasa", "run", "--model", str(model), "--endpoints", str(workdir / "endpoints.yml"),
                       "--credentials", str(workdir / "credentials.yml"), "--interface", "127.0.0.1",
                       "--port", str(rasa_port)], workdir / "rasa.log", env) as rasa:
            wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa, workdir / "rasa.log")
            time.sleep(2)
            yield f"http://127.0.0.1:{rasa_port}"


def main() -> int:
    model = trained_model()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        print("ours (bot.rasa_plumbing.rest: bounded before the NLU)", flush=True)
        workdir = Path(tmp) / "ours"
        workdir.mkdir()
        with running_assistant(model, demo_database(workdir), workdir,
                               {"CASE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                                "RATE_LIMIT_MESSAGES": "1000"}) as base:
            ours = measure(base, SIZES)
        print("baseline (rasa.core.channels.rest.RestInput: no bound)", flush=True)
        workdir = Path(tmp) / "baseline"
        workdir.mkdir()
        with stock_rest(model, workdir) as base:
            baseline = measure(base, BASELINE_SIZES)
    print(f"\nLong messages, {REPEAT} each, one REST sender per message, loopback, 2-core machine")
    print(f"{'size':>12}  {'ours: median / max':>20}  {'RSS growth':>10}  {'baseline: median / max':>24}  "
          f"{'RSS growth':>10}")
    for size in SIZES:
        o, b = ours[size], baseline.get(size)
        row = (f"{size:>12,}  {o['median'] * 1000:>9.0f} / {o['max'] * 1000:>6.0f} ms  "
               f"{o['after'] - o['before']:>7.0f} MB")
        row += (f"  {b['median'] * 1000:>12.0f} / {b['max'] * 1000:>6.0f} ms  {b['after'] - b['before']:>7.0f} MB"
                if b else f"  {'not sent (would exhaust the machine)':>36}")
        print(row)
    print(f"Targets (ours): under {TARGET_SECONDS * 1000:.0f} ms and under {TARGET_MB} MB growth for each size. "
          f"Total time: {time.monotonic() - started:.0f} s")
    missed = [s for s, o in ours.items() if o["max"] >= TARGET_SECONDS or o["after"] - o["before"] >= TARGET_MB
              or o["answered"] < REPEAT]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
