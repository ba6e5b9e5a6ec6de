# The `ouro` module: programs, searches on arrays, files and task specs, the run store as
# DataFrames, rsi runs and stopping them, and clear exceptions for bad input.
import numpy as np
import pandas as pd
import pytest

import ouro


def three_blobs(n=150, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    y = np.arange(n) % 3
    return centers[y] + rng.normal(size=(n, 2)), y.astype(float)


def test_program_text_hash_and_evaluate():
    lr = ouro._ouro.reference_program("linear_regression")
    again = ouro.Program(lr.text)
    assert again.hash == lr.hash and again.text == lr.text
    assert lr.evaluate("linear:dim=4,tasks=3,train=1000,valid=100")["fitness_valid"] > 0.999
    with pytest.raises(ouro.OuroError, match="unknown family"):
        lr.evaluate("quadratic")
    with pytest.raises(ouro.OuroError):
        ouro.Program("def predict():\n  s1 = nosuchop(v0)\n")


def test_fit_predict_learns_a_linear_target_on_raw_and_standardized_columns():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3)) * [1.0, 10.0, 0.1] + [3.0, -20.0, 0.5]
    y = (X - X.mean(axis=0)) @ [0.5, 0.05, 5.0]  # no intercept once centered: the program has no bias
    lr = ouro._ouro.reference_program("linear_regression")
    out = lr.fit_predict(X, y, X[:50], epochs=5)
    assert out["kind"] == "regression" and out["proba"] is None
    assert np.sqrt(np.mean((out["label"] - y[:50]) ** 2)) < 0.01
    assert np.allclose(out["center"], X.mean(axis=0)) and np.allclose(out["scale"], X.std(axis=0))
    # On the raw columns (scales 1, 10 and 0.1) the same program diverges: a clear error.
    with pytest.raises(ouro.OuroError, match="diverged"):
        lr.fit_predict(X, y, X[:50], standardize=False)


def test_fit_predict_multiclass_probabilities_sum_to_one():
    X, y = three_blobs()
    out = ouro._ouro.reference_program("logistic_regression").fit_predict(X, y, X, epochs=5)
    assert out["classes"] == [0.0, 1.0, 2.0]
    assert out["proba"].shape == (150, 3)
    assert np.allclose(out["proba"].sum(axis=1), 1.0)
    assert np.mean(out["label"] == y) > 0.9
    assert np.array_equal(out["label"], np.argmax(out["proba"], axis=1).astype(float))


def test_score_on_arrays_is_the_evaluators_fitness():
    X, y = three_blobs(300)
    lr = ouro._ouro.reference_program("logistic_regression")
    out = lr.score(X[:200], y[:200], X[200:], y[200:], epochs=5)
    assert out["fitness"] == np.mean(out["label"] == y[200:]) and out["fitness"] > 0.9
    reg = ouro._ouro.reference_program("linear_regression").score(X[:200], X[:200, 0], X[200:], X[200:, 0], epochs=5)
    rmse = np.sqrt(np.mean((reg["label"] - X[200:, 0]) ** 2))
    assert reg["fitness"] == pytest.approx(1 - 2 / np.pi * np.arctan(rmse))


def test_search_on_arrays_is_deterministic_and_classifies():
    X, y = three_blobs()
    a = ouro.search(X, y, max_evaluations=3000, seed=5, threads=1)
    b = ouro.search(X, y, max_evaluations=3000, seed=5, threads=2)
    assert a.program.text == b.program.text
    assert a["fitness_select"] == b["fitness_select"]
    assert a["tasks"]["classes"] == [0.0, 1.0, 2.0]
    assert len(a["tasks"]["standardization"]["center"]) == 2
    with pytest.raises(TypeError, match="unexpected keyword"):
        ouro._ouro.search(X, y, "", turbo=True)


def test_search_on_a_task_spec_and_a_csv_file(tmp_path):
    r = ouro.search(task="linear:dim=2,tasks=2", max_evaluations=2000, seed=1)
    assert r.program is not None and 0 <= r["fitness_select"] <= 1
    X, y = three_blobs(60)
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "cls": y.astype(int)}).to_csv(path, index=False)
    r = ouro.search(data=str(path), label="cls", max_evaluations=2000, seed=1)
    assert r["tasks"]["data"].startswith("csv:") and "label=cls" in r["tasks"]["data"]
    with pytest.raises(ouro.OuroError, match="label column 'nope' not found"):
        ouro.search(data=str(path), label="nope", max_evaluations=10)


def test_store_runs_curve_and_lineage_as_dataframes(tmp_path):
    db = str(tmp_path / "r.db")
    X, y = three_blobs()
    r = ouro.search(X, y, max_evaluations=4000, seed=2, db=db)
    store = ouro.Store(db)
    runs = store.runs()
    assert isinstance(runs, pd.DataFrame)
    assert list(runs["run_id"]) == [r.run_id] and runs["kind"][0] == "search"
    curve = store.curve(r.run_id)
    assert {"individuals", "best_fitness", "seconds"} <= set(curve.columns) and len(curve) > 0
    lineage = store.lineage(r.run_id)
    assert len(lineage) >= 1 and lineage["program"].iloc[-1] != ""
    assert store.program(r.run_id).text == r.program.text
    with pytest.raises(ouro.OuroError, match="no run 99"):
        store.curve(99)
    with pytest.raises(ouro.OuroError):
        ouro.Store(str(tmp_path / "missing.db"))


def test_rsi_run_and_stop(tmp_path, tiny_rsi):
    db = str(tmp_path / "rsi.db")
    summary = ouro.rsi(tiny_rsi, db=db, seed=3)
    assert summary["generations"] == 2 and "expected_false_adoptions" in summary
    curve = ouro.Store(db).curve(summary["run_id"])
    assert "generation" in curve.columns and len(curve) >= 1
    # A finished run cannot be stopped: a clear error, nothing changed.
    with pytest.raises(ouro.OuroError, match="finished"):
        ouro.stop(summary["run_id"], db=db)


def test_an_improver_exported_from_an_rsi_run_drives_searches_and_estimators(tmp_path, tiny_rsi):
    import subprocess
    from pathlib import Path
    from ouro.sklearn import EvolvedClassifier
    db = str(tmp_path / "rsi.db")
    run = ouro.rsi(tiny_rsi, db=db, seed=2)["run_id"]
    binary = Path(ouro.__file__).resolve().parents[2] / "ouro"  # build/<preset>/ouro
    spec = str(tmp_path / "improver.json")
    subprocess.run([str(binary), "improver", "export", str(run), "--db", db, "--out", spec], check=True,
                   capture_output=True)
    X, y = three_blobs()
    r = ouro.search(X, y, improver=spec, max_evaluations=2000, seed=1)
    assert r.program is not None
    model = EvolvedClassifier(improver=spec, max_evaluations=2000, random_state=0).fit(X, y)
    assert model.score(X, y) > 0.8
    with pytest.raises(ouro.OuroError):
        ouro.search(X, y, improver=str(tmp_path / "missing.json"), max_evaluations=10)


def test_a_running_rsi_run_stops_when_asked(tmp_path, tiny_rsi):
    import threading
    import time
    config = tmp_path / "long.toml"
    config.write_text(open(tiny_rsi).read().replace("generations = 2", "generations = 100000"))
    db = str(tmp_path / "long.db")
    result = {}
    worker = threading.Thread(target=lambda: result.update(ouro.rsi(str(config), db=db, seed=1)))
    worker.start()

    def running():
        try:
            return (tmp_path / "long.db").exists() and (ouro.Store(db).runs()["status"] == "running").any()
        except ouro.OuroError:  # the store is still being created
            return False

    deadline = time.time() + 60
    while time.time() < deadline and not running():
        time.sleep(0.05)
    run_id = int(ouro.Store(db).runs()["run_id"].iloc[0])
    assert ouro.stop(run_id, db=db) == "requested"
    worker.join(60)
    assert not worker.is_alive()
    assert result["stopped"] is True and result["run_id"] == run_id
    assert ouro.Store(db).runs()["status"].iloc[0] == "stopped"


@pytest.mark.parametrize("X, y, message", [
    (np.zeros((5,)), np.zeros(5), "2-dimensional"),
    (np.zeros((0, 3)), np.zeros(0), "empty"),
    (np.zeros((5, 2)), np.zeros(4), "5 rows but y has 4"),
    (np.array([[1.0, np.nan]] * 5), np.arange(5.0), r"X\[0, 1\] is NaN"),
    (np.array([["a", "b"]] * 5), np.arange(5.0), "not an array of numbers"),
    (np.ones((5, 2)), np.array([1.0, 2, np.inf, 3, 4]), r"y\[2\] is infinite"),
])
def test_bad_arrays_raise_value_errors(X, y, message):
    with pytest.raises(ValueError, match=message):
        ouro.search(X, y, max_evaluations=10)
    with pytest.raises(ValueError, match=message):
        ouro._ouro.reference_program("linear_regression").fit_predict(X, y, np.ones((1, 2)))


@pytest.mark.parametrize("keywords, message", [
    (dict(train_fraction=-0.5), "split fractions must be between 0 and 1"),
    (dict(train_fraction=0.9, valid_fraction=0.3), "add up to more than 1"),
    (dict(epochs=0), "epochs must be between 1 and 1000"),
    (dict(splits=0), "splits must be between 1 and 100"),
])
def test_bad_split_keywords_are_errors(keywords, message):
    X, y = three_blobs(60)
    with pytest.raises(ouro.OuroError, match=message):
        ouro.search(X, y, max_evaluations=10, **keywords)


def test_a_constant_label_is_an_error():
    with pytest.raises(ouro.OuroError, match="nothing to learn"):
        ouro.search(np.ones((20, 2)), np.ones(20), max_evaluations=10)
