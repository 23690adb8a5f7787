"""Checks for exercises/cnn/04_lenet.py (run: python -m lessonkit.check cnn/04)."""

import torch
import torch.nn.functional as F
from torch import nn

from lessonkit.check import NotYet, lesson

lenet = lesson("cnn/04_lenet.py")


def check_PARAMETERS_WITHOUT_BATCHNORM(answer):
    if answer is None:
        raise NotImplementedError
    truth = sum(p.numel() for p in lenet.LeNet5(batch_norm=False).parameters())
    if not isinstance(answer, int) or answer != truth:
        raise NotYet("without BatchNorm each convolution gets its bias back (bias=not batch_norm: one per output "
                     "channel) and the BatchNorm layers' scale and shift (two per channel) are gone; the dense "
                     "layers do not change")


def _digits(n, seed):
    """n noisy 28x28 images with a bright square in one of four quadrants; the label is the quadrant (0-3)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 28, 28, generator=generator) * 0.3
    y = torch.randint(0, 4, (n,), generator=generator)
    for i, label in enumerate(y.tolist()):
        row, col = divmod(label, 2)
        x[i, 0, row * 14 + 3:row * 14 + 11, col * 14 + 3:col * 14 + 11] += 2
    return x, y


def check_predict_classes(answer):
    torch.manual_seed(0)
    model = lenet.LeNet5()
    x, _ = _digits(250, seed=1)
    with torch.no_grad():
        model(x * 3 + 1)  # training-mode passes: the running statistics now differ from any batch's own
    model.eval()
    with torch.inference_mode():
        truth = model(x).argmax(dim=1)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    sizes = []
    hook = model.register_forward_pre_hook(lambda _module, inputs: sizes.append(len(inputs[0])))
    try:
        got = answer(model, x, batch_size=100)
    finally:
        hook.remove()
    if not isinstance(got, torch.Tensor) or got.shape != (250,):
        raise NotYet("return one class index per image: an (N,) tensor (argmax over the 10 scores)")
    if any(not torch.equal(v, model.state_dict()[k]) for k, v in before.items()):
        raise NotYet("the model's running statistics changed: in training mode every forward pass updates "
                     "BatchNorm's running mean and variance; call model.eval() first")
    if not torch.equal(got.long(), truth):
        raise NotYet("the predictions differ from the model's in eval mode: BatchNorm must use its running "
                     "statistics, not each batch's own")
    if not sizes or max(sizes) > 100:
        raise NotYet(f"the model saw {max(sizes) if sizes else 0} images at once: feed at most batch_size at a "
                     "time (x.split(batch_size) gives the pieces) and put the results together")
    if got.requires_grad:
        raise NotYet("the result carries a graph: predict under torch.inference_mode()")
    if not model.training:
        raise NotYet("the model came in training mode and must leave in it: remember model.training, restore it")


def check_LeNetDropout(answer):
    torch.manual_seed(0)
    model = answer(0.5)
    if not isinstance(model, nn.Module):
        raise NotYet("LeNetDropout must stay an nn.Module")
    reference = sum(p.numel() for p in lenet.LeNet5().parameters())
    count = sum(p.numel() for p in model.parameters())
    if count != reference:
        raise NotYet(f"it has {count:,} parameters, the lesson's LeNet5 {reference:,}: keep its layers (with "
                     "BatchNorm) and add only dropout, which has no parameters")
    x, y = _digits(32, seed=2)
    out = model.train()(x[:8])
    if not isinstance(out, torch.Tensor) or out.shape != (8, 10):
        raise NotYet("a (8, 1, 28, 28) batch must give (8, 10) scores")
    if torch.allclose(model(x[:8]), out):
        raise NotYet("in training mode two passes over the same images must differ: dropout draws a new mask "
                     "every time; is there an nn.Dropout after each hidden ReLU?")
    model.eval()
    with torch.no_grad():
        if not torch.equal(model(x[:8]), model(x[:8])):
            raise NotYet("in eval mode dropout must do nothing: the same images must give the same scores")
        if not (model(x) < 0).any():
            raise NotYet("the scores are never negative: no activation after the last Linear, the model returns "
                         "raw logits and the loss applies softmax")
    torch.manual_seed(0)
    still = answer(0.0).train()
    if not torch.allclose(still(x[:8]), still(x[:8])):
        raise NotYet("with p = 0 nothing is dropped: two training-mode passes must agree (is p passed on to "
                     "nn.Dropout?)")
    torch.manual_seed(0)
    model = answer(0.5)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(6):
        model.train()
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        final = F.cross_entropy(model(x), y).item()
    if not final < 0.5:
        raise NotYet(f"after 6 Adam steps on 32 easy images the eval-mode loss is {final:.3f} (it should be "
                     "below 0.5): check that forward goes through every layer, features then classifier")
