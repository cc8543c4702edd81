"""Logic shared by every recurrent estimator: parameters, training, prediction.

Each public estimator is a plain scikit-learn ``BaseEstimator``. ``fit``
validates the input, builds a skorch net around :class:`RecurrentNetwork`
(stored as ``net_``) and lets skorch run the epochs, batches, callbacks and
history, while the estimator drives early stopping and convergence the way
:class:`~sklearn.neural_network.MLPRegressor` does.
"""

import copy
import re
import time
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_consistent_length, check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Callback

from ._data import BatchIterator, SequenceDataset, predict_in_batches, to_tensor
from ._module import RecurrentNetwork, parse_summary
from ._validation import check_sequences

# Elements of hidden-state output (batch x steps x hidden) held at once in predict.
_PREDICT_ELEMENTS = 2**24
_DEVICE_PATTERN = re.compile(r"^(cpu|auto|cuda(:\d+)?)$")


def resolve_device(device):
    """Turn the ``device`` parameter into a concrete torch device string."""
    if not isinstance(device, str) or not _DEVICE_PATTERN.match(device):
        raise ValueError(f"device={device!r} is not valid: use 'cpu', 'cuda', 'cuda:N' or 'auto'.")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available; use device='cpu' or 'auto'.")
    return device


@contextmanager
def torch_cpu_settings(n_threads):
    """Run a block with ``n_threads`` PyTorch intra-op threads (None: leave
    PyTorch's setting) and with denormal floats flushed to zero, then restore
    both settings.

    Recurrent states that decay towards zero over long sequences become
    denormal floats, which the CPU handles several times slower (measured: a
    1,000-step LSTM epoch 5x slower); flushing them changes values below
    1e-38 only.
    """
    previous_threads = torch.get_num_threads()
    change_threads = n_threads is not None and n_threads != previous_threads
    # set_flush_denormal returns whether the CPU supports it; it cannot be read back.
    flush = torch.set_flush_denormal(True)
    if change_threads:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        if change_threads:
            torch.set_num_threads(previous_threads)
        if flush:
            torch.set_flush_denormal(False)


def inference_batch_size(module, n_timesteps, device):
    """Sequences per prediction batch: few enough that the hidden-state output
    (batch x steps x hidden) stays near 64 MB, and at most 512 on the CPU
    (measured faster and lighter there than larger batches) or 8192 on a GPU."""
    per_sample = n_timesteps * module.hidden_size * (2 if module.bidirectional else 1)
    cap = 512 if str(device) == "cpu" else 8192
    return int(max(1, min(cap, _PREDICT_ELEMENTS // per_sample)))


def _input_statistics(X, lengths):
    """Per-feature mean and standard deviation over all valid time steps."""
    if lengths is None:
        values = X.reshape(-1, X.shape[2])
    else:
        mask = np.arange(X.shape[1])[None, :] < lengths[:, None]
        values = X[mask]
    mean = values.mean(axis=0, dtype=np.float64)
    std = values.std(axis=0, dtype=np.float64)
    std[std < 1e-12] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


class _SequenceNet(NeuralNet):
    """skorch net with a lean train step and no default callbacks.

    One step is: forward, loss, backward, optional gradient-norm clipping,
    optimizer step; the epoch's losses are recorded by :class:`_EpochScoring`.
    """

    def __init__(self, *args, clip_grad_norm=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.clip_grad_norm = clip_grad_norm

    @property
    def _default_callbacks(self):
        return []

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch loop, minus two per-batch costs that a seed-sized fit
        notices: the batch size is read from the target's first dimension
        (skorch's generic ``get_len`` inspects every part of the batch), and
        the batch events are sent only when the user gave callbacks (the
        estimator's own callback works at the epoch level)."""
        if iterator is None:
            return
        notify = len(self.callbacks_) > 1
        batch_count = 0
        for batch in iterator:
            if notify:
                self.notify("on_batch_begin", batch=batch, training=training)
            else:
                self.history.new_batch()  # what the net's own on_batch_begin does
            step = step_fn(batch, **fit_params)
            self.history.record_batch(prefix + "_loss", step["loss"].item())
            self.history.record_batch(prefix + "_batch_size", len(batch[1]))
            if notify:
                self.notify("on_batch_end", batch=batch, training=training, **step)
            batch_count += 1
        self.history.record(prefix + "_batch_count", batch_count)

    def train_step(self, batch, **fit_params):
        # Train mode is set once per epoch by the estimator's epoch loop.
        Xi, yi = batch
        self.optimizer_.zero_grad(set_to_none=True)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.criterion_(y_pred, yi)
        loss.backward()
        if self.clip_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(self.module_.parameters(), self.clip_grad_norm)
        self.optimizer_.step()
        return {"loss": loss, "y_pred": y_pred}


class _EpochScoring(Callback):
    """Record the epoch's mean training loss and, given validation data, the
    validation loss and score (R^2 or accuracy), before any user callback."""

    def __init__(self, score_outputs, validation=None):
        self.score_outputs = score_outputs
        self.validation = validation

    def on_epoch_end(self, net, **kwargs):
        batches = net.history[-1, "batches"]
        sizes = np.array([b["train_batch_size"] for b in batches], dtype=np.float64)
        losses = np.array([b["train_loss"] for b in batches], dtype=np.float64)
        net.history.record("train_loss", float(losses @ sizes / sizes.sum()))
        if self.validation is None:
            return
        X, lengths, y = self.validation
        batch_size = inference_batch_size(net.module_, X.shape[1], net.device)
        outputs = predict_in_batches(net.module_, X, lengths, net.device, batch_size)
        with torch.inference_mode():
            net.history.record("valid_loss", float(net.criterion_(outputs, y)))
            net.history.record("valid_score", float(self.score_outputs(y, outputs)))


class BaseRecurrent(BaseEstimator):
    """Base class of the recurrent estimators; not for direct use.

    Subclasses set ``_cell`` (``"rnn"``, ``"lstm"`` or ``"gru"``) and
    implement the target hooks ``_validate_target``, ``_criterion``,
    ``_validation_split`` and ``_score_outputs``.
    """

    _cell = None

    _parameter_constraints = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "summary": [str],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "scale_inputs": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "device": [str],
        "callbacks": [list, None],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        summary="last+mean+max",
        max_iter=200,
        batch_size=32,
        learning_rate_init=1e-3,
        alpha=1e-4,
        clip_grad_norm=1.0,
        scale_inputs=True,
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
        n_threads=1,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.summary = summary
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.clip_grad_norm = clip_grad_norm
        self.scale_inputs = scale_inputs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state
        self.device = device
        self.callbacks = callbacks
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_threads = n_threads

    # -- scikit-learn protocol -------------------------------------------------

    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def __setstate__(self, state):
        super().__setstate__(state)
        # skorch moves a CUDA-trained net to the CPU when CUDA is absent.
        if "net_" in self.__dict__:
            self.device_ = self.net_.device

    # -- training ----------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_timesteps), or list of array-like
            Training sequences: a 3-D array, a 2-D array or DataFrame of
            univariate sequences, or a list of ``(n_timesteps_i, n_features)``
            arrays of different lengths.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, one row per sequence.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, incremental=False)

    def _fit(self, X, y, *, incremental, classes=None):
        saved = dict(self.__dict__)
        warm = hasattr(self, "net_") and (incremental or self.warm_start)
        snapshot = None
        if warm:
            snapshot = (
                copy.deepcopy(self.net_.module_.state_dict()),
                copy.deepcopy(self.net_.optimizer_.state_dict()),
                len(self.net_.history),
            )
        try:
            with torch_cpu_settings(self.n_threads):
                self._train(X, y, warm=warm, incremental=incremental, classes=classes)
        except BaseException:
            # Nothing half-trained: restore the previous fitted state (or none).
            if snapshot is not None:
                self.net_.callbacks_[0][1].validation = None
                self.net_.module_.load_state_dict(snapshot[0])
                self.net_.optimizer_.load_state_dict(snapshot[1])
                del self.net_.history[snapshot[2] :]
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    def _train(self, X, y, *, warm, incremental, classes):
        summary = parse_summary(self.summary)
        device = self.device_ if warm else resolve_device(self.device)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        X, lengths = check_sequences(self, X, reset=not warm)
        check_consistent_length(X, y)
        y = self._validate_target(y, reset=not warm, classes=classes)
        if not warm:
            self._random_state = check_random_state(self.random_state)
        seed = int(self._random_state.randint(np.iinfo(np.int32).max))

        validation = None
        train = slice(None)
        if self.early_stopping and not incremental:
            train, valid = self._validation_split(y, seed)
            y_valid = to_tensor(np.ascontiguousarray(y[valid]), device)
            validation = (X[valid], None if lengths is None else lengths[valid], y_valid)
        X_train = X[train]
        lengths_train = None if lengths is None else torch.from_numpy(lengths[train])
        dataset = SequenceDataset(to_tensor(X_train, device), lengths_train, to_tensor(y[train], device))

        with torch.random.fork_rng(devices=_rng_devices(device)):
            torch.manual_seed(seed)
            if warm:
                net = self.net_
                net.callbacks_[0][1].validation = validation
            else:
                net = self._build_net(X_train.shape[2], len(X_train), summary, device, validation)
                if self.scale_inputs:
                    mean, scale = _input_statistics(X_train, None if lengths is None else lengths[train])
                    net.module_.input_mean.copy_(torch.from_numpy(mean))
                    net.module_.input_scale.copy_(torch.from_numpy(scale))
            curves = self._run_epochs(net, dataset, 1 if incremental else self.max_iter, incremental, warm)
        net.callbacks_[0][1].validation = None  # keep no data in the fitted model

        self.net_ = net
        self.device_ = device
        loss_curve, valid_losses, valid_scores, n_epochs = curves
        self.n_iter_ = n_epochs + (self.n_iter_ if warm else 0)
        self.loss_curve_ = (self.loss_curve_ if warm else []) + loss_curve
        if validation is not None:
            self.validation_loss_curve_ = valid_losses
            self.validation_scores_ = valid_scores
            self.best_validation_score_ = valid_scores[int(np.argmin(valid_losses))]
            self.best_loss_ = float(np.min(valid_losses))
        else:
            self.validation_loss_curve_ = None
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = float(np.min(self.loss_curve_))

    def _build_net(self, n_features, n_samples, summary, device, validation):
        criterion, criterion_kwargs = self._criterion()
        user_callbacks = copy.deepcopy(list(self.callbacks or []))
        net = _SequenceNet(
            module=RecurrentNetwork,
            module__cell=self._cell,
            module__input_size=n_features,
            module__output_size=self._n_network_outputs(),
            module__hidden_size=self.hidden_size,
            module__num_layers=self.num_layers,
            module__bidirectional=self.bidirectional,
            module__dropout=self.dropout,
            module__summary=summary,
            module__standardize=self.scale_inputs,
            criterion=criterion,
            optimizer=torch.optim.Adam,
            lr=self.learning_rate_init,
            optimizer__weight_decay=self.alpha / n_samples,
            max_epochs=self.max_iter,
            batch_size=self.batch_size,
            iterator_train=BatchIterator,
            iterator_train__shuffle=self.shuffle,
            iterator_valid=BatchIterator,
            train_split=None,
            callbacks=[("epoch_scoring", _EpochScoring(self._score_outputs, validation))] + user_callbacks,
            clip_grad_norm=self.clip_grad_norm,
            device=device,
            verbose=0,
            **{f"criterion__{key}": value for key, value in criterion_kwargs.items()},
        )
        return net.initialize()

    def _run_epochs(self, net, dataset, n_epochs, incremental, warm):
        """The epoch loop: skorch trains one epoch at a time; this loop checks
        the losses, prints progress and decides when to stop."""
        loss_curve, valid_losses, valid_scores = [], [], []
        best, best_state, no_improvement = np.inf, None, 0
        early_stopping = net.callbacks_[0][1].validation is not None
        net.notify("on_train_begin", X=dataset, y=None)
        epoch = 0
        for epoch in range(1, n_epochs + 1):
            tic = time.perf_counter()
            net._set_training(True)
            net.fit_loop(dataset, epochs=1)
            record = net.history[-1]
            loss = record["train_loss"]
            monitored = loss
            if not np.isfinite(loss):
                raise ValueError(
                    f"The training loss became {loss} at epoch {epoch}: training diverged and was "
                    "stopped. Lower learning_rate_init, keep clip_grad_norm set, or check X and y "
                    "for extreme values."
                )
            loss_curve.append(loss)
            line = f"Epoch {len(self.loss_curve_) + epoch if warm else epoch}: train loss {loss:.6f}"
            if early_stopping:
                monitored = record["valid_loss"]
                if not np.isfinite(monitored):
                    raise ValueError(f"The validation loss became {monitored} at epoch {epoch}: training diverged.")
                valid_losses.append(monitored)
                valid_scores.append(record["valid_score"])
                line += f", validation loss {monitored:.6f}, validation score {record['valid_score']:.4f}"
            if self.verbose:
                print(f"{line}, {time.perf_counter() - tic:.2f} s", flush=True)
            if monitored > best - self.tol:
                no_improvement += 1
            else:
                no_improvement = 0
            if monitored < best:
                best = monitored
                if early_stopping:
                    best_state = copy.deepcopy(net.module_.state_dict())
            if not incremental and no_improvement >= self.n_iter_no_change:
                if self.verbose:
                    print(
                        f"No improvement of {'validation' if early_stopping else 'training'} loss "
                        f"greater than tol={self.tol} for {self.n_iter_no_change} epochs; stopping.",
                        flush=True,
                    )
                break
        else:
            if not incremental and n_epochs > 0:
                warnings.warn(
                    f"Maximum iterations ({n_epochs}) reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=6,  # the caller of fit (through _fit_context, _fit, _train)
                )
        if best_state is not None:
            net.module_.load_state_dict(best_state)
        net.notify("on_train_end", X=dataset, y=None)
        return loss_curve, valid_losses, valid_scores, epoch

    # -- prediction ----------------------------------------------------------------

    def _network_outputs(self, X):
        """Validated ``X`` through the fitted network: a float32 NumPy array."""
        check_is_fitted(self)
        X, lengths = check_sequences(self, X, reset=False)
        module = self.net_.module_
        batch_size = inference_batch_size(module, X.shape[1], self.device_)
        with torch_cpu_settings(self.n_threads):
            outputs = predict_in_batches(module, X, lengths, self.device_, batch_size)
        return outputs.float().cpu().numpy()


def _rng_devices(device):
    """CUDA devices whose random state ``fit`` forks (none on the CPU)."""
    if not str(device).startswith("cuda"):
        return []
    index = torch.device(device).index
    return [torch.cuda.current_device() if index is None else index]
