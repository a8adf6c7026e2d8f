"""How the numeric columns are spread: their scales, normalisation and extreme values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from probes.data.outcome import Check, number, percent, plural
from probes.data.profile import Profile

#: Robust ranges that differ by this factor or more are "very different" scales.
SCALE_RATIO = 100.0
#: A normalised column keeps 99% of its values within +-this bound ...
NORMALISED_BOUND = 10.0
#: ... and spans at least this much.
NORMALISED_SPAN = 0.01
#: Tukey's far fences: values beyond this many IQRs outside the quartiles are extreme.
FAR_OUT = 3.0
#: A column with at least this share of extreme values has "many" outliers.
MANY_OUTLIERS = 0.01
#: Values that commonly stand in for "missing": -1 and runs of nines (99, -999, 9999, ...).
SENTINELS = (-1.0, *(sign * (10.0**digits - 1) for digits in range(2, 7) for sign in (1, -1)))
#: How many columns a note names.
NAMED = 3


@dataclass(frozen=True)
class Spread:
    """A numeric column's robust range: its 0.5% and 99.5% quantiles."""

    name: str
    low: float
    high: float
    quartiles: tuple[float, float]
    values: np.ndarray

    @property
    def span(self) -> float:
        width = self.high - self.low
        return width if width > 0 else float(self.values.max() - self.values.min())


def spreads(profile: Profile) -> list[Spread]:
    """The robust range of every numeric, non-constant column, from the sample."""
    found = []
    for column, name in enumerate(profile.names):
        if profile.text[column] or profile.constant[column]:
            continue
        spread = spread_of(name, profile.sampled(column))
        if spread is not None:
            found.append(spread)
    return found


def spread_of(name: str, values: np.ndarray) -> Spread | None:
    """The robust range of one column's finite values; None for fewer than two distinct."""
    if len(values) < 2 or values.min() == values.max():
        return None
    q1, q3 = np.quantile(values, [0.25, 0.75])
    # Scales are judged on the bulk of the values: extreme values and stand-ins for missing are
    # the outliers check's business, and would make a sound column look unscaled.
    bulk = _bulk(values, float(q1), float(q3))
    low, high = np.quantile(bulk, [0.005, 0.995])
    return Spread(name, float(low), float(high), (float(q1), float(q3)), values)


def _bulk(values: np.ndarray, q1: float, q3: float) -> np.ndarray:
    iqr = q3 - q1
    inside = values
    if iqr > 0:
        inside = values[(values >= q1 - FAR_OUT * iqr) & (values <= q3 + FAR_OUT * iqr)]
    spread = Spread("", float(inside.min()), float(inside.max()), (q1, q3), values)
    if _sentinel_share(spread) > 0:
        stand_ins = np.isin(values, (values.min(), values.max())) & np.isin(values, SENTINELS)
        inside = inside[~np.isin(inside, values[stand_ins])]
    return inside if len(inside) else values


def feature_scales(columns: list[Spread]) -> Check:
    """Compare the widest and the narrowest robust range."""
    if len(columns) < 2:
        return Check(fact="feature_scales", value="similar", values={"scale_ratio": 1.0})
    widest = max(columns, key=lambda column: column.span)
    narrowest = min(columns, key=lambda column: column.span)
    ratio = widest.span / narrowest.span
    different = ratio >= SCALE_RATIO
    return Check(
        fact="feature_scales",
        value="very_different" if different else "similar",
        severity="warn" if different else "ok",
        note=f"feature scales differ {number(ratio)}-fold: {widest.name} spans "
        f"{number(widest.span)}, {narrowest.name} spans {number(narrowest.span)}",
        values={"scale_ratio": round(ratio, 3)},
    )


def inputs_normalised(columns: list[Spread]) -> Check:
    """Normalised inputs sit around zero with a spread near one; name those that do not."""
    unscaled = [column for column in columns if not _normalised(column)]
    unscaled.sort(key=lambda column: -max(abs(column.low), abs(column.high)))
    shown = ", ".join(
        f"{column.name} ({number(column.low)} to {number(column.high)})"
        for column in unscaled[:NAMED]
    )
    more = f" and {len(unscaled) - NAMED} more" if len(unscaled) > NAMED else ""
    return Check(
        fact="inputs_normalised",
        value="no" if unscaled else "yes",
        severity="warn" if unscaled else "ok",
        note=f"{plural(len(unscaled), 'column')} not normalised: {shown}{more}",
        values={"unnormalised_columns": len(unscaled)},
    )


def outliers(columns: list[Spread]) -> Check:
    """Share of values beyond Tukey's far fences or at a stand-in for missing, per column."""
    shares = [
        (column.name, max(_far_out_share(column), _sentinel_share(column))) for column in columns
    ]
    heavy = sorted(
        ((name, share) for name, share in shares if share >= MANY_OUTLIERS),
        key=lambda item: -item[1],
    )
    shown = ", ".join(f"{name} ({percent(share)})" for name, share in heavy[:NAMED])
    return Check(
        fact="outliers",
        value="many" if heavy else "few",
        severity="warn" if heavy else "ok",
        note=f"extreme values (beyond 3 IQR of the quartiles, or stand-ins such as -1 or 9999 "
        f"at the edge of the range) in "
        f"{plural(len(heavy), 'column')}: {shown}",
        values={"outlier_share_max": round(max((s for _, s in shares), default=0.0), 6)},
    )


def _normalised(column: Spread) -> bool:
    bound = max(abs(column.low), abs(column.high))
    return bound <= NORMALISED_BOUND and column.span >= NORMALISED_SPAN


def _far_out_share(column: Spread) -> float:
    q1, q3 = column.quartiles
    iqr = q3 - q1
    if iqr <= 0:
        return 0.0
    beyond = (column.values < q1 - FAR_OUT * iqr) | (column.values > q3 + FAR_OUT * iqr)
    return float(beyond.mean())


def _sentinel_share(column: Spread) -> float:
    """Share of a stand-in value such as -1 or 9999 that sits alone at the column's edge.

    A stand-in is the column's minimum or maximum, and every other value lies on the far side
    of it by a clear gap (-1 below counts that start at 0; 9999 above readings in the tens), so
    a column whose real values run through -1 is not taken for one.
    """
    values = column.values
    for edge in (values.min(), values.max()):
        if edge not in SENTINELS:
            continue
        rest = values[values != edge]
        if len(rest) == 0:
            continue
        gap = rest.min() - edge if edge < rest.min() else edge - rest.max()
        spread = max(float(np.quantile(rest, 0.75) - np.quantile(rest, 0.25)), 1e-12)
        if gap > 0 and ((edge == -1.0 and rest.min() >= 0) or gap >= FAR_OUT * spread):
            return float((values == edge).mean())
    return 0.0
