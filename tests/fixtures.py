"""Tiny datasets written in the real file formats, so no test needs the network or real data.

Each writer produces files a lesson's loader reads exactly as it reads the real ones.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

MNIST_FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}


def write_idx_images(path: Path, images: np.ndarray) -> None:
    """IDX3 (magic 2051): big-endian count, rows, cols, then uint8 pixels; gzip-compressed."""
    n, rows, cols = images.shape
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, rows, cols))
        f.write(images.astype(np.uint8).tobytes())


def write_idx_labels(path: Path, labels: np.ndarray) -> None:
    """IDX1 (magic 2049): big-endian count, then uint8 labels; gzip-compressed."""
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">II", 2049, len(labels)))
        f.write(labels.astype(np.uint8).tobytes())


def fake_digit_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """28x28 images where each class lights a different band of rows, plus noise: learnable."""
    images = rng.integers(0, 60, size=(len(labels), 28, 28))
    for i, label in enumerate(labels):
        images[i, 2 + 2 * label: 6 + 2 * label, 4:24] = 230
    return images.astype(np.uint8)


def write_mnist_like(root: Path, name: str, n_train: int = 256, n_test: int = 64, seed: int = 0) -> Path:
    """<root>/<name>/raw/*.gz in torchvision's layout (name: MNIST or FashionMNIST)."""
    rng = np.random.default_rng(seed)
    raw = root / name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        write_idx_images(raw / MNIST_FILES[(split, "images")], fake_digit_images(labels, rng))
        write_idx_labels(raw / MNIST_FILES[(split, "labels")], labels)
    return raw


def write_tiny_data_root(root: Path) -> Path:
    """Every dataset the lessons read, tiny; add a writer here when a lesson needs new data."""
    write_mnist_like(root, "MNIST")
    write_mnist_like(root, "FashionMNIST", seed=1)
    write_bike_sharing(root)
    write_kaggle_house(root)
    write_diabetes(root)
    write_names(root)
    write_att_faces(root)
    return root


# --- regression tables: UCI bike sharing hour.csv and Kaggle house prices ----------------------

BIKE_HEADER = ("instant,dteday,season,yr,mnth,hr,holiday,weekday,workingday,weathersit,temp,atemp,hum,"
               "windspeed,casual,registered,cnt")
BIKE_HOLIDAYS = {"2011-01-17", "2011-02-21"}  # Martin Luther King Day, Washington's Birthday


def _number(value) -> str:
    """Write numbers the way the real files do: 16 not 16.0, 0.2879 not 0.28790000001."""
    return str(int(value)) if float(value).is_integer() else f"{value:.4f}".rstrip("0")


def write_bike_sharing(root: Path, days: int = 100, seed: int = 0) -> Path:
    """<root>/bike_sharing/hour.csv: the 17 real columns, hourly rows from 2011-01-01, CRLF endings.

    Riders follow the real data's shape: commuter peaks at 8:00 and 17:00-18:00 on working days, a
    midday hump at weekends, more riders when it is warm and fewer in bad weather.
    """
    import datetime

    rng = np.random.default_rng(seed)
    rows = [BIKE_HEADER]
    start = datetime.date(2011, 1, 1)
    instant = 0
    weather = 1
    for d in range(days):
        day = start + datetime.timedelta(days=d)
        weekday = (day.weekday() + 1) % 7                  # the file counts Sunday as 0
        holiday = int(day.isoformat() in BIKE_HOLIDAYS)
        working = int(1 <= weekday <= 5 and not holiday)
        season = day.month % 12 // 3 + 1
        base_temp = 0.2 + 0.3 * d / days + rng.normal(0, 0.04)
        for hr in range(24):
            instant += 1
            if rng.random() < 0.15:                       # the weather changes now and then
                weather = int(rng.choice([1, 1, 1, 2, 2, 3]))
            temp = float(np.clip(base_temp + 0.08 * np.sin((hr - 9) / 24 * 2 * np.pi), 0.02, 1.0))
            atemp = float(np.clip(temp + rng.normal(0, 0.02), 0.0, 1.0))
            hum = float(np.clip(rng.normal(0.6, 0.15), 0.1, 1.0))
            wind = 0.0298 * int(rng.integers(0, 12))
            mood = (1.6 * temp + 0.2) * (1.0, 0.85, 0.45, 0.2)[weather - 1]
            commute = np.exp(-((hr - 8) ** 2) / 2) + 1.3 * np.exp(-((hr - 17.5) ** 2) / 2)
            daytime = np.exp(-((hr - 14) ** 2) / 12)
            rate = mood * (200 * commute + 40 * daytime + 3) if working else mood * 90 * daytime + 2
            registered = 1 + rng.poisson(rate)
            casual = rng.poisson(mood * (8 * daytime if working else 50 * daytime) + 0.5)
            rows.append(",".join([
                str(instant), day.isoformat(), str(season), "0", str(day.month), str(hr), str(holiday),
                str(weekday), str(working), str(weather), _number(round(temp, 2)), _number(round(atemp, 4)),
                _number(round(hum, 2)), _number(round(wind, 4)), str(casual), str(registered),
                str(casual + registered),
            ]))
    folder = root / "bike_sharing"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hour.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("ascii"))  # CRLF, like the UCI file
    return path


# Text columns of the Kaggle house files with their most common values (from the real train.csv);
# every other column is a number. Missing values are written "NA", as in the real files.
HOUSE_TEXT_VALUES = {
    "MSZoning": ["RL", "RM", "FV", "RH"], "Street": ["Pave", "Grvl"], "Alley": ["Grvl", "Pave"],
    "LotShape": ["Reg", "IR1", "IR2", "IR3"], "LandContour": ["Lvl", "Bnk", "HLS", "Low"],
    "Utilities": ["AllPub", "NoSeWa"], "LotConfig": ["Inside", "Corner", "CulDSac", "FR2"],
    "LandSlope": ["Gtl", "Mod", "Sev"], "Neighborhood": ["NAmes", "CollgCr", "OldTown", "Edwards"],
    "Condition1": ["Norm", "Feedr", "Artery", "RRAn"], "Condition2": ["Norm", "Feedr", "Artery", "RRNn"],
    "BldgType": ["1Fam", "TwnhsE", "Duplex", "Twnhs"], "HouseStyle": ["1Story", "2Story", "1.5Fin", "SLvl"],
    "RoofStyle": ["Gable", "Hip", "Flat", "Gambrel"], "RoofMatl": ["CompShg", "Tar&Grv", "WdShngl", "WdShake"],
    "Exterior1st": ["VinylSd", "HdBoard", "MetalSd", "Wd Sdng"],
    "Exterior2nd": ["VinylSd", "MetalSd", "HdBoard", "Wd Sdng"], "MasVnrType": ["BrkFace", "Stone", "BrkCmn"],
    "ExterQual": ["TA", "Gd", "Ex", "Fa"], "ExterCond": ["TA", "Gd", "Fa", "Ex"],
    "Foundation": ["PConc", "CBlock", "BrkTil", "Slab"], "BsmtQual": ["TA", "Gd", "Ex", "Fa"],
    "BsmtCond": ["TA", "Gd", "Fa", "Po"], "BsmtExposure": ["No", "Av", "Gd", "Mn"],
    "BsmtFinType1": ["Unf", "GLQ", "ALQ", "BLQ"], "BsmtFinType2": ["Unf", "Rec", "LwQ", "BLQ"],
    "Heating": ["GasA", "GasW", "Grav", "Wall"], "HeatingQC": ["Ex", "TA", "Gd", "Fa"], "CentralAir": ["Y", "N"],
    "Electrical": ["SBrkr", "FuseA", "FuseF", "FuseP"], "KitchenQual": ["TA", "Gd", "Ex", "Fa"],
    "Functional": ["Typ", "Min2", "Min1", "Mod"], "FireplaceQu": ["Gd", "TA", "Fa", "Ex"],
    "GarageType": ["Attchd", "Detchd", "BuiltIn", "Basment"], "GarageFinish": ["Unf", "RFn", "Fin"],
    "GarageQual": ["TA", "Fa", "Gd", "Ex"], "GarageCond": ["TA", "Fa", "Gd", "Po"], "PavedDrive": ["Y", "N", "P"],
    "PoolQC": ["Gd", "Ex", "Fa"], "Fence": ["MnPrv", "GdPrv", "GdWo", "MnWw"],
    "MiscFeature": ["Shed", "Gar2", "Othr", "TenC"], "SaleType": ["WD", "New", "COD", "ConLD"],
    "SaleCondition": ["Normal", "Partial", "Abnorml", "Family"],
}
# Number columns: (low, high) of typical values in the real train.csv (5th to 95th percentile).
HOUSE_NUMBER_RANGES = {
    "MSSubClass": (20, 160), "LotFrontage": (35, 107), "LotArea": (3311, 17401), "OverallQual": (4, 8),
    "OverallCond": (4, 8), "YearBuilt": (1916, 2007), "YearRemodAdd": (1950, 2007), "MasVnrArea": (0, 456),
    "BsmtFinSF1": (0, 1274), "BsmtFinSF2": (0, 396), "BsmtUnfSF": (0, 1468), "TotalBsmtSF": (519, 1753),
    "1stFlrSF": (672, 1831), "2ndFlrSF": (0, 1141), "LowQualFinSF": (0, 0), "GrLivArea": (848, 2466),
    "BsmtFullBath": (0, 1), "BsmtHalfBath": (0, 1), "FullBath": (1, 2), "HalfBath": (0, 1), "BedroomAbvGr": (2, 4),
    "KitchenAbvGr": (1, 1), "TotRmsAbvGrd": (4, 10), "Fireplaces": (0, 2), "GarageYrBlt": (1930, 2007),
    "GarageCars": (0, 3), "GarageArea": (0, 850), "WoodDeckSF": (0, 335), "OpenPorchSF": (0, 175),
    "EnclosedPorch": (0, 180), "3SsnPorch": (0, 0), "ScreenPorch": (0, 160), "PoolArea": (0, 0), "MiscVal": (0, 0),
    "MoSold": (2, 11), "YrSold": (2006, 2010),
}
# The real header order (Id, 79 features; train.csv adds SalePrice).
HOUSE_COLUMNS = (
    "Id,MSSubClass,MSZoning,LotFrontage,LotArea,Street,Alley,LotShape,LandContour,Utilities,LotConfig,LandSlope,"
    "Neighborhood,Condition1,Condition2,BldgType,HouseStyle,OverallQual,OverallCond,YearBuilt,YearRemodAdd,"
    "RoofStyle,RoofMatl,Exterior1st,Exterior2nd,MasVnrType,MasVnrArea,ExterQual,ExterCond,Foundation,BsmtQual,"
    "BsmtCond,BsmtExposure,BsmtFinType1,BsmtFinSF1,BsmtFinType2,BsmtFinSF2,BsmtUnfSF,TotalBsmtSF,Heating,"
    "HeatingQC,CentralAir,Electrical,1stFlrSF,2ndFlrSF,LowQualFinSF,GrLivArea,BsmtFullBath,BsmtHalfBath,"
    "FullBath,HalfBath,BedroomAbvGr,KitchenAbvGr,KitchenQual,TotRmsAbvGrd,Functional,Fireplaces,FireplaceQu,"
    "GarageType,GarageYrBlt,GarageFinish,GarageCars,GarageArea,GarageQual,GarageCond,PavedDrive,WoodDeckSF,"
    "OpenPorchSF,EnclosedPorch,3SsnPorch,ScreenPorch,PoolArea,PoolQC,Fence,MiscFeature,MiscVal,MoSold,YrSold,"
    "SaleType,SaleCondition"
).split(",")
# How often a column is missing: mostly-empty ones as in the real data, a few others now and then.
HOUSE_MISSING = {"Alley": 0.9, "PoolQC": 0.95, "Fence": 0.8, "MiscFeature": 0.9, "FireplaceQu": 0.5,
                 "MasVnrType": 0.6, "LotFrontage": 0.2, "GarageYrBlt": 0.05, "GarageType": 0.05,
                 "BsmtQual": 0.03, "MasVnrArea": 0.02}
# In test.csv these integer columns have a few gaps, which makes pandas read them as floats (as the real one).
HOUSE_TEST_GAPS = ("BsmtFinSF1", "BsmtFinSF2", "BsmtUnfSF", "TotalBsmtSF", "BsmtFullBath", "BsmtHalfBath",
                   "GarageCars", "GarageArea", "MSZoning", "KitchenQual")


def write_kaggle_house(root: Path, n_train: int = 60, n_test: int = 60, seed: int = 0) -> tuple[Path, Path]:
    """<root>/kaggle_house/{train,test}.csv with all 81/80 real columns, "NA" for missing values.

    SalePrice grows with living area and overall quality, so a model has something to learn.
    """
    rng = np.random.default_rng(seed)
    folder = root / "kaggle_house"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for split, n, first_id in (("train", n_train, 1), ("test", n_test, 1461)):
        header = HOUSE_COLUMNS + (["SalePrice"] if split == "train" else [])
        lines = [",".join(header)]
        for i in range(n):
            row = {"Id": first_id + i}
            for col in HOUSE_COLUMNS[1:]:
                if col in HOUSE_TEXT_VALUES:
                    values = HOUSE_TEXT_VALUES[col]
                    row[col] = values[min(int(rng.geometric(0.6)) - 1, len(values) - 1)]  # the first is most common
                else:
                    low, high = HOUSE_NUMBER_RANGES[col]
                    row[col] = int(rng.integers(low, high + 1))
                if rng.random() < HOUSE_MISSING.get(col, 0.0):
                    row[col] = None
            if split == "test" and i < len(HOUSE_TEST_GAPS):
                row[HOUSE_TEST_GAPS[i]] = None
            if split == "train":
                price = 12000 * row["OverallQual"] + 60 * row["GrLivArea"] + 300 * (row["YearBuilt"] - 1900)
                row["SalePrice"] = int(round(price * np.exp(rng.normal(0, 0.1)), -2))
            lines.append(",".join("NA" if row[c] is None else str(row[c]) for c in header))
        path = folder / f"{split}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="ascii")
        paths.append(path)
    return paths[0], paths[1]


def write_diabetes(root: Path, n: int = 120, seed: int = 0) -> Path:
    """<root>/liu/diabetes.csv.gz as the course ships it: no header, 8 features in [-1, 1], a 0/1 label.

    The label follows a noisy linear rule of glucose and BMI (as in the real data, the two strongest
    signals), so a model has something to learn.
    """
    rng = np.random.default_rng(seed)
    features = rng.uniform(-1, 1, size=(n, 8))
    labels = (1.5 * features[:, 1] + 0.8 * features[:, 5] + rng.normal(0, 0.3, n) > 0.2).astype(int)
    path = root / "liu" / "diabetes.csv.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join([*(f"{v:.6g}" for v in row), str(label)]) for row, label in zip(features, labels)]
    with gzip.open(path, "wt", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    return path


NAME_COUNTRIES = (
    "Arabic", "Chinese", "Czech", "Dutch", "English", "French", "German", "Greek", "Irish", "Italian",
    "Japanese", "Korean", "Polish", "Portuguese", "Russian", "Scottish", "Spanish", "Vietnamese",
)


def write_names(root: Path, per_country: tuple[int, int] = (12, 4), seed: int = 0) -> tuple[Path, Path]:
    """<root>/liu/names_{train,test}.csv.gz as the course ships them: `"Name","Country"`, no header.

    Each country's names share a made-up ending (its first three letters, e.g. "...ara" for Arabic), so a
    character model can learn them; some names carry a space, an apostrophe or a comma, as real ones do.
    """
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    folder = root / "liu"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for split, n in zip(("train", "test"), per_country):
        rows = []
        for country in NAME_COUNTRIES:
            for i in range(n):
                stem = "".join(rng.choice(letters, size=int(rng.integers(2, 6)))).capitalize()
                name = stem + country[:3].lower()
                if i % 5 == 1:
                    name = "O'" + name
                elif i % 7 == 2:
                    name = name + ", Jr"
                rows.append(f'"{name}","{country}"')
        rng.shuffle(rows)
        path = folder / f"names_{split}.csv.gz"
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")
        paths.append(path)
    return paths[0], paths[1]


# --- faces: the AT&T (ORL) layout -------------------------------------------------------------------------

def fake_faces(people: int, photos: int, rng: np.random.Generator, height: int = 112, width: int = 92):
    """(people, photos, H, W) uint8: each person a smooth random pattern of their own, each photo of them that
    pattern shifted by a few pixels, brightened a little and with noise: learnable, never a real face."""
    small = rng.normal(size=(people, 1, height // 8 + 2, width // 8 + 2))
    pattern = np.kron(small, np.ones((1, 1, 8, 8)))[:, :, :height + 8, :width + 8]
    out = np.empty((people, photos, height, width), dtype=np.uint8)
    for k in range(photos):
        dy, dx = rng.integers(0, 8, size=2)
        picture = pattern[:, 0, dy:dy + height, dx:dx + width] * 40 + 128 + rng.normal(0, 10, (people, height, width))
        out[:, k] = np.clip(picture + rng.normal(0, 10, (people, 1, 1)), 0, 255).astype(np.uint8)
    return out


def write_pgm(path: Path, image: np.ndarray) -> None:
    """Binary PGM (P5), 8 bits, as the AT&T files are."""
    path.write_bytes(f"P5\n{image.shape[1]} {image.shape[0]}\n255\n".encode() + image.tobytes())


def write_att_faces(root: Path, people: int = 40, photos: int = 10, seed: int = 0) -> Path:
    """<root>/att_faces/s1 .. s40/1.pgm .. 10.pgm, 92 wide and 112 high like the real database."""
    folder = root / "att_faces"
    faces = fake_faces(people, photos, np.random.default_rng(seed))
    for person in range(people):
        (folder / f"s{person + 1}").mkdir(parents=True, exist_ok=True)
        for photo in range(photos):
            write_pgm(folder / f"s{person + 1}" / f"{photo + 1}.pgm", faces[person, photo])
    return folder


def onnx_identity(path, name_in="image", name_out="logits", shape_in=("batch", 1, 28, 28), shape_out=("batch", 10)):
    """A tiny valid ONNX graph: a Flatten then a Slice stand-in, built with onnx.helper (no export needed)."""
    import onnx
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Flatten", [name_in], ["flat"]),
             helper.make_node("Slice", ["flat", "starts", "ends", "axes"], [name_out])]
    inits = [helper.make_tensor(n, TensorProto.INT64, [1], [v]) for n, v in (("starts", 0), ("ends", 10), ("axes", 1))]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(name_in, TensorProto.FLOAT, list(shape_in))],
                              [helper.make_tensor_value_info(name_out, TensorProto.FLOAT, list(shape_out))], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path
