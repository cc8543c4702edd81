"""
=====================================================
Prediction intervals: how sure is a forecast?
=====================================================

:meth:`~sklearn_rnn.Forecaster.predict_interval` gives, with each forecast
period, a range expected to hold a chosen share of the future values, and
:meth:`~sklearn_rnn.Forecaster.predict_quantiles` the quantiles of the
forecast. The intervals are split-conformal: in ``fit``, copies of the model
trained on the first third and the first two thirds of the history forecast
the periods that follow (rolling origins), and the bounds are quantiles of
those errors per horizon step, in units of the series' spread. :func:`~sklearn_rnn.plot_forecast` draws the
result.

Here: the airline passengers, the last year held out.
"""

# %%
# Fit and forecast
# ----------------
#
# A small recurrent network keeps the example fast; the default estimator
# (``Forecaster(horizon=12)``) is used the same way.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklearn_rnn import Forecaster, LSTMRegressor, plot_forecast
from sklearn_rnn.datasets import load_airline

y = load_airline().astype(float)
train, test = y[:-12], y[-12:]

small = LSTMRegressor(hidden_size=16, max_iter=100, learning_rate_init=0.01, early_stopping=True, device="cpu")
forecaster = Forecaster(small, horizon=12, n_estimators=2, random_state=0).fit(train)
forecast = forecaster.predict()
interval = forecaster.predict_interval(coverage=[0.8, 0.95])
interval.round(1).head()

# %%
# The columns are ``(coverage, lower|upper)`` for a list of coverages; a
# single coverage gives the columns ``lower`` and ``upper``. The point
# forecast always lies inside its intervals.
inside = {c: float(((interval[(c, "lower")] <= test) & (test <= interval[(c, "upper")])).mean()) for c in (0.8, 0.95)}
pd.Series(inside, name="share of the held-out year inside")

# %%
# The plot
# --------
ax = plot_forecast(y[-48:-12], forecast, interval)
ax.plot(test.index, test, color="black", ls=":", lw=1.2, label="actual")
ax.legend(loc="upper left", fontsize=8)
ax.set(ylabel="passengers (thousands)", title="Airline passengers: 12-month forecast with 80% and 95% intervals")
plt.tight_layout()
plt.show()

# %%
# Quantiles
# ---------
#
# Quantiles of any levels, in increasing order; they increase with the level.
quantiles = forecaster.predict_quantiles(quantiles=[0.1, 0.25, 0.5, 0.75, 0.9])
quantiles.round(1).head()

# %%
# Where the widths come from
# --------------------------
#
# ``residuals_`` holds the out-of-sample errors measured in ``fit``, in units
# of the series' spread (``scale_``): one row per forecast origin, one column
# per horizon step (NaN where the period was seen in training or lies past
# the data). Their spread grows with the step, and so do the intervals.
step_spread = np.nanmean(np.abs(forecaster.residuals_[:, :, 0]), axis=0) * forecaster.scale_[0]
width = (interval[(0.8, "upper")] - interval[(0.8, "lower")]).to_numpy()
pd.DataFrame({"mean absolute error": step_spread, "80% width": width}, index=range(1, 13)).round(1).T
