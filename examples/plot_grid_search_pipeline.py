"""
=============================================================
Grid-searching hidden sizes with time-series cross-validation
=============================================================

A recurrent estimator is an ordinary scikit-learn estimator, so it goes into a
:class:`~sklearn.pipeline.Pipeline` and :class:`~sklearn.model_selection.GridSearchCV`
like any other. This example forecasts a daily series three days ahead from
the last 24 days of the series and of a covariate, with the pipeline

``StandardScaler`` → :class:`~sklearn_rnn.SlidingWindowTransformer` →
:class:`~sklearn_rnn.GRURegressor`,

tunes the number of hidden units with
:class:`~sklearn.model_selection.TimeSeriesSplit`, and shows why the split must
respect time, and leave a gap, when the samples are overlapping windows of one
series.
"""

# %%
# A table in time order
# ---------------------
#
# One row per day: the series to forecast (``demand``) and a covariate in
# other units (``temperature``) that drives it with a two-day delay. The
# target of day :math:`t` is the demand on days :math:`t+1`, :math:`t+2` and
# :math:`t+3`; the last three days have no complete target and are dropped.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import GRURegressor, SlidingWindowTransformer

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # few epochs, on purpose

rng = np.random.RandomState(0)
n = 330
days = pd.date_range("2020-01-01", periods=n, freq="D")
temperature = 15 + 8 * np.sin(2 * np.pi * np.arange(n) / 60) + 2 * rng.randn(n)
noise = np.zeros(n)
for i in range(1, n):
    noise[i] = 0.6 * noise[i - 1] + 0.3 * rng.randn()
weekly = np.sin(2 * np.pi * np.arange(n) / 7)
demand = 100 + 10 * weekly + 1.5 * np.roll(temperature - 15, 2) + 3 * noise
table = pd.DataFrame({"demand": demand, "temperature": temperature}, index=days)

horizon = 3
targets = pd.concat({f"demand t+{k}": table["demand"].shift(-k) for k in range(1, horizon + 1)}, axis=1)
X, y = table[:-horizon], targets[:-horizon]
table.head()

# %%
# The last 20% of the days are kept aside as a final test period; the search
# only sees the first 80%.
split = int(0.8 * len(X))
X_train, X_test, y_train, y_test = X[:split], X[split:], y[:split], y[split:]

# %%
# The pipeline and the search
# ---------------------------
#
# * :class:`~sklearn.preprocessing.StandardScaler` puts both columns on one
#   scale. Inside the pipeline it is refitted on each training fold, so no
#   statistic of a test period leaks into training.
# * :class:`~sklearn_rnn.SlidingWindowTransformer` replaces each row by the 24
#   rows ending at it, ``(n_days, 24, 2)``, keeping one row per day so that the
#   targets stay aligned. (The first 23 rows of whatever it transforms have a
#   shorter history and are padded by repeating the first row.)
# * :class:`~sklearn_rnn.GRURegressor` maps each window to the next three
#   days.
#
# Two rules for windows of one series:
#
# * :class:`~sklearn.model_selection.TimeSeriesSplit`: each fold trains on the
#   past and tests on the block that follows.
# * ``gap=horizon - 1``: the targets of the last training days would otherwise
#   contain the first days of the test block.
model = make_pipeline(
    StandardScaler(),
    SlidingWindowTransformer(24),
    GRURegressor(max_iter=20, device="cpu", random_state=0),
)
cv = TimeSeriesSplit(n_splits=3, gap=horizon - 1)
search = GridSearchCV(model, {"gruregressor__hidden_size": [4, 16, 48]}, cv=cv)
search.fit(X_train, y_train)

results = pd.DataFrame(search.cv_results_)
results[["param_gruregressor__hidden_size", "mean_test_score", "std_test_score", "mean_fit_time"]]

# %%
# The best number of units, refitted on the whole training period, scored on
# the final test period (:math:`R^2`, averaged over the three days ahead):
print("best:", search.best_params_)
print(f"test R^2: {search.score(X_test, y_test):.3f}")

# %%
# Where the folds are
# -------------------
#
# Each row is one fold: it trains on the blue days and is scored on the
# orange ones, always later in time, with a gap of ``horizon - 1`` days.
fig, (ax_folds, ax_scores) = plt.subplots(1, 2, figsize=(10, 3.5), width_ratios=[2, 1])
for fold, (train_idx, test_idx) in enumerate(cv.split(X_train)):
    ax_folds.scatter(X_train.index[train_idx], [fold] * len(train_idx), color="tab:blue", marker="|", s=60)
    ax_folds.scatter(X_train.index[test_idx], [fold] * len(test_idx), color="tab:orange", marker="|", s=60)
ax_folds.scatter(X_test.index, [3] * len(X_test), color="tab:gray", marker="|", s=60)
ax_folds.set_yticks(range(4), ["fold 1", "fold 2", "fold 3", "final test"])
ax_folds.invert_yaxis()
ax_folds.tick_params(axis="x", labelrotation=30)
ax_folds.set_title("TimeSeriesSplit: train (blue), test (orange)")

sizes = results["param_gruregressor__hidden_size"].astype(int)
ax_scores.errorbar(sizes, results["mean_test_score"], yerr=results["std_test_score"], marker="o", capsize=4)
ax_scores.set(xscale="log", xlabel="hidden_size", ylabel="mean CV $R^2$", title="Scores by hidden size")
ax_scores.set_xticks(sizes, sizes)
ax_scores.minorticks_off()
fig.tight_layout()

# %%
# Why not shuffled folds? Neighbouring windows share 23 of their 24 rows, and
# the targets of one day are the most recent inputs of the next days. With
# shuffled :class:`~sklearn.model_selection.KFold`, every test window has
# near-copies in the training folds, including windows that already contain
# its targets, so the score measures memory rather than forecasting skill (see
# :ref:`time_series_cv`).
#
# Forecasts of the test period, one and three days ahead, plotted at the day
# they forecast:
y_pred = search.predict(X_test)
fig, ax = plt.subplots(figsize=(10, 3.5))
ax.plot(table["demand"][X_test.index[0] :], color="black", lw=1, label="demand")
for k, color in [(0, "tab:green"), (2, "tab:red")]:
    ax.plot(X_test.index + pd.Timedelta(days=k + 1), y_pred[:, k], color=color, lw=1.5, label=f"{k + 1} day(s) ahead")
ax.legend(loc="upper left", ncols=3)
ax.set_title("Test-period forecasts of the tuned pipeline")
fig.tight_layout()
plt.show()
