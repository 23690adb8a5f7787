"""cnn/01_cross_correlation.py: the convolution layer from scratch (二维互相关运算, 卷积层).

You will see why images need something other than a fully connected layer: counted for a 28x28 image,
a dense layer needs about half a million weights where a 3x3 kernel needs 9 and a bias. The kernel is
small because of local connections (局部连接: each output looks at a small window, its receptive field,
感受野) and weight sharing (权值共享: the same kernel at every position, so a shifted image gives a
shifted output). Then you write the operation a convolution layer really computes, cross-correlation
(互相关), as two loops, check it against F.conv2d, use the kernel [1, -1] to find the vertical edges of
an image with a black band, and let gradient descent learn that kernel back from the image and its edges.

Notes: 000 cnnTest1 (D2L 5.1: corr2d, edge detection, learning the kernel from data); 001 lecture 10
(convolution keeps the spatial structure that a dense layer throws away); 002 局部相关性 and 权值共享
(784 weights become 9); 004 CNN (局部连接, 共享权重, 感受野). The D2L code updates conv.weight.data;
here the update runs under torch.no_grad(), the current way.
Run:    python cnn/01_cross_correlation.py [--steps 40] [--lr 0.01] [--device cuda]
Prints: parameter counts, the receptive field of 1-3 stacked 3x3 convolutions, the worked example,
        the edge map, the loss every 5 steps and the learned kernel.
Saves:  outputs/cnn/01_cross_correlation/{metrics.json, receptive_field.png, edges.png, learning.png}
Expect: 530,660 dense parameters against 10; [[19, 25], [37, 43]] for the worked example; receptive
        fields 3, 5, 7; over 40 steps the loss falls from 39 to below 0.001 and the kernel is learned as
        [0.993, -0.993] (seed 0; other seeds start from another random kernel, at a loss of 11 to 46, and
        end within 0.01 of [1, -1] too, seeds 0-19 checked; --lr 0.02 diverges); a few seconds on a
        CPU. --quick changes nothing: the whole lesson takes seconds.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import lessonkit as lk


def corr2d(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Cross-correlation (互相关) of a 2-D input (h, w) with a 2-D kernel (kh, kw): (h-kh+1, w-kw+1).

    Each output element is the sum of the window under the kernel times the kernel. A true convolution
    would flip the kernel first; since kernels are learned, the flip makes no difference, and deep-learning
    libraries (F.conv2d included) compute this unflipped version.
    """
    kh, kw = k.shape
    y = torch.zeros(x.shape[0] - kh + 1, x.shape[1] - kw + 1, dtype=x.dtype, device=x.device)
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            y[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return y


class Conv2D(nn.Module):
    """A convolution layer built on corr2d: a learned kernel and a learned scalar bias."""

    def __init__(self, kernel_size: tuple[int, int], generator: torch.Generator):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size, generator=generator))  # uniform in [0, 1)
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return corr2d(x, self.weight) + self.bias


def dense_parameters(inputs: int, outputs: int) -> int:
    """Weights and biases of a fully connected layer: every input joined to every output."""
    return inputs * outputs + outputs


def conv_parameters(c_in: int, c_out: int, k: int) -> int:
    """Weights and biases of a k x k convolution: independent of the image size."""
    return c_in * c_out * k * k + c_out


def receptive_field(layers: int, device, size: int = 15) -> torch.Tensor:
    """Which input pixels reach the centre output after `layers` stacked 3x3 convolutions: a (size, size) mask.

    Autograd answers it: the gradient of one output element is non-zero exactly on the inputs it depends on.
    """
    x = torch.zeros(1, 1, size, size, device=device, requires_grad=True)
    out, kernel = x, torch.ones(1, 1, 3, 3, device=device)
    for _ in range(layers):
        out = F.conv2d(out, kernel)                       # each layer: (1, 1, s, s) -> (1, 1, s-2, s-2)
    centre = out.shape[-1] // 2
    out[0, 0, centre, centre].backward()
    return (x.grad[0, 0] != 0).cpu()


def edge_image() -> torch.Tensor:
    """D2L's 6x8 image: white (1) with a black (0) band in columns 2-5."""
    x = torch.ones(6, 8)
    x[:, 2:6] = 0
    return x


def learn_kernel(x, y, *, steps: int, lr: float, generator: torch.Generator):
    """Fit a (1, 2) Conv2D to map x to y by gradient descent on the summed squared error."""
    conv = Conv2D((1, 2), generator).to(x.device)
    losses = []
    for step in range(1, steps + 1):
        loss = ((conv(x) - y) ** 2).sum()
        loss.backward()
        with torch.no_grad():                      # the update itself must not be recorded by autograd
            for p in conv.parameters():
                p -= lr * p.grad
                p.grad.zero_()                     # gradients add up unless cleared
        losses.append(loss.detach())               # kept on the device: no .item() each step
        if step % 5 == 0:
            lk.check_finite(loss, f"step {step}")
            print(f"  step {step:3d}  loss {loss.item():.5f}")
    return conv, torch.stack(losses).cpu()


def plot_receptive_fields(masks, path, show):
    fig, axes = plt.subplots(1, len(masks), figsize=(3.2 * len(masks), 3.2))
    for ax, (layers, mask) in zip(axes, masks.items()):
        ax.imshow(mask.numpy(), cmap="Blues", vmin=0, vmax=1)
        side = int(mask.any(dim=1).sum())
        ax.set_title(f"{layers} layer{'s' if layers > 1 else ''} of 3x3 conv: {side}x{side}")
        ax.set_xticks([]), ax.set_yticks([])
    fig.suptitle("Input pixels that reach one output pixel (the receptive field)")
    lk.save_figure(fig, path, show=show)


def plot_edges(x, y, y_rotated, path, show):
    fig, axes = plt.subplots(1, 3, figsize=(12, 3))
    panels = [(x, "image X (black band in columns 2-5)"), (y, "corr2d(X, [1, -1]): vertical edges"),
              (y_rotated, "corr2d(X.T, [1, -1]): horizontal edges missed")]
    for ax, (image, title) in zip(axes, panels):
        shown = ax.imshow(image.numpy(), cmap="gray" if image is x else "coolwarm", vmin=0 if image is x else -1,
                          vmax=1)
        ax.set_title(title, fontsize=10)
        fig.colorbar(shown, ax=ax, fraction=0.04)
    lk.save_figure(fig, path, show=show)


def plot_learning(losses, kernel, path, show):
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(range(1, len(losses) + 1), losses.numpy(), "o-")
    ax.set(xlabel="gradient-descent step", ylabel="summed squared error (log scale)",
           title=f"Learning the edge kernel: ends at [{kernel[0]:.3f}, {kernel[1]:.3f}]")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, lr=0.01)
    parser.add_argument("--steps", type=lk.positive_int, default=40, help="gradient-descent steps (default: 40)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    device = run.device

    # --- 1. why not a fully connected layer: count the parameters for the same input and output size ---
    dense = dense_parameters(28 * 28, 26 * 26)                 # 28x28 image -> 26x26 map, all pairs joined
    assert dense == sum(p.numel() for p in nn.Linear(28 * 28, 26 * 26).parameters())
    conv = conv_parameters(1, 1, 3)                            # 9 weights + 1 bias, at every position
    assert conv == sum(p.numel() for p in nn.Conv2d(1, 1, 3).parameters())
    big_dense = dense_parameters(224 * 224 * 3, 1000)          # a photo-sized image, only 1000 hidden units
    print("parameters of one layer:")
    print(f"  fully connected, 28x28 -> 26x26:       {dense:>12,}")
    print(f"  3x3 convolution, 28x28 -> 26x26:       {conv:>12,}  ({dense // conv:,}x fewer)")
    print(f"  fully connected, 224x224x3 -> 1000:    {big_dense:>12,}")
    print(f"  3x3 convolution, 3 -> 64 channels:     {conv_parameters(3, 64, 3):>12,}  (any image size)")

    # --- 2. local connections: the receptive field grows by 2 with each stacked 3x3 layer ---
    masks = {layers: receptive_field(layers, device) for layers in (1, 2, 3)}
    fields = [int(m.any(dim=1).sum()) for m in masks.values()]
    print(f"receptive field of one output after 1, 2, 3 stacked 3x3 convolutions: {fields}")

    # --- 3. weight sharing: the same kernel everywhere, so shifting the image shifts the output ---
    # float64 here and below keeps comparisons exact to rounding (float32 convolutions on NVIDIA GPUs may
    # use TF32, which keeps only 10 mantissa bits). MPS has no float64, so there these checks run on the CPU.
    exact = torch.device("cpu") if device.type == "mps" else device
    gen = torch.Generator().manual_seed(args.seed)
    image = torch.zeros(1, 1, 28, 28, dtype=torch.float64)
    image[..., 8:16, 6:14] = torch.rand(8, 8, generator=gen, dtype=torch.float64)  # away from the borders
    image, kernel = image.to(exact), torch.randn(1, 1, 3, 3, generator=gen, dtype=torch.float64).to(exact)
    shifted_then_conv = F.conv2d(torch.roll(image, shifts=5, dims=-1), kernel)
    conv_then_shifted = torch.roll(F.conv2d(image, kernel), shifts=5, dims=-1)
    equivariant = torch.allclose(shifted_then_conv, conv_then_shifted, atol=1e-12)
    print(f"conv(shift(image)) == shift(conv(image)) for a 5-pixel shift (平移等变性): {equivariant}")

    # --- 4. cross-correlation by hand: the worked example, then random inputs against F.conv2d ---
    x = torch.arange(9.0, device=device).reshape(3, 3)         # [[0,1,2],[3,4,5],[6,7,8]]
    k = torch.tensor([[0.0, 1.0], [2.0, 3.0]], device=device)
    worked = corr2d(x, k)
    print(f"corr2d(0..8 as 3x3, [[0,1],[2,3]]) = {worked.int().tolist()}")  # 0*0+1*1+3*2+4*3 = 19, ...
    xr = torch.randn(7, 9, generator=gen, dtype=torch.float64).to(exact)
    kr = torch.randn(3, 2, generator=gen, dtype=torch.float64).to(exact)
    library = F.conv2d(xr[None, None], kr[None, None])[0, 0]  # F.conv2d wants (batch, channels, h, w)
    scratch_gap = (corr2d(xr, kr) - library).abs().max().item()
    print(f"corr2d vs F.conv2d on a random 7x9 input and 3x2 kernel: largest difference {scratch_gap:.1e}")

    # --- 5. edge detection: [1, -1] answers 1 where white turns black, -1 where black turns white ---
    x_edges = edge_image().to(device)                           # (6, 8)
    y_edges = corr2d(x_edges, torch.tensor([[1.0, -1.0]], device=device))  # (6, 7)
    y_rotated = corr2d(x_edges.t(), torch.tensor([[1.0, -1.0]], device=device))  # horizontal edges: none
    print(f"edges, first row: {y_edges[0].int().tolist()} (1 at column 1, -1 at column 5); "
          f"on the transposed image all zero: {bool((y_rotated == 0).all())}")

    # --- 6. learning the kernel back from X and Y (cnnTest1) ---
    # The loss is a sum over 42 outputs, so the step must be small: from about lr 0.016 on it overshoots
    # and grows (try --lr 0.02); at 0.01 the kernel settles within about 40 steps.
    print(f"learning a (1, 2) kernel from X and Y with gradient descent, lr {args.lr}:")
    start = torch.Generator().manual_seed(args.seed)              # the kernel's random start depends on --seed only
    layer, losses = learn_kernel(x_edges, y_edges, steps=args.steps, lr=args.lr, generator=start)
    learned = layer.weight.detach().cpu().flatten()
    bias = layer.bias.item()
    print(f"learned kernel [{learned[0]:.4f}, {learned[1]:.4f}], bias {bias:.4f} (the truth: [1, -1], 0)")

    plot_receptive_fields(masks, run.out / "receptive_field.png", args.show)
    plot_edges(x_edges.cpu(), y_edges.cpu(), y_rotated.cpu(), run.out / "edges.png", args.show)
    plot_learning(losses, learned.tolist(), run.out / "learning.png", args.show)
    return run.finish({
        "dense_parameters": dense,
        "conv_parameters": conv,
        "receptive_fields": fields,
        "shift_equivariant": equivariant,
        "worked_example": worked.cpu(),
        "corr2d_vs_conv2d": scratch_gap,
        "initial_loss": losses[0].item(),
        "final_loss": losses[-1].item(),
        "kernel": learned,
        "bias": bias,
        "steps": args.steps,
    })


if __name__ == "__main__":
    main()
