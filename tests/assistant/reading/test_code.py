"""Pasted code, read (never run) into facts with the line each came from."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from assistant.core.reading.code import PADDED_LINES, _cannot_parse, read_code
from assistant.core.reading.code_calls import walk
from assistant.core.reading.numbers import regularisation_level
from knowledge.loader import KnowledgeBase
from knowledge.schema import RegularisationLevels

KERAS_SOFTMAX_ON_ONE_UNIT = """\
model = Sequential()
model.add(Dense(64, activation='relu', input_shape=(20,)))
model.add(Dense(1, activation='softmax'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
model.fit(X, y, epochs=50, validation_split=0.2)
"""

TORCH_SOFTMAX_INTO_CROSS_ENTROPY = """\
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = self.fc2(x)
        return self.softmax(x)

model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
for epoch in range(5):
    for x, y in loader:
        out = model(x)
        loss = criterion(out, y)
        loss.backward()
        optimizer.step()
"""

HEALTHY_TORCH_LOOP = """\
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 3))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
for epoch in range(30):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = criterion(model(x_val), y_val)
"""


def facts(code: str) -> dict[str, str]:
    return read_code(code).facts


# -- the model's output and the loss -------------------------------------------------------


def test_keras_softmax_on_one_unit() -> None:
    reading = read_code(KERAS_SOFTMAX_ON_ONE_UNIT)
    assert reading.facts == {
        "loss_function": "bce",
        "output_activation": "softmax",
        "output_range_mismatch": "yes",
        "task": "binary",
        "softmax_into_ce": "no",
        "hidden_activation": "relu",
        "architecture": "mlp",
        "optimizer": "adam",
        "regularisation": "none",
        "split_method": "ordered",
        "epochs": "some",
        "metric_watched": "accuracy",
    }
    assert reading.evidence["output_range_mismatch"] == (
        "line 3: model.add(Dense(1, activation='softmax'))"
    )
    assert reading.evidence["split_method"] == (
        "line 5: model.fit(X, y, epochs=50, validation_split=0.2)"
    )
    assert reading.looks_like_code
    assert reading.notes == []


def test_torch_softmax_into_cross_entropy_and_no_zero_grad() -> None:
    reading = read_code(TORCH_SOFTMAX_INTO_CROSS_ENTROPY)
    assert reading.facts == {
        "loss_function": "cross_entropy",
        "output_activation": "softmax",
        "softmax_into_ce": "yes",
        "hidden_activation": "relu",
        "architecture": "mlp",
        "optimizer": "sgd",
        "learning_rate": "high",
        "regularisation": "none",
        "zero_grad_called": "no",
        "epochs": "few",
    }
    assert reading.evidence["output_activation"] == "line 14: return self.softmax(x)"
    assert reading.evidence["zero_grad_called"] == "line 23: loss.backward()"
    assert reading.evidence["learning_rate"] == (
        "line 18: optimizer = torch.optim.SGD(model.parameters(), lr=0.5)"
    )


def test_a_healthy_loop_reads_as_healthy() -> None:
    assert facts(HEALTHY_TORCH_LOOP) == {
        "loss_function": "cross_entropy",
        "output_activation": "none",
        "task": "multiclass",
        "hidden_activation": "relu",
        "architecture": "mlp",
        "optimizer": "adam",
        "learning_rate": "normal",
        "regularisation": "moderate",
        "zero_grad_called": "yes",
        "mode_switching": "correct",
        "epochs": "some",
    }


def test_origin_names_the_file_in_evidence() -> None:
    reading = read_code(TORCH_SOFTMAX_INTO_CROSS_ENTROPY, origin="train.py")
    assert reading.evidence["output_activation"] == "train.py:14: return self.softmax(x)"


OUTPUT_AND_LOSS = [
    pytest.param(
        "model = keras.Sequential([layers.Dense(64, activation='relu'),\n"
        "                          layers.Dense(10, activation='softmax')])\n"
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n",
        {"output_activation": "softmax", "softmax_into_ce": "no", "task": "multiclass"},
        id="keras-softmax-with-its-cross-entropy-is-right",
    ),
    pytest.param(
        "outputs = Dense(10, activation='softmax')(x)\n"
        "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n",
        {"output_activation": "softmax", "softmax_into_ce": "yes"},
        id="keras-softmax-into-from-logits",
    ),
    pytest.param(
        "outputs = Dense(10)(x)\nmodel.compile(loss='categorical_crossentropy')\n",
        {"output_activation": "none", "loss_task_fit": "mismatch"},
        id="keras-logits-into-probability-loss",
    ),
    pytest.param(
        "model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())\n"
        "criterion = nn.BCEWithLogitsLoss()\n",
        {"output_activation": "sigmoid", "softmax_into_ce": "yes", "task": "binary"},
        id="sigmoid-into-bce-with-logits",
    ),
    pytest.param(
        "logits = model(x)\nloss = F.cross_entropy(F.softmax(logits, dim=1), y)\n",
        {"output_activation": "softmax", "softmax_into_ce": "yes"},
        id="functional-softmax-into-cross-entropy",
    ),
    pytest.param(
        "model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))\ncriterion = nn.NLLLoss()\n",
        {"output_activation": "softmax", "loss_function": "nll"},
        id="softmax-into-nll",
    ),
    pytest.param(
        "model.add(Dense(1))\nmodel.compile(loss='sparse_categorical_crossentropy')\n",
        {"output_units": "too_few"},
        id="one-unit-for-classes",
    ),
    pytest.param(
        "model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1), nn.ReLU())\n",
        {"output_activation": "relu", "hidden_activation": "sigmoid_tanh"},
        id="relu-on-the-output",
    ),
    pytest.param(
        "model = nn.Sequential(nn.Linear(8, 16), nn.Linear(16, 16), nn.Linear(16, 1))\n",
        {"linear_stack": "yes", "hidden_activation": "none"},
        id="linear-layers-stacked",
    ),
    pytest.param(
        "model.add(Dense(3, activation='sigmoid'))\nmodel.compile(loss='binary_crossentropy', "
        "metrics=['accuracy'])\n",
        {"task": "multilabel", "metric_watched": "accuracy"},
        id="keras-multilabel",
    ),
    pytest.param(
        "model.compile(loss='mse', optimizer='adam', metrics=['accuracy'])\n",
        {"loss_function": "mse", "metric_task_fit": "mismatch"},
        id="accuracy-on-a-regression",
    ),
]


@pytest.mark.parametrize(("code", "expected"), OUTPUT_AND_LOSS)
def test_the_output_and_the_loss(code: str, expected: dict[str, str]) -> None:
    assert facts(code).items() >= expected.items()


def test_keras_and_pytorch_read_into_the_same_facts() -> None:
    keras = facts(
        "model = Sequential([Dense(32, activation='relu'), Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy', optimizer=Adam(learning_rate=1e-3))\n"
    )
    torch = facts(
        "model = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid())\n"
        "criterion = nn.BCELoss()\noptimizer = optim.Adam(model.parameters(), lr=1e-3)\n"
    )
    shared = ("output_activation", "loss_function", "task", "hidden_activation", "optimizer")
    assert {f: keras[f] for f in shared} == {f: torch[f] for f in shared}
    assert keras["learning_rate"] == torch["learning_rate"] == "normal"


# -- the training loop ----------------------------------------------------------------------------


TRAINING_LOOPS = [
    pytest.param(
        "for x, y in loader:\n"
        "    loss = criterion(model(x), y)\n"
        "    loss.backward()\n"
        "    optimizer.zero_grad()\n"
        "    optimizer.step()\n",
        {"zero_grad_called": "yes", "train_step_updates": "no"},
        id="zero-grad-between-backward-and-step",
    ),
    pytest.param(
        "optimizer.zero_grad()\n"
        "for x, y in loader:\n"
        "    loss = criterion(model(x), y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n",
        {"zero_grad_called": "no"},
        id="zero-grad-once-before-the-loop",
    ),
    pytest.param(
        "def train_step(self, data):\n"
        "    x, y = data\n"
        "    loss = self.compute_loss(y=y, y_pred=self(x))\n"
        "    loss.backward()\n"
        "    self.optimizer.apply(gradients, trainable_weights)\n"
        "    self.optimizer.step()\n",
        {"zero_grad_called": "no"},
        id="keras-torch-train-step-without-zero-grad",
    ),
    pytest.param(
        "for epoch in range(20):\n"
        "    model.train()\n"
        "    for i, (x, y) in enumerate(loader):\n"
        "        optimizer.zero_grad()\n"
        "        loss = criterion(model(x), y)\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
        "        if i % 100 == 0:\n"
        "            model.eval()\n"
        "            evaluate(model, val_loader)\n",
        {"mode_switching": "missing"},
        id="eval-inside-the-loop-never-switched-back",
    ),
    pytest.param(
        "model.eval()\nfor x, y in loader:\n    optimizer.zero_grad()\n"
        "    criterion(model(x), y).backward()\n    optimizer.step()\n",
        {"mode_switching": "missing"},
        id="eval-without-train",
    ),
    pytest.param(
        "for x, y in loader:\n"
        "    optimizer.zero_grad()\n"
        "    with torch.no_grad():\n"
        "        pred = model(x)\n"
        "    loss = criterion(pred, y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n",
        {"params_without_grad": "yes"},
        id="forward-under-no-grad",
    ),
    pytest.param(
        "@torch.inference_mode()\n"
        "def predict(self, x, y):\n"
        "    loss = self.loss_fn(self.model(x), y)\n"
        "    loss.backward()\n"
        "    self.optimizer.step()\n",
        {"params_without_grad": "yes"},
        id="training-inside-inference-mode",
    ),
    pytest.param(
        "for x, y in loader:\n"
        "    optimizer.zero_grad()\n"
        "    pred = model(x).detach()\n"
        "    loss = criterion(pred, y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n",
        {"params_without_grad": "yes"},
        id="detached-prediction",
    ),
]


@pytest.mark.parametrize(("code", "expected"), TRAINING_LOOPS)
def test_the_training_loop(code: str, expected: dict[str, str]) -> None:
    assert facts(code).items() >= expected.items()


def test_the_loop_evidence_names_the_line() -> None:
    reading = read_code(
        "for x, y in loader:\n"
        "    optimizer.zero_grad()\n"
        "    with torch.no_grad():\n"
        "        pred = model(x)\n"
        "    loss = criterion(pred, y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
    )
    assert reading.evidence["params_without_grad"] == "line 5: loss = criterion(pred, y)"


# -- freezing, shapes, data -----------------------------------------------------------------------


FREEZING_SHAPES_DATA = [
    pytest.param(
        "for p in model.parameters():\n    p.requires_grad = False\n",
        {"frozen_layers": "yes"},
        id="requires-grad-false",
    ),
    pytest.param(
        "for layer in model.layers[:-1]:\n    layer.trainable = False\n",
        {"frozen_layers": "yes"},
        id="keras-trainable-false",
    ),
    pytest.param(
        "for p in model.backbone.parameters():\n    p.requires_grad = False\n",
        {"architecture": "pretrained"},
        id="frozen-backbone-is-transfer-learning",
    ),
    pytest.param(
        "For fine-tuning I do for layer in base_model.layers: layer.trainable = False, then "
        "train a new head",
        {"architecture": "pretrained"},
        id="frozen-base-in-prose",
    ),
    pytest.param(
        "model.compile(optimizer='adam', loss='mse')\nmodel.fit(x, y, epochs=3)\n"
        "for layer in model.layers[1].layers:\n    layer.trainable = True\n"
        "model.fit(x, y, epochs=3)\n",
        {"params_without_grad": "yes"},
        id="keras-unfrozen-without-recompiling",
    ),
    pytest.param(
        "y = y.unsqueeze(1)\nloss = criterion(out.squeeze(), y)\n",
        {"broadcast_mismatch": "yes"},
        id="squeezed-prediction-unsqueezed-target",
    ),
    pytest.param(
        "b, c, t = x.shape\nx = x.view(b, t, c)\n",
        {"reshape_scrambles": "yes"},
        id="view-instead-of-permute",
    ),
    pytest.param(
        "x = x.view(x.size(1), x.size(0), -1)\n",
        {"reshape_scrambles": "yes"},
        id="view-swapping-sizes",
    ),
    pytest.param(
        "scaler = StandardScaler()\nX = scaler.fit_transform(X)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y)\n",
        {"split_method": "after_preprocessing"},
        id="scaler-fitted-before-the-split",
    ),
    pytest.param(
        "X_res, y_res = SMOTE().fit_resample(X, y)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X_res, y_res)\n",
        {"split_method": "after_preprocessing"},
        id="oversampled-before-the-split",
    ),
    pytest.param(
        "model.fit(X, y, class_weight={0: 1.0, 1: 20.0})\n",
        {"class_balance": "imbalanced"},
        id="keras-class-weight",
    ),
    pytest.param(
        "criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([9.0]))\n",
        {"class_balance": "imbalanced"},
        id="pos-weight",
    ),
    pytest.param(
        "optimizer = torch.optim.Adam(model.parameters(), lr=0.1)\n",
        {"optimizer": "adam", "learning_rate": "very_high"},
        id="adam-lr-0.1",
    ),
    pytest.param(
        "opt = optim.SGD(net.parameters(), 1e-7, momentum=0.9)\n",
        {"optimizer": "sgd", "learning_rate": "very_low"},
        id="sgd-positional-lr",
    ),
    pytest.param(
        "optimizer = torch.optim.Adam(model.parameters(), weight_decay=0.1)\n",
        {"regularisation": "strong"},
        id="strong-weight-decay",
    ),
    pytest.param(
        "self.drop = nn.Dropout(0.5)\n", {"regularisation": "moderate"}, id="dropout-0.5-usual"
    ),
    pytest.param(
        "model.add(layers.Dropout(rate=0.7))\n",
        {"regularisation": "strong"},
        id="keras-dropout-0.7",
    ),
    pytest.param(
        "optimizer = torch.optim.AdamW(model.parameters(), weight_decay=0.01)\n",
        {"optimizer": "adam", "regularisation": "moderate"},
        id="adamw-default-decay-usual",
    ),
    pytest.param(
        "nn.init.zeros_(layer.weight)\n", {"init_scheme": "custom_constant"}, id="zero-init"
    ),
    pytest.param(
        "with torch.autocast('cuda', dtype=torch.float16):\n    out = model(x)\n",
        {"mixed_precision": "yes"},
        id="autocast",
    ),
    pytest.param(
        "base = torchvision.models.resnet50(weights='IMAGENET1K_V2')\n",
        {"architecture": "pretrained"},
        id="pretrained-torchvision",
    ),
    pytest.param(
        "self.lstm = nn.LSTM(input_size=8, hidden_size=64, batch_first=True)\n",
        {"architecture": "recurrent"},
        id="lstm",
    ),
]


@pytest.mark.parametrize(("code", "expected"), FREEZING_SHAPES_DATA)
def test_freezing_shapes_and_data(code: str, expected: dict[str, str]) -> None:
    assert facts(code).items() >= expected.items()


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("x = x.permute(0, 2, 1)\n", id="permute"),
        pytest.param("b, c, t = x.shape\nx = x.view(b, c * t)\n", id="flatten"),
        pytest.param("x = x.view(x.size(0), -1)\n", id="view-keeping-the-batch"),
        pytest.param(
            "scaler = StandardScaler()\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y)\n"
            "X_train = scaler.fit_transform(X_train)\n",
            id="scaler-fitted-after-the-split",
        ),
        pytest.param(
            "model.compile(optimizer='adam', loss='mse')\n"
            "layer.trainable = True\n"
            "model.compile(optimizer='adam', loss='mse')\nmodel.fit(x, y)\n",
            id="keras-recompiled-after-unfreezing",
        ),
        pytest.param(
            "model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))\n"
            "criterion = nn.BCEWithLogitsLoss()\n"
            "probabilities = torch.sigmoid(model(x_test))\n",
            id="sigmoid-only-for-predictions",
        ),
    ],
)
def test_right_code_raises_no_alarm(code: str) -> None:
    found = facts(code)
    for alarm in ("reshape_scrambles", "params_without_grad", "softmax_into_ce"):
        assert found.get(alarm, "no") == "no", alarm
    assert found.get("split_method") != "after_preprocessing"


# -- code inside prose ----------------------------------------------------------------------------


def test_calls_inside_prose_are_read() -> None:
    reading = read_code(
        "Running the MLP baseline on MNIST, the printed training loss is always negative. "
        "The model ends with nn.Softmax(dim=1) and the criterion is nn.NLLLoss()."
    )
    assert reading.facts == {"loss_function": "nll", "output_activation": "softmax"}
    assert reading.evidence["output_activation"] == "line 1: nn.Softmax(dim=1)"
    assert not reading.looks_like_code


def test_a_relu_named_in_prose_is_not_the_output() -> None:
    reading = read_code("I replaced every nn.PReLU() with nn.ReLU() and now it does not train")
    assert "output_activation" not in reading.facts


def test_a_sigmoid_handed_to_the_loss_in_prose_is_the_loss_input() -> None:
    text = (
        "nn.BCEWithLogitsLoss()(o, t) and nn.BCELoss()(nn.Sigmoid()(o), t) give me different "
        "numbers"
    )
    assert read_code(text).facts == {"loss_function": "bce_with_logits"}


def test_words_alone_read_nothing() -> None:
    reading = read_code("my model does not learn and the loss is flat, what should I check?")
    assert reading == read_code("")
    assert not reading.facts and not reading.looks_like_code


# -- bad input ------------------------------------------------------------------------------------


def test_code_with_a_syntax_error_is_read_where_it_parses() -> None:
    reading = read_code(
        "model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1), nn.Sigmoid()\n"
        "criterion = nn.BCEWithLogitsLoss()\n"
        "for x, y in loader:\n"
        "    optimizer.zero_grad()\n"
        "    loss = criterion(model(x), y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
    )
    assert (
        reading.facts.items()
        >= {
            "output_activation": "sigmoid",
            "loss_function": "bce_with_logits",
            "softmax_into_ce": "yes",
            "zero_grad_called": "yes",
        }.items()
    )
    assert reading.evidence["zero_grad_called"] == "line 4: optimizer.zero_grad()"
    assert reading.notes == [
        "I read 6 of 7 lines as Python: the rest does not parse (the first at line 1), so I "
        "took only the calls in them."
    ]


@pytest.mark.parametrize("before", [0, 3, PADDED_LINES - 3, PADDED_LINES + 5])
def test_a_paste_that_does_not_parse_names_the_lines_it_was_read_from(before: int) -> None:
    # line by line, each line is parsed where it stands: behind blank lines up to
    # PADDED_LINES, moved there after parsing beyond it; both give the same line numbers
    reading = read_code(
        "my model does not learn, here it is:\n" + "x = 1\n" * before + "model = nn.Sequential(\n"
        "    nn.Linear(10, 32), nn.ReLU(),\n"
        "    nn.Linear(32, 1), nn.Sigmoid(),\n"
        ")\n"
        "criterion = nn.BCEWithLogitsLoss()\n"
    )
    start = before + 2
    assert (
        reading.evidence["output_activation"]
        == f"line {start + 2}: nn.Linear(32, 1), nn.Sigmoid(),"
    )
    assert (
        reading.evidence["loss_function"] == f"line {start + 4}: criterion = nn.BCEWithLogitsLoss()"
    )


def test_a_huge_paste_is_bounded_and_says_so() -> None:
    line = "x = layer(x)  # " + "padding " * 5 + "\n"
    text = "criterion = nn.CrossEntropyLoss()\n" + line * 20_000
    started = time.perf_counter()
    reading = read_code(text)
    elapsed = time.perf_counter() - started
    assert len(text) > 1_000_000
    assert reading.facts["loss_function"] == "cross_entropy"
    assert reading.notes == [
        "The paste is long (20,002 lines, 1,140,034 characters), so I read part of it: code in "
        "its first 3,509 lines. If what matters is elsewhere in it, paste that part on its own."
    ]
    assert elapsed < 5.0  # generous: the benchmark holds the real figure


def test_code_in_another_language_says_it_reads_python() -> None:
    r_code = (
        "library(keras)\n"
        "model <- keras_model_sequential() %>%\n"
        "  layer_dense(units = 1, activation = 'softmax')\n"
        "model %>% compile(loss = 'binary_crossentropy', optimizer = 'adam')\n"
        "history <- model %>% fit(x, y, epochs = 10)\n"
    )
    reading = read_code(r_code)
    assert reading.notes == [
        "This looks like R; I read Python (PyTorch, Keras, scikit-learn), so I took only what "
        "also reads as Python."
    ]


def test_unicode_confusables_are_normalised() -> None:
    # full-width letters and signs, as some chat clients and PDFs paste them
    text = (
        "model.add(Ｄｅｎｓｅ(１, activation＝'softmax'))\n"
        "model.compile(loss＝'binary_crossentropy')"
    )
    assert (
        facts(text).items()
        >= {
            "output_activation": "softmax",
            "output_range_mismatch": "yes",
        }.items()
    )


def test_a_paste_calling_os_system_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = (
        "import os, subprocess\n"
        f"os.system('touch {marker}')\n"
        f"subprocess.run(['touch', '{marker}'])\n"
        f"__import__('os').system('touch {marker}')\n"
        f"open('{marker}', 'w').write('x')\n"
        "model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())\n"
    )
    reading = read_code(code)
    assert reading.facts["output_activation"] == "sigmoid"
    assert not marker.exists()


def test_every_fact_read_is_in_the_knowledge_base(kb: KnowledgeBase) -> None:
    pastes: list[object] = [
        KERAS_SOFTMAX_ON_ONE_UNIT,
        TORCH_SOFTMAX_INTO_CROSS_ENTROPY,
        HEALTHY_TORCH_LOOP,
    ]
    pastes += [case.values[0] for case in OUTPUT_AND_LOSS + TRAINING_LOOPS + FREEZING_SHAPES_DATA]
    for paste in pastes:
        assert isinstance(paste, str)
        for fact, value in read_code(paste).facts.items():
            assert value in kb.facts[fact].values, (fact, value)


def test_a_log_after_the_code_is_not_read_to_its_end() -> None:
    code = "model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())\n"
    log = "epoch 1 | loss 0.69 | acc 0.50 | lr 1e-3 !!\n" * 1_000
    reading = read_code(code + log)
    assert reading.facts == {"output_activation": "sigmoid"}
    assert reading.notes == [
        "I read 201 of 1,002 lines: the rest is not Python (200 lines in a row before line "
        "202 do not parse), so I took it for a log or prose."
    ]


def test_the_parser_s_own_warnings_stay_quiet() -> None:
    # "1st" makes the parser warn (SyntaxWarning); under -W error that must not stop reading
    assert facts("x = 1st\nmodel = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())\n") == {
        "output_activation": "sigmoid"
    }


TRAIN_AND_EVALUATE = """\
def train(model, loader):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        pred = model(x)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()

def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            pred = model(x)
            loss = loss_fn(pred, y)
"""


def test_a_backward_alone_says_nothing_of_the_step() -> None:
    assert "train_step_updates" not in facts("loss = criterion(out, y)\nloss.backward()\n")


def test_gradients_off_in_evaluation_only_raise_no_alarm() -> None:
    found = facts(TRAIN_AND_EVALUATE)
    assert "params_without_grad" not in found
    # train() once per call of train(): whether evaluation comes between is not in sight
    assert "mode_switching" not in found


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            "scaler = StandardScaler()\nX_train = scaler.fit_transform(X_train)\n",
            {"inputs_normalised": "yes"},
            id="standard-scaler",
        ),
        pytest.param("x_train = x_train / 255.0\n", {"inputs_normalised": "yes"}, id="pixels"),
        pytest.param(
            "model.compile(optimizer=Adam(0.5), loss='mse')\n",
            {"optimizer": "adam", "learning_rate": "very_high"},
            id="keras-positional-learning-rate",
        ),
        pytest.param(
            "optimizer = optim.SGD(model.parameters(), lr=0.1)\n"
            "scheduler = StepLR(optimizer, step_size=1, gamma=0.1)\n"
            "for x, y in loader:\n"
            "    loss = criterion(model(x), y)\n"
            "    loss.backward()\n"
            "    scheduler.step()\n",
            {"train_step_updates": "no"},
            id="scheduler-step-is-no-optimizer-step",
        ),
    ],
)
def test_scaling_rates_and_steps(code: str, expected: dict[str, str]) -> None:
    assert facts(code).items() >= expected.items()


def test_freezing_a_pretrained_backbone_is_not_a_frozen_model() -> None:
    found = facts("for p in model.backbone.parameters():\n    p.requires_grad = False\n")
    assert "frozen_layers" not in found


def test_fine_tuning_rates_read_against_fine_tuning() -> None:
    code = (
        'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")\n'
        "optimizer = torch.optim.AdamW(model.parameters(), lr={lr})\n"
    )
    assert facts(code.format(lr="5e-5"))["learning_rate"] == "normal"
    assert facts(code.format(lr="1e-3"))["learning_rate"] == "high"


def test_regularisation_levels_are_data() -> None:
    levels = RegularisationLevels(
        dropout_strong_above=0.3,
        weight_decay_strong_from=0.001,
        decoupled_weight_decay_strong_from=0.05,
        l2_penalty_strong_from=0.001,
    )
    assert regularisation_level("dropout", 0.5) == "moderate"
    assert regularisation_level("dropout", 0.5, levels) == "strong"
    assert regularisation_level("weight_decay", 0.005, levels) == "strong"
    assert regularisation_level("dropout", 1.0) is None
    assert regularisation_level("weight_decay", 0.0) is None


def test_the_code_readers_walk_a_tree_in_the_order_ast_walk_does() -> None:
    # the readers take the first node that tells, so the order is part of what they read
    tree = ast.parse(TORCH_SOFTMAX_INTO_CROSS_ENTROPY + KERAS_SOFTMAX_ON_ONE_UNIT)
    assert [id(node) for node in walk(tree)] == [id(node) for node in ast.walk(tree)]


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("My classifier does not learn", True),
        ("around 10%. Here is the model", True),
        ('File "train.py", line 14, in <module>', True),
        ("x if y else z", False),
        ("x not in y", False),
        ("match command:", False),
        ("type Vector = list[float]", False),
        ("import torch", False),
        ("loss.backward()", False),
    ],
)
def test_prose_is_told_from_python_before_parsing(text: str, refused: bool) -> None:
    assert _cannot_parse(text) is refused
    if refused:
        assert not _parses(text)


def test_a_line_taken_for_prose_never_parses() -> None:
    # every line of this package's sources and of the reading tests' texts, each alone
    root = Path(__file__).resolve().parents[3]
    sources = [*(root / "assistant").rglob("*.py"), *(root / "tests" / "assistant").rglob("*.py")]
    lines = {line.strip() for path in sources for line in path.read_text().splitlines()}
    refused = [line for line in lines if _cannot_parse(line)]
    assert len(refused) > 100  # prose in docstrings and strings
    assert [line for line in refused if _parses(line)] == []
