"""The quality-of-life index's arithmetic (numpy, no database): normalise, treat missing data, aggregate, rank,
and the Monte Carlo sensitivity analysis. The choices come from a `Method` (data), never from this code.

Steps, after the OECD/JRC Handbook on Constructing Composite Indicators (2008):
1. normalise each indicator across the cities that have it: min-max to the method's scale (0–100), or z-score
   shown as centre + spread·z (50 + 10·z); an indicator where lower is better is reversed; an indicator with one
   value for every city carries no information and gives every city the middle of the scale;
2. missing data: `available_case` — a domain is scored from the indicators the city has; `indicator_mean` — a
   missing normalised value is replaced by the mean of the cities that have it; either way a domain missing more
   than `max_missing_share` of its indicators leaves the city without an index that year (it is not ranked);
3. a domain's score aggregates its indicators with equal weights; the index aggregates the domain scores with
   the domain weights — arithmetic (Σ wᵢ·xᵢ) or geometric (Π max(xᵢ, floor)^wᵢ, which penalises a weak domain);
4. ranks: 1 = best; equal scores share a rank (1, 2, 2, 4);
5. sensitivity: each of `draws` trials draws domain weights from a Dirichlet distribution centred on the method's
   weights (concentration c: the larger, the closer) and one normalisation and one aggregation from the method's
   choice and alternatives; each city's rank interval is the 5th–95th percentile of its ranks over the trials.
   A fixed seed gives the same intervals every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from atomgrad.citystats.method import Method

Matrix = NDArray[np.float64]


@dataclass(frozen=True)
class QolComputation:
    scores: Matrix  # (cities,), NaN = not enough data
    domains: Matrix  # (cities, domains), NaN = the domain has too much missing
    ranks: NDArray[np.int64]  # (cities,), 0 = not ranked
    rank_low: NDArray[np.int64]
    rank_high: NDArray[np.int64]


def normalise(raw: Matrix, *, higher_is_better: NDArray[np.bool_], method: Method, kind: str) -> Matrix:
    """Each column (indicator) normalised across the rows (cities) that have a value; NaN stays NaN."""
    middle = (method.scale_low + method.scale_high) / 2
    result = np.full(raw.shape, np.nan)
    for column in range(raw.shape[1]):
        values = raw[:, column]
        present = ~np.isnan(values)
        if not present.any():
            continue
        if kind == "minmax":
            low, high = np.min(values[present]), np.max(values[present])
            if high == low:
                result[present, column] = middle
                continue
            share = (values[present] - low) / (high - low)
            if not higher_is_better[column]:
                share = 1 - share
            result[present, column] = method.scale_low + share * (method.scale_high - method.scale_low)
        elif kind == "zscore":
            mean, spread = np.mean(values[present]), np.std(values[present])
            if spread == 0:
                result[present, column] = method.zscore_centre
                continue
            z = (values[present] - mean) / spread
            if not higher_is_better[column]:
                z = -z
            result[present, column] = method.zscore_centre + method.zscore_spread * z
        else:
            raise ValueError(kind)
    return result


def aggregate(values: Matrix, weights: NDArray[np.float64], *, kind: str, floor: float) -> Matrix:
    """Row-wise weighted mean of the non-missing columns (weights re-scaled over them); NaN where a row has
    none. Geometric: exp(Σ w·ln max(x, floor) / Σ w)."""
    present = ~np.isnan(values)
    weight = np.where(present, weights[np.newaxis, :], 0.0)
    total = weight.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "arithmetic":
            result = (np.where(present, values, 0.0) * weight).sum(axis=1) / total
        elif kind == "geometric":
            logs = np.log(np.maximum(np.where(present, values, floor), floor))
            result = np.exp((logs * weight).sum(axis=1) / total)
        else:
            raise ValueError(kind)
    return np.where(total > 0, result, np.nan)


def domain_scores(normalised: Matrix, *, method: Method, kind: str) -> Matrix:
    """(cities, domains): each domain aggregated from its indicators under the missing-data rule."""
    columns = np.cumsum([0, *(len(domain.indicators) for domain in method.domains)])
    result = np.full((normalised.shape[0], len(method.domains)), np.nan)
    for number in range(len(method.domains)):
        block = normalised[:, columns[number]:columns[number + 1]].copy()
        missing_share = np.isnan(block).mean(axis=1)
        if method.missing_rule == "indicator_mean":
            means = np.array([np.nanmean(column) if not np.isnan(column).all() else np.nan for column in block.T])
            block = np.where(np.isnan(block), means[np.newaxis, :], block)
        scores = aggregate(block, np.ones(block.shape[1]), kind=kind, floor=method.geometric_floor)
        result[:, number] = np.where(missing_share <= method.max_missing_share, scores, np.nan)
    return result


def index_scores(domains: Matrix, weights: NDArray[np.float64], *, kind: str, method: Method) -> Matrix:
    """The index of each city; NaN when any domain is missing (the city is not ranked that year)."""
    complete = ~np.isnan(domains).any(axis=1)
    scores = aggregate(domains, weights, kind=kind, floor=method.geometric_floor)
    return np.where(complete, scores, np.nan)


def ranks_of(scores: Matrix) -> NDArray[np.int64]:
    """Competition ranks, 1 = highest score; equal scores (to 9 decimals) share a rank; 0 = not ranked."""
    rounded = np.round(scores, 9)
    ranks = np.zeros(len(scores), dtype=np.int64)
    present = ~np.isnan(rounded)
    for index in np.flatnonzero(present):
        ranks[index] = 1 + int(np.sum(rounded[present] > rounded[index]))
    return ranks


def qol_compute(raw: Matrix, *, method: Method, seed: int | None = None, draws: int | None = None
                ) -> QolComputation:
    """The index, ranks and rank intervals of the rows of `raw` (cities × the method's indicators in the
    method's order, NaN = missing)."""
    higher = np.array([indicator.higher_is_better for indicator in method.indicators])
    weights = np.array(method.weights)
    by_choice: dict[tuple[str, str], Matrix] = {}
    for normalisation in (method.normalisation, *method.normalisation_alternatives):
        normalised = normalise(raw, higher_is_better=higher, method=method, kind=normalisation)
        for aggregation in (method.aggregation, *method.aggregation_alternatives):
            by_choice[(normalisation, aggregation)] = domain_scores(normalised, method=method, kind=aggregation)
    base_domains = by_choice[(method.normalisation, method.aggregation)]
    scores = index_scores(base_domains, weights, kind=method.aggregation, method=method)
    ranks = ranks_of(scores)
    low, high = rank_intervals(by_choice, method=method, ranked=ranks > 0,
                               seed=method.seed if seed is None else seed,
                               draws=method.draws if draws is None else draws)
    return QolComputation(scores=scores, domains=base_domains, ranks=ranks, rank_low=low, rank_high=high)


def rank_intervals(by_choice: dict[tuple[str, str], Matrix], *, method: Method, ranked: NDArray[np.bool_],
                   seed: int, draws: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The (low, high) percentiles of each ranked city's rank over `draws` Monte Carlo trials (0 for the
    cities not ranked). Only the cities ranked in the base case take part, so the intervals compare like
    with like."""
    rng = np.random.default_rng(seed)
    choices = list(by_choice)
    alpha = method.concentration * np.array(method.weights)
    ranks = np.zeros((draws, int(ranked.sum())), dtype=np.int64)
    for trial in range(draws):
        weights = rng.dirichlet(alpha)
        normalisation, aggregation = choices[int(rng.integers(len(choices)))]
        domains = by_choice[(normalisation, aggregation)][ranked]
        ranks[trial] = ranks_of(index_scores(domains, weights, kind=aggregation, method=method))
    low = np.zeros(len(ranked), dtype=np.int64)
    high = np.zeros(len(ranked), dtype=np.int64)
    if ranked.any():
        low[ranked] = np.percentile(ranks, method.percentiles[0], axis=0, method="lower")
        high[ranked] = np.percentile(ranks, method.percentiles[1], axis=0, method="higher")
    return low, high
