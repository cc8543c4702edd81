"""A short demonstration: ``python -m sklearn_rnn.demo``.

Trains an LSTM regressor on generated sequences whose target depends on the
first and the last time step (a long-range dependency a recurrent network
must carry through the sequence), then reports what it learned on held-out
sequences next to a baseline that always predicts the training mean.
"""

import time

import numpy as np
from sklearn.metrics import r2_score

from sklearn_rnn import LSTMRegressor


def main():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(1200, 20, 2))
    y = 3 * X[:, 0, 0] - 2 * X[:, -1, 1] + 0.05 * rng.randn(len(X))
    X_train, X_test, y_train, y_test = X[:1000], X[1000:], y[:1000], y[1000:]
    print("Task: y = 3 * x[t=0, feature 0] - 2 * x[t=19, feature 1] + noise")
    print(f"Training on {X_train.shape[0]} sequences of {X_train.shape[1]} steps x {X_train.shape[2]} features")

    # Early stopping ends training once the held-out loss stops improving (at most max_iter=200 epochs).
    model = LSTMRegressor(hidden_size=32, early_stopping=True, random_state=0, device="cpu")
    tic = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - tic
    print(f"Trained {model.n_iter_} epochs in {seconds:.1f} s (best validation R^2 {model.best_validation_score_:.3f})")

    r2 = r2_score(y_test, model.predict(X_test))
    baseline = r2_score(y_test, np.full_like(y_test, y_train.mean()))
    print(f"Held-out R^2: LSTM {r2:.3f}  vs  predicting the mean {baseline:.3f}")
    for truth, pred in zip(y_test[:5], model.predict(X_test[:5]), strict=True):
        print(f"  true {truth:+.3f}   predicted {pred:+.3f}")


if __name__ == "__main__":
    main()
