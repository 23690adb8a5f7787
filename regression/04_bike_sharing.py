"""regression/04_bike_sharing.py: predict hourly bike rentals from the calendar and the weather (单车预测器).

The UCI Bike Sharing table has one row per hour of 2011-2012 in Washington D.C.: season, month,
hour, weekday, holiday, weather, temperature, humidity, wind, and the number of riders (cnt). You
will prepare it the way real tables are prepared: one-hot encode the categories (an hour is not
"twice as much" as another hour), drop columns that leak the answer (casual + registered = cnt) or
repeat others, standardise the numbers with statistics from the training days only, and split by
time: the last 21 days are the test set and the 60 days before them the validation set. Then two
networks: first one with its weights written by hand (tensors, a hand-written forward pass and SGD
step, as in note 003), then the same idea with nn.Sequential, ReLU, AdamW and a one-cycle schedule.

About the note's question "normalise the inputs, but why not the outputs?": here the target cnt is
standardised too, and the mean and standard deviation are kept to undo it. Errors are reported both
on the standardised scale (what the floor and the loss use) and in riders per hour (what a bike
operator cares about): scaling the target changes the units of the loss, not the meaning of the
model, as long as you convert back. Try --raw-target to train the second network on raw counts
(with AdamW it still learns, a little less well: validation MSE about 0.16 instead of 0.13).

Notes: 003 chapter 3 (the bike-sharing predictor: one-hot encoding, normalisation, a hand-made network
with weights1/biases1/weights2, then torch.nn.Sequential; its .data updates become torch.no_grad(),
its float64 tensors float32; the scaler here is fitted on the training days only, where the usual
version of this project fits it on the whole table).
Run:    python regression/04_bike_sharing.py [--epochs 10] [--manual-epochs 40] [--raw-target] [--quick]
Prints: the split sizes, one line per epoch for each network, then MSE (standardised) and RMSE/MAE in
riders per hour on the validation and test days.
Saves:  outputs/regression/04_bike_sharing/{metrics.json, curves.png, test_predictions.png}
Expect: the hand-made sigmoid network (40 epochs of plain SGD): validation MSE 0.13-0.17, noisy from
epoch to epoch; nn.Sequential: validation MSE about 0.12-0.13 (floor 0.18), an RMSE of about 63 riders
per hour (MAE about 40) on the validation days. About 10 seconds on a quiet 2-core CPU.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.ticker import MaxNLocator
from torch import nn

import lessonkit as lk

CATEGORICAL = ["season", "weathersit", "mnth", "hr", "weekday"]
# instant is a row number; casual + registered add up to cnt (they would leak the answer); atemp
# ("feels like") nearly repeats temp; workingday is a function of weekday and holiday.
DROPPED = ["instant", "atemp", "workingday", "casual", "registered"]
STANDARDISED = ["temp", "hum", "windspeed", "cnt"]
TARGET = "cnt"
TEST_DAYS, VALIDATION_DAYS = 21, 60


@dataclass
class BikeData:
    """Model-ready tensors plus what is needed to read the results in riders per hour."""
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    features: list[str]
    scaler: dict[str, tuple[float, float]]   # column -> (mean, std) of the training days
    test_times: pd.Series                    # date and hour of each test row, for the plot
    split_days: dict[str, tuple[str, str]]   # first and last day of each split

    def to_riders(self, y: torch.Tensor) -> torch.Tensor:
        """Undo the target's standardisation: back to riders per hour."""
        mean, std = self.scaler[TARGET]
        return y * std + mean


def split_by_days(dates: pd.Series, test_days: int = TEST_DAYS, validation_days: int = VALIDATION_DAYS):
    """Boolean masks (train, validation, test): the last test_days dates, the validation_days before."""
    days = np.sort(dates.unique())
    if len(days) <= test_days + validation_days:
        raise lk.LessonError(f"the bike table covers {len(days)} days; the split needs more than "
                             f"{test_days + validation_days} (test {test_days} + validation {validation_days})")
    test = dates.isin(days[-test_days:])
    validation = dates.isin(days[-(test_days + validation_days):-test_days])
    return ~(test | validation), validation, test


def prepare(table: pd.DataFrame, standardise_target: bool = True) -> BikeData:
    """One-hot encode, drop, split by days, standardise with training statistics, make tensors."""
    # one-hot (独热编码): hr becomes hr_0 ... hr_23, each 0 or 1 (pandas 3 copy-on-write: no in-place edits)
    data = pd.get_dummies(table, columns=CATEGORICAL, dtype=np.float32).drop(columns=DROPPED)
    train, validation, test = split_by_days(data["dteday"])
    test_times = pd.to_datetime(table.loc[test, "dteday"]) + pd.to_timedelta(table.loc[test, "hr"], unit="h")
    split_days = {name: (str(data.loc[mask, "dteday"].min()), str(data.loc[mask, "dteday"].max()))
                  for name, mask in (("train", train), ("validation", validation), ("test", test))}
    data = data.drop(columns=["dteday"])

    # Statistics from the training days only: the validation and test days must stay unseen.
    # (The usual version of this project uses the whole table, which lets the future leak into the scaling.)
    columns = STANDARDISED if standardise_target else [c for c in STANDARDISED if c != TARGET]
    scaler = {c: (float(data.loc[train, c].mean()), float(data.loc[train, c].std())) for c in columns}
    if not standardise_target:
        scaler[TARGET] = (0.0, 1.0)      # "undoing" it changes nothing
    for column, (mean, std) in scaler.items():
        data[column] = (data[column] - mean) / std

    features = [c for c in data.columns if c != TARGET]

    def tensors(mask):
        x = torch.tensor(data.loc[mask, features].to_numpy(dtype=np.float32))           # (rows, features)
        y = torch.tensor(data.loc[mask, TARGET].to_numpy(dtype=np.float32)).unsqueeze(1)  # (rows, 1)
        return x, y

    return BikeData(*tensors(train), *tensors(validation), *tensors(test), features=features, scaler=scaler,
                    test_times=test_times.reset_index(drop=True), split_days=split_days)


# --- 1. a network with its weights written by hand (003) ----------------------------------------

class ManualNet:
    """x (batch, inputs) -> sigmoid(x @ W1 + b1) (batch, hidden) -> @ W2 + b2 (batch, 1).

    Plain tensors with requires_grad, no nn.Module. 003 drew the weights from randn (standard
    deviation 1); dividing by sqrt(fan_in) keeps the sigmoid out of its flat ends at the start.
    003's network had no output bias; b2 is added here so that the output can shift freely.
    """

    def __init__(self, inputs: int, hidden: int, generator: torch.Generator, device: torch.device):
        def param(*shape, scale):
            return (torch.randn(*shape, generator=generator) * scale).to(device).requires_grad_()

        self.w1 = param(inputs, hidden, scale=inputs ** -0.5)
        self.b1 = torch.zeros(hidden, device=device, requires_grad=True)
        self.w2 = param(hidden, 1, scale=hidden ** -0.5)
        self.b2 = torch.zeros(1, device=device, requires_grad=True)

    def parameters(self) -> list[torch.Tensor]:
        return [self.w1, self.b1, self.w2, self.b2]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        hidden = torch.sigmoid(x @ self.w1 + self.b1)   # (batch, hidden); b1 broadcasts over the batch
        return hidden @ self.w2 + self.b2               # (batch, 1)

    def sgd_step(self, lr: float) -> None:
        """p <- p - lr * grad, outside autograd; then clear the gradients (they would add up)."""
        with torch.no_grad():
            for p in self.parameters():
                p -= lr * p.grad
                p.grad = None


def mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return torch.mean((prediction - target) ** 2)


def train_manual(data: BikeData, *, hidden: int, lr: float, batch_size: int, epochs: int,
                 generator: torch.Generator, device: torch.device) -> tuple[ManualNet, list[dict]]:
    net = ManualNet(data.x_train.shape[1], hidden, generator, device)
    x_train, y_train = data.x_train.to(device), data.y_train.to(device)
    x_val, y_val = data.x_val.to(device), data.y_val.to(device)
    history = []
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        losses = []
        for xb, yb in lk.batches(x_train, y_train, batch_size, shuffle=True, generator=generator):
            loss = mse(net(xb), yb)
            lk.check_finite(loss, f"hand-made network, epoch {epoch}")
            loss.backward()
            net.sgd_step(lr)
            losses.append(loss.item())
        with torch.no_grad():
            val = mse(net(x_val), y_val).item()
        history.append({"epoch": epoch, "train_mse": float(np.mean(losses)), "val_mse": val})
        print(f"  epoch {epoch:3d}/{epochs}  train MSE {history[-1]['train_mse']:.4f}  validation MSE {val:.4f}"
              f"  ({time.perf_counter() - t0:.1f} s)")
    return net, history


# --- 2. the same idea with nn.Sequential ---------------------------------------------------------

def make_sequential(inputs: int, hidden: int) -> nn.Sequential:
    """(batch, inputs) -> (batch, 1). ReLU instead of sigmoid: no flat ends, so gradients keep flowing."""
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, 1),                 # a regression output: no activation
    )


def train_sequential(model: nn.Module, data: BikeData, *, lr: float, batch_size: int, epochs: int,
                     generator: torch.Generator, device: torch.device) -> list[dict]:
    x_train, y_train = data.x_train.to(device), data.y_train.to(device)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
    steps = epochs * lk.num_batches(len(x_train), batch_size)
    # one-cycle: warm up, then anneal to almost 0, so the last epochs settle instead of jittering
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    history = []
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        model.train()
        loss_sum = 0.0
        bar = lk.progress(lk.batches(x_train, y_train, batch_size, shuffle=True, generator=generator),
                          total=lk.num_batches(len(x_train), batch_size), desc=f"epoch {epoch}/{epochs}")
        for xb, yb in bar:
            loss = loss_fn(model(xb), yb)
            lk.check_finite(loss, f"nn.Sequential, epoch {epoch}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.item() * len(xb)
        val = mse(lk.predict(model, data.x_val.to(device)), data.y_val.to(device)).item()
        history.append({"epoch": epoch, "train_mse": loss_sum / len(x_train), "val_mse": val})
        print(f"  epoch {epoch:3d}/{epochs}  train MSE {history[-1]['train_mse']:.4f}  validation MSE {val:.4f}"
              f"  ({time.perf_counter() - t0:.1f} s)")
    return history


def report(name: str, data: BikeData, predict_val: torch.Tensor, predict_test: torch.Tensor,
           target_std: float) -> dict:
    """Errors in riders per hour and on the standardised scale, for validation and test.

    Standardising divides every error by the target's std, so MSE(standardised) = MSE(riders) / std^2:
    computing it that way also puts a model trained on raw counts on the same scale.
    """
    out = {}
    for split, prediction, truth in (("val", predict_val, data.y_val), ("test", predict_test, data.y_test)):
        riders_pred, riders_true = data.to_riders(prediction.cpu()), data.to_riders(truth.cpu())
        riders_mse = mse(riders_pred, riders_true).item()
        out[f"{split}_mse"] = riders_mse / target_std ** 2
        out[f"{split}_rmse_riders"] = riders_mse ** 0.5
        out[f"{split}_mae_riders"] = (riders_pred - riders_true).abs().mean().item()
    print(f"{name:<16} validation: MSE {out['val_mse']:.4f} (standardised), RMSE {out['val_rmse_riders']:.1f}, "
          f"MAE {out['val_mae_riders']:.1f} riders/hour | test: MSE {out['test_mse']:.4f}, "
          f"RMSE {out['test_rmse_riders']:.1f}, MAE {out['test_mae_riders']:.1f} riders/hour")
    return out


def plot_curves(histories: dict[str, list[dict]], path, show: bool) -> None:
    fig, axes = plt.subplots(1, len(histories), figsize=(5.5 * len(histories), 4), squeeze=False)
    for ax, (name, history) in zip(axes[0], histories.items()):
        epochs = [h["epoch"] for h in history]
        ax.plot(epochs, [h["train_mse"] for h in history], "o-", label="train")
        ax.plot(epochs, [h["val_mse"] for h in history], "s-", label="validation")
        ax.axhline(0.18, color="tab:gray", linestyle=":", label="floor 0.18")
        ax.set(xlabel="epoch", ylabel="MSE (standardised counts)", title=name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    lk.save_figure(fig, path, show=show)


def plot_test_predictions(data: BikeData, predictions: dict[str, torch.Tensor], path, show: bool) -> None:
    times = data.test_times.to_numpy()
    fig, ax = plt.subplots(figsize=(14, 4.5))
    ax.plot(times, data.to_riders(data.y_test.cpu()).squeeze(1).numpy(), color="black", linewidth=1.5,
            label="truth")
    for (name, prediction), color in zip(predictions.items(), ("tab:orange", "tab:blue")):
        ax.plot(times, data.to_riders(prediction.cpu()).squeeze(1).numpy(), color=color, linewidth=1, label=name)
    ax.set(xlabel="date", ylabel="riders per hour",
           title=f"Test days {data.split_days['test'][0]} to {data.split_days['test'][1]}: prediction vs truth")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.autofmt_xdate()
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=10, batch_size=256, lr=0.01)
    parser.add_argument("--hidden", type=lk.positive_int, default=128,
                        help="units per hidden layer of the nn.Sequential network (default: 128)")
    parser.add_argument("--manual-epochs", type=lk.positive_int, default=40,
                        help="epochs for the hand-made network (default: 40)")
    parser.add_argument("--manual-hidden", type=lk.positive_int, default=16,
                        help="hidden units of the hand-made network (default: 16)")
    parser.add_argument("--manual-lr", type=lk.positive_float, default=0.2,
                        help="SGD learning rate of the hand-made network (default: 0.2)")
    parser.add_argument("--raw-target", action="store_true",
                        help="train nn.Sequential on raw rider counts instead of standardised ones")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    if args.quick:
        args.epochs, args.manual_epochs = min(args.epochs, 2), min(args.manual_epochs, 2)
    generator = torch.Generator().manual_seed(args.seed)

    # --- data ---
    table = lk.load_bike_sharing(run.data_dir)
    print(f"table: {table.shape[0]} hours x {table.shape[1]} columns, {table['dteday'].min()} to "
          f"{table['dteday'].max()}")
    data = prepare(table)
    for name, x in (("train", data.x_train), ("validation", data.x_val), ("test", data.x_test)):
        first, last = data.split_days[name]
        print(f"  {name:<10} {len(x):6d} hours  {first} .. {last}")
    mean, std = data.scaler[TARGET]
    print(f"features: {len(data.features)} after one-hot encoding; target cnt standardised with mean {mean:.1f} "
          f"and std {std:.1f} riders/hour (so an MSE of 0.18 is an RMSE of {0.18 ** 0.5 * std:.0f} riders/hour)")

    # --- 1. hand-made network, plain SGD ---
    print(f"\n1. hand-made network: {len(data.features)} -> {args.manual_hidden} (sigmoid) -> 1, plain SGD "
          f"lr {args.manual_lr}")
    manual, manual_history = train_manual(data, hidden=args.manual_hidden, lr=args.manual_lr,
                                          batch_size=64, epochs=args.manual_epochs, generator=generator,
                                          device=run.device)
    with torch.no_grad():
        manual_val, manual_test = manual(data.x_val.to(run.device)), manual(data.x_test.to(run.device))

    # --- 2. nn.Sequential ---
    print(f"\n2. nn.Sequential: {len(data.features)} -> {args.hidden} -> {args.hidden} -> 1 (ReLU), "
          f"AdamW lr {args.lr} one-cycle, batch {args.batch_size}")
    model = make_sequential(len(data.features), args.hidden).to(run.device)
    history = train_sequential(model, data, lr=args.lr, batch_size=args.batch_size, epochs=args.epochs,
                               generator=generator, device=run.device)
    seq_val, seq_test = lk.predict(model, data.x_val), lk.predict(model, data.x_test)

    print()
    results = {"manual": report("hand-made", data, manual_val, manual_test, std),
               "sequential": report("nn.Sequential", data, seq_val, seq_test, std)}

    if args.raw_target:
        # The same network and recipe, but the target in riders (1..977) instead of standard units:
        # the loss is about std^2 = 32,000 times larger and the last layer must reach outputs in the
        # hundreds. AdamW divides each step by the gradient's running size, so it still trains, only
        # less well in the same number of epochs; with plain SGD the learning rate would need retuning.
        print("\n--raw-target: nn.Sequential trained on raw counts")
        raw = prepare(table, standardise_target=False)
        torch.manual_seed(args.seed)
        raw_model = make_sequential(len(raw.features), args.hidden).to(run.device)
        train_sequential(raw_model, raw, lr=args.lr, batch_size=args.batch_size, epochs=args.epochs,
                         generator=generator, device=run.device)
        results["raw_target"] = report("raw target", raw, lk.predict(raw_model, raw.x_val),
                                       lk.predict(raw_model, raw.x_test), std)

    plot_curves({"hand-made network (sigmoid, SGD)": manual_history, "nn.Sequential (ReLU, AdamW)": history},
                run.out / "curves.png", args.show)
    plot_test_predictions(data, {"hand-made network": manual_test, "nn.Sequential": seq_test},
                          run.out / "test_predictions.png", args.show)
    return run.finish({
        "val_mse": results["sequential"]["val_mse"],
        "test_mse": results["sequential"]["test_mse"],
        "val_rmse_riders": results["sequential"]["val_rmse_riders"],
        "test_rmse_riders": results["sequential"]["test_rmse_riders"],
        "manual_val_mse": results["manual"]["val_mse"],
        "target_mean": mean,
        "target_std": std,
        "results": results,
        "history": history,
        "manual_history": manual_history,
    })


if __name__ == "__main__":
    main()
