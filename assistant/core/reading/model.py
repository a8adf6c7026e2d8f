"""The text model: TF-IDF n-grams and logistic regression over labelled phrasings, for the
words that neither phrases nor numbers read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

PHRASINGS = Path(__file__).resolve().parents[1] / "data" / "phrasings.yaml"
"""The labelled sentences the text model learns from."""
GUESSES_KEPT = 1024
"""How many texts' guesses the text model remembers."""
NONE_LABEL = "none"

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_COMMON_WORDS = (
    "a an the i im my me we our it its is are was were be been am do does did to of in on "
    "at for with and or but so this that these those there here what how why when which "
    "who not no yes dont doesnt didnt isnt cant wont just very really also get got have "
    "has had can could would should will about all any some more most after before then "
    "than"
)
_STOP_WORDS = frozenset(_COMMON_WORDS.split())
_WORD = re.compile(r"[a-z0-9]+")


def _model_text(text: str) -> str:
    return re.sub(r"['’‘`]", "", text).replace("|", " ").lower().strip()


@dataclass(frozen=True)
class TextModel:
    """Logistic regression over character and word n-grams of the labelled phrasings: one
    binary model per label, their probabilities normalised to sum to one."""

    features: Any
    """The fitted TF-IDF union."""
    weights: Any
    """One row of coefficients per label."""
    intercepts: Any
    labels: list[str]
    vocabulary: frozenset[str]
    """Content words of the labelled sentences: text without any of them is not guessed at."""
    seen: dict[str, list[tuple[str, float]]] = field(default_factory=dict, compare=False)
    """Guesses already made: the engine reads every message again on each replay."""

    def guess(self, text: str) -> list[tuple[str, float]]:
        """Labels with their probability, best first; empty when no word is familiar."""
        cleaned = _model_text(text)
        if cleaned not in self.seen:
            if len(self.seen) >= GUESSES_KEPT:
                self.seen.clear()
            self.seen[cleaned] = self._rank(cleaned)
        return list(self.seen[cleaned])

    def _rank(self, cleaned: str) -> list[tuple[str, float]]:
        if not set(_WORD.findall(cleaned)) & self.vocabulary:
            return []
        scores = np.asarray(self.features.transform([cleaned]) @ self.weights.T)[0]
        # what OneVsRestClassifier.predict_proba computes, in one product rather than one
        # call per label (about fifty times faster, and the engine reads on every replay)
        probabilities = 1.0 / (1.0 + np.exp(-(scores + self.intercepts)))
        probabilities /= probabilities.sum()
        ranked = sorted(zip(self.labels, probabilities, strict=True), key=lambda lp: -lp[1])
        return [(label, float(p)) for label, p in ranked]


def load_phrasings(path: Path = PHRASINGS) -> list[tuple[str, str]]:
    """(sentence, label) pairs from the phrasings file."""
    raw: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    groups = raw.get("phrasings") if isinstance(raw, dict) else None
    if not isinstance(groups, dict):
        raise ValueError(
            f"{path}: expected a mapping under 'phrasings' (label -> sentences), "
            f"got {type(groups).__name__}"
        )
    return [(str(sentence), str(label)) for label, items in groups.items() for sentence in items]


@lru_cache(maxsize=2)
def text_model(path: Path = PHRASINGS) -> TextModel:
    """Train the text model on the phrasings at first use; later calls reuse it."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_union

    pairs = load_phrasings(path)
    sentences = [_model_text(sentence) for sentence, _ in pairs]
    labels = [label for _, label in pairs]
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"[a-z0-9]+"),
    )
    # One binary liblinear model per label: a tenth of the time of one multinomial lbfgs
    # model over the same features, with much the same probabilities.
    classifier = OneVsRestClassifier(LogisticRegression(C=20.0, solver="liblinear", random_state=0))
    classifier.fit(features.fit_transform(sentences), labels)
    vocabulary = frozenset(
        word
        for sentence, label in zip(sentences, labels, strict=True)
        if label != NONE_LABEL
        for word in _WORD.findall(sentence)
        if word not in _STOP_WORDS and not word.isdigit()
    )
    estimators = classifier.estimators_
    return TextModel(
        features=features,
        weights=np.vstack([e.coef_[0] for e in estimators]),
        intercepts=np.array([e.intercept_[0] for e in estimators]),
        labels=[str(label) for label in classifier.classes_],
        vocabulary=vocabulary,
    )
