"""Logic shared by every recurrent estimator: parameters, training, prediction.

Each public estimator is a plain scikit-learn ``BaseEstimator``. ``fit``
validates the input, builds a skorch net around :class:`RecurrentNetwork`
(stored as ``net_``) and lets skorch run the epochs, batches, callbacks and
history, while the estimator drives early stopping and convergence the way
:class:`~sklearn.neural_network.MLPRegressor` does.
"""

import copy
import inspect
import re
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_consistent_length, check_is_fitted
from skorch.callbacks import Callback, LRScheduler
from skorch.helper import predefined_split
from skorch.history import History

from ._data import BatchIterator, SequenceDataset, constant_below, predict_in_batches, standardize, to_tensor
from ._messages import plain
from ._module import RecurrentNetwork, parse_summary
from ._params import KerasNamesMixin
from ._threads import choose_threads, resolve_threads
from ._torch_state import torch_settings, torch_threads
from ._training import FUSED_ADAM, SCHEDULE, STOPPING, MLPStopping, SequenceNet
from ._validation import check_sequences
from ._warnings import user_stacklevel

# Elements of hidden-state output (batch x steps x hidden) held at once in predict.
_PREDICT_ELEMENTS = 2**24
# On the CPU: prediction batches of at most this many elements of hidden-state output,
# and of at least this many sequences (see inference_batch_size).
_CPU_BATCH_ELEMENTS = 2**21
_CPU_MIN_BATCH = 256
# downsample="auto" leaves at most this many steps for the recurrent layers.
_AUTO_DOWNSAMPLE_STEPS = 64
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


def inference_batch_size(module, n_timesteps, device):
    """Sequences per prediction batch.

    At most 8192, and few enough that the hidden-state output (batch x steps
    x hidden) stays within 64 MB. On the CPU, the largest power of two whose
    output holds at most ``_CPU_BATCH_ELEMENTS`` elements (2048 sequences of
    24 steps at hidden size 32), but at least ``_CPU_MIN_BATCH`` sequences.
    Measured with torch 2.13 on 2 cores (``benchmarks/predict_batches.py``,
    see the performance guide): larger batches of short sequences were faster
    than 512 (the GRU's up to twice as fast), while the LSTM's prediction took
    1.1 to 1.9 times as long with batches of more than 2**21 elements, and 1.75
    times as long with 491 sequences of 100 steps as with 512; long sequences
    need batches large enough for each step's matrix products.
    """
    per_sample = n_timesteps * module.hidden_size * (2 if module.bidirectional else 1)
    batch = min(8192, _PREDICT_ELEMENTS // per_sample)
    if str(device) == "cpu":
        preferred = max(_CPU_MIN_BATCH, _CPU_BATCH_ELEMENTS // per_sample)
        batch = min(batch, 1 << (preferred.bit_length() - 1))
    return int(max(1, batch))


def _input_statistics(X, lengths):
    """Per-feature mean and standard deviation (float64) over all valid time steps."""
    if lengths is None:
        values = X.reshape(-1, X.shape[2])
    else:
        mask = np.arange(X.shape[1])[None, :] < lengths[:, None]
        values = X[mask]
    n_features = values.shape[1]
    mean, std, largest = np.empty(n_features), np.empty(n_features), np.empty(n_features)
    # One feature at a time, copied to a contiguous column: NumPy reduces a
    # contiguous run with pairwise summation in SIMD, several times faster
    # than down the strided columns of the table (60 against 10 ms on
    # 20,000 x 24 x 4), and only one column is held at a time.
    with np.errstate(over="ignore", invalid="ignore"):
        for j in range(n_features):
            column = np.ascontiguousarray(values[:, j])
            mean[j] = column.mean(dtype=np.float64)
            std[j] = column.std(dtype=np.float64)
            largest[j] = max(column.max(), -column.min()) if column.size else np.nan
    if not (np.isfinite(mean).all() and np.isfinite(std).all()):
        raise ValueError(
            "The mean or standard deviation of X over the training sequences overflows float64: X holds values "
            f"too large to standardize (largest magnitude {largest.max():.3g}). Rescale X, for example "
            "divide it by a power of ten."
        )
    # constant features (relative to their mean for large offsets) keep a scale of 1
    floor = np.maximum(constant_below(largest), 1e-12 * np.abs(mean))
    std[std <= floor] = 1.0
    return mean, std


def _overflow_message(what, scaled):
    """The end of the error for values that overflow float32 on their way to
    the network (whose arithmetic is float32: largest magnitude 3.4e38)."""
    if scaled:
        return (
            f"{what} holds values that overflow float32 (largest magnitude 3.4e38) once standardized with the "
            "training statistics: values far outside the range seen in training. Rescale them, or check them "
            "for errors."
        )
    parameter = "scale_inputs" if what == "X" else "scale_target"
    return (
        f"{what} holds values beyond the range of float32 (largest magnitude 3.4e38), in which the network "
        f"computes. Rescale them, or set {parameter}=True to let the estimator standardize them."
    )


def check_float32(values, what, *, scaled):
    """Raise ``ValueError`` if ``values`` (float32, standardized or cast
    from finite input) hold infinities: finite values that overflowed."""
    if values.size and not (np.isfinite(values.min()) and np.isfinite(values.max())):
        raise ValueError(_overflow_message(what, scaled))


def _resolve_downsample(downsample, longest):
    """The ``downsample`` factor: the given int, or for ``"auto"`` the one
    that leaves at most 64 steps of the longest training sequence."""
    if downsample != "auto":
        return int(downsample)
    return max(1, -(-int(longest) // _AUTO_DOWNSAMPLE_STEPS))


def _statistics_of(module):
    """The module's input statistics as float64 arrays, or (None, None) when
    they are the identity (nothing to compute)."""
    mean, scale = module.input_mean.cpu().numpy(), module.input_scale.cpu().numpy()
    if not (mean.any() or (scale != 1).any()):
        return None, None
    return mean, scale


def _dataset(X, lengths, y, mean, scale, device):
    """Standardized float32 tensors of one training or validation set."""
    X = standardize(X, mean, scale)
    check_float32(X, "X", scaled=mean is not None)
    return SequenceDataset(
        to_tensor(X, device),
        None if lengths is None else torch.from_numpy(np.ascontiguousarray(lengths)),
        to_tensor(np.ascontiguousarray(y), device),
    )


def _copy_to_continue(net):
    """A deep copy of ``net`` to train on, whose history is a new list of the
    same epoch records: training appends records and never changes earlier
    ones, and copying them all made each ``partial_fit`` call cost more with
    every epoch so far (46 against 14 ms per call after 3,000)."""
    history = net.history_
    return copy.deepcopy(net, {id(history): History(history)})


def _same_seed(a, b):
    """Whether ``random_state`` is still the one the random stream was drawn
    from: an equal integer (pickle does not keep the identity of integers
    above 256), or the same RandomState instance or None."""
    if isinstance(a, Integral) and isinstance(b, Integral):
        return a == b
    return a is b


def _monitored(callback):
    """The history key a callback watches (skorch's ``monitor``, as
    ``EarlyStopping``, ``Checkpoint`` and ``LRScheduler`` have), or None; a
    class's is its default."""
    if isinstance(callback, type):
        parameter = inspect.signature(callback).parameters.get("monitor")
        monitor = None if parameter is None else parameter.default
    else:
        monitor = getattr(callback, "monitor", None)
    return monitor if isinstance(monitor, str) else None


def validation_key(item):
    """The validation key of the history that a ``callbacks`` item (a
    callback or a ``(name, callback)`` pair) watches, or None."""
    callback = item[1] if isinstance(item, (tuple, list)) and len(item) == 2 else item
    monitor = _monitored(callback)
    return monitor if monitor is not None and monitor.startswith("valid") else None


def _check_callbacks(callbacks, *, validated):
    """Raise ``ValueError`` unless ``callbacks`` holds what skorch accepts:
    ``Callback`` instances or classes, or ``(name, callback)`` pairs of
    them, none named like the estimator's own callbacks, and none watching a
    validation key when this fit has no validation data (``validated``):
    skorch would fail with a ``KeyError`` after the first epoch."""
    for i, item in enumerate(callbacks or []):
        callback = item
        if isinstance(item, (tuple, list)):
            if len(item) != 2 or not isinstance(item[0], str):
                raise ValueError(
                    f"callbacks[{i}]={item!r} is not a valid (name, callback) pair: the name must be a string."
                )
            name, callback = item
            if name in (STOPPING, SCHEDULE):
                raise ValueError(f"callbacks: the name {name!r} is reserved for the estimator's own callbacks.")
        if not (isinstance(callback, Callback) or (isinstance(callback, type) and issubclass(callback, Callback))):
            raise ValueError(
                f"callbacks[{i}]={item!r} is not a skorch callback: pass skorch.callbacks.Callback instances "
                "(or Callback classes), or (name, callback) pairs of them."
            )
        monitor = None if validated else validation_key(callback)
        if monitor is not None:
            raise ValueError(
                f"callbacks[{i}] ({type(callback).__name__ if not isinstance(callback, type) else callback.__name__}) "
                f"watches {monitor!r}, which the history holds only with validation data: set "
                "early_stopping=True (fit then holds out validation_fraction of the data; partial_fit never "
                "does), or make it watch the training loss (monitor='train_loss')."
            )


class BaseRecurrent(KerasNamesMixin, BaseEstimator):
    """Base class of the recurrent estimators; not for direct use.

    Subclasses set ``_cell`` (``"rnn"``, ``"lstm"`` or ``"gru"``) and
    implement the target hooks ``_validate_target``, ``_criterion``,
    ``_validation_split`` and ``_score_outputs``, and may override
    ``_fit_target_statistics`` and ``_encode_target`` (target scaling).
    """

    _cell = None

    _parameter_constraints = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "summary": [str],
        "downsample": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "learning_rate": [StrOptions({"constant", "cosine"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "truncated_bptt_steps": [Interval(Integral, 1, None, closed="left"), None],
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
        "n_threads": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
    }

    def __init__(
        self,
        *,
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        summary="last+mean+max",
        downsample=1,
        max_iter=200,
        batch_size=32,
        learning_rate="constant",
        learning_rate_init=1e-3,
        alpha=1e-4,
        clip_grad_norm=1.0,
        truncated_bptt_steps=None,
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
        n_threads="auto",
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.summary = summary
        self.downsample = downsample
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.clip_grad_norm = clip_grad_norm
        self.truncated_bptt_steps = truncated_bptt_steps
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

    def __getstate__(self):
        # the prediction cache refers to the module, which skorch pickles on its own
        state = dict(super().__getstate__())
        state.pop("_statistics_cache", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        # skorch moves a CUDA-trained net to the CPU when CUDA is absent.
        if "net_" in self.__dict__:
            self.device_ = self.net_.device
            self._remember_statistics()

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
        warm = hasattr(self, "net_") and (incremental or self.warm_start)
        if warm:
            self._check_fixed_parameters("partial_fit" if incremental else "fit with warm_start=True")
        saved = dict(self.__dict__)
        # the one object that training changes in place: the stream that seeds the next warm fit
        rng = saved.get("_random_state")
        rng_state = None if rng is None else rng.get_state()
        try:
            with torch_settings(grad=True):
                self._train(X, y, warm=warm, incremental=incremental, classes=classes)
        except BaseException:
            # Nothing half-trained: a warm fit trains a copy of the net, so
            # restoring the attributes restores the previous fitted state.
            self.__dict__.clear()
            self.__dict__.update(saved)
            if rng is not None:
                rng.set_state(rng_state)
            raise
        # under the cosine schedule, the schedule's end is the end of training, no failure to converge
        scheduled = self.learning_rate == "cosine" and not incremental
        stopped_short = not self._stopping.converged and self._stopping.epochs_run == self.max_iter
        if self._stopping.patience and stopped_short and not scheduled:
            warnings.warn(
                f"{type(self).__name__}: maximum iterations ({self.max_iter}) reached before the "
                f"{'validation' if self.early_stopping else 'training'} loss stopped improving (the rule: no "
                f"improvement greater than tol={self.tol} for n_iter_no_change={self.n_iter_no_change} epochs). "
                "Raise max_iter to train longer, or raise tol to accept this model as converged.",
                ConvergenceWarning,
                stacklevel=user_stacklevel(),
            )
        del self._stopping
        return self

    def _fit_target_statistics(self, y):
        """Learn what :meth:`_encode_target` needs from the targets ``y`` of a
        first fit (all of them, the validation part included); nothing here."""

    def _encode_target(self, y):
        """Validated targets as the network learns them; unchanged here."""
        return y

    def _check_fixed_parameters(self, how):
        """Raise if a parameter that shapes the fitted network or its data
        scaling changed since the network was built: continuing training
        cannot apply it, and ignoring it silently would mislead."""
        params = self.get_params(deep=False)
        changed = [
            name
            for name in self._fixed_parameters()
            if params[name] != self._built_with[name]
            # "auto" and the device it resolved to are the same device
            and not (name == "device" and resolve_device(params[name]) == self.device_)
        ]
        if changed:
            detail = ", ".join(
                f"{name}={plain(self._built_with[name])!r} -> {plain(params[name])!r}" for name in changed
            )
            raise ValueError(
                f"{type(self).__name__}: {', '.join(changed)} changed since the network was built ({detail}), "
                f"and {how} continues training that network, which cannot apply the change. Set the "
                "previous value back, or "
                + (
                    "call fit with warm_start=False (partial_fit always continues)"
                    if how == "partial_fit"
                    else "set warm_start=False"
                )
                + " or clone the estimator to train a new network."
            )

    def _check_truncation(self, lengths):
        if self.truncated_bptt_steps is None:
            return
        if self.bidirectional:
            raise ValueError(
                "truncated_bptt_steps applies to unidirectional networks only: the backward direction reads "
                "the sequence from its end. Set bidirectional=False, or truncated_bptt_steps=None."
            )
        if lengths is not None:
            raise ValueError(
                "truncated_bptt_steps needs sequences of one length, but X holds sequences of different lengths. "
                "Cut or pad them to one length, or use downsample to shorten them instead."
            )

    def _fixed_parameters(self):
        """Parameters fixed by the first fit (subclasses add their own)."""
        return (
            "hidden_size",
            "num_layers",
            "bidirectional",
            "dropout",
            "summary",
            "downsample",
            "scale_inputs",
            "device",
        )

    def _train(self, X, y, *, warm, incremental, classes):
        summary = parse_summary(self.summary)
        _check_callbacks(self.callbacks, validated=self.early_stopping and not incremental)
        device = self.device_ if warm else resolve_device(self.device)
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        X, lengths = check_sequences(self, X, reset=not warm)
        check_consistent_length(X, y)
        self._check_truncation(lengths)
        y = self._validate_target(y, reset=not warm, classes=classes)
        network_options = self._network_options(X, lengths)
        if not warm or not _same_seed(self.random_state, self._built_with["random_state"]):
            self._random_state = check_random_state(self.random_state)
        seed = int(self._random_state.randint(np.iinfo(np.int32).max))

        # The scaling statistics come from all the data given to fit, the validation part
        # included, as a scaler in a pipeline in front of the estimator would see them; on the
        # forecasting benchmark this was 4% better (geometric-mean MASE) than the training part only.
        if not warm:
            self._fit_target_statistics(y)
        y = self._encode_target(y)
        validation = None
        train = slice(None)
        if self.early_stopping and not incremental:
            train, valid = self._validation_split(y, seed)
            validation = (X[valid], None if lengths is None else lengths[valid], y[valid])
        X_train, y_train = X[train], y[train]
        lengths_train = None if lengths is None else lengths[train]

        if warm:
            net = _copy_to_continue(self.net_)
            mean, scale = _statistics_of(net.module_)
        else:
            mean, scale = _input_statistics(X, lengths) if self.scale_inputs else (None, None)
            self.downsample_ = _resolve_downsample(self.downsample, X.shape[1] if lengths is None else lengths.max())
            net = self._build_net(X.shape[2], summary, device, mean, scale, network_options)
            self._n_first_fit_samples = len(X_train)
        dataset = _dataset(X_train, lengths_train, y_train, mean, scale, device)
        valid_dataset = None if validation is None else _dataset(*validation, mean, scale, device)
        train_batch = min(self.batch_size, len(X_train))
        threads = self._threads(train_batch, X.shape[2])
        with torch.random.fork_rng(devices=_rng_devices(device)), torch_threads(threads):
            torch.manual_seed(seed)
            if not warm:
                net.initialize()
            self._configure_net(
                net,
                valid_dataset,
                n_timesteps=X.shape[1],
                first_epoch=(self.n_iter_ + 1) if warm else 1,
                incremental=incremental,
            )
            if self.n_threads == "auto" and threads > 1 and torch.device(device).type == "cpu":
                chosen = _measured_threads(net, dataset, train_batch, threads, lengths is None)
                torch.set_num_threads(chosen)
                if self.verbose:
                    print(f"Threads: {chosen} (n_threads='auto': the faster of 1 and {threads} on the first batch)")
            net.partial_fit(dataset, None, epochs=1 if incremental else self.max_iter)
        net.set_params(train_split=None)  # keep no validation data in the fitted model
        self._record_training(net, device, warm=warm, validated=validation is not None)

    def _record_training(self, net, device, *, warm, validated):
        """Keep the trained ``net`` and set the fitted attributes from its
        stopping callback; a warm fit continues the curves of the earlier ones."""
        stopping = dict(net.callbacks_)[STOPPING]
        stopping.epochs_run = len(stopping.loss_curve)
        self._stopping = stopping
        # As in MLPRegressor, a warm fit with validation data continues the earlier
        # validation curves and keeps the best weights seen over all of them.
        earlier = warm and validated and self.__dict__.get("validation_loss_curve_") is not None
        if earlier and self.best_loss_ < min(stopping.validation_losses):
            net.module_.load_state_dict(self.net_.module_.state_dict())
            net.module_.eval()
        self.net_ = net
        self.device_ = device
        self._remember_statistics()
        if not warm:
            self._built_with = self.get_params(deep=False)
        self._built_with["random_state"] = self.random_state
        self.n_iter_ = stopping.epochs_run + (self.n_iter_ if warm else 0)
        self.loss_curve_ = (self.loss_curve_ if warm else []) + stopping.loss_curve
        if validated:
            self.validation_loss_curve_ = (self.validation_loss_curve_ if earlier else []) + stopping.validation_losses
            self.validation_scores_ = (self.validation_scores_ if earlier else []) + stopping.validation_scores
            best = int(np.argmin(self.validation_loss_curve_))
            self.best_validation_score_ = self.validation_scores_[best]
            self.best_loss_ = float(self.validation_loss_curve_[best])
        else:
            self.validation_loss_curve_ = None
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = float(np.min(self.loss_curve_))

    def _network_options(self, X, lengths):
        """Checked options of :class:`RecurrentNetwork` that a subclass adds (none here)."""
        return {}

    def _build_net(self, n_features, summary, device, mean, scale, options=None):
        """A new net (not yet initialized) whose module holds the input statistics
        and the ``options`` of :meth:`_network_options`."""
        criterion, criterion_kwargs = self._criterion()
        # int(): torch's layers and tensor splits refuse NumPy integers, which
        # the constraints accept (a grid from np.arange)
        return SequenceNet(
            module=RecurrentNetwork,
            module__cell=self._cell,
            module__input_size=n_features,
            module__output_size=self._n_network_outputs(),
            module__hidden_size=int(self.hidden_size),
            module__num_layers=int(self.num_layers),
            module__bidirectional=self.bidirectional,
            module__dropout=self.dropout,
            module__summary=summary,
            module__downsample=self.downsample_,
            module__input_mean=mean,
            module__input_scale=scale,
            **{f"module__{key}": value for key, value in (options or {}).items()},
            criterion=criterion,
            optimizer=torch.optim.Adam,
            optimizer__fused=FUSED_ADAM,
            iterator_train=BatchIterator,
            iterator_valid=BatchIterator,
            train_split=None,
            score_outputs=self._score_outputs,
            device=device,
            verbose=0,
            **{f"criterion__{key}": value for key, value in criterion_kwargs.items()},
        )

    def _configure_net(self, net, valid_dataset, *, n_timesteps, first_epoch, incremental):
        """Apply the training parameters of this fit to ``net``, new or
        continued, so that a changed setting always takes effect."""
        user_callbacks = copy.deepcopy(list(self.callbacks or []))
        scheduled = self.learning_rate == "cosine" and not incremental
        # With a schedule, its end is the end of training unless validation data say otherwise.
        patience = not incremental and (not scheduled or valid_dataset is not None)
        stopping = MLPStopping(
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            patience=patience,
            restore_best=valid_dataset is not None,
            verbose=self.verbose,
            first_epoch=first_epoch,
        )
        net.module_.truncated_bptt_steps = self.truncated_bptt_steps
        net.set_params(
            lr=self.learning_rate_init,
            optimizer__weight_decay=self.alpha / self._n_first_fit_samples,
            batch_size=int(self.batch_size),
            clip_grad_norm=self.clip_grad_norm,
            train_split=None if valid_dataset is None else predefined_split(valid_dataset),
        )
        # Iterator settings are read at each fit; skorch's set_params refuses
        # them on an initialized net, as they need no re-initialization.
        net.iterator_train__shuffle = self.shuffle
        net.iterator_valid__batch_size = inference_batch_size(net.module_, n_timesteps, net.device)
        # The package's callback goes last, so that user callbacks see every
        # epoch, the one it stops at included.
        schedule = []
        if scheduled:
            # Each fit anneals from learning_rate_init over its own max_iter epochs: skorch would
            # resume a warm fit's schedule from the epochs in the history (last_epoch), and torch
            # from the learning rate the previous schedule stored (initial_lr).
            for group in net.optimizer_.param_groups:
                group.pop("initial_lr", None)
            schedule = [
                (
                    SCHEDULE,
                    LRScheduler(policy="CosineAnnealingLR", T_max=self.max_iter, step_every="epoch", last_epoch=-1),
                )
            ]
        net.callbacks = user_callbacks + schedule + [(STOPPING, stopping)]
        net.initialize_callbacks()

    def _threads(self, batch_size, n_features):
        """PyTorch threads for a call with batches of ``batch_size`` (see ``n_threads``)."""
        return resolve_threads(
            self.n_threads,
            cell=self._cell,
            batch_size=batch_size,
            hidden_size=self.hidden_size,
            n_features=n_features,
            n_directions=2 if self.bidirectional else 1,
        )

    # -- prediction ----------------------------------------------------------------

    def _remember_statistics(self):
        """Keep the network's input statistics as NumPy arrays for predict
        (reading them off the module was a tenth of a one-sequence call)."""
        module = self.net_.module_
        buffers = (module._buffers["input_mean"], module._buffers["input_scale"])
        versions = tuple(buffer._version for buffer in buffers)
        self._statistics_cache = (module, buffers, versions, _statistics_of(module))

    def _inference_statistics(self, module):
        """:func:`_statistics_of` ``module``: the copy kept by ``fit`` while it
        is current (the same buffers, unchanged: ``load_state_dict`` changes
        their version counters), else read again. Predict never stores
        anything on the estimator."""
        cached = self.__dict__.get("_statistics_cache")
        if cached is not None and cached[0] is module:
            _, (mean, scale), versions, statistics = cached
            buffers = module._buffers
            if (
                buffers.get("input_mean") is mean
                and buffers.get("input_scale") is scale
                and (mean._version, scale._version) == versions
            ):
                return statistics
        return _statistics_of(module)

    def _network_outputs(self, X):
        """Validated ``X`` through the fitted network: a float32 NumPy array."""
        if "net_" not in self.__dict__:  # check_is_fitted's tag lookup is a fifth of a one-sequence call
            check_is_fitted(self)
        X, lengths = check_sequences(self, X, reset=False)
        module = self.net_.module_
        batch_size = inference_batch_size(module, X.shape[1], self.device_)
        mean, scale = self._inference_statistics(module)
        threads = self._threads(min(batch_size, len(X)), X.shape[2])
        # a few thousand steps in all cannot be slowed down by denormals noticeably
        with torch_settings(flush=X.shape[0] * X.shape[1] > 4096, threads=threads):
            outputs = predict_in_batches(module, X, lengths, self.device_, batch_size, mean=mean, scale=scale)
        outputs = outputs.cpu().numpy()
        # A check of the small output rather than of the whole standardized input.
        if not np.isfinite(outputs).all():
            check_float32(standardize(X, mean, scale), "X", scaled=mean is not None)
            raise ValueError(
                f"{type(self).__name__}: the network's outputs are not finite although X is: its weights are not "
                "finite. Fit the estimator again (with a lower learning_rate_init)."
            )
        return outputs


def _measured_threads(net, dataset, batch_size, n_threads, one_length):
    """The faster of one thread and ``n_threads`` at the forward and backward
    pass of ``net`` on the first ``batch_size`` training sequences (see
    :func:`choose_threads`), kept per network, batch and sequence shape for
    the process. The passes leave the weights, the optimizer, the random
    state and the module's train/eval mode as they were, and no gradients."""
    module = net.module_
    batch = dataset.batch(slice(0, batch_size))
    key = (repr(module), module.summary, module.downsample, module.truncated_bptt_steps, batch_size)
    key += (tuple(dataset.X.shape[1:]), one_length)
    training = module.training
    module.train()
    try:
        with torch.random.fork_rng(devices=[]):  # dropout's draws must not shift training's
            return choose_threads(lambda: net.gradient_pass(batch), n_threads, key=key)
    finally:
        module.train(training)
        for parameter in module.parameters():
            parameter.grad = None


def _rng_devices(device):
    """CUDA devices whose random state ``fit`` forks (none on the CPU)."""
    if not str(device).startswith("cuda"):
        return []
    index = torch.device(device).index
    return [torch.cuda.current_device() if index is None else index]
