"""regression/06_underfitting_overfitting.py: underfitting and overfitting with polynomial regression (欠拟合和过拟合).

Data come from a cubic polynomial plus noise,
    y = 5 + 1.2 x - 3.4 x^2 / 2! + 5.6 x^3 / 3! + N(0, 0.1^2),   x ~ N(0, 1),
and a linear model is fitted on polynomial features x^i / i! (dividing by i! keeps the high powers
from exploding). Four fits, each trained the same way (SGD on MSE), show the two ways a model fails
to generalise:
  - linear features (1, x): too simple, both losses stay high: underfitting (欠拟合);
  - cubic features (1, x, x^2, x^3) with 100 examples: the right model, test loss near the noise
    level 0.01, and the learned weights are close to [5, 1.2, -3.4, 5.6];
  - degree-19 features (20 columns: 1, x, ..., x^19) with 100 examples: too flexible, the gap between
    train and test loss opens (过拟合); the damage is mild because the high-power feature columns are
    tiny (x^19 / 19! has an RMS of 1e-8 or less for x ~ N(0, 1)), so SGD barely moves their weights;
  - cubic features with only 2 examples: too little data, the training loss is small while the test
    loss stays huge.
The training error alone cannot tell these apart; the test error (泛化误差) can.

Notes: 000 D2L 3.11 (model selection, underfitting and overfitting: "we cannot estimate the
generalisation error from the training error"), with the book's polynomial, 100 training and 100 test
examples, and its cases of a linear model and too little data (the book trains with lr 0.01 for
400-1500 epochs; lr 0.05 for 300 epochs reaches the same place sooner).
Run:    python regression/06_underfitting_overfitting.py [--epochs 300] [--few 2] [--lr 0.05] [--seed 1]
Prints: for each case the final train and test MSE and the first learned weights.
Saves:  outputs/regression/06_underfitting_overfitting/{metrics.json, loss_curves.png, fits.png}
Expect: with seed 0, linear: train MSE 5.4, test MSE 11; cubic: train 0.010, test 0.013 (the noise level is
0.01), weights [5.0, 1.2, -3.4, 5.6]; degree 19: train MSE 0.011 but test MSE 0.023, 1.8 times cubic's. Its
training MSE ends above the cubic's although it contains the cubic: least squares on the same 20 columns
reaches 0.0078 (0.0073-0.0092 over seeds 0-4, below both SGD fits each time), and the columns' condition
number is 3e16 (4e15-2e17): the gap is conditioning and SGD, not the model class. That exact fit's test MSE is
2.8e4 at seed 0 (from 0.012 to 2.8e4 over seeds 0-4): it may put huge weights on the tiny columns, which blow up
away from the training points, where SGD's small steps keep them near zero (an implicit regulariser, 隐式正则化);
2 examples: train MSE 0.02,
test MSE 34. Other seeds change the sizes, but in seeds 0-9 the 2 examples always left a test MSE above 3.
About 5 seconds on a CPU.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

MAX_DEGREE = 20                          # features x^0 .. x^19
TRUE_W = torch.tensor([5.0, 1.2, -3.4, 5.6])
NOISE_STD = 0.1
N_TRAIN = N_TEST = 100


def polynomial_features(x: torch.Tensor, degree: int = MAX_DEGREE) -> torch.Tensor:
    """(n, 1) -> (n, degree): column i is x^i / i!  (math.gamma(i + 1) == i!)."""
    powers = torch.arange(degree)
    factorials = torch.tensor([math.gamma(i + 1) for i in range(degree)])
    return x ** powers / factorials


def make_data(generator: torch.Generator):
    """x (200, 1) ~ N(0, 1); features (200, 20); y (200, 1) from the cubic; first 100 train, last 100 test."""
    x = torch.randn(N_TRAIN + N_TEST, 1, generator=generator)
    features = polynomial_features(x)
    y = features[:, :len(TRUE_W)] @ TRUE_W + NOISE_STD * torch.randn(len(x), generator=generator)
    return x, features, y.unsqueeze(1)


def fit(x_train, y_train, x_test, y_test, *, epochs: int, lr: float, generator: torch.Generator,
        device: torch.device) -> tuple[nn.Linear, list[dict]]:
    """A linear model on the given feature columns, mini-batch SGD, losses after every epoch."""
    # no separate bias: the x^0 = 1 column is the bias
    model = nn.Linear(x_train.shape[1], 1, bias=False).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    x_train, y_train, x_test, y_test = (t.to(device) for t in (x_train, y_train, x_test, y_test))
    batch_size = min(10, len(x_train))
    history = []
    for epoch in range(1, epochs + 1):
        loss_sum = torch.zeros((), device=device)   # looked at once per epoch, not per batch (a GPU would wait)
        for xb, yb in lk.batches(x_train, y_train, batch_size, shuffle=True, generator=generator):
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach()
        lk.check_finite(loss_sum, f"epoch {epoch}")
        history.append({"epoch": epoch, "train": loss_fn(lk.predict(model, x_train), y_train).item(),
                        "test": loss_fn(lk.predict(model, x_test), y_test).item()})
    return model, history


def plot_loss_curves(results: dict, path, show: bool) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    for ax, (name, result) in zip(axes.flat, results.items()):
        epochs = [h["epoch"] for h in result["history"]]
        ax.plot(epochs, [h["train"] for h in result["history"]], label="train")
        ax.plot(epochs, [h["test"] for h in result["history"]], label="test")
        ax.axhline(NOISE_STD ** 2, color="tab:gray", linestyle=":", label="noise level")
        ax.set_yscale("log")
        ax.set(title=name, ylabel="MSE (log scale)")
        ax.grid(alpha=0.3)
        ax.legend()
    for ax in axes[1]:
        ax.set_xlabel("epoch")
    lk.save_figure(fig, path, show=show)


def plot_fits(x, y, results: dict, device, path, show: bool) -> None:
    grid = torch.linspace(-3.5, 3.5, 200).unsqueeze(1)
    truth = polynomial_features(grid)[:, :len(TRUE_W)] @ TRUE_W
    fig, axes = plt.subplots(1, len(results), figsize=(4.2 * len(results), 4), sharey=True)
    for ax, (name, result) in zip(axes, results.items()):
        features = polynomial_features(grid)[:, :result["degree"]].to(device)
        fitted = lk.predict(result["model"], features).cpu().squeeze(1)
        ax.scatter(x[:result["n"], 0].numpy(), y[:result["n"], 0].numpy(), s=10, color="tab:gray",
                   label=f"{result['n']} training points")
        ax.plot(grid[:, 0].numpy(), truth.numpy(), color="tab:green", linestyle="--", label="true cubic")
        ax.plot(grid[:, 0].numpy(), fitted.numpy(), color="tab:red", label="fitted")
        ax.set(title=name, xlabel="x", ylim=(-30, 30))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("y")
    axes[0].legend(loc="upper left", fontsize=8)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=300, lr=0.05)
    parser.add_argument("--few", type=lk.positive_int, default=2,
                        help="training examples in the too-little-data case (default: 2)")
    args = parser.parse_args(argv)
    if args.few > N_TRAIN:
        parser.error(f"--few must be at most {N_TRAIN}")
    run = lk.start_run(__file__, args)
    if args.quick:
        args.epochs = min(args.epochs, 20)
    generator = torch.Generator().manual_seed(args.seed)

    x, features, y = make_data(generator)
    x_test, y_test = features[N_TRAIN:], y[N_TRAIN:]
    print(f"data: {N_TRAIN} training and {N_TEST} test examples; true weights "
          f"{[round(w, 2) for w in TRUE_W.tolist()]} on (1, x, x^2/2!, x^3/3!), noise std {NOISE_STD}")

    # name -> (number of feature columns, number of training examples)
    cases = {
        "linear (underfitting)": (2, N_TRAIN),
        "cubic (just right)": (4, N_TRAIN),
        f"degree {MAX_DEGREE - 1}, {MAX_DEGREE} features (overfitting)": (MAX_DEGREE, N_TRAIN),
        f"cubic, {args.few} examples (too little data)": (4, args.few),
    }
    results = {}
    print(f"\n{'case':<44} {'train MSE':>10} {'test MSE':>10}   first weights")
    for name, (degree, n) in cases.items():
        model, history = fit(features[:n, :degree], y[:n], x_test[:, :degree], y_test, epochs=args.epochs,
                             lr=args.lr, generator=generator, device=run.device)
        weights = model.weight.detach().cpu()[0]
        results[name] = {"model": model, "history": history, "degree": degree, "n": n}
        print(f"{name:<44} {history[-1]['train']:>10.4f} {history[-1]['test']:>10.4f}   "
              f"{[round(w, 2) for w in weights[:6].tolist()]}")

    # The degree-19 model contains the cubic, yet SGD can end with a training MSE above the cubic's. That is
    # not the model class: the high columns are tiny and nearly collinear (an ill-conditioned problem), so
    # SGD's steps barely use them. Least squares on the same 20 columns, in float64, shows what the class
    # itself can do on the training set.
    train64, target64 = features[:N_TRAIN].double(), y[:N_TRAIN].double()
    solution = torch.linalg.lstsq(train64, target64, driver="gelsd").solution
    lstsq_mse = float(((train64 @ solution - target64) ** 2).mean())
    lstsq_test_mse = float(((x_test.double() @ solution - y_test.double()) ** 2).mean())
    condition = float(torch.linalg.cond(train64))
    top_rms = float(train64[:, -1].pow(2).mean().sqrt())
    print(f"\ndegree {MAX_DEGREE - 1} by least squares on the same columns: train MSE {lstsq_mse:.4f}; the "
          f"columns' condition number is {condition:.0e} and x^{MAX_DEGREE - 1}/{MAX_DEGREE - 1}! has an RMS of "
          f"{top_rms:.0e}:\nthe gap to SGD's training MSE is conditioning and SGD, not what the model can fit.")
    # The exact fit pays for its low training error: huge weights on the tiny columns blow up off the training
    # points. SGD never moves those weights far from their start, which acts as a regulariser (隐式正则化).
    sgd_test_mse = next(r["history"][-1]["test"] for r in results.values() if r["degree"] == MAX_DEGREE)
    print(f"that least-squares fit's test MSE is {lstsq_test_mse:.3g} (SGD's: {sgd_test_mse:.3g}): an exact fit may "
          f"put huge weights on the tiny columns,\nwhich blow up away from the training points; SGD's small steps "
          f"keep them near zero.")

    plot_loss_curves(results, run.out / "loss_curves.png", args.show)
    plot_fits(x, y, results, run.device, run.out / "fits.png", args.show)
    return run.finish({
        **{f"{key}_{split}_mse": result["history"][-1][split]
           for key, result in zip(("linear", "cubic", "degree19", "few"), results.values())
           for split in ("train", "test")},
        "cubic_weights": results["cubic (just right)"]["model"].weight.detach().cpu()[0].tolist(),
        "degree19_lstsq_train_mse": lstsq_mse, "degree19_lstsq_test_mse": lstsq_test_mse,
        "degree19_condition_number": condition,
        "top_column_rms": top_rms,
        "epochs": args.epochs,
        "few": args.few,
    })


if __name__ == "__main__":
    main()
