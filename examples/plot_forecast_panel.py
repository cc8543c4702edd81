"""
===================================================
Forecasting many series at once from a long table
===================================================

Retail, energy and web teams rarely forecast one series: they forecast every
store, product or meter, and their data come as a **long table**, one row per
series and period (``unique_id, ds, y``). :class:`~sklearn_rnn.Forecaster`
takes such a table once it is indexed by ``(series, time)``, and trains **one
global model** on the windows of all series, each scaled by its own spread.
Series may have different lengths, start dates and levels.

This example builds a long table of 24 monthly sales series, forecasts the
last year of each, and compares the forecasts with seasonal naive ("the same
month last year").
"""

# %%
# A long table
# ------------
#
# Each series has its own level, growth, seasonal amplitude and start date.
# The table is sorted by date, as a database export often is: the forecaster
# groups the rows by series itself.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklearn_rnn import Forecaster, LSTMRegressor

rng = np.random.RandomState(0)
rows = []
for i in range(24):
    n_months = rng.randint(60, 97)  # 5 to 8 years
    dates = pd.date_range(end="2024-12-01", periods=n_months, freq="MS")
    t = np.arange(n_months)
    level, growth = rng.uniform(50, 2000), rng.uniform(-0.002, 0.01)
    season = 1 + rng.uniform(0.1, 0.4) * np.sin(2 * np.pi * (dates.month - rng.randint(12)) / 12)
    sales = level * (1 + growth) ** t * season * np.exp(0.05 * rng.randn(n_months))
    rows.append(pd.DataFrame({"unique_id": f"store_{i:02d}", "ds": dates, "y": sales}))
long = pd.concat(rows).sort_values("ds", kind="stable", ignore_index=True)
long.head()

# %%
# The panel: the same table indexed by ``(series, time)``. We keep the last 12
# months of every series aside.
panel = long.set_index(["unique_id", "ds"])
test = panel.groupby(level="unique_id").tail(12)
train = panel.drop(test.index)
print(f"{panel.index.get_level_values(0).nunique()} series, {len(train)} training rows, {len(test)} test rows")

# %%
# One global model
# ----------------
#
# One small LSTM learns from the windows of all 24 series (24 months each,
# relative to the seasonal-naive forecast and in units of each series' own
# spread, so that a store selling 50 and one selling 2,000 look alike). A
# tiny, quickly trained network keeps the example fast; the defaults
# (``Forecaster(horizon=12)``) train longer and average three networks.
small = LSTMRegressor(
    hidden_size=16,
    loss="absolute_error",
    batch_size=64,
    learning_rate_init=0.01,
    max_iter=40,
    early_stopping=True,
    n_iter_no_change=8,
    device="cpu",
)
forecaster = Forecaster(small, window_size=24, horizon=12, n_estimators=1, random_state=0)
forecaster.fit(train)
print(f"season: {forecaster.seasonal_period_} months, {forecaster.n_windows_} training windows from all series")

# %%
# ``predict`` forecasts every series: ``horizon`` rows per series, indexed by
# ``(series, future month)`` like the data.
forecast = forecaster.predict()
forecast.head(3)

# %%
# Against seasonal naive
# ----------------------
#
# Seasonal naive repeats each series' last observed year. We compare both with
# the mean absolute scaled error (MASE, the error in units of each series'
# in-sample seasonal-naive error; below 1 beats it), series by series.
naive = train.groupby(level="unique_id").tail(12)["y"]
naive.index = test.index
scale = pd.Series(forecaster.scale_[:, 0], index=forecaster.series_)


def mase(predicted):
    errors = (test["y"] - predicted).abs().groupby(level="unique_id").mean()
    return errors / scale


scores = pd.DataFrame({"Forecaster": mase(forecast), "seasonal naive": mase(naive)})
print(f"Forecaster.score (negative MASE over all series): {forecaster.score(test):.3f}")
scores.describe().loc[["mean", "50%"]].round(3)

# %%
# The plot: four of the series, their history, the actual last year and both
# forecasts.
fig, axes = plt.subplots(2, 2, figsize=(10, 6), sharex=True)
for ax, key in zip(axes.ravel(), ["store_00", "store_05", "store_10", "store_15"], strict=True):
    history = train.loc[key, "y"]
    ax.plot(history.index, history, color="black", lw=1, label="history")
    ax.plot(test.loc[key].index, test.loc[key, "y"], color="black", ls=":", lw=1.2, label="actual")
    ax.plot(forecast[key].index, forecast[key], color="tab:red", lw=2, label="Forecaster")
    ax.plot(naive[key].index, naive[key], color="tab:blue", ls="--", lw=1, label="seasonal naive")
    ax.set_title(f"{key}: MASE {scores.loc[key, 'Forecaster']:.2f} (naive {scores.loc[key, 'seasonal naive']:.2f})")
axes[0, 0].legend(loc="upper left", fontsize=8)
fig.suptitle("One global model, 24 series: 12-month forecasts")
fig.tight_layout()
plt.show()

# %%
# New observations of some series arrive as rows of the same table:
# ``forecaster.update(new_rows)`` appends them without refitting, and
# ``forecaster.predict(data)`` forecasts from other data, even series the
# model has never seen (each scaled by its own spread in ``data``).
