"""Parameter and attribute descriptions shared by the estimators' docstrings."""

ARCHITECTURE = """\
hidden_size : int, default={hidden_size}
        Number of units in each recurrent layer.

    num_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        If True, each layer also reads the sequence backwards and the two
        directions' states are concatenated.

    dropout : float, default=0.0
        Dropout probability between stacked layers and on the sequence
        summary before the output layer.

    summary : str, default="last+mean+max"
        How the sequence of hidden states is summarized for the output layer:
        ``"last"`` (the state at the last valid step, and for bidirectional
        models the backward state at the first step), ``"mean"`` or ``"max"``
        over the valid steps, or a ``"+"``-joined combination of them whose
        parts are concatenated. The default keeps long sequences trainable,
        since gradients reach every step through the mean and max.

    downsample : int or "auto", default={downsample}
        Average every ``downsample`` consecutive time steps into one before
        the recurrent layers (non-overlapping windows; a sequence of
        ``n_timesteps`` steps becomes ``ceil(n_timesteps / downsample)``),
        which divides the time and memory of long sequences by about
        ``downsample``. 1 keeps every step. ``"auto"`` takes
        ``ceil(longest training sequence / 64)``, fixed by the first fit
        (``downsample_``), so that the recurrent layers see at most 64 steps:
        on the UCR/UEA classification benchmark this was both faster and more
        accurate than reading every step of sequences of a few hundred steps."""

TRAINING = """\
max_iter : int, default={max_iter}
        Maximum number of epochs (passes over the training data).

    batch_size : int, default=32
        Number of sequences per minibatch.

    learning_rate : {{"constant", "cosine"}}, default="{learning_rate}"
        Learning-rate schedule over the epochs of a fit. ``"constant"`` keeps
        ``learning_rate_init``. ``"cosine"`` anneals it to zero over
        ``max_iter`` epochs, epoch ``t`` (from 1) training at
        ``learning_rate_init * (1 + cos(pi * (t - 1) / max_iter)) / 2``
        (Loshchilov and Hutter, SGDR, 2017; skorch's ``LRScheduler`` with
        PyTorch's ``CosineAnnealingLR``). The schedule then decides the
        length of training: the ``tol``/``n_iter_no_change`` rule on the
        training loss is off and reaching ``max_iter`` is no warning (early
        stopping on validation data still applies). ``partial_fit`` trains
        at ``learning_rate_init``.

    learning_rate_init : float, default={learning_rate_init}
        Learning rate of the Adam optimizer.

    alpha : float, default=1e-4
        Strength of the L2 penalty: the loss gains
        ``alpha / (2 * n_samples) * ||w||^2`` over all weights and biases,
        applied as Adam's ``weight_decay = alpha / n_samples``
        (``n_samples``: the training samples of the first fit, without the
        ones held out by ``early_stopping``). :class:`~sklearn.neural_network.MLPRegressor`
        divides by the minibatch's size instead and leaves the biases out,
        so the same ``alpha`` is about ``n_samples / batch_size`` times
        stronger there.

    clip_grad_norm : float or None, default=1.0
        Largest gradient norm allowed in a step; larger gradients are scaled
        down (guards against exploding gradients). None disables clipping.

    truncated_bptt_steps : int or None, default=None
        Truncated backpropagation through time: in training, gradients flow
        through the last ``truncated_bptt_steps`` steps of each sequence
        only; the steps before them run forward without a computation graph
        and hand their final state on. The memory of the backward pass then
        grows with this number instead of the sequence length. Steps are
        counted after ``downsample`` (pooled steps). For unidirectional
        networks on sequences of one length; None backpropagates through
        every step.

    scale_inputs : bool, default=True
        Standardize each input feature with its mean and standard deviation
        over all valid time steps of the training data. The statistics are
        stored in the network, so predictions need no user-side scaler.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop when the
        validation loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and restore the weights of the best epoch. Ignored by
        ``partial_fit``.

    validation_fraction : float, default=0.1
        Fraction of the training data held out when ``early_stopping`` is
        True. {validation_split}

    n_iter_no_change : int, default={n_iter_no_change}
        Number of epochs without an improvement of more than ``tol`` (of the
        validation loss with early stopping, else of the training loss) after
        which training stops.{stopping_note}

    tol : float, default=1e-4
        Minimum decrease of the monitored loss that counts as an improvement.

    shuffle : bool, default=True
        Shuffle the training sequences before each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, shuffling, dropout and the validation
        split. The same seed on the same data and device gives the same
        model. ``fit`` does not change torch's global random state.

    device : str, default="auto"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when available,
        else the CPU).

    callbacks : list of skorch callbacks or None, default=None
        Extra ``skorch.callbacks.Callback`` instances (or ``(name, callback)``
        pairs), copied into the skorch net at each fit; for example a
        ``skorch.callbacks.LRScheduler``, ``GradientNormClipping`` or
        ``EarlyStopping`` (whose default ``monitor="valid_loss"`` needs
        ``early_stopping=True``). Every skorch callback event is sent, and at
        epoch end ``net.history`` already holds ``train_loss`` and
        ``train_loss_best`` (and ``valid_loss``, ``valid_loss_best`` and
        ``valid_score`` with early stopping), as with skorch's default
        callbacks. A callback watching a validation key in a fit without
        validation data raises a ``ValueError`` before training. The names
        ``"mlp_stopping"`` and ``"lr_schedule"`` are reserved for the
        estimator's own callbacks (the stopping rules, which run last, and
        the ``learning_rate="cosine"`` schedule).

    verbose : int, default=0
        0 is silent; 1 or more prints one line per epoch with the training
        loss, the validation loss and score (with early stopping) and the
        epoch's duration.

    warm_start : bool, default=False
        If True, the next ``fit`` continues training the fitted network (with
        the input and target scaling learned by the first fit) instead of
        starting anew. Changed training settings take effect; a changed
        parameter that shapes the network or its scaling raises a
        ``ValueError`` naming it.

    n_threads : int, "auto" or None, default="auto"
        Number of PyTorch intra-op CPU threads used during ``fit`` and
        ``predict`` (``torch.set_num_threads``, restored afterwards).
        ``"auto"`` uses one thread when the work per time step is too small
        to split (small networks, small batches: more threads only wait for
        each other), else the cores that are free at the start of the call
        (available cores less the tasks other processes are running); a
        fit that would take more than one thread first times the forward
        and backward pass of its first batch at one thread and at that
        count, and trains at the faster (the choice is kept per size for
        the process). See the performance page of the User Guide. An
        int fixes the count, None keeps PyTorch's own setting. Float32 sums
        may be ordered differently with another thread count, so
        ``"auto"`` refits can differ in the last digits where the machine's
        load or (in another process) the measured choice differs; for
        bitwise-identical refits, fix an int."""

ATTRIBUTES = """\
n_features_in_ : int
        Number of features seen during ``fit``, in scikit-learn's meaning:
        the number of columns of a 2-D ``X`` (univariate sequences, one
        column per time step; always ``len(feature_names_in_)``), the number
        of features per time step of a 3-D ``X`` or a list of sequences.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` when it was a DataFrame (the columns are time
        steps) or a list of DataFrame sequences sharing string column names
        (the columns are features). Defined only then.

    downsample_ : int
        Steps averaged into one before the recurrent layers (``downsample``,
        with ``"auto"`` resolved by the first fit).

    n_iter_ : int
        Number of epochs run, summed over warm starts and ``partial_fit``.

    loss_curve_ : list of float
        Mean training loss of each epoch, on the scale the network is
        trained on{loss_scale}.

    validation_loss_curve_ : list of float or None
        Validation loss of each epoch with early stopping, else None.

    validation_scores_ : list of float or None
        {score_name} on the validation data after each epoch with early
        stopping, else None.

    best_validation_score_ : float or None
        Validation score of the epoch whose weights were kept, with early
        stopping; else None.

    best_loss_ : float
        Smallest validation loss with early stopping, else smallest training
        loss.

    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the PyTorch module and
        ``net_.history`` the per-epoch history.

    device_ : str
        Device the network lives on."""
