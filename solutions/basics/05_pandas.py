"""Worked solutions for exercises/basics/05_pandas.py, with a paragraph each. Check them with
    python -m lessonkit.check basics/05 --solutions
"""

from __future__ import annotations

import pandas as pd

# Exercise 1. (3, 2). loc slices by label and includes both ends: labels 1, 2 and 3. iloc slices by position
# like a Python list and stops before the end: positions 1 and 2. With the default index 0..n-1 labels and
# positions are the same numbers, which is exactly when the difference is easy to miss; after sorting or
# filtering the labels are no longer positions at all.
ROWS_LOC_AND_ILOC_1_TO_3 = (3, 2)


def city_summary(people: pd.DataFrame) -> pd.DataFrame:
    """groupby("city") splits the rows by city; agg with keyword arguments names each output column and says
    (input column, function) for it, so one call gives the whole table, with the cities (sorted) as the
    index. "size" counts rows, missing values included; "count" would skip NaN."""
    return people.groupby("city").agg(
        people=("name", "size"),
        mean_age=("age", "mean"),
        tallest_cm=("height_cm", "max"),
    )


def one_hot_train_test(train: pd.DataFrame, test: pd.DataFrame, column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """get_dummies makes one 0/1 column per value it sees, so on the test rows alone it would make other
    columns (a new city, no column for a city the test rows lack), and a model fitted on the training
    columns could not read them. Encoding the training rows fixes the columns; reindex gives the test result
    exactly those, adding the missing ones as 0 and dropping ones never seen in training. This is the same
    rule as a scaler: learn from the training data, apply to new data unchanged (scikit-learn's
    OneHotEncoder(handle_unknown="ignore") does it for you)."""
    encoded_train = pd.get_dummies(train, columns=[column], dtype=int)
    encoded_test = pd.get_dummies(test, columns=[column], dtype=int)
    return encoded_train, encoded_test.reindex(columns=encoded_train.columns, fill_value=0)
