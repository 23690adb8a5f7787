"""Exercises for regression/05_house_prices.py. Write your answers in this file, then check them:

    python -m lessonkit.check regression/05

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/regression/05_house_prices.py (try first).
"""

from __future__ import annotations

import pandas as pd
import torch

# Exercise 1 (note 000 kaggleTest, log_rmse; a number answers it): a model predicts every house at exactly
# 10% above its sale price. What log-RMSE does the lesson's log_rmse() give it (three decimals)? Would it be
# the same for houses that all cost ten times more?
LOG_RMSE_TEN_PERCENT_HIGH = None


def k_fold_indices(n: int, k: int, i: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Exercise 2 (note 002 交叉验证 K-fold cross-validation, and 000 kaggleTest get_k_fold_data; a few lines):
    the row positions (two 1-D integer tensors) of fold i's training rows and validation rows, for n rows in
    k folds: the validation folds i = 0 .. k-1 do not overlap and are as equal in size as possible (n // k or
    n // k + 1 rows each), and in every fold each of the n rows is either a training or a validation row."""
    raise NotImplementedError


def preprocess(features: pd.DataFrame) -> pd.DataFrame:
    """Exercise 3 (note 000 kaggleTest, D2L's preprocessing; goes further): D2L's recipe on a table of raw
    features (numbers and text, with missing values): standardise every numeric column (mean 0, standard
    deviation 1 over its present values), then fill its missing values with 0 (the mean), and one-hot encode
    every text column with an extra column for "missing" (pd.get_dummies with dummy_na=True, which names the
    columns like MSZoning_RL and MSZoning_nan). Return a new table with no missing values that converts to a
    float32 array. Mind pandas 3: text columns have the str dtype, not object."""
    raise NotImplementedError
