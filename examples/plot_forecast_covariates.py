"""
=========================================================
Covariates known in advance: promotions and the calendar
=========================================================

Some inputs are known before the periods they describe: the calendar,
holidays, planned promotions or prices, weather forecasts. Naming them in
``future_covariates`` lets a :class:`~sklearn_rnn.Forecaster` see them not
only over the past window but also over the ``horizon`` periods it forecasts;
``predict(future=...)`` then takes their values for those periods.
Calendar columns need no code of your own: ``calendar=["day_of_week"]``
computes them from the index, for the past and the forecast periods
(:func:`~sklearn_rnn.calendar_features` makes the same columns, to add
yourself).

Here: daily sales of three shops, higher on weekends and on promotion days
(planned weeks ahead), forecast four weeks ahead with and without those
covariates.
"""

# %%
# The data
# --------
#
# A panel: three shops, one row per shop and day, with the sales and a 0/1
# column of planned promotions.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

from sklearn_rnn import Forecaster

rng = np.random.RandomState(0)
days = pd.date_range("2023-01-02", periods=364, freq="D")
shops = {}
for shop, size in [("north", 200.0), ("south", 80.0), ("west", 500.0)]:
    promo = (rng.rand(len(days)) < 0.15).astype(float)
    weekend = days.day_of_week >= 5
    sales = size * (1 + 0.3 * weekend + 0.5 * promo) * np.exp(0.05 * rng.randn(len(days)))
    shops[shop] = pd.DataFrame({"sales": sales, "promo": promo}, index=days)
data = pd.concat(shops, names=["shop", "day"])

# %%
# The last four weeks of each shop are kept aside; their promotions and
# calendar are known in advance, their sales are not.
horizon = 28
test = data.groupby(level="shop").tail(horizon)
train = data.drop(test.index)

# %%
# Two forecasters
# ---------------
#
# The same model, once with the promotions and the calendar (one 0/1 column
# per day of the week, from the index) as covariates known in advance, once
# with past values only (the promotions are then past covariates, and the
# weekly cycle is left to the seasonal-naive baseline, ``seasonal_period``
# being 7 for daily data). The estimator here is a
# :class:`~sklearn.linear_model.Ridge` on the flattened windows: it maps each
# known future value to each forecast day directly, and fits in a blink. The
# default estimator (``Forecaster(horizon=horizon, ...)`` without one) does
# the same with a recurrent network and a decoder that reads each future
# day's covariates for that day's forecast; on so small a data set (three
# shops, one year) it is slower and, here, less accurate than the Ridge.
with_future = Forecaster(
    Ridge(), window_size=14, horizon=horizon, target="sales", future_covariates=["promo"], calendar=["day_of_week"]
)
with_future.fit(train)
past_only = Forecaster(Ridge(), window_size=14, horizon=horizon, target="sales").fit(train)

# %%
# ``predict`` needs the future values of the promotions: a frame indexed like
# the forecast, which ``future_index()`` gives. Here the test rows hold them
# (their sales are not used). The calendar columns of the forecast days are
# computed by the forecaster.
future = test.loc[with_future.future_index()]
forecast = with_future.predict(future=future)
blind = past_only.predict()

scores = pd.Series(
    {
        "with future covariates": -with_future.score(test),
        "past values only": -past_only.score(test),
    },
    name="MASE",
)
scores.round(3)

# %%
# The plot: the north shop's last weeks, the actual sales, both forecasts, and
# the promotion days shaded.
shop = "north"
actual = test.loc[shop, "sales"]
history = train.loc[shop, "sales"][-42:]
fig, ax = plt.subplots(figsize=(10, 4))
for day in actual.index[test.loc[shop, "promo"].to_numpy() == 1]:
    ax.axvspan(day - pd.Timedelta(hours=12), day + pd.Timedelta(hours=12), color="gold", alpha=0.4, lw=0)
ax.plot(history.index, history, color="black", lw=1, label="history")
ax.plot(actual.index, actual, color="black", ls=":", lw=1.2, label="actual")
ax.plot(forecast[shop].index, forecast[shop], color="tab:red", lw=2, label="with future covariates")
ax.plot(blind[shop].index, blind[shop], color="tab:blue", ls="--", lw=1.2, label="past values only")
ax.set(ylabel="sales", title=f"Shop '{shop}': 28-day forecast (promotion days shaded)")
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Missing, misaligned, short or incomplete ``future`` values raise an error
# that names the series and the periods concerned, for example:
try:
    with_future.predict(future=future.iloc[:-1])
except ValueError as error:
    print(error)
