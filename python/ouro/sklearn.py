"""scikit-learn estimators whose learning algorithm is found by Ouro's search.

``fit(X, y)`` searches for a learning algorithm (a program in Ouro's language) on an inner
train/validation split of the training rows, starting from populations seeded with the shipped
reference learner (logistic regression for classes, linear regression for a target), then trains
the chosen program on all training rows. Features are standardized with the training rows'
statistics (``standardize``); the regressor also standardizes the target and undoes it on
prediction. Classes are learned one-vs-rest. The budget is ``max_evaluations`` (deterministic: the
same data and ``random_state`` give the same model on any number of threads) or ``max_seconds``.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ouro import _ouro

__all__ = ["EvolvedClassifier", "EvolvedRegressor"]

_RATES = (0.003, 0.01, 0.03, 0.1, 0.3)  # learning rates of the reference learner's warm starts
_MIN_SEARCH_ROWS = 10  # fewer training rows: the reference learner is used as it is

# The search the estimators run unless given `config`: the registers the reference learners use,
# the operations of linear learners, a small population that checks its best members on the
# validation rows often (small data sets give noisy scores; the reference learner competes there).
ESTIMATOR_CONFIG = """
[shape]
scalars = 6
vectors = 3
matrices = 1
dim = 4

[search]
ops = ["scalar_const", "vector_dot", "scalar_sub", "scalar_add", "scalar_mul", "scalar_vector_mul", "vector_add"]
init_size = { setup = 2, predict = 2, learn = 4 }
initial = "random"
population = 100
tournament = 10
check_every = 500
select_top = 5
max_individuals = 100000
"""


class _Evolved(BaseEstimator):
    _kind = ""
    _reference = ""

    def __init__(self, max_evaluations=20000, max_seconds=None, epochs=30, standardize=True,
                 validation_fraction=0.3, n_splits=3, start_programs="reference", improver=None,
                 config=None, random_state=None, threads=1):
        self.max_evaluations = max_evaluations
        self.max_seconds = max_seconds
        self.epochs = epochs
        self.standardize = standardize
        self.validation_fraction = validation_fraction
        self.n_splits = n_splits
        self.start_programs = start_programs
        self.improver = improver
        self.config = config
        self.random_state = random_state
        self.threads = threads

    def _seed(self):
        rs = self.random_state
        if rs is None:
            return 0
        if isinstance(rs, (int, np.integer)):
            return int(rs)
        return int(rs.randint(np.iinfo(np.int32).max))  # a RandomState

    def _warm_programs(self):
        if self.start_programs is None:
            return []
        if isinstance(self.start_programs, str) and self.start_programs == "reference":
            text = _ouro.reference_program(self._reference).text
            # The reference learner at several learning rates (its setup's first constant, s2).
            return [re.sub(r"(?m)^(\s*s2 = )\S+", lambda m: m.group(1) + repr(rate), text, count=1)
                    for rate in _RATES]
        return [p if isinstance(p, str) else p.text for p in self.start_programs]

    def _search(self, X, y):
        """The program chosen by a search on (X, y), or the warm start for very few rows."""
        warm = self._warm_programs()
        if X.shape[0] < _MIN_SEARCH_ROWS and warm:
            self.search_summary_ = {}
            return _ouro.Program(warm[len(warm) // 2])
        v = float(self.validation_fraction)
        kw = dict(kind=self._kind, standardize=bool(self.standardize), epochs=int(self.epochs),
                  seed=self.seed_, threads=int(self.threads), train_fraction=1.0 - v,
                  valid_fraction=v, test_fraction=0.0, splits=int(self.n_splits))
        if warm:
            kw.update(warm_start=warm, warm_share=0.2)
        if self.max_evaluations is not None:
            kw["max_evaluations"] = int(self.max_evaluations)
        if self.max_seconds is not None:
            kw["max_seconds"] = float(self.max_seconds)
        if self.improver is not None:
            kw["improver"] = str(self.improver)
        if self.config is not None:
            kw["config"] = str(self.config)
        else:
            kw["config_text"] = ESTIMATOR_CONFIG
        summary = _ouro.search(X, y, **kw)
        self.search_summary_ = summary
        return _ouro.Program(summary["program"])

    def _prepare(self, X):
        return self._validate_data(X, reset=False, dtype=np.float64)

    def _prepare_fit(self, X, y):
        return self._validate_data(X, y, dtype=np.float64, y_numeric=self._kind == "regression")

    def _run(self, X):
        check_is_fitted(self, "program_")
        X = self._prepare(X)
        return self.program_.fit_predict(self._X_fit, self._y_fit, X, kind=self._kind,
                                          standardize=bool(self.standardize), epochs=int(self.epochs),
                                          seed=self.seed_)


class EvolvedClassifier(ClassifierMixin, _Evolved):
    """A classifier whose learning algorithm is evolved by Ouro (see the module's doc)."""

    _kind = "classification"
    _reference = "logistic_regression"

    def fit(self, X, y):
        X, y = self._prepare_fit(X, y)
        self.seed_ = self._seed()  # drawn once: the search and every later prediction use it
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"EvolvedClassifier needs at least 2 classes in y, got 1 class ({self.classes_[0]!r})")
        y_fit = encoded.astype(np.float64)
        self.program_ = self._search(X, y_fit)
        self._X_fit, self._y_fit = X, y_fit
        return self

    def predict_proba(self, X):
        return self._run(X)["proba"]

    def predict(self, X):
        out = self._run(X)
        return self.classes_[out["label"].astype(np.intp)]


class EvolvedRegressor(RegressorMixin, _Evolved):
    """A regressor whose learning algorithm is evolved by Ouro (see the module's doc)."""

    _kind = "regression"
    _reference = "linear_regression"

    def fit(self, X, y):
        X, y = self._prepare_fit(X, y)
        self.seed_ = self._seed()  # drawn once: the search and every later prediction use it
        y = np.asarray(y, dtype=np.float64)
        self.y_center_ = float(np.mean(y))
        sd = float(np.std(y))
        self.y_scale_ = sd if sd > 1e-12 * max(1.0, abs(self.y_center_)) else 1.0
        y_fit = (y - self.y_center_) / self.y_scale_
        # A constant target has nothing to learn: the model predicts it.
        self.program_ = self._search(X, y_fit) if sd > 0 else None
        self._X_fit, self._y_fit = X, y_fit
        return self

    def predict(self, X):
        check_is_fitted(self, "y_center_")
        if self.program_ is None:
            return np.full(self._prepare(X).shape[0], self.y_center_)
        return self._run(X)["label"] * self.y_scale_ + self.y_center_
