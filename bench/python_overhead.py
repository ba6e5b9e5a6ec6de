#!/usr/bin/python3
"""The Python call overhead (issue 17): the same search, from the CLI and from the `ouro` module.

Runs `ouro search --config CONFIG --task TASK --seed S --max-evals N --threads T --json` and
`ouro.search(config=CONFIG, task=TASK, seed=S, max_evaluations=N, threads=T, db=...)` (a task no
run solves, so both do all N evaluations, about 7 s on 2 cores) alternately, REPEATS
times each, both writing a run store file, and prints the median individuals per second of each
and the median of the paired ratios (Python / CLI, each pair run back to back, so that the
machine's slower and faster minutes cancel). Usage, from the repository root after a release build:

    PYTHONPATH=build/release/python /usr/bin/python3 bench/python_overhead.py [REPEATS]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

import ouro

CONFIG = "configs/automl-zero-demo.toml"
TASK = "nonlinear:dim=4,tasks=10"
SEED, EVALS, THREADS = 1, 500_000, 2


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    cli, py = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            out = subprocess.run(
                ["build/release/ouro", "search", "--config", CONFIG, "--task", TASK, "--seed", str(SEED), "--max-evals", str(EVALS),
                 "--threads", str(THREADS), "--json", "--quiet", "--db", os.path.join(tmp, f"cli{i}.db")],
                check=True, capture_output=True, text=True).stdout
            line = json.loads(out.strip().splitlines()[-1])
            assert line["stop_reason"] == "max_evals", line["stop_reason"]
            cli.append(line["individuals_per_second"])
            r = ouro.search(config=CONFIG, task=TASK, seed=SEED, max_evaluations=EVALS, threads=THREADS,
                            db=os.path.join(tmp, f"py{i}.db"))
            assert r["stop_reason"] == "max_evals", r["stop_reason"]
            py.append(r["individuals_per_second"])
    c, p = statistics.median(cli), statistics.median(py)
    ratios = [b / a for a, b in zip(cli, py)]
    print(json.dumps({"cli_individuals_per_second": cli, "python_individuals_per_second": py,
                      "cli_median": c, "python_median": p, "paired_ratios": ratios,
                      "ratio": statistics.median(ratios)}))


if __name__ == "__main__":
    main()
