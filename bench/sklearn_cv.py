#!/usr/bin/python3
"""The estimators against scikit-learn's baselines (issue 17), on its bundled data sets.

iris and wine (classes): EvolvedClassifier against StandardScaler + LogisticRegression(max_iter=5000),
accuracy; diabetes (a target): EvolvedRegressor against StandardScaler + Ridge(), R². 5-fold
cross-validation, shuffled with random_state=0; each evolved fit searches for SECONDS seconds on
THREADS threads (random_state=0, the estimators' other defaults). Prints one markdown table and,
last, one JSON line. From the repository root after a release build:

    PYTHONPATH=build/release/python /usr/bin/python3 bench/sklearn_cv.py [SECONDS] [THREADS]
"""
import json
import sys
import time

import numpy as np
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ouro.sklearn import EvolvedClassifier, EvolvedRegressor


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    cv = KFold(5, shuffle=True, random_state=0)
    cases = [
        ("iris", load_iris, EvolvedClassifier, make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)), "accuracy"),
        ("wine", load_wine, EvolvedClassifier, make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)), "accuracy"),
        ("diabetes", load_diabetes, EvolvedRegressor, make_pipeline(StandardScaler(), Ridge()), "R²"),
    ]
    rows = []
    print("| data | score | baseline | Evolved (mean over folds) | folds | s per fit |")
    print("|---|---|---|---|---|---|")
    for name, load, estimator, baseline, score in cases:
        X, y = load(return_X_y=True)
        base = cross_val_score(baseline, X, y, cv=cv)
        model = estimator(max_evaluations=None, max_seconds=seconds, threads=threads, random_state=0)
        start = time.time()
        evolved = cross_val_score(model, X, y, cv=cv)
        per_fit = (time.time() - start) / 5
        rows.append({"data": name, "score": score, "baseline": base.mean(), "baseline_folds": base.tolist(),
                     "evolved": evolved.mean(), "evolved_folds": evolved.tolist(), "seconds_per_fit": per_fit})
        print(f"| {name} | {score} | {base.mean():.4f} | {evolved.mean():.4f} | {np.round(evolved, 3).tolist()} | {per_fit:.1f} |",
              flush=True)
    print(json.dumps({"seconds": seconds, "threads": threads, "rows": rows}))


if __name__ == "__main__":
    main()
