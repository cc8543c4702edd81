"""
===========================================
Forecasting the airline series from pandas
===========================================

:class:`~sklearn_rnn.Forecaster` turns a recurrent regressor into a forecaster
of a pandas series: ``fit`` takes the series, ``predict`` returns the next
``horizon`` values as a Series indexed by the future months. This example
forecasts the three last years of the classic airline passengers series
(monthly totals 1949-1960, Box and Jenkins, shipped with the package as
:func:`sklearn_rnn.datasets.load_airline`) and compares the forecast with the
simplest serious baseline, seasonal naive: "the same month last year".
"""

# %%
# The data
# --------
#
# A pandas Series with a monthly :class:`~pandas.DatetimeIndex`: a trend, a
# yearly season whose amplitude grows with the level. We train on 1949-1957 and
# keep 1958-1960 (36 months) aside.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklearn_rnn import Forecaster
from sklearn_rnn.datasets import load_airline

y = load_airline()
train, test = y[:"1957-12"], y["1958-01":]
print(f"{len(train)} training months, {len(test)} test months; index frequency: {y.index.freqstr}")
y.tail()

# %%
# Forecasting
# -----------
#
# The forecaster reads windows of the last 24 months and predicts the next 36
# months at once (direct multi-output forecasting). Everything else is left at
# its defaults: the season length comes from the monthly index (12), the
# network learns how the future deviates from the seasonal-naive forecast
# rather than raw passenger counts, and the forecasts of five small LSTMs with
# different seeds are averaged (see :ref:`forecasting`). ``random_state`` makes
# the run repeatable.
forecaster = Forecaster(window_size=24, horizon=36, random_state=0)
forecaster.fit(train)
print(f"season: {forecaster.seasonal_period_} months, {forecaster.n_windows_} training windows")
forecast = forecaster.predict()
forecast.head()

# %%
# The forecast is a Series indexed by the 36 months that follow the training
# data, with the same frequency, so it lines up with the test data directly.
assert forecast.index.equals(test.index)

# %%
# Seasonal naive
# --------------
#
# Repeat the last observed year: the forecast for January 1958, 1959 and 1960
# is January 1957. A model that cannot beat this is not worth its cost.
last_year = train[-12:].to_numpy()
seasonal_naive = pd.Series(np.tile(last_year, 3), index=test.index)


def mape(actual, predicted):
    """Mean absolute percentage error, in percent."""
    return 100 * np.mean(np.abs((actual - predicted) / actual))


def mase(actual, predicted, history, m=12):
    """Mean absolute error relative to in-sample seasonal naive."""
    scale = np.mean(np.abs(history[m:].to_numpy() - history[:-m].to_numpy()))
    return np.mean(np.abs(actual - predicted)) / scale


# Forecaster.score is the negative MASE of its forecast of the data that follows.
print(f"MASE from Forecaster.score: {-forecaster.score(test):.2f}")

scores = pd.DataFrame(
    {
        "MAPE (%)": [mape(test, forecast), mape(test, seasonal_naive)],
        "MASE": [mase(test, forecast, train), mase(test, seasonal_naive, train)],
    },
    index=["Forecaster", "seasonal naive"],
).round(2)
scores

# %%
# The plot: history, the forecasts and what actually happened.
fig, ax = plt.subplots(figsize=(9, 4))
ax.plot(train.index, train, color="black", lw=1.2, label="history (training data)")
ax.plot(test.index, test, color="black", lw=1.2, ls=":", label="actual 1958-1960")
ax.plot(forecast.index, forecast, color="tab:red", lw=2, label="Forecaster")
ax.plot(seasonal_naive.index, seasonal_naive, color="tab:blue", lw=1.2, ls="--", label="seasonal naive")
ax.axvline(test.index[0], color="gray", lw=0.8)
ax.set(ylabel="passengers (thousands)", title="Airline passengers: 36-month forecast")
ax.legend(loc="upper left")
fig.tight_layout()

# %%
# Seasonal naive repeats 1957 and so misses the growth of the following years;
# the forecaster keeps the seasonal shape and continues the trend.
#
# New data without refitting
# --------------------------
#
# When a new month is observed, ``update`` appends it without retraining; the
# next ``predict`` forecasts from the new end of the series.
forecaster.update(test[:1])  # January 1958 is now known
next_forecast = forecaster.predict()
print(f"the next forecast covers {next_forecast.index[0]:%Y-%m} to {next_forecast.index[-1]:%Y-%m}")
plt.show()
