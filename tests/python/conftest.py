# tests/python — the Python package `ouro` (python/ouro + the _ouro extension), run by CTest's
# `python` test with PYTHONPATH=build/<preset>/python on Debian's /usr/bin/python3.
import textwrap

import pytest

TINY_RSI = textwrap.dedent("""\
    seed = 1
    threads = 1

    [shape]
    dim = 2

    [search]
    population = 20
    tournament = 4
    init_size = { setup = 3, predict = 1, learn = 3 }
    batch = 8
    check_every = 100

    [improver]
    initial = "plain"

    [rsi]
    generations = 2
    candidates = 2
    max_games = 4
    filter_budget = 200

    [rsi.sprt]
    elo0 = -400
    elo1 = -200
    alpha = 0.35
    beta = 0.35
    alpha_run = 1000

    [rsi.train]
    families = ["linear:dim=2,tasks=2,train=10,valid=10"]
    budget = 300
    target = 0.9

    [rsi.validation]
    families = ["linear:dim=1,tasks=2,train=10,valid=10"]
    seeds = 2
    budget = 300
    target = 0.9

    [rsi.test]
    families = ["linear:dim=3,tasks=2,train=10,valid=10"]
    seeds = 2
    budget = 300
    target = "frozen"
    """)


@pytest.fixture
def tiny_rsi(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_RSI)
    return str(path)
