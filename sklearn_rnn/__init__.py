"""Recurrent neural networks (RNN, LSTM, GRU) as scikit-learn estimators."""

from ._classifier import GRUClassifier, LSTMClassifier, RNNClassifier
from ._regressor import GRURegressor, LSTMRegressor, RNNRegressor

__version__ = "0.1.0.dev0"

__all__ = [
    "GRUClassifier",
    "LSTMClassifier",
    "RNNClassifier",
    "GRURegressor",
    "LSTMRegressor",
    "RNNRegressor",
    "__version__",
]
