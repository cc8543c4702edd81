"""
===================================================
From Keras to sklearn-rnn: SimpleRNN and LSTM
===================================================

The classic tutorial "from RNN to LSTM" that this package started from shows
two Keras models: a ``SimpleRNN`` and an ``LSTM`` layer of 10 units followed by
a ``Dense(1)`` output, compiled with the Adam optimizer and the mean squared
error, and trained for 10 epochs in batches of 10 on random data. This example
writes both models with :class:`~sklearn_rnn.RNNRegressor` and
:class:`~sklearn_rnn.LSTMRegressor`, runs them, checks that they have the
architecture of the Keras models, and then shows what changes on data that
actually has something to learn.
"""

# %%
# The Keras models
# ----------------
#
# The seed tutorial's two snippets, unchanged (they need Keras, which this
# package does not; they are shown here, not run):
#
# .. code-block:: python
#
#    import numpy as np
#    from keras.models import Sequential
#    from keras.layers import Dense, SimpleRNN
#
#    # create the model
#    model = Sequential()
#    model.add(SimpleRNN(10, input_shape=(10, 1)))
#    model.add(Dense(1))
#    # compile the model
#    model.compile(optimizer="adam", loss="mse")
#    # train the model
#    x_train = np.random.rand(100, 10, 1)
#    y_train = np.random.rand(100, 1)
#    model.fit(x_train, y_train, epochs=10, batch_size=10, verbose=0)
#
# and the same with ``from keras.layers import Dense, LSTM`` and
# ``model.add(LSTM(10, input_shape=(10, 1)))``.
#
# The equivalents
# ---------------
#
# Each Keras line has a parameter:
#
# ===================================  ===========================================
# Keras                                sklearn-rnn
# ===================================  ===========================================
# ``SimpleRNN(10)`` / ``LSTM(10)``     ``RNNRegressor`` / ``LSTMRegressor``,
#                                      ``hidden_size=10``
# last state only (default             ``summary="last"``
# ``return_sequences=False``)
# ``Dense(1)``                         the linear head (one output per column of
#                                      ``y``)
# ``optimizer="adam"``                 Adam, ``learning_rate_init=1e-3``
#                                      (Keras's default rate)
# ``loss="mse"``                       ``loss="squared_error"`` (the default)
# ``epochs=10``                        ``max_iter=10``
# ``batch_size=10``                    ``batch_size=10``
# shuffling each epoch                 ``shuffle=True`` (the default)
# ===================================  ===========================================
#
# The package adds a few defaults that Keras does not have: internal scaling of
# inputs and targets, gradient-norm clipping, a small L2 penalty. To match the
# Keras models as closely as possible they are switched off here.
# ``device="cpu"`` and ``random_state=0`` make the run repeatable.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_rnn import LSTMRegressor, RNNRegressor

# Ten epochs is the seed's choice, not a converged fit: silence the warning.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

as_in_keras = dict(
    hidden_size=10,  # SimpleRNN(10) / LSTM(10)
    summary="last",  # return_sequences=False: the head reads the last state
    learning_rate_init=1e-3,  # Adam's default learning rate
    loss="squared_error",  # loss="mse"
    max_iter=10,  # epochs=10
    batch_size=10,  # batch_size=10
    alpha=0.0,  # no weight penalty
    clip_grad_norm=None,  # no gradient clipping
    scale_inputs=False,  # no input scaling
    scale_target=False,  # no target scaling
    device="cpu",
    random_state=0,
)

rng = np.random.RandomState(0)
x_train = rng.rand(100, 10, 1)
y_train = rng.rand(100, 1)

rnn = RNNRegressor(**as_in_keras).fit(x_train, y_train)
lstm = LSTMRegressor(**as_in_keras).fit(x_train, y_train)
print("RNN predictions: ", rnn.predict(x_train[:3]).ravel().round(3))
print("LSTM predictions:", lstm.predict(x_train[:3]).ravel().round(3))

# %%
# The same architecture
# ---------------------
#
# Keras reports 131 weights for the ``SimpleRNN`` model (:math:`10 \times 1`
# input weights, :math:`10 \times 10` recurrent weights, 10 biases, and 11 in
# the ``Dense`` layer) and 491 for the ``LSTM`` model (four times the recurrent
# layer). PyTorch keeps two bias vectors per gate (:math:`b_{ih}` and
# :math:`b_{hh}` in the :ref:`equations <rnn_to_lstm>`) where Keras keeps one,
# so it counts 10 more weights per gate; the functions the networks can
# represent are the same.


def n_weights(model):
    return sum(p.numel() for p in model.net_.module_.parameters())


for name, model, keras_count, gates in [("SimpleRNN", rnn, 131, 1), ("LSTM", lstm, 491, 4)]:
    print(f"{name:9s} Keras: {keras_count}  sklearn-rnn: {n_weights(model)} (= {keras_count} + {10 * gates})")

# %%
# What the models learned
# -----------------------
#
# Nothing: the targets are random numbers, independent of the sequences. The
# best any model can do is to predict their mean, and the lowest possible
# mean squared error is their variance (:math:`1/12 \approx 0.083` in
# expectation for uniform numbers, about 0.1 for this sample of 100). Both
# training curves approach that floor. The seed's example
# shows how to *call* a recurrent network, not that it learns.

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(range(1, 11), rnn.loss_curve_, "o-", label="RNNRegressor (SimpleRNN)")
ax.plot(range(1, 11), lstm.loss_curve_, "s-", label="LSTMRegressor (LSTM)")
ax.axhline(y_train.var(), color="gray", ls="--", label="variance of y (best possible)")
ax.set(xlabel="epoch", ylabel="training MSE", title="The seed's models on random targets")
ax.legend()
fig.tight_layout()

# %%
# A target that needs memory
# --------------------------
#
# Now let the target depend on the sequence: the product of the first and the
# last value plus the last value. The model must carry the first value through
# nine steps, the kind of dependency that recurrent networks exist for. Fit
# both models again as in Keras, and with the package's defaults (scaling,
# clipping, and the ``"last+mean+max"`` summary), each for 40 epochs in batches
# of 32, and score them on held-out sequences with :math:`R^2` (1 is perfect,
# 0 is no better than predicting the mean).
X = rng.rand(500, 10, 1)
y = X[:, 0, 0] * X[:, -1, 0] + X[:, -1, 0]
X_train, X_test, y_train, y_test = X[:400], X[400:], y[:400], y[400:]

scores = {}
for name, Model in [("RNN", RNNRegressor), ("LSTM", LSTMRegressor)]:
    keras_like = Model(**{**as_in_keras, "max_iter": 40, "batch_size": 32}).fit(X_train, y_train)
    defaults = Model(hidden_size=10, max_iter=40, batch_size=32, device="cpu", random_state=0).fit(X_train, y_train)
    scores[name] = (keras_like.score(X_test, y_test), defaults.score(X_test, y_test))
    print(f"{name:4s}  R^2 as in Keras: {scores[name][0]:.3f}   with the package's defaults: {scores[name][1]:.3f}")

# %%
# Given a few more epochs, both models learn the task; the package's defaults mostly
# help with raw-unit data and long sequences (see
# :ref:`training` and :ref:`rnn_to_lstm`).

fig, ax = plt.subplots(figsize=(6, 3.5))
positions = np.arange(len(scores))
ax.bar(positions - 0.2, [s[0] for s in scores.values()], width=0.4, label="as in Keras")
ax.bar(positions + 0.2, [s[1] for s in scores.values()], width=0.4, label="package defaults")
ax.set_xticks(positions, list(scores))
ax.set(ylabel="test $R^2$", ylim=(0, 1), title="Held-out $R^2$ after 40 epochs")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()
