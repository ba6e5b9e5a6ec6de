#!/usr/bin/python3
"""The Connect Four figures of issue 16, per seed and as medians over the seeds:

- score against the frozen first version: one `ouro selfplay` run of the default config
  (configs/selfplay.toml: 30 minutes on 2 threads), whose ladder plays its newest version against
  its first at 800 simulations per move on 100 openings of 4 random plies, both colours
  (`score_vs_first` over `games_vs_first` in the run's last JSON line; asked: >= 90%);
- optimal moves: `ouro bestmove` with the newest version at 800 simulations on the fixed positions
  of bench/data/connect4_positions.csv (scripts/connect4-positions, built before any measured
  run; every position there has a legal move that is not optimal), judged by the solver's optimal
  moves stored in the same file (asked: >= 75%; stretch >= 90%). The first version is measured the
  same way, as the control.

The seeds and settings are fixed here and in configs/selfplay.toml before the measured runs.
Prints one JSON line per seed and a summary line with the medians (the misses stay in the lines).

usage: bench/selfplay_connect4.py [--ouro build/release/ouro] [--seeds 1,2,3] [--dir runs/connect4]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POSITIONS = os.path.join(ROOT, "bench/data/connect4_positions.csv")
SIMULATIONS = 800


def run(binary, *args):
    return subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout


def ladder_prior_temperature():
    """The ladder's MCTS prior temperature in the default config (bestmove plays as the ladder does)."""
    with open(os.path.join(ROOT, "configs/selfplay.toml"), "rb") as f:
        return tomllib.load(f).get("selfplay", {}).get("ladder", {}).get("prior_temperature", 0)


def optimal_share(binary, db, agent, out):
    """The share of optimal moves over the positions (all of which have a non-optimal move)."""
    text = run(binary, "bestmove", "--game", "connect4", "--agent", agent, "--positions", POSITIONS,
               "--solved", POSITIONS, "--simulations", str(SIMULATIONS), "--out", out, "--db", db,
               "--prior-temperature", str(ladder_prior_temperature()))
    m = re.search(r"(\d+) of (\d+) \([\d.]+%\) where not every legal move is optimal", text)
    if not m:
        raise SystemExit("unexpected bestmove output: " + text)
    return int(m.group(1)), int(m.group(2))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ouro", default=os.path.join(ROOT, "build/release/ouro"))
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--dir", default=os.path.join(ROOT, "runs/connect4"))
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    scores, shares = [], []
    for seed in [int(s) for s in a.seeds.split(",")]:
        db = os.path.join(a.dir, f"seed{seed}.db")
        if os.path.exists(db):
            raise SystemExit(f"{db} exists: a measured run starts from an empty store")
        last = run(a.ouro, "selfplay", "--seed", str(seed), "--db", db, "--json", "--quiet")
        summary = json.loads(last.strip().splitlines()[-1])
        run_id = str(summary["run_id"])
        good, n = optimal_share(a.ouro, db, run_id, os.path.join(a.dir, f"moves{seed}.csv"))
        good0, n0 = optimal_share(a.ouro, db, run_id + ":0", os.path.join(a.dir, f"moves{seed}_first.csv"))
        scores.append(summary["score_vs_first"])
        shares.append(good / n)
        print(json.dumps({"seed": seed, "generations": summary["generations"], "adopted": summary["adopted"],
                          "score_vs_first": round(summary["score_vs_first"], 4),
                          "games_vs_first": summary["games_vs_first"],
                          "elo_vs_first": round(summary["elo_vs_first"], 1),
                          "elo_ci": [round(summary["elo_ci_low"], 1), round(summary["elo_ci_high"], 1)],
                          "optimal": good, "positions": n, "optimal_share": round(good / n, 4),
                          "first_version_optimal_share": round(good0 / n0, 4),
                          "seconds": round(summary["seconds"], 1)}))
        sys.stdout.flush()
    print(json.dumps({"seeds": len(scores), "median_score_vs_first": statistics.median(scores),
                      "median_optimal_share": statistics.median(shares),
                      "seeds_score_at_least_0.9": sum(s >= 0.9 for s in scores),
                      "seeds_optimal_at_least_0.75": sum(s >= 0.75 for s in shares)}))


if __name__ == "__main__":
    main()
