#!/usr/bin/python3
"""The overhead figure of issue 19: with the language model configured but answering from a
cassette, a search makes >= 90% of the individuals per second of the same run without it, at a
model share <= 1%.

The run: configs/llm-demo.toml (model share 0.01) made to run exactly --individuals children
(sufficient_fitness = 2, unreachable; one experiment), so that both sides do the same amount of
work. Its cassette is recorded first, live, against the project's test server
(tests/llm/fake_llm_server, the replies of scripts/llm-demo-cassette; not timed). Then, --repeats
times, alternating: the run replaying that cassette, and the same config without the model (its
`model = ...` line and [llm] section removed), one thread each (--threads). Reports the median
individuals per second of each (the run's own figure, `ouro search --json`: individuals / wall
seconds of the search) and their ratio. The lineages differ (the model's programs are other
programs), so the ratio also holds the cost of evaluating different programs; the proposer's own
cost is reported apart: the share of the replaying run's wall time spent asking it (building
prompts, keys, reading replies: `model.seconds` over `seconds`).

usage: bench/llm_overhead.py [--build build/release] [--ouro BINARY] [--repeats 7] [--threads 1]
                             [--individuals 200000]
"""
import argparse
import importlib.machinery
import json
import os
import re
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs/llm-demo.toml")
# The scripted replies of the demo cassette (one definition, in the script that records it).
REPLIES = importlib.machinery.SourceFileLoader(
    "llm_demo_cassette", os.path.join(ROOT, "scripts/llm-demo-cassette")).load_module().REPLIES


def search(binary, db, *args):
    out = subprocess.run([binary, "search", "--db", db, "--json", "--quiet", *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def configs(tmp, individuals, port, cassette):
    """The fixed-length run with the model (live at `port`, writing `cassette`) and without it."""
    text = open(CONFIG).read()
    text = re.sub(r"^max_individuals = .*$", f"max_individuals = {individuals}", text, flags=re.M)
    text = re.sub(r"^sufficient_fitness = .*$", "sufficient_fitness = 2", text, flags=re.M)
    text = re.sub(r"^max_requests = .*$", "max_requests = 0", text, flags=re.M)
    text = text.replace("backoff_seconds = 1", "backoff_seconds = 0")
    text = re.sub(r'^base_url = ".*"$', f'base_url = "http://127.0.0.1:{port}/v1"', text, flags=re.M)
    text = re.sub(r'^cassette = ".*"$', f'cassette = "{cassette}"', text, flags=re.M)
    plain = re.sub(r"^model = .*\n", "", text, flags=re.M)
    plain = plain[:plain.index("[llm]")]
    paths = os.path.join(tmp, "with.toml"), os.path.join(tmp, "without.toml")
    open(paths[0], "w").write(text)
    open(paths[1], "w").write(plain)
    return paths


def record(binary, build, tmp, individuals):
    """Records the run's cassette against the test server; returns (config, plain config, cassette)."""
    script = os.path.join(tmp, "script.jsonl")
    with open(script, "w") as f:
        for i in range(individuals // 50 + 100):  # more than a 1% share asks; the last line repeats
            f.write(json.dumps(REPLIES[i % len(REPLIES)]) + "\n")
    server = subprocess.Popen([os.path.join(build, "tests/llm/fake_llm_server"), "--script", script],
                              stdout=subprocess.PIPE, text=True)
    cassette = os.path.join(tmp, "bench.cassette.jsonl")
    try:
        port = int(re.match(r"port (\d+)", server.stdout.readline()).group(1))
        with_model, without = configs(tmp, individuals, port, cassette)
        live = search(binary, os.path.join(tmp, "live.db"), "--config", with_model)
    finally:
        server.terminate()
        server.wait()
    return with_model, without, cassette, live


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build/release"))
    p.add_argument("--ouro", default=None, help="the binary timed (default: BUILD/ouro)")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--individuals", type=int, default=200000)
    a = p.parse_args()
    binary = a.ouro or os.path.join(a.build, "ouro")
    with tempfile.TemporaryDirectory() as tmp:
        with_model, without, cassette, live = record(binary, a.build, tmp, a.individuals)
        db = os.path.join(tmp, "runs.db")
        rates, asking = {"with": [], "without": []}, []
        for _ in range(a.repeats):
            w = search(binary, db, "--config", with_model, "--llm-replay", cassette, "--threads", str(a.threads))
            o = search(binary, db, "--config", without, "--threads", str(a.threads))
            if w["program"] != live["program"] or w["individuals"] != o["individuals"]:
                raise SystemExit("the replay is not the recorded run, or the runs differ in length")
            rates["with"].append(w["individuals_per_second"])
            asking.append(w["model"]["seconds"] / w["seconds"])
            rates["without"].append(o["individuals_per_second"])
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(json.dumps({"individuals_per_second": rates, "median_with": med["with"],
                      "median_without": med["without"], "ratio": med["with"] / med["without"],
                      "asking_share": statistics.median(asking),
                      "model_requests": w["model"]["requests"], "individuals": w["individuals"],
                      "threads": a.threads}))


if __name__ == "__main__":
    main()
