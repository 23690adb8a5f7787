"""classification/01_logistic_regression.py: logistic regression (逻辑回归), hours studied -> pass or fail.

You will turn the linear model of regression into a classifier: the same z = w*x + b, read as a
score (a logit), pushed through the logistic function sigma(z) = 1 / (1 + e^-z) to become the
probability of the class "passed", and trained with binary cross-entropy (二分类交叉熵, BCE). Then
you see why PyTorch code computes sigmoid and BCE in one step (BCEWithLogitsLoss): the two-step form
loses the loss and its gradient exactly where the model is most confidently wrong. The fitted model
is drawn as the probability curve over hours with its decision boundary (决策边界), where p = 0.5.

Notes: 001 lecture 6 (sigmoid maps a real score to [0, 1], BCE loss; the note writes the loss with
(1 + y), a typo for (1 - y), fixed below). The lecture's code wrote BCELoss(size_average=False): today
that is reduction="sum", and F.sigmoid is torch.sigmoid.
Run:    python classification/01_logistic_regression.py [--epochs 1000] [--lr 0.01]
Prints: the loss every 200 epochs, w and b, the decision boundary, the probability of passing after
        1-6 hours, then the two loss forms side by side on a confidently wrong logit.
Saves:  outputs/classification/01_logistic_regression/{metrics.json, logistic_regression.png}
Expect: after 1000 epochs (a few seconds on a CPU) at seed 0 w = 1.11, b = -2.68, the boundary at 2.42 hours
and P(pass | 4 hours) = 0.85; other seeds start elsewhere and are elsewhere on the same road (seeds 0-4: w
1.11-1.31, b -3.17 to -2.68, P 0.85-0.89), but the boundary is 2.41-2.42 hours for every one of them: the data
fix where the line crosses 0.5 long before they fix how steep it is. The loss is still falling (the three
points are separable). For the logit z = 20 with label 0, sigmoid + BCELoss gives loss 100 (clamped) and
gradient 0; BCEWithLogitsLoss gives loss 20 and gradient 1.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

# The lecture's data: 1 and 2 hours of study failed, 3 hours passed. Shapes (3, 1): one example a row.
HOURS = torch.tensor([[1.0], [2.0], [3.0]])
PASSED = torch.tensor([[0.0], [0.0], [1.0]])


class LogisticRegression(nn.Module):
    """One input, one output: z = w * x + b. It returns the logit z, not the probability.

    The lecture's model ended with sigmoid and trained with BCELoss. Returning z and letting the loss
    apply the sigmoid (BCEWithLogitsLoss) is the same model, computed safely: see loss_forms() below.
    """

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)  # (batch, 1) logits

    def probability(self, x: torch.Tensor) -> torch.Tensor:
        """P(passed | x) = sigma(z), in [0, 1]: the logistic function (sigmoid) of the logit."""
        return torch.sigmoid(self(x))


def bce_by_formula(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of probabilities p for labels y in {0, 1}, summed over examples.

    -(y log p + (1 - y) log(1 - p)): for y = 1 only -log p counts, for y = 0 only -log(1 - p). The note
    writes (1 + y), which would add a second -log(1 - p) for every passed example: a typo.
    """
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).sum()


def loss_forms(z: float, y: float) -> dict:
    """Loss and d loss / d z for one logit, by the two-step form and by the one-step form.

    Two steps: p = sigmoid(z), then BCELoss(p, y). In float32, sigmoid(20) rounds to exactly 1.0, so
    log(1 - p) = log(0) = -inf; BCELoss clamps log at -100 to stay finite, which caps the loss at 100
    and leaves a gradient of 0 (sigmoid is flat at 1.0): the model cannot learn from this mistake.
    One step: BCEWithLogitsLoss uses log(1 - sigmoid(z)) = -softplus(z), computed without forming p.
    """
    target = torch.tensor([y])
    out = {}
    for name, fn in (("sigmoid_then_bce", lambda t: nn.functional.binary_cross_entropy(torch.sigmoid(t), target)),
                     ("bce_with_logits", lambda t: nn.functional.binary_cross_entropy_with_logits(t, target))):
        logit = torch.tensor([z], requires_grad=True)
        loss = fn(logit)
        (grad,) = torch.autograd.grad(loss, logit)
        out[name] = {"loss": loss.item(), "grad": grad.item()}
    return out


def train(epochs: int, lr: float, generator: torch.Generator) -> tuple[LogisticRegression, torch.Tensor]:
    """Full-batch gradient descent on the three examples, as in the lecture. Returns the model and the
    loss of every epoch (summed over the three examples, the lecture's size_average=False)."""
    model = LogisticRegression()
    with torch.no_grad():  # start from a seeded small random w, b (nn.Linear's own init draws from the global RNG)
        model.linear.weight.uniform_(-1, 1, generator=generator)
        model.linear.bias.uniform_(-1, 1, generator=generator)
    loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = torch.zeros(epochs)
    for epoch in lk.progress(range(epochs), desc="training"):
        loss = loss_fn(model(HOURS), PASSED)   # sigmoid and BCE in one numerically safe step
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses[epoch] = loss.detach()
        if epoch % 50 == 0:
            lk.check_finite(loss, f"epoch {epoch}")
        if (epoch + 1) % 200 == 0:
            print(f"epoch {epoch + 1:5d}  loss {loss.item():.4f}")
    return model, losses


def plot(model, boundary: float, losses: torch.Tensor, path, show: bool) -> None:
    fig, (ax_p, ax_loss, ax_safe) = plt.subplots(1, 3, figsize=(15, 4))
    hours = torch.linspace(0, 10, 200).reshape(-1, 1)   # (200, 1), like the lecture's plot
    with torch.no_grad():
        p = model.probability(hours)
    ax_p.plot(hours.numpy(), p.numpy(), label="P(pass | hours)")
    ax_p.scatter(HOURS.numpy(), PASSED.numpy(), color="tab:red", zorder=3, label="lecture data")
    ax_p.axhline(0.5, color="gray", linestyle=":")
    ax_p.axvline(boundary, color="tab:green", linestyle="--", label=f"boundary {boundary:.2f} h")
    ax_p.set(xlabel="hours studied", ylabel="probability of passing", title="Sigmoid of a linear score")
    ax_p.legend()

    ax_loss.plot(range(1, len(losses) + 1), losses.numpy())
    ax_loss.set(xlabel="epoch", ylabel="BCE (sum over 3 examples)", title="Training loss")

    # Label 0, logit z: the true loss is softplus(z) (about z for large z). The two-step form follows it
    # until sigmoid(z) rounds to 1.0, then sits at the clamp, 100, with zero slope.
    z = torch.linspace(-10, 150, 400)
    y0 = torch.zeros_like(z)
    two_step = nn.functional.binary_cross_entropy(torch.sigmoid(z), y0, reduction="none")
    one_step = nn.functional.binary_cross_entropy_with_logits(z, y0, reduction="none")
    ax_safe.plot(z.numpy(), one_step.numpy(), label="BCEWithLogitsLoss(z, 0)")
    ax_safe.plot(z.numpy(), two_step.numpy(), "--", label="BCELoss(sigmoid(z), 0)")
    ax_safe.set(xlabel="logit z (label 0)", ylabel="loss", title="Why the loss takes logits")
    ax_safe.legend()
    for ax in (ax_p, ax_loss, ax_safe):
        ax.grid(alpha=0.3)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=1000, lr=0.01)
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="three examples: a GPU would only add launch overhead")
    if args.quick:
        args.epochs = min(args.epochs, 200)

    # The formula agrees with PyTorch's BCELoss where nothing is extreme.
    p = torch.tensor([[0.2], [0.4], [0.9]])
    by_formula, by_torch = bce_by_formula(p, PASSED), nn.BCELoss(reduction="sum")(p, PASSED)
    print(f"BCE of p = [0.2, 0.4, 0.9] for labels [0, 0, 1]: formula {by_formula.item():.4f}, "
          f"nn.BCELoss {by_torch.item():.4f}")

    model, losses = train(args.epochs, args.lr, torch.Generator().manual_seed(args.seed))
    w, b = model.linear.weight.item(), model.linear.bias.item()
    boundary = -b / w   # p = 0.5 exactly where z = w x + b = 0
    print(f"w = {w:.4f}, b = {b:.4f}: decision boundary (p = 0.5) at {boundary:.2f} hours")
    with torch.no_grad():
        table = model.probability(torch.arange(1.0, 7.0).reshape(-1, 1)).flatten()
    for hours, prob in zip(range(1, 7), table.tolist()):
        print(f"  {hours} hours -> P(pass) = {prob:.3f}")
    half = len(losses) // 2
    # Three points that one threshold separates perfectly have no best finite w: the loss only
    # approaches 0 as w grows, so longer training keeps steepening the curve.
    print(f"loss at epoch {half}: {losses[half - 1].item():.4f}, at epoch {len(losses)}: {losses[-1].item():.4f} "
          "(still falling: separable data has no finite best w)")

    forms = loss_forms(20.0, 0.0)
    print("a confidently wrong logit z = 20 for label 0 (true loss softplus(20) = 20.0):")
    for name, v in forms.items():
        print(f"  {name:17s} loss {v['loss']:8.3f}   d loss / d z = {v['grad']:.3f}")

    plot(model, boundary, losses, run.out / "logistic_regression.png", args.show)
    return run.finish({
        "w": w,
        "b": b,
        "boundary_hours": boundary,
        "p_pass_4_hours": table[3].item(),
        "final_loss": losses[-1].item(),
        "two_step_loss_z20": forms["sigmoid_then_bce"]["loss"],
        "two_step_grad_z20": forms["sigmoid_then_bce"]["grad"],
        "logits_loss_z20": forms["bce_with_logits"]["loss"],
        "logits_grad_z20": forms["bce_with_logits"]["grad"],
        "epochs": args.epochs,
    })


if __name__ == "__main__":
    main()
