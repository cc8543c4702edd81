"""
====================================
Training curves and early stopping
====================================

Every fitted estimator records its training: ``loss_curve_`` holds the mean
training loss of each epoch and, with ``early_stopping=True``,
``validation_loss_curve_`` and ``validation_scores_`` hold the loss and the
score (:math:`R^2` for regressors, accuracy for classifiers) on the held-out
validation data after each epoch. This example plots them, shows where early
stopping stops and which epoch's weights it keeps, and uses ``partial_fit``
to follow a model that is never stopped as it starts to overfit.
"""

# %%
# A small, noisy regression problem
# ---------------------------------
#
# 300 training sequences of 20 steps and 6 features; the target depends on two
# of the features at the first and the last steps, plus noise, and the other
# four features are distractors. With few samples, a large network and a high
# learning rate, overfitting comes quickly: the right problem for early
# stopping.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_rnn import LSTMRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)

rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, size=(500, 20, 6))
y = np.sin(3 * X[:, 0, 0]) + X[:, -1, 1] * X[:, 0, 1] + 0.3 * rng.randn(len(X))
X_train, X_test, y_train, y_test = X[:300], X[300:], y[:300], y[300:]

# %%
# Early stopping
# --------------
#
# With ``early_stopping=True`` a regressor holds out the **last**
# ``validation_fraction`` of the training samples (here 20%, in the order
# given, never a random draw), evaluates them after each epoch, stops when the
# validation loss has not improved by ``tol`` for ``n_iter_no_change`` epochs,
# and restores the weights of the best epoch.
model = LSTMRegressor(
    hidden_size=64,
    learning_rate_init=5e-3,
    max_iter=150,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=10,
    device="cpu",
    random_state=0,
)
model.fit(X_train, y_train)

best_epoch = int(np.argmin(model.validation_loss_curve_)) + 1
print(f"stopped after {model.n_iter_} epochs; best epoch {best_epoch}")
print(f"best validation loss {model.best_loss_:.4f}, validation R^2 {model.best_validation_score_:.3f}")
print(f"test R^2 of the restored weights: {model.score(X_test, y_test):.3f}")

# %%
# The curves. Both losses are mean squared errors on the standardized target
# (``scale_target=True``), so they are comparable with each other; 1.0 is the
# loss of always predicting the mean. The training loss keeps falling; the
# validation loss reaches its minimum and then rises as the network starts to
# fit the noise of the training data. Training ran for ``n_iter_no_change``
# more epochs to make sure, then the weights of the best epoch were restored.
epochs = np.arange(1, model.n_iter_ + 1)
fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(10, 3.8))
ax_loss.plot(epochs, model.loss_curve_, label="training loss (loss_curve_)")
ax_loss.plot(epochs, model.validation_loss_curve_, label="validation loss")
ax_loss.axvline(best_epoch, color="gray", ls="--", label=f"best epoch ({best_epoch}), weights kept")
ax_loss.set(xlabel="epoch", ylabel="MSE (standardized target)", title="Losses")
ax_loss.legend()
ax_score.plot(epochs, model.validation_scores_, color="tab:green")
ax_score.axvline(best_epoch, color="gray", ls="--")
ax_score.axhline(model.best_validation_score_, color="tab:green", ls=":", lw=1)
ax_score.set(xlabel="epoch", ylabel="$R^2$", title="Validation score (validation_scores_)")
fig.tight_layout()

# %%
# Without early stopping: one epoch at a time
# -------------------------------------------
#
# ``partial_fit`` runs exactly one epoch per call, so a loop over it can watch
# any metric on any data, here the :math:`R^2` on the 200 test sequences, which
# the early-stopping run never saw. The same network, trained for 60 epochs on
# all 300 training sequences without a validation split:
free = LSTMRegressor(hidden_size=64, learning_rate_init=5e-3, device="cpu", random_state=0)
test_scores = []
for _ in range(60):
    free.partial_fit(X_train, y_train)
    test_scores.append(free.score(X_test, y_test))
print(f"after 60 epochs: training loss {free.loss_curve_[-1]:.4f}, test R^2 {test_scores[-1]:.3f}")
print(f"best test R^2 along the way: {max(test_scores):.3f} (epoch {int(np.argmax(test_scores)) + 1})")

fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(np.arange(1, 61), test_scores, color="tab:blue", label="test $R^2$ (no early stopping)")
ax.axhline(model.score(X_test, y_test), color="tab:orange", ls="--", label="test $R^2$ with early stopping")
ax.set(xlabel="epoch", ylabel="test $R^2$", ylim=(min(0, min(test_scores)), 1))
ax.legend(loc="upper left")
ax_right = ax.twinx()
ax_right.plot(np.arange(1, 61), free.loss_curve_, color="gray", lw=1, label="training loss")
ax_right.set_ylabel("training loss (gray)")
ax.set_title("Training longer is not training better")
fig.tight_layout()
plt.show()

# %%
# Training longer drives the training loss towards zero: the network memorizes
# the training sequences, noise included. The test score stops improving after
# a few tens of epochs, and every further epoch costs time without making the
# model better (on noisier data, it makes the model worse). Early stopping
# found that point from the validation data alone, without looking at the test
# data, at the price of training on 20% fewer sequences. On very small data
# sets that price can outweigh the benefit: compare both with
# cross-validation (see :ref:`training`).
