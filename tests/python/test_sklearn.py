# ouro.sklearn: scikit-learn's own estimator checks, and the estimators in pipelines,
# cross-validation, grid search and pickles.
import pickle

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_diabetes
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from ouro.sklearn import EvolvedClassifier, EvolvedRegressor


@parametrize_with_checks([EvolvedClassifier(max_evaluations=2000), EvolvedRegressor(max_evaluations=2000)])
def test_check_estimator(estimator, check):
    check(estimator)


def test_classifier_in_a_pipeline_and_cross_validation():
    X, y = load_iris(return_X_y=True)
    model = make_pipeline(StandardScaler(), EvolvedClassifier(max_evaluations=3000, random_state=0))
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8


def test_grid_search_over_epochs():
    X, y = load_iris(return_X_y=True)
    grid = GridSearchCV(EvolvedClassifier(max_evaluations=1000, random_state=0), {"epochs": [1, 10]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["epochs"] in (1, 10)
    assert grid.predict(X[:5]).shape == (5,)


def test_regressor_scores_and_pickles(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    model = EvolvedRegressor(max_evaluations=3000, random_state=1).fit(X[:300], y[:300])
    assert model.score(X[300:], y[300:]) > 0.2
    again = pickle.loads(pickle.dumps(model))
    assert np.array_equal(again.predict(X[300:]), model.predict(X[300:]))


def test_fits_are_deterministic_across_threads():
    X, y = load_iris(return_X_y=True)
    a = EvolvedClassifier(max_evaluations=3000, random_state=4, threads=1).fit(X, y)
    b = EvolvedClassifier(max_evaluations=3000, random_state=4, threads=2).fit(X, y)
    assert a.program_.text == b.program_.text
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))


def test_a_random_state_object_gives_one_seed_for_the_search_and_every_prediction():
    X, y = load_iris(return_X_y=True)
    model = EvolvedClassifier(max_evaluations=1000, random_state=np.random.RandomState(3)).fit(X, y)
    assert np.array_equal(model.predict_proba(X), model.predict_proba(X))


def test_bad_input_raises():
    with pytest.raises(ValueError):
        EvolvedClassifier().fit(np.array([[1.0, np.nan]] * 20), np.arange(20) % 2)
    with pytest.raises(ValueError, match="at least 2 classes"):
        EvolvedClassifier().fit(np.ones((20, 2)), np.zeros(20))
