"""Several model inputs: slicing them into examples, EmbeddingBag offsets, joining batches."""

from __future__ import annotations

import pytest
import torch

from probes.inputs import (
    Bag,
    InputsError,
    ModelInputs,
    concat,
    describe_inputs,
    find_bag,
    replace_rows,
    several,
)


def _bag() -> ModelInputs:
    """Three bags: [10, 11], [12], [13, 14, 15], with a per-example feature beside them."""
    tokens = torch.tensor([10, 11, 12, 13, 14, 15])
    offsets = torch.tensor([0, 2, 3])
    return several([tokens, offsets], {"age": torch.tensor([[1.0], [2.0], [3.0]])}, examples=3)


def test_tokens_and_offsets_are_found_as_an_embedding_bag() -> None:
    inputs = _bag()

    assert inputs.bag == Bag(offsets=1, flat=(0,))
    assert len(inputs) == 3
    assert describe_inputs(inputs) == (
        "input 0 [6] (flat, one run per example), input 1 [3] (offsets), input 'age' [3, 1]"
    )


def test_slicing_a_bag_takes_each_examples_tokens_and_rebases_the_offsets() -> None:
    chosen = _bag()[torch.tensor([2, 0])]

    assert chosen.args[0].tolist() == [13, 14, 15, 10, 11]
    assert chosen.args[1].tolist() == [0, 3]
    assert chosen.kwargs["age"].tolist() == [[3.0], [1.0]]


def test_a_slice_of_a_bag_keeps_the_order() -> None:
    chosen = _bag()[1:]

    assert (chosen.args[0].tolist(), chosen.args[1].tolist()) == ([12, 13, 14, 15], [0, 1])


def test_joined_bags_shift_the_offsets_by_the_tokens_before_them() -> None:
    joined = concat([_bag(), _bag()[torch.tensor([1])]])

    assert isinstance(joined, ModelInputs)
    assert joined.args[1].tolist() == [0, 2, 3, 6]
    assert joined.args[0].tolist() == [10, 11, 12, 13, 14, 15, 12]
    assert len(joined) == 4


def test_per_sample_weights_follow_their_tokens() -> None:
    tokens, offsets = torch.tensor([5, 6, 7]), torch.tensor([0, 1])
    weights = torch.tensor([0.5, 0.25, 0.25])
    inputs = several([tokens, offsets, weights], {}, examples=2)

    chosen = inputs[torch.tensor([1])]

    assert inputs.bag == Bag(offsets=1, flat=(0, 2))
    assert (chosen.args[0].tolist(), chosen.args[2].tolist()) == ([6, 7], [0.25, 0.25])


def test_a_category_id_per_example_is_not_taken_for_offsets() -> None:
    numeric = torch.randn(4, 3)
    category = torch.tensor([0, 0, 1, 2])  # starts at 0 and never decreases, like offsets

    assert find_bag([("numeric", numeric), ("category", category)], examples=4) is None


def test_an_input_without_one_row_per_example_is_refused_with_what_to_do() -> None:
    with pytest.raises(InputsError) as raised:
        several([torch.zeros(7), torch.tensor([3, 1])], {}, examples=2)

    assert str(raised.value) == (
        "the model's input 0 has 7 rows while the batch has 2 targets, so it cannot be "
        "split into examples; expected one row per example, or EmbeddingBag tokens with "
        "offsets (a 1-D integer tensor of 2 entries that starts at 0 and never decreases). "
        "Give every input one row per example"
    )


def test_sequences_padded_per_batch_are_padded_again_to_the_longest() -> None:
    short = torch.tensor([[4, 5, 0], [6, 0, 0]])
    long = torch.tensor([[1, 2, 3, 0, 0], [7, 8, 9, 9, 9]])

    joined = concat([short, long])

    assert isinstance(joined, torch.Tensor)
    assert joined.tolist() == [[4, 5, 0, 0, 0], [6, 0, 0, 0, 0], [1, 2, 3, 0, 0], [7, 8, 9, 9, 9]]


def test_batches_of_other_shapes_that_are_not_padding_are_refused() -> None:
    with pytest.raises(InputsError) as raised:
        concat([torch.arange(6.0).reshape(2, 3), torch.arange(8.0).reshape(2, 4)])

    assert str(raised.value) == (
        "the inputs come in batches of different shapes ([2, 3], [2, 4]) that are not padded "
        "sequences, so they cannot be joined into one batch"
    )


def test_replacing_rows_takes_them_from_the_other_inputs() -> None:
    mine = several([], {"a": torch.tensor([1, 2, 3, 4]), "b": torch.zeros(4, 2)}, examples=4)
    others = several([], {"a": torch.tensor([9, 9, 9, 9]), "b": torch.ones(4, 2)}, examples=4)

    changed = replace_rows(mine, others, slice(0, 2))

    assert isinstance(changed, ModelInputs)
    assert changed.kwargs["a"].tolist() == [9, 9, 3, 4]
    assert changed.kwargs["b"].sum(dim=1).tolist() == [2.0, 2.0, 0.0, 0.0]


def test_moving_several_inputs_moves_each_of_them() -> None:
    moved = _bag().to("meta")

    assert {str(value.device) for _, value in moved.parts()} == {"meta"}
