"""Exercises for basics/05_pandas.py. Write your answers in this file, then check them:

    python -m lessonkit.check basics/05

Replace each `raise NotImplementedError` (or None) with your answer; the checker prints "passed" or
"not yet" with a hint. Worked solutions: solutions/basics/05_pandas.py (try first).
"""

from __future__ import annotations

import pandas as pd

# Exercise 1 (note 000 ML_1, pandas selection with loc and iloc; a number answers it): with the lesson's
# people = people_table() (rows labelled 0..5), how many rows do people.loc[1:3] and people.iloc[1:3] have?
# Answer with the pair (rows of loc, rows of iloc).
ROWS_LOC_AND_ILOC_1_TO_3 = None


def city_summary(people: pd.DataFrame) -> pd.DataFrame:
    """Exercise 2 (note 000 ML_1, pandas groupby 分组聚合; a few lines): one row per city, the city names as the
    index, and three columns: "people" (how many rows have that city), "mean_age" (their mean age) and
    "tallest_cm" (the largest height_cm among them). For the lesson's people_table(), Berlin has 2 people.
    groupby with named aggregations, as in the lesson's group_summaries, does it in one call.
    """
    raise NotImplementedError


def one_hot_train_test(train: pd.DataFrame, test: pd.DataFrame, column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exercise 3 (note 000 ML_1, one-hot encoding 独热编码 of a text column; goes further): replace the text
    column `column` of both frames by 0/1 integer columns named f"{column}_{value}", one per value that
    occurs in TRAIN (the categories are learned from the training rows only, like a scaler's mean). Keep the
    other columns as they are. Both results must have exactly the same columns in the same order, so that a
    model fitted on one can read the other: a test value never seen in training gets 0 in every new column,
    and a value seen only in training still has its column (all 0) in the test result.
    """
    raise NotImplementedError
