"""Recurrent neural networks (RNN, LSTM, GRU) as scikit-learn estimators."""

from . import datasets as datasets
from ._calendar import calendar_features
from ._classifier import GRUClassifier, LSTMClassifier, RNNClassifier
from ._forecast import Forecaster
from ._model_selection import PanelTimeSeriesSplit
from ._plotting import plot_forecast
from ._regressor import GRURegressor, LSTMRegressor, RNNRegressor
from ._windowing import SlidingWindowTransformer, make_windows

__version__ = "0.1.0.dev0"

__all__ = [
    "GRUClassifier",
    "LSTMClassifier",
    "RNNClassifier",
    "GRURegressor",
    "LSTMRegressor",
    "RNNRegressor",
    "make_windows",
    "SlidingWindowTransformer",
    "Forecaster",
    "PanelTimeSeriesSplit",
    "calendar_features",
    "plot_forecast",
    "__version__",
]
