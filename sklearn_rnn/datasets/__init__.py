"""Small real data sets shipped with the package, for examples and tests."""

from importlib import resources

import pandas as pd

__all__ = ["load_airline"]


def load_airline():
    """Monthly totals of international airline passengers, 1949 to 1960.

    The classic Box and Jenkins "Series G" (in thousands of passengers): 144
    months with a rising trend and a yearly season whose swing grows with
    the level. Public domain; read from a CSV file inside the package, never
    downloaded.

    Returns
    -------
    y : pandas.Series of shape (144,)
        Passengers (thousands, int64) named ``"passengers"``, indexed by a
        monthly ``DatetimeIndex`` (month starts, frequency ``"MS"``) named
        ``"month"``.

    References
    ----------
    Box, G. E. P., Jenkins, G. M. and Reinsel, G. C. (1976). *Time Series
    Analysis, Forecasting and Control*. Third edition. Holden-Day. Series G.

    Examples
    --------
    >>> from sklearn_rnn.datasets import load_airline
    >>> y = load_airline()
    >>> y.head(3)
    month
    1949-01-01    112
    1949-02-01    118
    1949-03-01    132
    Freq: MS, Name: passengers, dtype: int64
    >>> len(y), y.index.freqstr
    (144, 'MS')
    """
    with resources.files(__package__).joinpath("data", "airline.csv").open("r") as f:
        frame = pd.read_csv(f)
    index = pd.DatetimeIndex(pd.to_datetime(frame["month"], format="%Y-%m"), freq="MS", name="month")
    return pd.Series(frame["passengers"].to_numpy(dtype="int64"), index=index, name="passengers")
