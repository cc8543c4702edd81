"""Recurrent regressors: RNNRegressor, LSTMRegressor, GRURegressor."""

from numbers import Integral

import numpy as np
import torch
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array

from . import _docstrings
from ._base import BaseRecurrent, check_float32
from ._data import constant_below

__all__ = ["RNNRegressor", "LSTMRegressor", "GRURegressor"]

_LOSSES = {
    "squared_error": torch.nn.MSELoss,
    "absolute_error": torch.nn.L1Loss,
    "huber": torch.nn.HuberLoss,
}


def r2_from_outputs(y, outputs):
    """Mean R^2 over the outputs of a batch of predictions (torch tensors).

    R^2 does not change under the per-output affine target scaling, so it
    can be computed on the standardized scale the network predicts.
    """
    ss_res = ((y - outputs) ** 2).sum(dim=0)
    ss_tot = ((y - y.mean(dim=0)) ** 2).sum(dim=0)
    constant = ss_tot == 0
    r2 = 1 - ss_res / torch.where(constant, torch.ones_like(ss_tot), ss_tot)
    r2 = torch.where(constant, (ss_res == 0).to(r2.dtype), r2)
    return r2.mean()


class _RecurrentRegressor(RegressorMixin, BaseRecurrent):
    """Regression head on top of :class:`BaseRecurrent`."""

    _parameter_constraints = {
        **BaseRecurrent._parameter_constraints,
        "loss": [StrOptions(set(_LOSSES))],
        "scale_target": ["boolean"],
        "future_steps": [Interval(Integral, 0, None, closed="left")],
    }

    _score_outputs = staticmethod(r2_from_outputs)

    def __init__(
        self,
        *,
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        summary="last+mean+max",
        downsample=1,
        loss="squared_error",
        future_steps=0,
        max_iter=200,
        batch_size=32,
        learning_rate="constant",
        learning_rate_init=1e-3,
        alpha=1e-4,
        clip_grad_norm=1.0,
        truncated_bptt_steps=None,
        scale_inputs=True,
        scale_target=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        shuffle=True,
        random_state=None,
        device="auto",
        callbacks=None,
        verbose=0,
        warm_start=False,
        n_threads="auto",
    ):
        super().__init__(
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            summary=summary,
            downsample=downsample,
            max_iter=max_iter,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            alpha=alpha,
            clip_grad_norm=clip_grad_norm,
            truncated_bptt_steps=truncated_bptt_steps,
            scale_inputs=scale_inputs,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            shuffle=shuffle,
            random_state=random_state,
            device=device,
            callbacks=callbacks,
            verbose=verbose,
            warm_start=warm_start,
            n_threads=n_threads,
        )
        self.loss = loss
        self.future_steps = future_steps
        self.scale_target = scale_target

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # -- hooks used by BaseRecurrent ---------------------------------------------

    def _validate_target(self, y, *, reset, classes=None):
        y = check_array(y, ensure_2d=False, allow_nd=True, dtype=np.float64, input_name="y")
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D (n_samples,) or 2-D (n_samples, n_outputs); got shape {y.shape}.")
        y2d = y.reshape(len(y), -1)
        if y2d.shape[1] == 0:
            raise ValueError(f"y of shape {y.shape} has no outputs.")
        if reset:
            self._y_ndim = y.ndim
            self.n_outputs_ = y2d.shape[1]
        elif y2d.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y2d.shape[1]} outputs, but {type(self).__name__} was fitted with {self.n_outputs_}."
            )
        return y2d

    def _fit_target_statistics(self, y):
        """``target_mean_`` and ``target_scale_`` from the targets ``y`` given
        to fit (the validation part included, as for the input statistics)."""
        if not self.scale_target:
            self.target_mean_ = np.zeros(self.n_outputs_)
            self.target_scale_ = np.ones(self.n_outputs_)
            return
        with np.errstate(over="ignore", invalid="ignore"):
            mean, std = y.mean(axis=0), y.std(axis=0)
        if not (np.isfinite(mean).all() and np.isfinite(std).all()):
            raise ValueError(
                "The mean or standard deviation of y overflows float64: y holds values too large to "
                f"standardize (largest magnitude {np.abs(y).max():.3g}). Rescale y, for example divide "
                "it by a power of ten, and scale the predictions back."
            )
        self.target_mean_ = mean
        self.target_scale_ = np.where(std <= constant_below(np.abs(y).max(axis=0)), 1.0, std)

    def _encode_target(self, y):
        """Targets as the network learns them: standardized, float32."""
        with np.errstate(over="ignore"):
            y_scaled = ((y - self.target_mean_) / self.target_scale_).astype(np.float32)
        check_float32(y_scaled, "y", scaled=self.scale_target)
        return y_scaled

    def _n_network_outputs(self):
        return self.n_outputs_

    def _fixed_parameters(self):
        return (*super()._fixed_parameters(), "loss", "scale_target", "future_steps")

    def _network_options(self, X, lengths):
        if not self.future_steps:
            return {}
        if lengths is not None:
            raise ValueError(
                f"future_steps={self.future_steps} needs sequences of one length (the last future_steps steps of "
                "each are its future inputs), but X holds sequences of different lengths. Pad or cut them to one "
                "length, or set future_steps=0."
            )
        if X.shape[1] <= self.future_steps:
            raise ValueError(
                f"future_steps={self.future_steps} leaves no past steps in sequences of {X.shape[1]} steps: "
                "use sequences longer than future_steps."
            )
        if self.n_outputs_ % self.future_steps:
            raise ValueError(
                f"future_steps={self.future_steps} must divide the number of outputs ({self.n_outputs_}): "
                "output o belongs to future step o % future_steps."
            )
        return {"future_steps": self.future_steps}

    def _criterion(self):
        return _LOSSES[self.loss], {}

    def _validation_split(self, y, seed):
        """The last ``validation_fraction`` of the samples, in time order."""
        n = len(y)
        n_valid = int(np.ceil(self.validation_fraction * n))
        if n_valid < 1 or n - n_valid < 1:
            raise ValueError(
                f"early_stopping needs at least one training and one validation sample; "
                f"validation_fraction={self.validation_fraction} of {n} samples leaves none."
            )
        return slice(0, n - n_valid), slice(n - n_valid, n)

    # -- public API ------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Train for exactly one more epoch (the first call initializes).

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences, as in :meth:`fit`.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """Predict a value (or a vector of values) for each sequence.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences with ``n_features_in_`` features per time step.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions in the units of the training targets, 1-D when the
            training ``y`` was 1-D.
        """
        y_pred = self._network_outputs(X).astype(np.float64)
        with np.errstate(over="ignore"):
            y_pred *= self.target_scale_
            y_pred += self.target_mean_
        if not np.isfinite(y_pred).all():
            raise ValueError(
                "The predictions overflow float64 once scaled back to the units of y "
                f"(target_scale_={self.target_scale_}). Rescale y before fitting."
            )
        return y_pred.ravel() if self._y_ndim == 1 else y_pred


_REGRESSOR_DOC = """{title}

    A {cell_name} reads each sequence; a summary of its hidden states (see
    ``summary``) goes through a linear layer to the targets. Training runs
    in PyTorch through skorch with the Adam optimizer. Inputs and targets are
    standardized internally, so raw-unit data needs no user-side scaler.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    {architecture}

    loss : {{"squared_error", "absolute_error", "huber"}}, default="squared_error"
        Training loss on the standardized targets.

    future_steps : int, default=0
        Number of time steps at the end of every sequence that hold inputs
        known for the periods being forecast (known-future covariates such
        as the calendar or a weather forecast), one step per forecast
        period: output ``o`` (of ``n_outputs``, a multiple of
        ``future_steps``) is the forecast for future step ``o %
        future_steps``, so with ``g = n_outputs // future_steps`` outputs
        per step they are laid out group by group, ``(g, future_steps)``.
        The recurrent layers then read the steps before them only, and a
        small decoder shared by the future steps (the local MLP of MQ-RNN,
        Wen et al. 2017, arXiv:1711.11053) adds to each output of the linear
        head a term computed from the sequence summary and the inputs of its
        own future step, so that the covariates of step ``k`` act on output
        ``k`` directly. Needs sequences of one length, longer than
        ``future_steps``. :class:`Forecaster` sets ``future_steps=horizon``
        on its default estimator when it has ``future_covariates``. 0: no
        such steps, every step is read by the recurrent layers.

    {training_head}

    scale_target : bool, default=True
        Standardize each target column for training and map predictions back
        to the original units.

    {training_tail}

    Attributes
    ----------
    {attributes}

    n_outputs_ : int
        Number of target columns.

    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        Target standardization learned in ``fit`` (zeros and ones when
        ``scale_target=False``).

    See Also
    --------
    {see_also}
    sklearn.neural_network.MLPRegressor : Feed-forward network regressor.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import {name}
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(200, 10, 1)                  # 200 sequences, 10 steps, 1 feature
    >>> y = X[:, 0, 0] + X[:, -1, 0]             # first step plus last step
    >>> model = {name}(hidden_size=16, max_iter=60, random_state=0).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2,)
    >>> model.score(X, y) > 0.9
    True
    """


def _regressor_doc(name, cell_name, title, see_also):
    training = _docstrings.TRAINING.format(
        learning_rate="constant",
        learning_rate_init="1e-3",
        max_iter=200,
        n_iter_no_change=10,
        stopping_note="",
        validation_split="For regressors it is the **last** fraction of the samples in "
        "their given order (time order), never a random draw.",
    )
    head, tail = training.split("\n\n    early_stopping", 1)
    return _REGRESSOR_DOC.format(
        name=name,
        cell_name=cell_name,
        title=title,
        architecture=_docstrings.ARCHITECTURE.format(hidden_size=64, downsample=1),
        training_head=head,
        training_tail="early_stopping" + tail,
        attributes=_docstrings.ATTRIBUTES.format(
            loss_scale=" (the standardized targets when ``scale_target=True``)",
            score_name="R^2",
        ),
        see_also=see_also,
    )


class RNNRegressor(_RecurrentRegressor):
    _cell = "rnn"


class LSTMRegressor(_RecurrentRegressor):
    _cell = "lstm"


class GRURegressor(_RecurrentRegressor):
    _cell = "gru"


RNNRegressor.__doc__ = _regressor_doc(
    "RNNRegressor",
    "Elman recurrent network (the computation of ``torch.nn.RNN`` with tanh)",
    "Elman recurrent neural network regressor for sequences.",
    "LSTMRegressor : Long short-term memory regressor.\n    GRURegressor : Gated recurrent unit regressor.",
)
LSTMRegressor.__doc__ = _regressor_doc(
    "LSTMRegressor",
    "long short-term memory network (``torch.nn.LSTM``)",
    "Long short-term memory (LSTM) regressor for sequences.",
    "RNNRegressor : Elman recurrent network regressor.\n    GRURegressor : Gated recurrent unit regressor.",
)
GRURegressor.__doc__ = _regressor_doc(
    "GRURegressor",
    "gated recurrent unit network (the computation of ``torch.nn.GRU``)",
    "Gated recurrent unit (GRU) regressor for sequences.",
    "RNNRegressor : Elman recurrent network regressor.\n    LSTMRegressor : Long short-term memory regressor.",
)
