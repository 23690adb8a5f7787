"""Checks for exercises/cnn/14_transfer_learning.py (run: python -m lessonkit.check cnn/14)."""

import torch

from lessonkit.check import NotYet, lesson

tl = lesson("cnn/14_transfer_learning.py")


def check_TRAINABLE_LAST_TWO_LAYERS(answer):
    if answer is None:
        raise NotImplementedError
    model = tl.LeNet5()
    model.features.requires_grad_(False)
    model.classifier[1].requires_grad_(False)
    if not isinstance(answer, int) or answer != tl.count(model)[0]:
        raise NotYet("only Linear(120, 84) and Linear(84, 10) train: inputs x outputs weights plus a bias per "
                     "output, for each of the two")


def _pretrained(seed):
    """A LeNet5 standing in for the MNIST one: random weights, and running statistics that are not the defaults."""
    torch.manual_seed(seed)
    model = tl.LeNet5()
    with torch.no_grad():
        model(torch.randn(64, 1, 28, 28) * 2 + 0.5)  # training mode: BatchNorm's running statistics move
    return model


def _quadrants(n, seed):
    """n noisy 28x28 images with a bright square in one of four quadrants; the label is the quadrant."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 28, 28, generator=generator) * 0.3
    y = torch.randint(0, 4, (n,), generator=generator)
    for i, label in enumerate(y.tolist()):
        row, col = divmod(label, 2)
        x[i, 0, row * 14 + 3:row * 14 + 11, col * 14 + 3:col * 14 + 11] += 2
    return x, y


def check_train_head(answer):
    model = _pretrained(seed=0)
    features = {k: v.clone() for k, v in model.features.state_dict().items()}
    head = {k: v.clone() for k, v in model.classifier.state_dict().items()}
    x, y = _quadrants(32, seed=1)
    losses = answer(model, x, y, steps=10)
    if not isinstance(losses, (list, tuple)) or len(losses) != 10 or not all(isinstance(v, float) for v in losses):
        raise NotYet("return the 10 losses as a list of Python floats (loss.item() after each step)")
    changed = [k for k, v in model.features.state_dict().items() if not torch.equal(v, features[k])]
    if any("running" in k or "num_batches" in k for k in changed):
        raise NotYet("the features' BatchNorm running statistics moved: a BatchNorm in training mode updates them "
                     "even without gradients; keep model.features in eval mode while the head trains")
    if changed:
        raise NotYet(f"frozen weights changed ({changed[0]}): give the optimizer only the parameters that "
                     "require grad (weight decay moves any parameter it holds)")
    if any(p.requires_grad or p.grad is not None for p in model.features.parameters()):
        raise NotYet("model.features' parameters still require (or hold) gradients: requires_grad_(False) on "
                     "the features, so that backward does not compute what is never used")
    if all(torch.equal(v, head[k]) for k, v in model.classifier.state_dict().items()):
        raise NotYet("the head did not change: the classifier's parameters must go to the optimizer")
    if not losses[-1] < 0.5 * losses[0]:
        raise NotYet(f"the loss went from {losses[0]:.3f} to {losses[-1]:.3f} in 10 steps on an easy task: is "
                     "optimizer.step() called every step, with zero_grad before backward?")


def check_finetune_param_groups(answer):
    model = _pretrained(seed=2)
    model.features.requires_grad_(False)  # as it was after the frozen phase
    groups = answer(model, 0.003)
    try:
        optimizer = torch.optim.AdamW(groups, lr=0.003)
    except (TypeError, ValueError) as err:
        raise NotYet(f"torch.optim.AdamW does not accept these groups ({err}): a list of dicts, each with a "
                     "'params' list and its own 'lr'") from None
    lr_of = {}
    for group in optimizer.param_groups:
        for p in group["params"]:
            if id(p) in lr_of:
                raise NotYet("a parameter appears in two groups: each belongs to exactly one")
            lr_of[id(p)] = group["lr"]
    if set(lr_of) != {id(p) for p in model.parameters()}:
        raise NotYet("every parameter of the model must be in a group: the features and the classifier")
    if any(not p.requires_grad for p in model.parameters()):
        raise NotYet("the features are still frozen: fine-tuning trains them too (requires_grad_(True))")
    if any(abs(lr_of[id(p)] - 0.0003) > 1e-12 for p in model.features.parameters()):
        raise NotYet("the pretrained features learn at lr / 10: small steps adapt them without erasing them")
    if any(abs(lr_of[id(p)] - 0.003) > 1e-12 for p in model.classifier.parameters()):
        raise NotYet("the head learns at the full lr")
