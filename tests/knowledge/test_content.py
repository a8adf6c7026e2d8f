"""The bundled knowledge base's content: every promised cause, reachable questions, sane beliefs."""

from __future__ import annotations

import pytest

from assistant.core.beliefs import BeliefModel
from assistant.core.rules import derive
from knowledge.loader import KnowledgeBase, bundled

#: The cause ids promised to other tools (docs/architecture.md, contract 3).
DESIGN_CAUSES = [
    "data.too_small",
    "data.label_noise",
    "data.class_imbalance",
    "data.missing_values",
    "data.unscaled_features",
    "data.outliers",
    "data.useless_features",
    "data.split_leakage",
    "data.target_leakage",
    "data.misaligned_labels",
    "data.no_signal",
    "data.distribution_shift",
    "data.label_encoding",
    "data.unencoded_categoricals",
    "model.output_activation",
    "model.double_softmax",
    "model.too_small",
    "model.overfitting",
    "model.vanishing_gradients",
    "model.exploding_gradients",
    "model.dead_relu",
    "model.bad_init",
    "model.frozen_parameters",
    "model.no_nonlinearity",
    "model.wrong_architecture",
    "train.lr_too_high",
    "train.lr_too_low",
    "train.wrong_loss",
    "train.shape_broadcast",
    "train.missing_zero_grad",
    "train.too_few_epochs",
    "train.over_regularized",
    "train.numerical_instability",
    "train.mode_mismatch",
    "eval.misleading_metric",
    "eval.actually_fine",
    "frame.not_ml_problem",
]

#: What a healthy setup looks like once the probes have run.
HEALTHY = {
    "loss_trend": "decreasing",
    "train_valid_gap": "none",
    "overfit_one_batch": "pass",
    "init_loss": "expected",
    "gradient_flow": "healthy",
    "dead_units": "few",
    "lr_vs_suggested": "close",
    "output_range_mismatch": "no",
    "softmax_into_ce": "no",
    "loss_task_fit": "fits",
    "broadcast_mismatch": "no",
    "baseline_signal": "strong",
    "split_overlap": "no",
    "leaky_feature": "no",
    "missing_values": "none",
    "constant_predictions": "no",
}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return bundled()


@pytest.fixture(scope="module")
def model(kb: KnowledgeBase) -> BeliefModel:
    return BeliefModel(kb)


@pytest.mark.parametrize("cause_id", DESIGN_CAUSES)
def test_every_promised_cause_is_documented(kb: KnowledgeBase, cause_id: str) -> None:
    cause = kb.causes[cause_id]
    assert cause.title.strip()
    assert cause.explanation.strip()
    assert all(step.strip() for step in cause.fix.steps)
    assert cause.references
    assert cause.likelihoods


def test_families_follow_the_id_prefix(kb: KnowledgeBase) -> None:
    assert kb.causes["frame.not_ml_problem"].family == "frame"
    assert all(cause.id.startswith(f"{cause.family}.") for cause in kb.causes.values())


def test_priors_are_probabilities(kb: KnowledgeBase) -> None:
    assert all(0.0 < cause.prior < 1.0 for cause in kb.causes.values())


def test_every_fact_a_probe_yields_exists(kb: KnowledgeBase) -> None:
    missing = [(p.id, f) for p in kb.probes.values() for f in p.yields if f not in kb.facts]
    assert missing == []


def test_every_cause_cites_a_seed_article_or_a_source(kb: KnowledgeBase) -> None:
    for cause in kb.causes.values():
        assert all(reference.strip() for reference in cause.references), cause.id


def _learnable(kb: KnowledgeBase) -> set[str]:
    asked = {q.fact for q in kb.questions.values()}
    measured = {fact for probe in kb.probes.values() for fact in probe.yields}
    derived = {fact for rule in kb.rules for fact in rule.then}
    return asked | measured | derived


def test_no_question_waits_on_a_fact_that_cannot_be_learned(kb: KnowledgeBase) -> None:
    learnable = _learnable(kb)
    for question in kb.questions.values():
        for fact, values in question.requires.items():
            assert fact in learnable, f"{question.id} requires '{fact}', which nothing sets"
            assert set(values) <= set(kb.facts[fact].values), question.id


def test_every_question_offers_each_choice_once(kb: KnowledgeBase) -> None:
    for question in kb.questions.values():
        values = [choice.value for choice in question.choices]
        assert len(values) == len(set(values)), question.id
        assert 1 <= question.cost <= 3, question.id


def test_every_fact_a_cause_mentions_can_be_learned(kb: KnowledgeBase) -> None:
    learnable = _learnable(kb)
    for cause in kb.causes.values():
        assert set(cause.likelihoods) <= learnable, cause.id


def test_only_the_healthy_cause_means_nothing_wrong(kb: KnowledgeBase) -> None:
    # Contract 2 (docs/architecture.md): a healthy setup reports eval.actually_fine alone,
    # with no fix to try.
    assert [c.id for c in kb.causes.values() if c.means_nothing_wrong] == ["eval.actually_fine"]


def test_a_healthy_setup_reads_as_healthy(kb: KnowledgeBase, model: BeliefModel) -> None:
    confidence = dict(zip(model.causes, model.confidences(HEALTHY), strict=True))
    best = max(confidence, key=lambda cause: confidence[cause])
    found_at = kb.thresholds.found_at
    alarms = [c for c, p in confidence.items() if p >= found_at and c != "eval.actually_fine"]
    assert best == "eval.actually_fine"
    assert confidence[best] >= found_at
    assert alarms == []


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"task": "regression", "output_activation": "softmax"}, "model.output_activation"),
        (
            {"output_activation": "softmax", "loss_function": "cross_entropy"},
            "model.double_softmax",
        ),
        ({"loss_trend": "negative", "loss_function": "nll"}, "train.wrong_loss"),
        ({"loss_trend": "diverging", "learning_rate": "very_high"}, "train.lr_too_high"),
        ({"too_good": "yes", "leaky_feature": "yes"}, "data.target_leakage"),
        ({"overfit_one_batch": "pass", "shuffling": "separately"}, "data.misaligned_labels"),
        ({"crash": "index_out_of_bounds", "label_format": "one_based"}, "data.label_encoding"),
    ],
    ids=[
        "softmax-regression",
        "softmax-into-ce",
        "negative-nll",
        "lr-1",
        "leak",
        "shuffle",
        "1-based",
    ],
)
def test_decisive_evidence_names_the_cause(
    kb: KnowledgeBase, model: BeliefModel, facts: dict[str, str], expected: str
) -> None:
    known = {**facts, **{f: v for f, (v, _) in derive(facts, kb.rules).items()}}
    confidence = dict(zip(model.causes, model.confidences(known), strict=True))
    assert max(confidence, key=lambda cause: confidence[cause]) == expected
