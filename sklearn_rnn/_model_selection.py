"""Cross-validation of forecasters on a panel of series (or on one series)."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils._param_validation import Interval, validate_params

from ._panel import check_level_order, check_panel_levels

__all__ = ["PanelTimeSeriesSplit"]


class PanelTimeSeriesSplit(BaseCrossValidator):
    """Time-series cross-validation that cuts every series of a panel at the same dates.

    The panel's distinct time labels (over all series) are split as
    :class:`~sklearn.model_selection.TimeSeriesSplit` splits samples: fold
    ``i`` trains on the rows of every series up to a cut-off time label and
    tests on the rows of the next ``test_size`` time labels, the cut-off
    moving forward from fold to fold (an expanding window). Each training
    set is therefore the past of each series, and each test set the future
    that follows it, so that a :class:`~sklearn_rnn.Forecaster` fitted on
    the training rows scores the test rows::

        GridSearchCV(Forecaster(...), param_grid,
                     cv=PanelTimeSeriesSplit(n_splits=3, test_size=horizon))

    A series that ends before a fold's test periods is trained on but not
    tested; one that starts during them is tested on with no training rows
    (a :class:`~sklearn_rnn.Forecaster` raises for it, or skips it with
    ``short_series="drop"``). On a single series (a Series or DataFrame with
    a time index, or an array) it gives the folds of
    :class:`~sklearn.model_selection.TimeSeriesSplit`.

    Read more in the :ref:`User Guide <tuning_panel>`.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds (at least 2).
    test_size : int, default=None
        Number of time periods in each test set: typically the forecaster's
        ``horizon``. None uses ``n_periods // (n_splits + 1)``.
    gap : int, default=0
        Number of time periods left out between each training set and its
        test set. A :class:`~sklearn_rnn.Forecaster` scores only data that
        directly follow its training data, so it needs ``gap=0``.
    max_train_size : int, default=None
        Maximum number of time periods in a training set (the most recent
        ones); None keeps all earlier periods.

    See Also
    --------
    sklearn.model_selection.TimeSeriesSplit : The same folds, over rows.
    Forecaster : Forecast (panels of) series.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn_rnn import PanelTimeSeriesSplit
    >>> index = pd.MultiIndex.from_product(
    ...     [["a", "b"], pd.date_range("2024-01-01", periods=6, freq="D")], names=["unique_id", "ds"]
    ... )
    >>> panel = pd.DataFrame({"y": np.arange(12.0)}, index=index)
    >>> for train, test in PanelTimeSeriesSplit(n_splits=2, test_size=2).split(panel):
    ...     print(train, test)
    [0 1 6 7] [2 3 8 9]
    [0 1 2 3 6 7 8 9] [ 4  5 10 11]
    """

    @validate_params(
        {
            "n_splits": [Interval(Integral, 2, None, closed="left")],
            "test_size": [Interval(Integral, 1, None, closed="left"), None],
            "gap": [Interval(Integral, 0, None, closed="left")],
            "max_train_size": [Interval(Integral, 1, None, closed="left"), None],
        },
        prefer_skip_nested_validation=True,
    )
    def __init__(self, n_splits=5, *, test_size=None, gap=0, max_train_size=None):
        self.n_splits = n_splits
        self.test_size = test_size
        self.gap = gap
        self.max_train_size = max_train_size

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds.

        Parameters
        ----------
        X, y, groups : object
            Ignored; present for API consistency.

        Returns
        -------
        n_splits : int
            The number of folds, ``n_splits``.
        """
        return self.n_splits

    @staticmethod
    def _time_codes(X):
        """Position of each row's time label among the distinct time labels, and their number."""
        if isinstance(X, (pd.Series, pd.DataFrame)):
            index = X.index
            if isinstance(index, pd.MultiIndex):
                check_panel_levels(index, "X")
                check_level_order(index, "X")
            labels = index.get_level_values(1) if isinstance(index, pd.MultiIndex) else index
            try:
                codes, uniques = pd.factorize(labels, sort=True)
            except TypeError as error:
                raise ValueError(f"The time labels of X cannot be ordered: {error}") from None
            if (codes < 0).any():
                raise ValueError("The time labels of X have missing values.")
            return codes, len(uniques)
        n_rows = len(X)
        return np.arange(n_rows), n_rows

    def split(self, X, y=None, groups=None):
        """Generate the row positions of each fold's training and test sets.

        Parameters
        ----------
        X : Series, DataFrame or array-like
            A panel (a 2-level ``MultiIndex`` ``(series, time)``), a series
            with a time index, or an array in time order (rows are periods).
        y : None
            Ignored; present for API consistency.
        groups : None
            Ignored; present for API consistency.

        Yields
        ------
        train : ndarray
            Row positions of the training set: every row before the fold's
            cut-off.
        test : ndarray
            Row positions of the test set: the rows of the next
            ``test_size`` time periods.

        Raises
        ------
        ValueError
            If there are too few time periods for ``n_splits`` folds of
            ``test_size`` periods after a ``gap``.
        """
        codes, n_periods = self._time_codes(X)
        n_folds = self.n_splits + 1
        test_size = self.test_size if self.test_size is not None else n_periods // n_folds
        if n_folds > n_periods:
            raise ValueError(
                f"Cannot have n_splits={self.n_splits} folds with {n_periods} time periods: each fold needs at "
                "least one period to train on and one to test on."
            )
        if test_size < 1 or n_periods - self.gap - test_size * self.n_splits <= 0:
            raise ValueError(
                f"Too many splits: n_splits={self.n_splits} test sets of test_size={test_size} periods after "
                f"gap={self.gap} leave no period to train on among the {n_periods} time periods."
            )
        for start in range(n_periods - self.n_splits * test_size, n_periods, test_size):
            train_end = start - self.gap
            train_start = 0 if self.max_train_size is None else max(train_end - self.max_train_size, 0)
            train = np.flatnonzero((codes >= train_start) & (codes < train_end))
            test = np.flatnonzero((codes >= start) & (codes < start + test_size))
            yield train, test
