"""The seam with skorch: the net that trains, and the callback that stops it.

The estimators hand skorch a :class:`SequenceNet` and call its public
``partial_fit``; skorch runs the epochs, the batches, every documented
callback event and the history. Two things are the package's own:

* :class:`SequenceNet` keeps skorch's loop but makes each step lean: the
  module's train/eval mode is set once per epoch rather than per batch, the
  epoch's mean loss is recorded in the history before ``on_epoch_end`` (so
  that any callback, ``EarlyStopping(monitor="train_loss")`` included, reads
  it), and batch-level events are sent when a callback other than the
  package's own is there to receive them.
* :class:`MLPStopping`, always the last callback, holds the stopping rules of
  scikit-learn's :class:`~sklearn.neural_network.MLPRegressor` (``tol``,
  ``n_iter_no_change``, best weights restored with early stopping), the
  divergence check and the per-epoch ``verbose`` line. It stops training the
  way skorch's own callbacks do, by raising ``KeyboardInterrupt``, which
  skorch's ``partial_fit`` catches.

skorch's ``partial_fit`` catches every ``KeyboardInterrupt``, a user's Ctrl-C
included. :class:`SequenceNet` tells the two apart (a stop is raised by a
callback at the end of an epoch, an interruption anywhere else), and
:class:`MLPStopping` raises the interruption again once training has ended,
so that it reaches the caller and ``fit`` keeps nothing of the interrupted run.
"""

import copy
import math
import time

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import TeeGenerator

__all__ = ["SequenceNet", "MLPStopping", "STOPPING", "SCHEDULE", "FUSED_ADAM", "clip_gradient_norm"]

# Names of the package's own callbacks in ``net.callbacks_``.
STOPPING = "mlp_stopping"
SCHEDULE = "lr_schedule"
_OWN = (STOPPING, SCHEDULE)


def _fused_adam_available():
    """Whether this PyTorch has the fused Adam step on the CPU (2.4 and later)."""
    try:
        torch.optim.Adam([torch.zeros(1, dtype=torch.float32, requires_grad=True)], fused=True)
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


# Adam's fused step does the same arithmetic as its default per-tensor loop in
# one kernel: measured 0.3 ms instead of 1.5 ms per step for a 32-unit LSTM,
# about a tenth of a whole training step at that size.
FUSED_ADAM = _fused_adam_available()


def clip_gradient_norm(parameters, max_norm):
    """Scale the gradients down so that their joint L2 norm is at most
    ``max_norm``, as ``torch.nn.utils.clip_grad_norm_`` does (same norm,
    same ``1e-6`` guard), with one norm over the concatenated gradients:
    half its time for the few small tensors of a recurrent network, where
    its per-tensor bookkeeping dominates."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    total = torch.linalg.vector_norm(torch.cat([g.reshape(-1) for g in grads]))
    if total.device.type != "cpu":  # reading the norm back would wait for the device
        coefficient = torch.clamp(max_norm / (total + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coefficient)
        return
    # On the CPU the norm is read back anyway: most steps are far below the
    # bound and skip the rest; near or above it, the coefficient in NumPy
    # float32 is the same number as torch's float32 ``max_norm / (total +
    # 1e-6)`` (a reciprocal, then a product), without three tensor operations.
    norm = total.item()
    if norm + 1e-6 <= 0.5 * max_norm:
        return
    with np.errstate(over="ignore"):
        coefficient = np.float32(max_norm) * (np.float32(1.0) / (np.float32(norm) + np.float32(1e-6)))
    if coefficient >= 1.0:  # NaN (a NaN gradient) scales, as in torch
        return
    for g in grads:
        g.mul_(float(coefficient))


# State that only the training loop uses, kept in __dict__ directly (skorch's
# __setattr__ manages components) and removed when fit_loop ends: skorch's
# get_params lists every attribute not ending in "_".
_LOOP_STATE = ("_stopped_by_callback", "_lowest_losses", "_clipped")


class SequenceNet(NeuralNet):
    """skorch net with a lean train step and no default callbacks.

    One step is: forward, loss, backward, ``on_grad_computed``, optional
    gradient-norm clipping, optimizer step.

    Parameters
    ----------
    clip_grad_norm : float or None
        Largest gradient norm of a step (see :func:`clip_gradient_norm`).
    score_outputs : callable
        ``score_outputs(y, y_pred) -> tensor``: the validation score
        (R^2 or accuracy) of a whole validation set.
    **kwargs
        As :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, clip_grad_norm=None, score_outputs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.clip_grad_norm = clip_grad_norm
        self.score_outputs = score_outputs

    def __setstate__(self, state):
        # Tensors unpickled inside torch.inference_mode() would be inference
        # tensors, which can neither be trained further nor track versions.
        with torch.inference_mode(False):
            super().__setstate__(state)

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's loop, keeping in ``interruption_`` a ``KeyboardInterrupt``
        that ended it anywhere but in an ``on_epoch_end`` callback (where
        callbacks stop training): a user's Ctrl-C, which skorch's
        ``partial_fit`` would otherwise swallow. None when training ended
        normally or was stopped by a callback."""
        self.interruption_ = None
        self.__dict__["_stopped_by_callback"] = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt as error:
            if not self.__dict__["_stopped_by_callback"]:
                self.interruption_ = error
            raise
        finally:
            for name in _LOOP_STATE:
                self.__dict__.pop(name, None)

    def notify(self, method_name, **cb_kwargs):
        try:
            super().notify(method_name, **cb_kwargs)
        except KeyboardInterrupt:
            if method_name == "on_epoch_end":
                self.__dict__["_stopped_by_callback"] = True
            raise

    def get_default_callbacks(self):
        # Losses are recorded by run_single_epoch; printing is MLPStopping's.
        return []

    def has_user_callbacks(self):
        """Whether a callback other than the package's own is installed."""
        return any(name not in _OWN for name, _ in self.callbacks_)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch loop, plus the epoch's mean loss (and, for the
        validation set, the score) in the history, with two costs removed
        that a seed-sized fit notices: the module's mode is set once, and
        batch events are sent only when a user callback may receive them."""
        if iterator is None:
            return
        self.module_.train(training)
        # The parameters to clip, listed once an epoch (walking the module
        # tree every step was a third of the clipping's time), unless a user
        # callback, which may swap them, runs between the steps.
        listed = training and not self.has_user_callbacks()
        self.__dict__["_clipped"] = list(self.module_.parameters()) if listed else None
        self._run_batches(iterator, training, prefix, step_fn, **fit_params)

    def _run_batches(self, iterator, training, prefix, step_fn, **fit_params):
        notify = self.has_user_callbacks()
        total, count, batch_count = 0.0, 0, 0
        outputs, targets = [], []
        for batch in iterator:
            if notify:
                self.notify("on_batch_begin", batch=batch, training=training)
            else:
                self.history.new_batch()  # what the net's own on_batch_begin does
            step = step_fn(batch, **fit_params)
            loss = step["loss"].item()
            size = len(batch[1])
            self.history.record_batch(prefix + "_loss", loss)
            self.history.record_batch(prefix + "_batch_size", size)
            total += loss * size
            count += size
            if not training:
                outputs.append(step["y_pred"])
                targets.append(batch[1])
            if notify:
                self.notify("on_batch_end", batch=batch, training=training, **step)
            batch_count += 1
        self.history.record(prefix + "_batch_count", batch_count)
        loss = total / max(count, 1)
        self.history.record(prefix + "_loss", loss)
        # what skorch's default scoring callbacks add, and what its Checkpoint
        # watches by default ("valid_loss_best")
        self.history.record(prefix + "_loss_best", self._lowest_so_far(prefix + "_loss", loss))
        if not training and self.score_outputs is not None and outputs:
            score = self.score_outputs(torch.cat(targets), torch.cat(outputs))
            self.history.record(prefix + "_score", float(score))

    def _lowest_so_far(self, key, loss):
        """Whether ``loss`` is below every earlier epoch's ``key``: a running
        minimum per key (the history is read once per training loop, which
        drops the cache at its end), not a scan per epoch."""
        rows = len(self.history)
        lowest = self.__dict__.setdefault("_lowest_losses", {})
        seen, earlier = lowest.get(key, (None, None))
        if seen != rows - 1:
            values = [row[key] for row in self.history[:-1] if key in row]
            earlier = min(values) if values else None
        best = not math.isnan(loss) and (earlier is None or loss < earlier)
        lowest[key] = (rows, loss if best else earlier)
        return best

    def train_step(self, batch, **fit_params):
        Xi, yi = batch
        self.optimizer_.zero_grad(set_to_none=True)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        if self.has_user_callbacks():
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                batch=batch,
                training=True,
            )
        if self.clip_grad_norm is not None:
            clipped = self.__dict__.get("_clipped")
            clip_gradient_norm(self.module_.parameters() if clipped is None else clipped, self.clip_grad_norm)
        self.optimizer_.step()
        return {"loss": loss, "y_pred": y_pred}

    def gradient_pass(self, batch):
        """The forward and backward pass of a training step on ``batch``,
        without the optimizer's step or any callback: the unit of work that
        ``n_threads="auto"`` times. The gradients are left in the
        parameters for the caller to drop."""
        Xi, yi = batch
        self.optimizer_.zero_grad(set_to_none=True)
        self.get_loss(self.infer(Xi), yi, X=Xi, training=True).backward()

    def validation_step(self, batch, **fit_params):
        # The mode was set for the whole epoch by run_single_epoch.
        Xi, yi = batch
        with torch.inference_mode():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=False)
        return {"loss": loss, "y_pred": y_pred}


class MLPStopping(Callback):
    """Stop training as :class:`~sklearn.neural_network.MLPRegressor` does.

    At the end of each epoch: raise ``ValueError`` if the monitored loss is
    not finite (training diverged); print the ``verbose`` line; count the
    epochs whose monitored loss (``valid_loss`` when validation data are
    given, else ``train_loss``) did not improve on the best by more than
    ``tol``, and stop after ``n_iter_no_change`` of them (never with
    ``patience=False``, as for ``partial_fit``). With validation data, the
    weights of the best epoch are restored when training ends.

    Parameters
    ----------
    tol : float
    n_iter_no_change : int
    patience : bool
        Whether the no-improvement rule may stop training.
    restore_best : bool
        Whether to restore the best epoch's weights at the end (early stopping).
    verbose : int
    first_epoch : int
        Number shown for the first epoch of this fit (continued counts for
        warm starts).

    Attributes
    ----------
    loss_curve : list of float
    validation_losses, validation_scores : list of float
    converged : bool
        Whether the no-improvement rule stopped training.
    """

    def __init__(self, *, tol, n_iter_no_change, patience, restore_best, verbose=0, first_epoch=1):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.patience = patience
        self.restore_best = restore_best
        self.verbose = verbose
        self.first_epoch = first_epoch

    def initialize(self):
        self.loss_curve = []
        self.validation_losses = []
        self.validation_scores = []
        self.converged = False
        self._best = np.inf
        self._best_state = None
        self._no_improvement = 0
        self._tic = None
        self._first_record = 0
        return self

    def on_train_begin(self, net, **kwargs):
        self._first_record = len(net.history)

    def on_epoch_begin(self, net, **kwargs):
        self._tic = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        improved = self._record_epoch(net.history[-1])
        if improved and self.restore_best:
            self._best_state = copy.deepcopy(net.module_.state_dict())
        if self.patience and self._no_improvement >= self.n_iter_no_change:
            self.converged = True
            if self.verbose:
                kind = "validation" if self.validation_losses else "training"
                print(
                    f"No improvement of {kind} loss greater than tol={self.tol} for {self.n_iter_no_change} "
                    "epochs; stopping.",
                    flush=True,
                )
            raise KeyboardInterrupt

    def on_train_end(self, net, **kwargs):
        interruption = getattr(net, "interruption_", None)
        if interruption is not None:
            # Interrupted within an epoch, whose history row is incomplete:
            # nothing to record; the estimator discards the net.
            net.interruption_ = None  # the net keeps no traceback
            raise interruption
        # Another callback may have stopped training at the end of an epoch
        # before this one saw it: record that epoch now. Its weights are the
        # current ones, which are then the best if it improved.
        seen = self._first_record + len(self.loss_curve)
        for record in net.history[seen:]:
            if self._record_epoch(record):
                self._best_state = None
        if self._best_state is not None:
            net.module_.load_state_dict(self._best_state)
        net.module_.eval()  # a fitted model predicts

    def _record_epoch(self, record):
        """Check, print and record one epoch; return whether it improved on the best."""
        epoch = self.first_epoch + len(self.loss_curve)
        loss = record["train_loss"]
        if not np.isfinite(loss):
            raise ValueError(
                f"The training loss became {loss} at epoch {epoch}: training diverged and was stopped. "
                "Lower learning_rate_init, keep clip_grad_norm set, or check X and y for extreme values."
            )
        self.loss_curve.append(loss)
        monitored = loss
        line = f"Epoch {epoch}: train loss {loss:.6f}"
        if "valid_loss" in record:
            monitored = record["valid_loss"]
            if not np.isfinite(monitored):
                raise ValueError(f"The validation loss became {monitored} at epoch {epoch}: training diverged.")
            self.validation_losses.append(monitored)
            self.validation_scores.append(record["valid_score"])
            line += f", validation loss {monitored:.6f}, validation score {record['valid_score']:.4f}"
        if self.verbose:
            seconds = "" if self._tic is None else f", {time.perf_counter() - self._tic:.2f} s"
            print(f"{line}{seconds}", flush=True)
        self._no_improvement = self._no_improvement + 1 if monitored > self._best - self.tol else 0
        improved = monitored < self._best
        self._best = min(self._best, monitored)
        return improved
