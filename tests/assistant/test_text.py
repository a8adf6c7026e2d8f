"""The text reader: what users type, read into facts, candidates or nothing."""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from assistant.core.engine import CLARIFY_QUESTION, REPHRASE, Engine
from assistant.core.replies import Question, Text
from assistant.core.session import Session
from assistant.core.text import (
    NONE_LABEL,
    PHRASINGS,
    Context,
    Phrases,
    Reading,
    TextReader,
    bounded,
    chance_class_count,
    clean,
    learning_rate_level,
    load_phrasings,
    match_phrases,
    needed_words,
    negated,
    read_accuracy_level,
    read_class_balance,
    read_dataset_size,
    read_epochs,
    read_learning_rate,
    read_loss_at_chance,
    read_numbers,
    read_regularisation,
    read_train_valid_gap,
    text_model,
)
from knowledge import load
from knowledge.loader import KnowledgeBase, bundled
from knowledge.schema import Phrase

STORIES = Path(__file__).resolve().parents[2] / "benchmarks" / "stories.yaml"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return bundled()


@pytest.fixture(scope="module")
def reader(kb: KnowledgeBase) -> TextReader:
    return TextReader(kb)


def case(text: str, facts: dict[str, str], id: str) -> object:
    return pytest.param(text, facts, id=id)


COMPLAINTS = [
    case("my loss is stuck at 0.69", {"loss_trend": "flat", "loss_at_chance": "yes"}, "stuck-ln2"),
    case("loss doesn't go down", {"loss_trend": "flat"}, "does-not-go-down"),
    case(
        "training loss plateaus around 2.3",
        {"loss_trend": "plateau_high", "loss_at_chance": "yes"},
        "plateau-ln10",
    ),
    case("loss explodes", {"loss_trend": "diverging"}, "explodes"),
    case("loss is nan after 3 epochs", {"loss_trend": "nan"}, "nan-after-3-epochs"),
    case("loss jumps around", {"loss_trend": "oscillating"}, "jumps-around"),
    case("my loss is negative", {"loss_trend": "negative"}, "negative"),
    case("the loss goes up and down", {"loss_trend": "oscillating"}, "up-and-down"),
    case("loss decreases very slowly", {"loss_trend": "slow"}, "slowly"),
    case(
        "the loss goes down for a few steps, then it goes crazy and explodes",
        {"loss_trend": "diverging"},
        "down-then-explodes",
    ),
    case(
        "loss dropped a bit in epoch 1 and then nothing",
        {"loss_trend": "plateau_high"},
        "drop-then-nothing",
    ),
    case("accuracy stays at 50%", {"accuracy_level": "chance"}, "accuracy-50"),
    case(
        "val acc 99% but it fails in production",
        {"production_gap": "yes", "accuracy_level": "high"},
        "fails-in-production",
    ),
    case("train acc 100%, val 60%", {"train_valid_gap": "large"}, "train-100-val-60"),
    case("it always predicts the same class", {"constant_predictions": "yes"}, "same-class"),
    case(
        "loss goes down but accuracy doesn't change",
        {"loss_trend": "decreasing", "metric_follows_loss": "no"},
        "metric-does-not-follow",
    ),
    case(
        "RuntimeError: Target 10 is out of bounds",
        {"crash": "index_out_of_bounds"},
        "target-out-of-bounds",
    ),
    case("expected scalar type Long but found Float", {"crash": "dtype_mismatch"}, "scalar-type"),
    case(
        "UserWarning: Using a target size (torch.Size([32])) that is different to the input "
        "size (torch.Size([32, 1]))",
        {"shape_warning": "yes"},
        "target-size-warning",
    ),
    case("mat1 and mat2 shapes cannot be multiplied", {"crash": "shape_mismatch"}, "mat1-mat2"),
    case("CUDA out of memory", {"crash": "out_of_memory"}, "cuda-oom"),
    case("I use Adam with lr 0.1", {"optimizer": "adam", "learning_rate": "very_high"}, "adam-0.1"),
    case("I use SGD with lr 0.1", {"optimizer": "sgd", "learning_rate": "high"}, "sgd-0.1"),
    case("lr=1e-7", {"learning_rate": "very_low"}, "lr-1e-7"),
    case("sigmoid on the output", {"output_activation": "sigmoid"}, "sigmoid-output"),
    case(
        "CrossEntropyLoss after a softmax",
        {"output_activation": "softmax", "loss_function": "cross_entropy"},
        "softmax-then-ce",
    ),
    case("regression", {"task": "regression"}, "regression"),
    case("10 classes", {"task": "multiclass"}, "ten-classes"),
    case("only 200 samples", {"dataset_size": "tiny"}, "200-samples"),
    case("95% of the labels are class 0", {"class_balance": "severe"}, "95-percent-class-0"),
    case("trained for 3 epochs", {"epochs": "few"}, "3-epochs"),
    case("a 12-layer MLP", {"depth": "deep", "architecture": "mlp"}, "deep-mlp"),
    case("I shuffle X and y separately", {"shuffling": "separately"}, "shuffled-separately"),
    case(
        "I scaled the features before the train test split",
        {"inputs_normalised": "yes", "split_method": "after_preprocessing"},
        "scaled-before-split",
    ),
    case("training with fp16 autocast", {"mixed_precision": "yes"}, "fp16"),
    case("I forgot optimizer.zero_grad()", {"zero_grad_called": "no"}, "no-zero-grad"),
    case("relu between the layers", {"hidden_activation": "relu"}, "relu-hidden"),
    case("dropout 0.5 everywhere", {"regularisation": "strong"}, "dropout-0.5"),
]

NEGATIONS_AND_TRAPS = [
    case("the loss is not nan", {}, "not-nan"),
    case("I do normalise", {"inputs_normalised": "yes"}, "do-normalise"),
    case("I don't normalise the inputs", {"inputs_normalised": "no"}, "do-not-normalise"),
    case("the inputs are not normalized", {"inputs_normalised": "no"}, "not-normalized"),
    case(
        "no errors, but the loss doesn't go down",
        {"crash": "none", "loss_trend": "flat"},
        "no-error-but-flat",
    ),
    case("the loss isn't stuck", {}, "not-stuck"),
    case("I use batch normalization and adam", {"optimizer": "adam"}, "batchnorm-is-not-inputs"),
    case("binary cross entropy", {"loss_function": "bce"}, "bce-is-not-the-task"),
    case(
        "sigmoid activations in the hidden layers",
        {"hidden_activation": "sigmoid_tanh"},
        "sigmoid-hidden",
    ),
    case(
        "the validation loss goes up", {"train_valid_gap": "large"}, "val-loss-up-is-not-diverging"
    ),
    case(
        "my data has NaNs in some columns",
        {"missing_values": "some", "modality": "tabular"},
        "nan-in-data",
    ),
    case("If I raise the learning rate it explodes to inf", {}, "hypothetical"),
    case(
        "logistic regression does better",
        {"model_vs_baseline": "worse"},
        "logistic-is-not-regression",
    ),
    case("I'm stuck", {}, "stuck-is-not-a-loss"),
]

NUMBERS = [
    case(
        "the loss is stuck at 2.30 with 10 classes",
        {"loss_trend": "flat", "loss_at_chance": "yes", "task": "multiclass"},
        "ln10-with-10-classes",
    ),
    case(
        "loss stuck at 0.69 with 10 classes",
        {"loss_trend": "flat", "task": "multiclass"},
        "ln2-is-not-chance-for-10-classes",
    ),
    case("loss is 0.693", {"loss_at_chance": "yes"}, "loss-0.693"),
    case("0.693", {"loss_at_chance": "yes"}, "lone-0.693"),
    case("the loss is 3.1", {}, "ln22-only-counts-when-stuck"),
    case(
        "the loss is stuck at 4.6", {"loss_trend": "flat", "loss_at_chance": "yes"}, "ln100-stuck"
    ),
    case(
        "validation accuracy is 10% with 10 classes",
        {"accuracy_level": "chance", "task": "multiclass"},
        "accuracy-10-of-10-classes",
    ),
    case("accuracy is 50% with 10 classes", {"task": "multiclass"}, "accuracy-50-of-10-classes"),
    case("roc auc 0.5", {"accuracy_level": "chance"}, "auc-0.5"),
    case("Adam, lr 3e-4", {"optimizer": "adam", "learning_rate": "normal"}, "adam-3e-4"),
    case(
        "SGD with a learning rate of 0.01",
        {"optimizer": "sgd", "learning_rate": "normal"},
        "sgd-0.01",
    ),
    case("trained for 200 epochs", {"epochs": "many"}, "200-epochs"),
    case(
        "after 300 epochs the loss is still flat",
        {"epochs": "many", "loss_trend": "flat"},
        "after-300-epochs",
    ),
    case("12k images", {"dataset_size": "medium", "modality": "image"}, "12k-images"),
    case("1.5M rows", {"dataset_size": "large"}, "1.5M-rows"),
    case("batches of 32 samples", {}, "batch-is-not-dataset"),
    case("only 5% positives", {"class_balance": "severe"}, "5-percent-positives"),
    case("the classes are 70/30", {"class_balance": "imbalanced"}, "70-30"),
    case("train loss 0.05, val loss 1.2", {"train_valid_gap": "large"}, "loss-gap"),
    case(
        "train acc 91%, val acc 90%",
        {"train_valid_gap": "none", "accuracy_level": "high"},
        "no-gap",
    ),
    case("99% on train and 55% on test", {"train_valid_gap": "large"}, "on-train-on-test"),
    case(
        "AdamW with weight decay 0.01",
        {"optimizer": "adam", "regularisation": "moderate"},
        "adamw-default-decay",
    ),
    case("my labels go from 1 to 10", {"label_format": "one_based"}, "range-is-not-a-ratio"),
]

TRACEBACK_INDEX = """Traceback (most recent call last):
  File "train.py", line 42, in <module>
    loss = criterion(out, y)
  File "/venv/lib/python3.11/site-packages/torch/nn/modules/loss.py", line 1164, in forward
    return F.cross_entropy(input, target, weight=self.weight)
IndexError: Target 10 is out of bounds.
"""

TRACEBACK_SHAPES = """Traceback (most recent call last):
  File "/home/me/project/train.py", line 17, in <module>
    out = model(x)
  File "/venv/lib/python3.11/site-packages/torch/nn/modules/linear.py", line 116, in forward
    return F.linear(input, self.weight, self.bias)
RuntimeError: mat1 and mat2 shapes cannot be multiplied (32x784 and 512x10)
"""

TRACEBACK_OOM = """  File "train.py", line 88, in train_step
    loss.backward()
torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.77 GiB total)
"""

TRACEBACK_OTHER = """Traceback (most recent call last):
  File "train.py", line 30, in <module>
    loss.backward()
RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
"""

TRACEBACKS = [
    case(
        TRACEBACK_INDEX,
        {"crash": "index_out_of_bounds", "loss_function": "cross_entropy"},
        "traceback-out-of-bounds",
    ),
    case(TRACEBACK_SHAPES, {"crash": "shape_mismatch"}, "traceback-mat1-mat2"),
    case(TRACEBACK_OOM, {"crash": "out_of_memory"}, "traceback-oom"),
    case(TRACEBACK_OTHER, {"crash": "other"}, "traceback-other-error"),
]


@pytest.mark.parametrize(("text", "facts"), COMPLAINTS)
def test_complaints(reader: TextReader, text: str, facts: dict[str, str]) -> None:
    assert reader.read(text) == Reading(facts=facts)


@pytest.mark.parametrize(("text", "facts"), NEGATIONS_AND_TRAPS)
def test_negations_and_single_words_do_not_mislead(
    reader: TextReader, text: str, facts: dict[str, str]
) -> None:
    assert reader.read(text) == Reading(facts=facts)


@pytest.mark.parametrize(("text", "facts"), NUMBERS)
def test_numbers_read_in_context(reader: TextReader, text: str, facts: dict[str, str]) -> None:
    assert reader.read(text) == Reading(facts=facts)


@pytest.mark.parametrize(("text", "facts"), TRACEBACKS)
def test_pasted_tracebacks(reader: TextReader, text: str, facts: dict[str, str]) -> None:
    assert reader.read(text) == Reading(facts=facts)


@pytest.mark.parametrize(
    ("text", "unsure"),
    [
        pytest.param(
            "sigmoid",
            [("output_activation", "sigmoid"), ("hidden_activation", "sigmoid_tanh")],
            id="sigmoid-where",
        ),
        pytest.param(
            "my model is not learning",
            [("loss_trend", "flat"), ("loss_trend", "slow")],
            id="not-learning",
        ),
    ],
)
def test_ambiguous_text_gives_candidates(
    reader: TextReader, text: str, unsure: list[tuple[str, str]]
) -> None:
    assert reader.read(text) == Reading(unsure=unsure)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "???", "asdf qwer", "hello", "thanks!", "it's bad", "weird loss", "\n\n"],
    ids=[
        "empty",
        "spaces",
        "punctuation",
        "gibberish",
        "hello",
        "thanks",
        "bad",
        "weird",
        "newlines",
    ],
)
def test_vague_or_meaningless_text_gives_nothing(reader: TextReader, text: str) -> None:
    assert reader.read(text).empty


@pytest.mark.parametrize(
    ("text", "expecting", "facts"),
    [
        pytest.param("adam", "optimizer", {"optimizer": "adam"}, id="adam"),
        pytest.param("1e-3", "learning_rate", {"learning_rate": "normal"}, id="lr-1e-3"),
        pytest.param("0.1", "learning_rate", {"learning_rate": "high"}, id="lr-0.1-unknown-opt"),
        pytest.param("pretty high", "learning_rate", {"learning_rate": "high"}, id="lr-in-words"),
        pytest.param("10", "epochs", {"epochs": "some"}, id="epochs-10"),
        pytest.param("about 5000 steps", "epochs", {"epochs": "some"}, id="steps"),
        pytest.param("yep", "mixed_precision", {"mixed_precision": "yes"}, id="yep"),
        pytest.param("no, I don't", "inputs_normalised", {"inputs_normalised": "no"}, id="no"),
        pytest.param("nope", "crash", {"crash": "none"}, id="no-error"),
        pytest.param("yes", "mode_switching", {"mode_switching": "correct"}, id="yes-both"),
        pytest.param("mse", "loss_function", {"loss_function": "mse"}, id="mse"),
        pytest.param("relu", "output_activation", {"output_activation": "relu"}, id="relu-out"),
        pytest.param("sigmoid", "output_activation", {"output_activation": "sigmoid"}, id="sig"),
        pytest.param("tanh", "hidden_activation", {"hidden_activation": "sigmoid_tanh"}, id="tanh"),
        pytest.param("5k", "dataset_size", {"dataset_size": "small"}, id="5k"),
        pytest.param("95%", "class_balance", {"class_balance": "severe"}, id="share"),
        pytest.param("90/10", "class_balance", {"class_balance": "imbalanced"}, id="ratio"),
        pytest.param("12", "depth", {"depth": "deep"}, id="layers"),
        pytest.param(
            "0.001, and I use relu",
            "learning_rate",
            {"learning_rate": "normal", "hidden_activation": "relu"},
            id="answer-and-more",
        ),
    ],
)
def test_short_answers_to_the_pending_question(
    reader: TextReader, text: str, expecting: str, facts: dict[str, str]
) -> None:
    assert reader.read(text, expecting=expecting) == Reading(facts=facts)


def test_known_optimizer_changes_how_a_learning_rate_reads(reader: TextReader) -> None:
    reading = reader.read("0.1", expecting="learning_rate", known={"optimizer": "adam"})
    assert reading == Reading(facts={"learning_rate": "very_high"})


@pytest.mark.parametrize(
    ("lr", "optimizer", "level"),
    [
        (0.1, "adam", "very_high"),
        (0.1, "sgd", "high"),
        (0.1, None, "high"),
        (1.0, None, "very_high"),
        (1e-3, "adam", "normal"),
        (1e-5, "adam", "low"),
        (1e-6, "sgd", "very_low"),
    ],
)
def test_learning_rate_levels(lr: float, optimizer: str | None, level: str) -> None:
    assert learning_rate_level(lr, optimizer) == level


def test_cleaning_marks_clauses_and_sentences() -> None:
    assert clean("Loss is 0.69. It doesn't move, but acc is fine") == (
        "Loss is 0.69\n It doesnt move |   | but acc is fine"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the loss is not nan", True),
        ("no, the loss is nan", False),
        ("I have no idea why the loss is nan", False),
    ],
    ids=["not", "no-then-comma", "far-away"],
)
def test_negation_looks_a_few_words_back_in_the_clause(text: str, expected: bool) -> None:
    cleaned = clean(text)
    assert negated(cleaned, cleaned.rindex("nan")) is expected


def test_every_training_label_is_a_fact_value(kb: KnowledgeBase) -> None:
    bad = [
        label
        for _, label in load_phrasings()
        if label != NONE_LABEL
        and (
            label.partition("=")[0] not in kb.facts
            or label.partition("=")[2] not in kb.facts[label.partition("=")[0]].values
        )
    ]
    assert bad == []


def test_text_model_is_deterministic() -> None:
    first = text_model.__wrapped__(PHRASINGS).guess("the gradients keep growing")
    second = text_model.__wrapped__(PHRASINGS).guess("the gradients keep growing")
    assert first == second


def test_a_smaller_knowledge_base_only_gets_its_own_facts(kb_dir: Path) -> None:
    small = TextReader(load(kb_dir))
    # its phrases do not know "adam", so 0.1 reads as high rather than very high
    assert small.read("I use Adam with lr 0.1, the loss is nan") == Reading(
        facts={"loss_trend": "nan", "learning_rate": "high"}
    )
    assert small.read("asdf qwer").empty


def test_session_notes_the_nan_from_a_complaint(kb: KnowledgeBase) -> None:
    replies = Session(Engine(kb)).send("my loss is nan after 3 epochs")
    assert replies[0] == Text(text=f"Noted: {kb.facts['loss_trend'].labels['nan']}.")


def test_session_asks_which_reading_was_meant(kb: KnowledgeBase) -> None:
    (question,) = Session(Engine(kb)).send("sigmoid")
    assert isinstance(question, Question) and question.id == CLARIFY_QUESTION
    assert [o.value for o in question.choices] == [
        "output_activation=sigmoid",
        "hidden_activation=sigmoid_tanh",
        "none",
    ]


def test_session_asks_to_rephrase_what_it_cannot_read(kb: KnowledgeBase) -> None:
    assert Session(Engine(kb)).send("it's bad") == [Text(text=REPHRASE, tone="notice")]


# -- reading time is bounded ------------------------------------------------------------

SAFE_SECONDS = 1.0
"""A safety bound, not a benchmark: these took from seconds to minutes when reading time
grew with the cube of a run of digits."""


def seconds(read: Callable[[], object]) -> float:
    start = time.perf_counter()
    read()
    return time.perf_counter() - start


def pasted_traceback(size: int) -> str:
    frame = (
        '  File "/venv/lib/python3.11/site-packages/torch/nn/modules/module.py", line 1501, '
        "in _call_impl\n    return forward_call(*args, **kwargs)\n"
    )
    frames = frame * (size // len(frame))
    return (
        "Training crashes after a few batches:\nTraceback (most recent call last):\n"
        f"{frames}torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n"
    )


HOSTILE = {
    "digits": "0" * 5000,
    "digits-then-percent": "9" * 5000 + "%",
    "dots-and-digits": "0." * 2500,
    "version-numbers": "1.2.3." * 850,
    "dots-after-a-number": "1." + "." * 5000 + "x",
    "digits-then-dots": "0" * 2500 + "." * 2500,
    "spaces-after-a-number": "5" + " " * 5000 + "x",
    "exponents": "1e5" * 1700,
    "signs": "-1+" * 1700,
    "lr": "lr " + "1" * 5000 + "%",
    "loss": "loss " + "0" * 5000 + " epochs",
    "accuracy": "val acc 5" + " " * 5000 + "epochs",
    "train-valid": "train " + "9" * 2500 + " val " + "8" * 2500,
    "stuck": "stuck at " + "1" * 5000 + "%",
    "samples": "5 " * 2500 + "samples",
    "ratio": "1/" * 2500,
    "one-long-word": "valimprovdecreasscal" * 250,
    "many-negations": "the loss is not nan " * 250,
    "many-epochs": "at 1 epochs " * 400,
}
READERS: dict[str, Callable[[str], object]] = {
    "learning_rate": lambda text: read_learning_rate(text, Context()),
    "epochs": read_epochs,
    "dataset_size": lambda text: read_dataset_size(text, Context(classes=10)),
    "class_balance": lambda text: read_class_balance(text, Context()),
    "train_valid_gap": read_train_valid_gap,
    "accuracy_level": lambda text: read_accuracy_level(text, Context()),
    "regularisation": lambda text: read_regularisation(text, Context()),
    "loss_at_chance": lambda text: read_loss_at_chance(text, Context(stuck=True)),
    "numbers": lambda text: read_numbers(text, Context()),
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_messages_are_read_quickly(reader: TextReader, text: str) -> None:
    text_model(PHRASINGS)  # trained at first use, not part of reading
    assert seconds(lambda: reader.read(text)) < SAFE_SECONDS
    assert seconds(lambda: reader.read(text, expecting="dataset_size")) < SAFE_SECONDS


@pytest.mark.parametrize("reader_name", list(READERS))
@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_each_number_reader_is_quick_on_the_whole_text(reader_name: str, text: str) -> None:
    read = READERS[reader_name]
    # the whole text, not the part TextReader.read keeps: the patterns themselves are linear
    assert seconds(lambda: read(clean(text))) < SAFE_SECONDS


def test_a_20kb_traceback_is_read_quickly_and_its_error_is_kept(reader: TextReader) -> None:
    text = pasted_traceback(20_000)
    assert len(text) > 20_000
    text_model(PHRASINGS)
    elapsed = seconds(lambda: reader.read(text))
    assert elapsed < SAFE_SECONDS
    assert reader.read(text).facts["crash"] == "out_of_memory"


def test_a_long_message_keeps_its_start_and_its_end() -> None:
    text = "my loss is nan\n" + "x = 1\n" * 5000 + "CUDA out of memory\n"
    kept = bounded(text)
    assert len(kept) < 8100
    assert kept.startswith("my loss is nan\n")
    assert kept.endswith("CUDA out of memory\n")


def test_a_typical_message_is_kept_whole() -> None:
    text = "Training a small CNN on 180 chest X-rays.\nTrain accuracy hits 100%."
    assert bounded(text) == text


def test_long_lines_and_words_are_cut() -> None:
    assert bounded("a" * 5000) == "a" * 100
    assert bounded("loss " + "y " * 3000) == "loss " + "y " * 997 + "y"


# -- phrases are only run where they can match ------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        ("nan", (("nan",),)),
        (r"(?:the )?cat", (("cat",),)),
        (r"(?!not )nan", (("nan",),)),
        (r"(?<=very )high", (("high",), ("very ",))),
        (
            r"\b(loss|losses|cost)\b.{0,40}?(?P<cue>explod\w*|blows? up)",
            (("blow", "explod"), ("cost", "loss")),
        ),
        (r"a|\d+", ()),
        (r"(?:ab)*", ()),
        (r"[xy]z", (("z",),)),
    ],
    ids=[
        "literal",
        "optional",
        "negative-lookahead",
        "lookbehind",
        "alternatives",
        "open",
        "star",
        "class",
    ],
)
def test_needed_words(pattern: str, needs: tuple[tuple[str, ...], ...]) -> None:
    assert needed_words(pattern) == needs


def _texts() -> list[str]:
    stories = yaml.safe_load(STORIES.read_text(encoding="utf-8"))["stories"]
    cases = COMPLAINTS + NEGATIONS_AND_TRAPS + NUMBERS + TRACEBACKS
    return (
        [str(story["say"]) for story in stories]
        + [str(param.values[0]) for param in cases]  # type: ignore[attr-defined]
        + [sentence for sentence, _ in load_phrasings()]
    )


def test_the_prefilter_never_skips_a_phrase_that_matches(kb: KnowledgeBase) -> None:
    book = Phrases.compile(kb.phrases)
    every = replace(book, entries=tuple(replace(entry, needs=()) for entry in book.entries))
    for text in _texts():
        for variant in (text, text.upper()):
            cleaned = clean(variant)
            assert match_phrases(book, cleaned) == match_phrases(every, cleaned), variant


def test_letters_ignorecase_takes_for_ascii_ones_still_match() -> None:
    # "\u212a" (the Kelvin sign) matches "k", "\u017f" (long s) matches "s", and so on
    ascii_letter = re.compile("[a-z]", re.IGNORECASE)
    odd = [chr(c) for c in range(128, sys.maxunicode + 1) if ascii_letter.fullmatch(chr(c))]
    assert odd
    book = Phrases.compile([Phrase(pattern="kiss", sets={"x": "y"})])
    for letter in odd:
        text = "".join(letter if re.fullmatch(c, letter, re.I) else c for c in "kiss")
        assert text != "kiss"
        assert match_phrases(book, text).facts == {"x": "y"}, ascii(letter)


@pytest.mark.parametrize("stuck", [False, True], ids=["moving", "stuck"])
def test_chance_class_count_is_the_first_k_within_two_percent(stuck: bool) -> None:
    def plain(loss: float) -> int | None:
        top = 1000 if stuck else 10
        return next(
            (k for k in range(2, top + 1) if abs(loss - math.log(k)) <= 0.02 * math.log(k)), None
        )

    losses = [i / 1000 for i in range(-100, 7500)] + [
        math.log(k) * f for k in range(2, 1001) for f in (0.98, 1.02)
    ]
    context = Context(stuck=stuck)
    assert [chance_class_count(x, context) for x in losses] == [plain(x) for x in losses]
