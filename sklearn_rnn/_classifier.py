"""Recurrent classifiers: RNNClassifier, LSTMClassifier, GRUClassifier."""

import types

import numpy as np
import torch
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import _check_partial_fit_first_call, check_classification_targets
from sklearn.utils.validation import column_or_1d

from . import _docstrings
from ._base import BaseRecurrent
from ._messages import plain

__all__ = ["RNNClassifier", "LSTMClassifier", "GRUClassifier"]


def accuracy_from_outputs(y, outputs):
    """Fraction of correct predictions in a batch of logits (torch tensors)."""
    return (outputs.argmax(dim=1) == y).to(torch.float32).mean()


class ClassWeightedCrossEntropyLoss(torch.nn.CrossEntropyLoss):
    """Cross-entropy in which each sample's loss is multiplied by the weight
    of its class, averaged over the samples of the batch:
    ``sum_i w[y_i] * loss_i / n``.

    This is scikit-learn's meaning of ``class_weight`` (a sample of weight
    ``w`` counts ``w`` times; weight 0 removes it), and the mean of the batch
    losses over an epoch is then the weighted loss of the whole training
    set. PyTorch's own weighted mean divides by ``sum_i w[y_i]`` instead,
    which is 0/0 = NaN for a batch whose samples all have weight 0 and makes
    a sample's influence depend on the weights of the others in its batch.
    """

    def forward(self, input, target):
        losses = torch.nn.functional.cross_entropy(input, target, weight=self.weight, reduction="none")
        return losses.mean()


class _RecurrentClassifier(ClassifierMixin, BaseRecurrent):
    """Classification head on top of :class:`BaseRecurrent`."""

    _parameter_constraints = {
        **BaseRecurrent._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    _score_outputs = staticmethod(accuracy_from_outputs)

    def __init__(
        self,
        *,
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        summary="last+mean+max",
        downsample="auto",
        class_weight=None,
        max_iter=100,
        batch_size=32,
        learning_rate="cosine",
        learning_rate_init=1e-2,
        alpha=1e-4,
        clip_grad_norm=1.0,
        truncated_bptt_steps=None,
        scale_inputs=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=20,
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
        self.class_weight = class_weight

    # -- hooks used by BaseRecurrent ---------------------------------------------

    def _validate_target(self, y, *, reset, classes=None):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if reset:
            encoder = LabelEncoder().fit(y if classes is None else classes)
            self.classes_ = encoder.classes_
            if classes is not None and not np.isin(y, self.classes_).all():
                raise ValueError(f"y holds labels that are not in classes={list(classes)}.")
            self._class_weights = self._compute_class_weights(y)
        else:
            if classes is not None:
                # scikit-learn's check (and message) for a later partial_fit call
                _check_partial_fit_first_call(self, classes)
            unseen = ~np.isin(y, self.classes_)
            if unseen.any():
                raise ValueError(
                    f"y holds labels not seen in the first fit: {np.unique(y[unseen]).tolist()}; "
                    "pass every label through partial_fit(..., classes=...) on the first call."
                )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _compute_class_weights(self, y):
        """Loss weight of each class in ``classes_`` (1 for unlisted classes)."""
        weights = np.ones(len(self.classes_))
        if isinstance(self.class_weight, dict):
            known = set(self.classes_.tolist())
            unknown = [label for label in self.class_weight if label not in known]
            if unknown:
                raise ValueError(
                    f"class_weight names labels that are not in y (or classes): {plain(unknown)}; "
                    f"the labels are {self.classes_.tolist()}."
                )
            for i, label in enumerate(self.classes_.tolist()):
                weights[i] = self.class_weight.get(label, 1.0)
            if not np.all(np.isfinite(weights)) or np.any(weights < 0) or not np.any(weights > 0):
                raise ValueError(
                    f"class_weight={plain(self.class_weight)!r} is not valid: weights must be finite, "
                    "non-negative and not all zero."
                )
        elif self.class_weight == "balanced":  # fit only: every class in classes_ is in y
            weights = compute_class_weight("balanced", classes=self.classes_, y=y)
        return weights.astype(np.float32)

    def _n_network_outputs(self):
        return len(self.classes_)

    def _fixed_parameters(self):
        return (*super()._fixed_parameters(), "class_weight")

    def _criterion(self):
        if self.class_weight is None:
            return torch.nn.CrossEntropyLoss, {}
        return ClassWeightedCrossEntropyLoss, {"weight": torch.from_numpy(self._class_weights)}

    def _validation_split(self, y, seed):
        """A stratified random split seeded by ``random_state``."""
        n = len(y)
        n_valid = int(np.ceil(self.validation_fraction * n))
        _, counts = np.unique(y, return_counts=True)
        stratify = y if counts.min() >= 2 and n_valid >= len(counts) and n - n_valid >= len(counts) else None
        if n_valid < 1 or n - n_valid < 1:
            raise ValueError(
                f"early_stopping needs at least one training and one validation sample; "
                f"validation_fraction={self.validation_fraction} of {n} samples leaves none."
            )
        train, valid = train_test_split(np.arange(n), test_size=n_valid, random_state=seed, stratify=stratify)
        return np.sort(train), np.sort(valid)

    # -- public API ------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Train for exactly one more epoch (the first call initializes).

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences, as in :meth:`fit`.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            Every label that any call may see. Required on the first call
            unless ``y`` already holds every class; later calls may omit it,
            or must pass the same labels (else ``ValueError``, as in
            scikit-learn).

        Returns
        -------
        self : object
            The updated estimator.

        Raises
        ------
        ValueError
            With ``class_weight="balanced"``: each call sees one part of the
            data, whose class frequencies are not those of the whole (as
            scikit-learn's ``SGDClassifier.partial_fit``).
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: one call's y does not hold the class "
                "frequencies of the whole data. Compute the weights from all the labels (or a large enough "
                "sample of them) with sklearn.utils.class_weight.compute_class_weight('balanced', classes=classes, "
                "y=y) and pass them as class_weight=dict(zip(classes, weights))."
            )
        return self._fit(X, y, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Class probabilities of each sequence.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences with ``n_features_in_`` features per time step.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``.
        """
        logits = torch.from_numpy(self._network_outputs(X))
        return torch.softmax(logits.double(), dim=1).numpy()

    def predict(self, X):
        """Predict the class of each sequence.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences with ``n_features_in_`` features per time step.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, of the same type as the training labels.
        """
        outputs = self._network_outputs(X)
        return self.classes_[outputs.argmax(axis=1)]


_CLASSIFIER_DOC = """{title}

    A {cell_name} reads each sequence; a summary of its hidden states (see
    ``summary``) goes through a linear layer to one logit per class, trained
    with the cross-entropy loss and the Adam optimizer through skorch.
    Inputs are standardized internally.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    {architecture}

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss: ``{{label: weight}}`` (unlisted
        classes weigh 1), ``"balanced"`` (inversely proportional to class
        frequencies in the ``y`` of the first fit, which a warm fit keeps;
        not available to :meth:`partial_fit`), or None for equal weights. As in
        scikit-learn, each sample's cross-entropy is multiplied by the weight
        of its class, and a minibatch's loss is the mean of these products
        over its samples (so a batch of weight-0 samples has loss 0).

    {training}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    {attributes}

    See Also
    --------
    {see_also}

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import {name}
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 20, 1)
    >>> y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    >>> model = {name}(hidden_size=16, max_iter=60, random_state=0).fit(X, y)
    >>> model.classes_
    array(['down', 'up'], dtype='<U4')
    >>> model.predict_proba(X[:3]).shape
    (3, 2)
    >>> model.score(X, y) > 0.9
    True

    Sequences of different lengths go in as a list of arrays, in ``fit`` as
    in ``predict``; they are packed, so padding never changes a prediction:

    >>> X_var = [rng.randn(n, 1) for n in (8, 20, 35)]
    >>> model.predict_proba(X_var).shape
    (3, 2)
    >>> bool(np.allclose(model.predict_proba(X_var[:1]), model.predict_proba(X_var)[:1], atol=1e-6))
    True
    """


def _classifier_training_doc():
    """The shared training parameters, with the classifiers' own defaults
    (tests/test_classifier.py checks that every documented default is the real one)."""
    return _docstrings.TRAINING.format(
        learning_rate="cosine",
        learning_rate_init="1e-2",
        max_iter=100,
        n_iter_no_change=20,
        stopping_note=(
            " Classifiers wait 20 epochs (regressors 10): the\n"
            "        training loss of a sequence classifier often sits on a plateau near\n"
            "        chance level for several epochs before it falls, and stopping there\n"
            "        leaves a model that guesses."
        ),
        validation_split="For classifiers it is a stratified random draw seeded by ``random_state``.",
    )


def _classifier_doc(name, cell_name, title, see_also, hidden_size=64):
    return _CLASSIFIER_DOC.format(
        name=name,
        cell_name=cell_name,
        title=title,
        architecture=_docstrings.ARCHITECTURE.format(hidden_size=hidden_size, downsample='"auto"'),
        training=_classifier_training_doc(),
        attributes=_docstrings.ATTRIBUTES.format(loss_scale="", score_name="Accuracy"),
        see_also=see_also,
    )


def _with_defaults(init, **defaults):
    """A copy of the ``__init__`` function ``init`` with other keyword
    defaults: the same code, so one signature serves every classifier, while
    ``inspect.signature`` (and so ``get_params`` and ``clone``) sees the
    class's own defaults."""
    original = getattr(init, "__wrapped__", init)
    copy = types.FunctionType(
        original.__code__, original.__globals__, original.__name__, original.__defaults__, original.__closure__
    )
    copy.__kwdefaults__ = {**original.__kwdefaults__, **defaults}
    copy.__qualname__ = original.__qualname__
    copy.__doc__ = original.__doc__
    return copy


class RNNClassifier(_RecurrentClassifier):
    _cell = "rnn"


class LSTMClassifier(_RecurrentClassifier):
    _cell = "lstm"

    # Measured on the UCR/UEA benchmark (benchmarks/classification_accuracy.py):
    # the LSTM needs 128 units where the GRU reaches the same accuracy with 64.
    __init__ = _with_defaults(_RecurrentClassifier.__init__, hidden_size=128)


class GRUClassifier(_RecurrentClassifier):
    _cell = "gru"


RNNClassifier.__doc__ = _classifier_doc(
    "RNNClassifier",
    "Elman recurrent network (the computation of ``torch.nn.RNN`` with tanh)",
    "Elman recurrent neural network classifier for sequences.",
    "LSTMClassifier : Long short-term memory classifier.\n    GRUClassifier : Gated recurrent unit classifier.",
)
LSTMClassifier.__doc__ = _classifier_doc(
    "LSTMClassifier",
    "long short-term memory network (``torch.nn.LSTM``)",
    "Long short-term memory (LSTM) classifier for sequences.",
    "RNNClassifier : Elman recurrent network classifier.\n    GRUClassifier : Gated recurrent unit classifier.",
    hidden_size=128,
)
GRUClassifier.__doc__ = _classifier_doc(
    "GRUClassifier",
    "gated recurrent unit network (the computation of ``torch.nn.GRU``)",
    "Gated recurrent unit (GRU) classifier for sequences.",
    "RNNClassifier : Elman recurrent network classifier.\n    LSTMClassifier : Long short-term memory classifier.",
)
