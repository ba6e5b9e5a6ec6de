#!/usr/bin/python3
"""The tic-tac-toe figure of issue 16: "the learned agent never loses against perfect play from any
opening, either colour".

For each seed: one `ouro selfplay` run of configs/selfplay-tictactoe.toml, then its newest version
(MCTS at --simulations) against the perfect player from every opening of 0, 1, 2 and 3 moves, each
with both colours, with --check-values: the games the learned agent lost from an opening that was
not lost for its side (the figure: 0 is "never loses"), and, stricter, the games in which it scored
below the opening's game-theoretic value (a won opening drawn counts there). The perfect player
draws among its optimal moves, so each match is repeated with --repeats arena seeds. The first
version of each run is measured the same way, as the control. Prints one JSON line per seed and a
summary line.

usage: bench/selfplay_tictactoe.py [--ouro build/release/ouro] [--seeds 1,2,3,4,5] [--simulations 800]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ouro(binary, *args):
    out = subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def check(binary, db, agent, simulations, repeats):
    """(lost from an opening not lost, below value, games) over every opening of 0-3 moves."""
    lost = below = games = 0
    for plies in range(4):
        for seed in range(1, repeats + 1):
            r = ouro(binary, "arena", agent, "perfect", "--game", "tictactoe", "--all-openings",
                     "--opening-plies", str(plies), "--check-values", "--simulations", str(simulations),
                     "--seed", str(seed), "--threads", "2", "--db", db, "--json")
            lost += r["lost_not_lost"]
            below += r["below_value"]
            games += r["games"]
    return lost, below, games


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ouro", default=os.path.join(ROOT, "build/release/ouro"))
    p.add_argument("--seeds", default="1,2,3,4,5")
    p.add_argument("--simulations", type=int, default=800)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    config = os.path.join(ROOT, "configs/selfplay-tictactoe.toml")
    never_lost = 0
    seeds = [int(s) for s in a.seeds.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            db = os.path.join(tmp, f"ttt{seed}.db")
            run = ouro(a.ouro, "selfplay", "--config", config, "--seed", str(seed), "--db", db, "--json", "--quiet")
            lost, below, games = check(a.ouro, db, "1", a.simulations, a.repeats)
            first_lost, first_below, _ = check(a.ouro, db, "1:0", a.simulations, a.repeats)
            never_lost += lost == 0
            print(json.dumps({"seed": seed, "adopted": run["adopted"], "elo_vs_first": round(run["elo_vs_first"], 1),
                              "games_against_perfect": games, "learned_lost_not_lost": lost,
                              "learned_below_value": below, "first_version_lost_not_lost": first_lost,
                              "first_version_below_value": first_below, "seconds": round(run["seconds"], 1)}))
            sys.stdout.flush()
    print(json.dumps({"seeds": len(seeds), "seeds_never_lost": never_lost}))


if __name__ == "__main__":
    main()
