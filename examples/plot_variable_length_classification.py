"""
=============================================
Classifying sequences of different lengths
=============================================

Real sequences rarely share one length: the same gesture is drawn fast or
slowly, a sentence has few or many words. The classifiers take a **list** of
arrays ``(n_timesteps_i, n_features)`` of any lengths: the package pads and
packs them internally, so the padding never influences a prediction.

This example generates pen trajectories of four gestures, each recorded at a
different speed (15 to 70 time steps) with two features per step (the x and y
position), classifies them with a :class:`~sklearn_rnn.GRUClassifier`, and
shows the confusion matrix on held-out gestures.
"""

# %%
# Gestures of different lengths
# -----------------------------
#
# Four classes: a circle drawn counter-clockwise, the same circle drawn
# clockwise, a zigzag and a straight stroke. Telling the two circles apart
# needs the **order** of the points (both visit exactly the same positions),
# which is what a recurrent network reads.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.model_selection import train_test_split

from sklearn_rnn import GRUClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # few epochs, on purpose

rng = np.random.RandomState(0)
GESTURES = ["circle ccw", "circle cw", "zigzag", "stroke"]


def draw(gesture, n_steps):
    """One trajectory ``(n_steps, 2)``: x and y positions with noise."""
    s = np.linspace(0, 1, n_steps)
    start = rng.uniform(0, 2 * np.pi)
    if gesture == "circle ccw":
        xy = np.c_[np.cos(start + 2 * np.pi * s), np.sin(start + 2 * np.pi * s)]
    elif gesture == "circle cw":
        xy = np.c_[np.cos(start - 2 * np.pi * s), np.sin(start - 2 * np.pi * s)]
    elif gesture == "zigzag":
        xy = np.c_[2 * s - 1, 0.6 * np.abs((3 * s) % 2 - 1) - 0.3]
    else:
        angle = rng.uniform(0, np.pi)
        xy = np.c_[np.cos(angle) * (2 * s - 1), np.sin(angle) * (2 * s - 1)]
    return rng.uniform(0.5, 2.0) * xy + 0.15 * rng.randn(n_steps, 2)


labels = rng.choice(GESTURES, size=600)
X = [draw(label, rng.randint(15, 71)) for label in labels]
lengths = np.array([len(seq) for seq in X])
print(f"{len(X)} sequences of {lengths.min()} to {lengths.max()} steps, 2 features each")

fig, axes = plt.subplots(1, 4, figsize=(10, 2.8), sharex=True, sharey=True)
for ax, gesture in zip(axes, GESTURES, strict=True):
    for i in np.flatnonzero(labels == gesture)[:3]:
        ax.plot(X[i][:, 0], X[i][:, 1], "-", lw=1)
        ax.plot(X[i][0, 0], X[i][0, 1], "k.", ms=6)  # starting point
    ax.set_title(gesture)
    ax.set_aspect("equal")
fig.suptitle("Three examples of each gesture (dot: start)")
fig.tight_layout()

# %%
# Training
# --------
#
# The list goes straight into ``fit``, like an array would, and works with
# scikit-learn's splitters (:func:`~sklearn.model_selection.train_test_split`
# here, stratified by class). The default ``summary="last+mean+max"`` combines
# the state after the last real step of each sequence (which knows the
# direction of drawing) with the mean and maximum over its real steps.
X_train, X_test, y_train, y_test = train_test_split(X, labels, test_size=0.3, stratify=labels, random_state=0)

clf = GRUClassifier(hidden_size=24, max_iter=25, device="cpu", random_state=0)
clf.fit(X_train, y_train)
print("classes:", clf.classes_)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# The confusion matrix shows which gestures are mistaken for which: rows are
# the true gestures, columns the predicted ones.
y_pred = clf.predict(X_test)
print(classification_report(y_test, y_pred))
disp = ConfusionMatrixDisplay.from_predictions(y_test, y_pred, labels=GESTURES, cmap="Blues", colorbar=False)
disp.ax_.set_title("GRUClassifier on held-out gestures")
disp.figure_.tight_layout()

# %%
# Padding never matters
# ---------------------
#
# Internally, a batch is padded to its longest sequence and packed, so the
# recurrent layer stops at each sequence's own last step. A sequence's
# probabilities are therefore the same whether it is predicted alone or with
# much longer sequences in the same batch:
short = X_test[int(np.argmin([len(s) for s in X_test]))]
alone = clf.predict_proba([short])
together = clf.predict_proba([short] + X_test[:50])[:1]
print(f"a {len(short)}-step gesture, alone:         {alone.round(4)}")
print(f"the same, batched with longer ones: {together.round(4)}")
np.testing.assert_allclose(alone, together, rtol=1e-4, atol=1e-6)
plt.show()
