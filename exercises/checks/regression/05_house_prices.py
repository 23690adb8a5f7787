"""Checks for exercises/regression/05_house_prices.py (run: python -m lessonkit.check regression/05)."""

import numpy as np
import pandas as pd
import torch

from lessonkit.check import NotYet, lesson

house = lesson("regression/05_house_prices.py")


def check_LOG_RMSE_TEN_PERCENT_HIGH(answer):
    if answer is None:
        raise NotImplementedError
    if not isinstance(answer, (int, float)):
        raise NotYet("give a number, the log-RMSE")
    price = torch.tensor([[90_000.0], [180_000.0], [355_000.0]])
    truth = house.log_rmse(price * 1.1, price)
    if abs(answer - truth) > 1e-3:
        raise NotYet("every error is the same in log space: log(1.1 y) - log(y) does not depend on y; the root of "
                     "the mean of its square is that one number")


def _as_set(index, n: int, what: str) -> set:
    if not isinstance(index, torch.Tensor) or index.dim() != 1 or index.dtype.is_floating_point:
        raise NotYet(f"the {what} rows must be a 1-D tensor of whole numbers (row positions)")
    values = index.tolist()
    if len(set(values)) != len(values) or (values and not 0 <= min(values) <= max(values) < n):
        raise NotYet(f"the {what} rows must be distinct positions in 0 .. n - 1")
    return set(values)


def check_k_fold_indices(answer):
    for n, k in ((10, 5), (13, 5), (1460, 5), (7, 3)):
        seen = set()
        for i in range(k):
            got = answer(n, k, i)
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                raise NotYet("return two tensors: (training rows, validation rows)")
            train, valid = _as_set(got[0], n, "training"), _as_set(got[1], n, "validation")
            if train & valid:
                raise NotYet("a row is both a training and a validation row: the model would be scored on a row it "
                             "learned from")
            if train | valid != set(range(n)):
                raise NotYet(f"with n = {n}, k = {k}, fold {i} leaves rows out of both sets; every row is in one "
                             "of them (a remainder that does not fill a fold can stay in training)")
            if len(valid) not in (n // k, n // k + 1):
                raise NotYet(f"with n = {n} and k = {k} a validation fold has {n // k} or {n // k + 1} rows; fold {i} "
                             f"has {len(valid)}")
            if seen & valid:
                raise NotYet("two folds validate the same row: the k validation folds must not overlap")
            seen |= valid


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "LotArea": [8450.0, 9600.0, None, 9550.0, 14260.0, 14115.0],
        "YearBuilt": [2003, 1976, 2001, 1915, 2000, 1993],
        "MSZoning": ["RL", "RL", "RM", None, "RL", "FV"],
        "Street": ["Pave", "Pave", "Pave", "Grvl", "Pave", "Pave"],
    })


def check_preprocess(answer):
    raw = _table()
    before = raw.copy()
    out = answer(raw)
    if not isinstance(out, pd.DataFrame):
        raise NotYet("return a pandas DataFrame")
    if not raw.equals(before):
        raise NotYet("leave the caller's table as it was (pandas 3 copy-on-write: build new columns)")
    if len(out) != len(raw):
        raise NotYet("keep every row, in order")
    for column in ("MSZoning", "Street"):
        if column in out.columns:
            raise NotYet(f"the text column {column} is still there: pandas 3 gives text columns the str dtype, so "
                         "dtype == object finds none; select_dtypes(include=['object', 'string']) finds them")
    expected = {"MSZoning_RL", "MSZoning_RM", "MSZoning_FV", "MSZoning_nan", "Street_Pave", "Street_Grvl",
                "Street_nan"}
    if not expected <= set(out.columns):
        raise NotYet("one-hot encode each text column with a column per value and one for missing "
                     f"(dummy_na=True); missing: {sorted(expected - set(out.columns))[:2]} ...")
    try:
        values = out.to_numpy(dtype=np.float32)
    except (TypeError, ValueError):
        raise NotYet("every column must be a number (or a 0/1 flag): the table must become a float32 array") from None
    if np.isnan(values).any():
        raise NotYet("missing values are left: after standardising, fill the numeric columns' gaps with 0")
    zoning = out[["MSZoning_RL", "MSZoning_RM", "MSZoning_FV", "MSZoning_nan"]].to_numpy(dtype=np.float32)
    if not (zoning.sum(axis=1) == 1).all() or zoning[3, 3] != 1:
        raise NotYet("each row has exactly one 1 among a text column's one-hot columns; a missing value's is _nan")
    for column in ("LotArea", "YearBuilt"):
        present = raw[column].notna().to_numpy()
        values = raw[column].to_numpy(dtype=np.float64)
        got = out[column].to_numpy(dtype=np.float64)
        mean = values[present].mean()
        ok = any(np.allclose(got[present], (values[present] - mean) / values[present].std(ddof=d), atol=1e-5)
                 for d in (0, 1))
        if not ok:
            raise NotYet(f"{column} is not standardised: (value - column mean) / column std, with the mean and std "
                         "of the values that are present")
        if not np.allclose(got[~present], 0.0):
            raise NotYet(f"a missing {column} must become 0 after standardising (that is the mean)")
