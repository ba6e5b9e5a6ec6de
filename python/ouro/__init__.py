"""Ouro from Python: searches for learning algorithms, rsi runs, programs and the run store.

    import ouro
    result = ouro.search(X, y, max_evaluations=20000, seed=0)   # a search on your arrays
    result.program.fit_predict(X, y, X_new)                    # train it, predict new rows
    store = ouro.Store("runs/ouro.db")
    store.runs(); store.curve(3); store.lineage(3)             # pandas DataFrames

scikit-learn estimators are in ``ouro.sklearn`` (EvolvedClassifier, EvolvedRegressor).
The engine is the C++ extension ``ouro._ouro``; its errors are ``ouro.OuroError`` (a ValueError).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ouro._ouro import OuroError, Program
from ouro import _ouro

__all__ = ["OuroError", "Program", "SearchResult", "Store", "search", "rsi", "stop"]


@dataclass
class SearchResult:
    """What a search found: its chosen program and the run's summary (as ``ouro search --json``)."""

    program: Optional[Program]
    summary: dict = field(repr=False)

    @property
    def run_id(self) -> int:
        return self.summary["run_id"]

    def __getitem__(self, key: str) -> Any:
        return self.summary[key]


def _opt(value, default):
    return default if value is None else value


def search(X=None, y=None, *, config=None, task=None, data=None, label=None, kind=None,
           standardize=True, epochs=1, improver=None, seed=None, max_evaluations=None,
           max_seconds=None, threads=None, db=None, **split) -> SearchResult:
    """Runs a search, as ``ouro search`` does, and returns a SearchResult.

    Tasks: arrays ``X`` (rows x features) and ``y``, or ``data`` (a CSV file, with ``label``),
    or ``task`` (a task spec such as ``"linear:dim=4"``), or the config file's tasks; the
    default config is the AutoML-Zero demo workload. ``kind``: "classification" or "regression"
    (default: guessed from y). ``epochs``: passes over the training rows. ``db``: a run store to
    record the run in (default: kept in memory). For arrays, ``train_fraction``,
    ``valid_fraction`` and ``test_fraction`` (default 0.6 / 0.2 / 0.2) split the rows, and
    ``warm_start`` (programs or their texts) seeds every initial population.
    Ctrl-C stops the search cleanly and raises KeyboardInterrupt.
    """
    if "warm_start" in split:
        split["warm_start"] = [p.text if isinstance(p, Program) else str(p) for p in split["warm_start"]]
    summary = _ouro.search(
        X, y, _opt(db, ""), config=_opt(config, ""), task=_opt(task, ""), data=_opt(data, ""),
        label=_opt(label, ""), kind=_opt(kind, ""), standardize=bool(standardize),
        epochs=int(epochs), improver=_opt(improver, ""), seed=seed,
        max_evaluations=_opt(max_evaluations, -1), max_seconds=float(_opt(max_seconds, -1.0)),
        threads=_opt(threads, -1), **split)
    text = summary.get("program") or ""
    return SearchResult(Program(text) if text else None, summary)


def rsi(config=None, *, db, seed=1, max_seconds=None, threads=None, null_control=False,
        policy=None) -> dict:
    """Runs an rsi loop (``ouro rsi``) to its end in the store ``db``; returns its summary.

    Stop it from elsewhere with ``ouro.stop(run_id, db=...)`` or ``ouro stop RUN``; Ctrl-C stops
    it cleanly (resumable with ``ouro resume RUN``) and raises KeyboardInterrupt.
    """
    return _ouro.rsi(config=_opt(config, ""), seed=int(seed), db=str(db),
                     max_seconds=float(_opt(max_seconds, -1.0)), threads=_opt(threads, -1),
                     null_control=bool(null_control), policy=_opt(policy, ""))


def stop(run: int, *, db, note: str = "") -> str:
    """Asks a run to stop (as ``ouro stop``): 'requested', or 'marked_stopped' when its process is gone."""
    return _ouro.stop(str(db), int(run), "python", note)


class Store:
    """A run store (the SQLite file ``ouro`` writes), read as pandas DataFrames."""

    def __init__(self, path: str):
        self.path = str(path)
        _ouro.runs(self.path)  # fails now, with a clear error, for a missing or corrupt store

    def runs(self):
        """One row per run: run_id, kind, status, created_at, finished_at, seed, summary (a dict)."""
        import pandas as pd
        return pd.DataFrame(_ouro.runs(self.path),
                            columns=["run_id", "kind", "status", "created_at", "finished_at", "seed", "summary"])

    def _run(self, run: int) -> dict:
        for r in _ouro.runs(self.path):
            if r["run_id"] == int(run):
                return r
        raise OuroError(f"no run {run} in {self.path}")

    def curve(self, run: int):
        """A search's progress rows (seconds, individuals, evaluations, best_fitness, ...) or an rsi
        run's test-arena curve (one row per generation)."""
        import pandas as pd
        if self._run(run)["kind"] == "rsi":
            return pd.DataFrame(_ouro.rsi_curve(self.path, int(run)))
        return pd.DataFrame(_ouro.metrics(self.path, int(run)))

    def lineage(self, run: int):
        """The ancestry of a search's chosen program: individual, hashes, mutation, fitness, program."""
        import pandas as pd
        return pd.DataFrame(_ouro.lineage(self.path, int(run)))

    def program(self, run: int) -> Program:
        """The program a search or eval run chose."""
        summary = self._run(run)["summary"] or {}
        if not summary.get("program"):
            raise OuroError(f"run {run} has no program")
        return Program(summary["program"])
