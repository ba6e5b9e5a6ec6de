#!/usr/bin/python3
"""The overhead figure of issue 19: with the language model configured but answering from a
cassette, a search makes >= 90% of the individuals per second of the same run without it, at a
model share <= 1%.

Runs configs/llm-demo.toml (model share 0.01) replaying configs/llm-demo.test-server.cassette.jsonl,
and the same config without the model (its `model = ...` line and [llm] section removed), each
--repeats times, alternating, one thread each (--threads), and reports the median individuals per
second of each and their ratio. Individuals per second is the run's own figure (`ouro search --json`:
individuals / wall seconds of the search). The two runs' lineages differ (the model's programs are
other programs), so the ratio also holds the cost of evaluating different programs.

usage: bench/llm_overhead.py [--ouro build/release/ouro] [--repeats 5] [--threads 1]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs/llm-demo.toml")
CASSETTE = os.path.join(ROOT, "configs/llm-demo.test-server.cassette.jsonl")


def search(binary, db, *args):
    out = subprocess.run([binary, "search", "--db", db, "--json", "--quiet", *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ouro", default=os.path.join(ROOT, "build/release/ouro"))
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        text = open(CONFIG).read()
        plain = re.sub(r"^model = .*\n", "", text, flags=re.M)
        plain = plain[:plain.index("[llm]")]
        plain_config = os.path.join(tmp, "plain.toml")
        open(plain_config, "w").write(plain)
        db = os.path.join(tmp, "runs.db")
        rates = {"with": [], "without": []}
        for _ in range(a.repeats):
            w = search(a.ouro, db, "--config", CONFIG, "--llm-replay", CASSETTE, "--threads", str(a.threads))
            o = search(a.ouro, db, "--config", plain_config, "--threads", str(a.threads))
            rates["with"].append(w["individuals_per_second"])
            rates["without"].append(o["individuals_per_second"])
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(json.dumps({"individuals_per_second": rates, "median_with": med["with"],
                      "median_without": med["without"], "ratio": med["with"] / med["without"],
                      "model_requests": w["model"]["requests"], "individuals": w["individuals"]}))


if __name__ == "__main__":
    main()
