"""The PyTorch, Keras/TensorFlow and scikit-learn names the code reader knows, and what each
means in the knowledge base's terms. Keras names map into the same facts as PyTorch's."""

from __future__ import annotations

from knowledge.types import Value

TORCH = "torch"
KERAS = "keras"

LOSSES: dict[str, tuple[Value, str]] = {
    # PyTorch modules and functions
    "CrossEntropyLoss": ("cross_entropy", TORCH),
    "cross_entropy": ("cross_entropy", TORCH),
    "NLLLoss": ("nll", TORCH),
    "nll_loss": ("nll", TORCH),
    "BCELoss": ("bce", TORCH),
    "binary_cross_entropy": ("bce", TORCH),
    "BCEWithLogitsLoss": ("bce_with_logits", TORCH),
    "binary_cross_entropy_with_logits": ("bce_with_logits", TORCH),
    "MSELoss": ("mse", TORCH),
    "mse_loss": ("mse", TORCH),
    "L1Loss": ("mae", TORCH),
    "l1_loss": ("mae", TORCH),
    "HuberLoss": ("other", TORCH),
    "SmoothL1Loss": ("other", TORCH),
    "smooth_l1_loss": ("other", TORCH),
    "huber_loss": ("other", TORCH),
    "KLDivLoss": ("other", TORCH),
    "kl_div": ("other", TORCH),
    "CTCLoss": ("other", TORCH),
    "MarginRankingLoss": ("other", TORCH),
    "TripletMarginLoss": ("other", TORCH),
    "CosineEmbeddingLoss": ("other", TORCH),
    "MultiLabelSoftMarginLoss": ("other", TORCH),
    "PoissonNLLLoss": ("other", TORCH),
    # Keras classes: their cross-entropies expect probabilities unless from_logits=True
    "CategoricalCrossentropy": ("cross_entropy", KERAS),
    "SparseCategoricalCrossentropy": ("cross_entropy", KERAS),
    "BinaryCrossentropy": ("bce", KERAS),
    "MeanSquaredError": ("mse", KERAS),
    "MeanAbsoluteError": ("mae", KERAS),
    "Huber": ("other", KERAS),
    "Hinge": ("other", KERAS),
    "KLDivergence": ("other", KERAS),
    "BinaryFocalCrossentropy": ("other", KERAS),
}
"""Loss classes and functions by their last name part: the loss and its framework."""

KERAS_LOSS_NAMES: dict[str, Value] = {
    "categorical_crossentropy": "cross_entropy",
    "sparse_categorical_crossentropy": "cross_entropy",
    "binary_crossentropy": "bce",
    "mse": "mse",
    "mean_squared_error": "mse",
    "mae": "mae",
    "mean_absolute_error": "mae",
    "hinge": "other",
    "huber": "other",
    "huber_loss": "other",
    "kld": "other",
    "kullback_leibler_divergence": "other",
    "poisson": "other",
    "cosine_similarity": "other",
    "binary_focal_crossentropy": "other",
}
"""Keras losses named by string in ``compile(loss=...)``."""

ACTIVATION_MODULES: dict[str, Value] = {
    "Softmax": "softmax",
    "Softmax2d": "softmax",
    "LogSoftmax": "log_softmax",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "ReLU": "relu",
    "ReLU6": "relu",
    "LeakyReLU": "leaky",
    "GELU": "leaky",
    "ELU": "leaky",
    "SELU": "leaky",
    "SiLU": "leaky",
    "PReLU": "leaky",
    "Mish": "leaky",
    "CELU": "leaky",
    "Hardswish": "leaky",
}
"""Activation layers (PyTorch and Keras). ``leaky`` stands for the ReLU variants, which only
ever count as hidden activations."""

ACTIVATION_FUNCTIONS: dict[str, Value] = {
    "softmax": "softmax",
    "log_softmax": "log_softmax",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "relu6": "relu",
    "leaky_relu": "leaky",
    "gelu": "leaky",
    "elu": "leaky",
    "selu": "leaky",
    "silu": "leaky",
    "swish": "leaky",
    "mish": "leaky",
}
"""Functional activations (``F.softmax``, ``torch.sigmoid``, ``x.sigmoid()``) and the
strings Keras takes for ``activation=``."""

KERAS_ACTIVATION_NAMES: dict[str, Value] = {**ACTIVATION_FUNCTIONS, "linear": "none"}

LINEAR_LAYERS = frozenset({"Linear", "LazyLinear", "Dense"})
CONV_LAYERS = frozenset(
    {
        "Conv1d",
        "Conv2d",
        "Conv3d",
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "ConvTranspose2d",
        "Conv2DTranspose",
        "SeparableConv2D",
        "DepthwiseConv2D",
    }
)
RECURRENT_LAYERS = frozenset({"LSTM", "GRU", "RNN", "SimpleRNN", "LSTMCell", "GRUCell"})
TRANSFORMER_LAYERS = frozenset(
    {
        "Transformer",
        "TransformerEncoder",
        "TransformerEncoderLayer",
        "TransformerDecoder",
        "TransformerDecoderLayer",
        "MultiheadAttention",
        "MultiHeadAttention",
    }
)
PASS_THROUGH_LAYERS = frozenset(
    {
        "Dropout",
        "Dropout1d",
        "Dropout2d",
        "Dropout3d",
        "AlphaDropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "BatchNorm1d",
        "BatchNorm2d",
        "BatchNorm3d",
        "BatchNormalization",
        "LayerNorm",
        "LayerNormalization",
        "Flatten",
        "Identity",
        "Reshape",
        "Unflatten",
    }
)
"""Layers that neither add a non-linearity nor change what the output layer is."""
DROPOUT_LAYERS = frozenset(
    {
        "Dropout",
        "Dropout1d",
        "Dropout2d",
        "Dropout3d",
        "AlphaDropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
    }
)
CONTAINERS = frozenset({"Sequential", "ModuleList"})

OPTIMIZERS: dict[str, Value] = {
    "SGD": "sgd",
    "Adam": "adam",
    "AdamW": "adam",
    "SparseAdam": "adam",
    "RMSprop": "other",
    "Adagrad": "other",
    "Adadelta": "other",
    "Adamax": "other",
    "NAdam": "other",
    "Nadam": "other",
    "RAdam": "other",
    "LBFGS": "other",
    "Lion": "other",
    "Adafactor": "other",
    "Ftrl": "other",
}
KERAS_OPTIMIZER_NAMES: dict[str, Value] = {
    "sgd": "sgd",
    "adam": "adam",
    "adamw": "adam",
    "rmsprop": "other",
    "adagrad": "other",
    "adadelta": "other",
    "adamax": "other",
    "nadam": "other",
    "ftrl": "other",
}

PREPROCESSORS = frozenset(
    {
        "StandardScaler",
        "MinMaxScaler",
        "RobustScaler",
        "MaxAbsScaler",
        "Normalizer",
        "QuantileTransformer",
        "PowerTransformer",
        "PCA",
        "SMOTE",
        "ADASYN",
        "BorderlineSMOTE",
        "RandomOverSampler",
        "RandomUnderSampler",
        "SelectKBest",
        "SimpleImputer",
        "KNNImputer",
    }
)
"""Transformers whose fit learns from the rows it sees: fitted before the split, they let
the validation rows leak into training."""

SCALERS = frozenset(
    {
        "StandardScaler",
        "MinMaxScaler",
        "RobustScaler",
        "MaxAbsScaler",
        "QuantileTransformer",
        "PowerTransformer",
        "Normalize",
        "Normalization",
        "Rescaling",
    }
)
"""Scalers and normalising transforms (scikit-learn, torchvision, Keras)."""

SPLITS: dict[str, Value] = {
    "train_test_split": "random",
    "random_split": "random",
    "GroupKFold": "grouped",
    "GroupShuffleSplit": "grouped",
    "StratifiedGroupKFold": "grouped",
    "LeaveOneGroupOut": "grouped",
    "TimeSeriesSplit": "time_based",
}

PRETRAINED_SOURCES = frozenset({"from_pretrained", "create_model", "load_state_dict_from_url"})
"""Calls that load pretrained weights (Hugging Face, timm)."""

MODEL_NAMES = frozenset({"model", "net", "network", "classifier", "clf", "mdl"})
"""Names people give the model object."""

LOSS_VARIABLE_NAMES = frozenset(
    {"criterion", "crit", "loss_fn", "loss_func", "lossfn", "loss_function", "criteria"}
)
"""Names people give the loss object, for a loss call whose constructor is not in sight."""

ACCURACY_METRICS = frozenset(
    {"accuracy", "acc", "Accuracy", "categorical_accuracy", "CategoricalAccuracy"}
)

LIBRARY_SCHEDULES = frozenset(
    {
        "StepLR",
        "MultiStepLR",
        "ExponentialLR",
        "CosineAnnealingLR",
        "CosineAnnealingWarmRestarts",
        "OneCycleLR",
        "CyclicLR",
        "ReduceLROnPlateau",
        "LinearLR",
        "PolynomialLR",
        "get_linear_schedule_with_warmup",
        "get_cosine_schedule_with_warmup",
        "ExponentialDecay",
        "CosineDecay",
        "PiecewiseConstantDecay",
        "InverseTimeDecay",
    }
)
"""Learning-rate schedules a library defines (PyTorch, transformers, Keras)."""
CUSTOM_SCHEDULES = frozenset({"LambdaLR", "MultiplicativeLR", "LearningRateScheduler"})
"""Schedules that run a function the user wrote: the rate is whatever that function says."""
BATCHNORM_LAYERS = frozenset(
    {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "BatchNormalization"}
)
"""Layers whose training and evaluation behaviour differ most."""
