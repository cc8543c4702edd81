"""What Forecaster(verbose=...) prints: nothing by default, one line per
network, the networks' epochs, and a progress bar on long fits."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from sklearn_rnn import Forecaster, LSTMRegressor, _ensemble

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def monthly(n=60):
    t = np.arange(n)
    values = 50 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + np.random.RandomState(0).randn(n)
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=n, freq="MS"))


def fit(verbose, n_estimators=2, **params):
    lstm = LSTMRegressor(hidden_size=4, max_iter=3, early_stopping=True, learning_rate_init=0.01, device="cpu")
    forecaster = Forecaster(lstm, horizon=2, n_estimators=n_estimators, random_state=0, verbose=verbose, **params)
    return forecaster.fit(monthly())


def test_silent_by_default(capsys):
    fit(0)
    Forecaster(Ridge(), horizon=2).fit(monthly())
    assert capsys.readouterr() == ("", "")


def test_verbose_1_prints_the_season_the_window_and_one_line_per_network(capsys):
    forecaster = fit(1)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == (
        f"Season: {forecaster.seasonal_period_reason_}. Window: 24 rows; {forecaster.n_windows_} training windows."
    )
    assert lines[0].startswith("Season: 12 from the monthly frequency")
    assert len(lines) == 3 and err == ""  # a fit this short shows no progress bar
    for i, (line, member) in enumerate(zip(lines[1:], forecaster.estimators_, strict=True)):
        best = int(np.argmin(member.validation_loss_curve_))
        assert line.startswith(
            f"LSTMRegressor {i + 1} of 2: {member.n_iter_} epochs, best validation loss "
            f"{member.validation_loss_curve_[best]:.6f} at epoch {best + 1}, "
        )
        assert re.search(r", \d+\.\d\d s$", line)


def test_verbose_1_says_which_epochs_a_refit_used(capsys):
    forecaster = fit(1, n_estimators=1, refit=True)
    line = capsys.readouterr().out.splitlines()[1]
    assert line.startswith(f"LSTMRegressor 1 of 1: early stopping chose {forecaster.best_epochs_[0]} epoch")
    assert "refitted on all windows, final training loss" in line


def test_verbose_2_adds_the_epoch_lines_of_each_network(capsys):
    forecaster = fit(2)
    out = capsys.readouterr().out
    epochs = re.findall(r"^Epoch (\d+): train loss \d+\.\d+, validation loss", out, flags=re.MULTILINE)
    assert epochs == [str(k) for member in forecaster.estimators_ for k in range(1, member.n_iter_ + 1)]
    assert out.count("LSTMRegressor 2 of 2:") == 2  # before its epochs, and its summary
    # the members' own verbose setting was raised for the fit
    assert all(member.verbose == 1 for member in forecaster.estimators_)


def test_verbose_without_epochs_for_other_regressors(capsys):
    Forecaster(Ridge(), horizon=2, n_estimators=1, verbose=2).fit(monthly())
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and re.fullmatch(r"Ridge 1 of 1: \d+\.\d\d s", lines[1])


def test_progress_bar_once_the_fit_takes_long(capsys, monkeypatch):
    monkeypatch.setattr(_ensemble, "PROGRESS_DELAY", 0.0)
    fit(1, n_estimators=3)
    out, err = capsys.readouterr()
    assert "Fitting" in err and "3/3" in err and "network" in err
    # the lines still reach the standard output, whole
    assert [line.split(":")[0] for line in out.splitlines()[1:]] == [f"LSTMRegressor {i} of 3" for i in (1, 2, 3)]
    fit(0, n_estimators=3)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("verbose", [-1, "yes", 1.5])
def test_verbose_is_validated(verbose):
    with pytest.raises(ValueError, match="verbose"):
        Forecaster(Ridge(), verbose=verbose).fit(monthly())


def test_verbose_may_change_after_fit(capsys):
    forecaster = Forecaster(Ridge(), horizon=2).fit(monthly())
    forecaster.set_params(verbose=1)
    assert len(forecaster.predict()) == 2  # printing settings do not make the fit stale
    assert capsys.readouterr() == ("", "")
