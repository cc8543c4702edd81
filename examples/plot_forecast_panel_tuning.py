"""
==========================================
Tuning a global model on a panel of series
==========================================

A :class:`~sklearn_rnn.Forecaster` is a scikit-learn estimator: its ``fit``
takes the data and its ``score`` the future (the negative MASE), so
:class:`~sklearn.model_selection.GridSearchCV` tunes it. On a panel, the
folds must cut **every series at the same dates**, train on the past of each
series and test on the periods that follow.
:class:`~sklearn_rnn.PanelTimeSeriesSplit` does that: it splits the panel's
time labels as :class:`~sklearn.model_selection.TimeSeriesSplit` splits rows.
"""

# %%
# A panel of monthly series
# -------------------------
#
# Twelve series of different lengths and levels, indexed by ``(series,
# time)`` as ``df.set_index(["unique_id", "ds"])`` gives from a long table.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import Forecaster, LSTMRegressor, PanelTimeSeriesSplit

rng = np.random.RandomState(1)
parts = {}
for i in range(12):
    n_months = rng.randint(48, 73)
    dates = pd.date_range(end="2024-12-01", periods=n_months, freq="MS")
    t = np.arange(n_months)
    season = 1 + rng.uniform(0.1, 0.4) * np.sin(2 * np.pi * dates.month / 12)
    parts[f"item_{i:02d}"] = rng.uniform(20, 500) * (1 + 0.005 * t) * season * np.exp(0.05 * rng.randn(n_months))
panel = pd.concat(
    {
        key: pd.Series(values, index=pd.date_range(end="2024-12-01", periods=len(values), freq="MS"))
        for key, values in parts.items()
    },
    names=["unique_id", "ds"],
).to_frame("y")

# %%
# The folds
# ---------
#
# Three folds, each testing the 6 months that follow its cut-off (the
# forecaster's ``horizon``), the training part growing from fold to fold.
horizon = 6
cv = PanelTimeSeriesSplit(n_splits=3, test_size=horizon)
times = panel.index.get_level_values("ds")
fig, ax = plt.subplots(figsize=(8, 2.2))
for k, (train_rows, test_rows) in enumerate(cv.split(panel)):
    ax.scatter(times[train_rows].unique(), np.full(times[train_rows].nunique(), k), s=6, color="tab:blue")
    ax.scatter(times[test_rows].unique(), np.full(times[test_rows].nunique(), k), s=6, color="tab:red")
    print(
        f"fold {k}: train up to {times[train_rows].max():%Y-%m}, test {times[test_rows].min():%Y-%m} "
        f"to {times[test_rows].max():%Y-%m} ({len(test_rows)} rows over all series)"
    )
ax.set(yticks=range(3), yticklabels=[f"fold {k}" for k in range(3)], title="train (blue) and test (red) months")
fig.tight_layout()

# %%
# The search
# ----------
#
# Plain scikit-learn: the grid names the forecaster's parameters (such as
# ``window_size``) and, with the ``estimator__`` prefix, those of its network.
# Small networks and few epochs keep the example fast.
small = LSTMRegressor(
    hidden_size=8,
    loss="absolute_error",
    batch_size=64,
    learning_rate_init=0.01,
    max_iter=60,
    early_stopping=True,
    n_iter_no_change=5,
    device="cpu",
)
forecaster = Forecaster(small, window_size=12, horizon=horizon, n_estimators=1, random_state=0)
search = GridSearchCV(forecaster, {"estimator__hidden_size": [4, 16]}, cv=cv)
search.fit(panel)
results = pd.DataFrame(search.cv_results_)[["params", "mean_test_score", "std_test_score", "rank_test_score"]]
results

# %%
# ``best_estimator_`` was refitted on the whole panel and forecasts every
# series for the 6 months after it.
print(f"best: {search.best_params_}, negative MASE {search.best_score_:.3f}")
forecast = search.best_estimator_.predict()

fig, axes = plt.subplots(1, 3, figsize=(11, 3), sharex=True)
for ax, key in zip(axes, ["item_00", "item_04", "item_08"], strict=True):
    history = panel.loc[key, "y"]
    ax.plot(history.index[-36:], history[-36:], color="black", lw=1, label="history")
    ax.plot(forecast[key].index, forecast[key], color="tab:red", lw=2, label="forecast")
    ax.set_title(key)
axes[0].legend(loc="upper left", fontsize=8)
fig.suptitle("Forecasts of the tuned model")
fig.tight_layout()
plt.show()
