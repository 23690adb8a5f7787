"""Checks for exercises/basics/05_pandas.py (run: python -m lessonkit.check basics/05)."""

import numpy as np
import pandas as pd

from lessonkit.check import NotYet, lesson

pdl = lesson("basics/05_pandas.py")


def check_ROWS_LOC_AND_ILOC_1_TO_3(answer):
    if answer is None:
        raise NotImplementedError
    people = pdl.people_table()
    truth = (len(people.loc[1:3]), len(people.iloc[1:3]))
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise NotYet("give a pair: (rows of people.loc[1:3], rows of people.iloc[1:3])")
    if tuple(answer) != truth:
        raise NotYet("one of them includes the end of the slice and one does not: loc slices by label and "
                     "includes both ends, iloc by position and stops before the end, like Python")


def check_city_summary(answer):
    people = pdl.people_table()
    extra = pd.DataFrame({"name": ["Gil", "Hu", "Ines"], "city": ["Lima", "Oslo", "Paris"], "age": [30, 61, 80],
                          "height_cm": [190.0, 170.5, 150.0]})          # Paris: ages 34, 27, 80
    for frame in (people, pd.concat([people, extra], ignore_index=True)):
        original = frame.copy()
        got = answer(frame)
        if not isinstance(got, pd.DataFrame):
            raise NotYet("return a DataFrame with one row per city")
        if not frame.equals(original):
            raise NotYet("leave the input frame as it was")
        if set(got.columns) != {"people", "mean_age", "tallest_cm"}:
            raise NotYet(f'the columns must be "people", "mean_age" and "tallest_cm"; got {list(got.columns)}: '
                         'named aggregation is agg(people=("name", "size"), ...)')
        groups = frame.groupby("city")
        if sorted(map(str, got.index)) != sorted(groups.groups):
            raise NotYet("the index must hold each city once: group by the city column")
        got = got.sort_index()
        expected = {"people": groups.size(), "mean_age": groups["age"].mean(), "tallest_cm": groups["height_cm"].max()}
        for name, values in expected.items():
            close = np.isclose(got[name].to_numpy(dtype=float), values.sort_index().to_numpy(dtype=float))
            if not close.all():
                city = got.index[~close][0]
                raise NotYet(f"the column {name!r} is wrong for {city}: compare with the rows of "
                             f"frame[frame['city'] == {city!r}]")


def _frames():
    people = pdl.people_table().drop(columns="name")
    train, test = people.iloc[[0, 1, 2, 3, 5]].copy(), people.iloc[[4, 3]].copy()   # Lima only in test
    test.loc[3, "city"] = "Oslo"                                                     # and a new city
    return train, test


def check_one_hot_train_test(answer):
    train, test = _frames()
    train_before, test_before = train.copy(), test.copy()
    got = answer(train, test, "city")
    if not isinstance(got, tuple) or len(got) != 2 or not all(isinstance(f, pd.DataFrame) for f in got):
        raise NotYet("return the pair (encoded train, encoded test), two DataFrames")
    if not (train.equals(train_before) and test.equals(test_before)):
        raise NotYet("leave the input frames as they were: build new ones")
    enc_train, enc_test = got
    cities = sorted(train["city"].unique())
    wanted = {f"city_{c}" for c in cities}
    if "city" in enc_train.columns or "city" in enc_test.columns:
        raise NotYet("drop the text column itself: only its 0/1 columns stay")
    if set(enc_train.columns) != wanted | {"age", "height_cm"}:
        raise NotYet(f"the training result needs one column per training city, named city_<name>, plus the "
                     f"other columns; got {list(enc_train.columns)}")
    if list(enc_test.columns) != list(enc_train.columns):
        raise NotYet("the test result must have the training result's columns, in the same order, and no "
                     "others: reindex it with the training columns (fill_value=0)")
    for encoded, frame in ((enc_train, train), (enc_test, test)):
        if list(encoded.index) != list(frame.index):
            raise NotYet("keep the rows and their index labels as they were")
        if not all(pd.api.types.is_integer_dtype(encoded[c]) for c in wanted):
            raise NotYet("make the new columns integers 0/1 (get_dummies(..., dtype=int), or astype(int))")
        if not encoded[["age", "height_cm"]].equals(frame[["age", "height_cm"]]):
            raise NotYet("the other columns must stay as they were")
        for index, city in frame["city"].items():
            row = {c: int(encoded.loc[index, f"city_{c}"]) for c in cities}
            if row != {c: int(c == city) for c in cities}:
                raise NotYet(f"row {index} ({city}) is encoded as {row}: a training city gets a single 1 in its "
                             "own column, a city never seen in training 0 everywhere")
