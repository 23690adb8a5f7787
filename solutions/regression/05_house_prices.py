"""Worked solutions for exercises/regression/05_house_prices.py, with a paragraph each. Check them with
    python -m lessonkit.check regression/05 --solutions
"""

from __future__ import annotations

import pandas as pd
import torch

# Exercise 1. log(1.1 y) - log(y) = log(1.1) = 0.0953 for every house, so the root mean square is 0.0953
# whatever the prices: the metric counts relative errors. A 10% miss on a $90,000 house costs as much as on a
# $900,000 one, where plain RMSE would be dominated by the dear houses. The lesson's 0.13 is a typical miss of
# about 14% (e^0.13 = 1.14).
LOG_RMSE_TEN_PERCENT_HIGH = 0.0953


def k_fold_indices(n: int, k: int, i: int) -> tuple[torch.Tensor, torch.Tensor]:
    """D2L's split, as the lesson's k_fold_slices: fold i validates the consecutive block of n // k rows from
    i * (n // k); the n % k rows after the last block train in every fold. Each row is validated once (or
    never, for the remainder), so the k scores together cover the data, and every score is on rows its model
    never saw. (Houses in the file are in no particular order; for sorted data shuffle the rows first.)"""
    size = n // k
    valid = torch.arange(i * size, (i + 1) * size)
    rows = torch.arange(n)
    train = rows[(rows < i * size) | (rows >= (i + 1) * size)]
    return train, valid


def preprocess(features: pd.DataFrame) -> pd.DataFrame:
    """Standardising first and filling afterwards puts every gap at the column's mean, 0, the value that says
    least. mean() and std() skip missing values. get_dummies turns each text value into a 0/1 column, and
    dummy_na adds one that is 1 where the text was missing (in these tables "missing" often means "none", e.g.
    no pool). select_dtypes finds the text columns whether pandas calls them str (pandas 3) or object. In the
    lesson these statistics come only from the rows a model trains on (scale(..., fit_rows))."""
    numeric = features.select_dtypes(include="number").columns
    text = features.select_dtypes(include=["object", "string"]).columns
    out = features.copy()
    out[numeric] = ((out[numeric] - out[numeric].mean()) / out[numeric].std()).fillna(0)
    return pd.get_dummies(out, columns=list(text), dummy_na=True, dtype=float)
