"""cnn/02_padding_stride_channels.py: padding, stride, channels and the 1x1 convolution (填充, 步幅, 通道).

You will compute a convolution's output size from one formula, floor((n + 2p - k) / s) + 1, and check
it against nn.Conv2d for a table of kernel, padding (填充) and stride (步幅) settings. Then channels
(通道): with several input channels the kernel has one slice per channel and the results are summed
(多输入通道); with several output channels there is one such kernel per output channel (多输出通道).
A 1x1 convolution mixes channels and nothing else: it is a fully connected layer applied at every pixel,
which you check against one matrix product. Last, you count the multiply-adds it saves when it squeezes
256 channels to 64 around a 3x3 convolution (ResNet's bottleneck), by formula and with PyTorch's
FLOP counter.

Notes: 000 D2L 5.2-5.3 (padding and stride, multiple input and output channels, 1x1 convolution as a
fully connected layer); 001 lecture 10 (kernel channels = input channels, one kernel per output channel,
padding, stride) and lecture 11 (1*1 的卷积 降低运算量); 002 Conv2d parameters and 1x1 Convolution.
Run:    python cnn/02_padding_stride_channels.py [--device cuda]
Prints: the output-shape table, the two-channel worked example, three output channels, the 1x1 check,
        and the multiply-adds of a plain 3x3 layer against a bottleneck.
Saves:  outputs/cnn/02_padding_stride_channels/{metrics.json, shapes.png, bottleneck.png}
Expect: formula = nn.Conv2d in every row of the table; [[56, 72], [104, 120]] for two input channels;
        the 1x1 convolution equals the matmul to rounding (below 1e-12 in float64); at 56x56 the plain
        3x3 256->256 layer costs 1,849,688,064 multiply-adds, the bottleneck 218,365,952 (8.5x fewer),
        with 589,824 against 69,632 weights. A few seconds on a CPU, most of them the FLOP counter's
        first call; --quick changes nothing.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import lessonkit as lk

# (input size, kernel, padding, stride): a number means the same for height and width, a pair is (h, w).
SETTINGS = [
    (8, 3, 0, 1),                   # no padding: each side loses (k - 1) / 2
    (8, 3, 1, 1),                   # padding (k - 1) / 2 keeps the size ("same")
    (8, (5, 3), (2, 1), 1),         # the same rule per dimension
    (8, 3, 1, 2),                   # stride 2 halves it
    (8, (3, 5), (0, 1), (3, 4)),    # D2L's odd example: the floor drops the windows that do not fit
    (28, 5, 2, 1),                  # LeNet's first layer (cnn/04): 28x28 stays 28x28
    (14, 5, 0, 1),                  # LeNet's second layer: 14x14 -> 10x10
    (224, 11, 2, 4),                # AlexNet's first layer: 224 -> 55
]


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def out_size(n: int, k: int, p: int = 0, s: int = 1) -> int:
    """Output length of a convolution (or pooling) along one dimension: floor((n + 2p - k) / s) + 1."""
    return (n + 2 * p - k) // s + 1


def corr2d(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Single-channel cross-correlation (互相关), as in cnn/01: (h, w) * (kh, kw) -> (h-kh+1, w-kw+1)."""
    kh, kw = k.shape
    y = torch.zeros(x.shape[0] - kh + 1, x.shape[1] - kw + 1, dtype=x.dtype, device=x.device)
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            y[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return y


def corr2d_multi_in(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Several input channels: x (c_in, h, w), k (c_in, kh, kw); correlate channel by channel and add up."""
    return sum(corr2d(x_c, k_c) for x_c, k_c in zip(x, k))


def corr2d_multi_in_out(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Several output channels: k (c_out, c_in, kh, kw), one multi-input kernel per output channel."""
    return torch.stack([corr2d_multi_in(x, k_o) for k_o in k])      # (c_out, h', w')


def corr2d_1x1(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """A 1x1 convolution as one matrix product: pixels are the samples, channels the features.

    x (c_in, h, w), k (c_out, c_in, 1, 1) -> (c_out, h, w).
    """
    c_in, h, w = x.shape
    c_out = k.shape[0]
    y = k.reshape(c_out, c_in) @ x.reshape(c_in, h * w)             # (c_out, c_in) @ (c_in, h*w)
    return y.reshape(c_out, h, w)


def conv_macs(c_in: int, c_out: int, k: int, h_out: int, w_out: int) -> int:
    """Multiply-adds of a k x k convolution: each output value is a sum of c_in * k * k products."""
    return c_out * h_out * w_out * c_in * k * k


def plot_table(rows, path, show):
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 0.8))
    ax.axis("off")
    header = ["input", "kernel", "padding", "stride", "formula", "nn.Conv2d"]
    table = ax.table(cellText=[[str(c) for c in r] for r in rows], colLabels=header, loc="center")
    table.scale(1, 1.4)
    ax.set_title("Output size = floor((n + 2p - k) / s) + 1, per dimension")
    lk.save_figure(fig, path, show=show)


def plot_bottleneck(layers, path, show):
    fig, ax = plt.subplots(figsize=(8, 3.5))
    names = list(layers)
    values = [m / 1e6 for m in layers.values()]
    ax.barh(names, values, color=["tab:red"] + ["tab:blue"] * (len(names) - 2) + ["tab:green"])
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:,.0f} M", va="center")
    ax.invert_yaxis()
    ax.set(xlabel="multiply-adds (millions) for one 56x56 image", title="A 1x1 bottleneck cuts the computation")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    device = run.device

    # --- 1. output shape: formula against nn.Conv2d ---
    rows, all_agree = [], True
    print(f"{'input':>7} {'kernel':>8} {'padding':>8} {'stride':>8} {'formula':>9} {'nn.Conv2d':>10}")
    for n, k, p, s in SETTINGS:
        (kh, kw), (ph, pw), (sh, sw) = pair(k), pair(p), pair(s)
        formula = (out_size(n, kh, ph, sh), out_size(n, kw, pw, sw))
        # nn.Conv2d(in_channels, out_channels, ...): note 002 reads nn.Conv2d(1, 3, ...)'s first 1 as "one
        # image", but it is the input channels; the batch size is never a layer's argument.
        layer = nn.Conv2d(1, 1, kernel_size=k, padding=p, stride=s).to(device)
        with torch.inference_mode():
            library = tuple(layer(torch.zeros(1, 1, n, n, device=device)).shape[-2:])
        all_agree &= formula == library
        rows.append([f"{n}x{n}", k, p, s, f"{formula[0]}x{formula[1]}", f"{library[0]}x{library[1]}"])
        print(f"{rows[-1][0]:>7} {str(k):>8} {str(p):>8} {str(s):>8} {rows[-1][4]:>9} {rows[-1][5]:>10}")
    print(f"formula agrees with nn.Conv2d in every row: {all_agree}")

    # --- 2. two input channels: one kernel slice per channel, results added (the worked example) ---
    x = torch.stack([torch.arange(9.0), torch.arange(1.0, 10.0)]).reshape(2, 3, 3).to(device)  # X and X + 1
    k = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]], device=device)     # K and K + 1
    two_in = corr2d_multi_in(x, k)                                  # (2, 3, 3) with (2, 2, 2) -> (2, 2)
    print(f"two input channels: {two_in.int().tolist()}  (= {corr2d(x[0], k[0]).int().tolist()} "
          f"+ {corr2d(x[1], k[1]).int().tolist()})")

    # --- 3. three output channels: stack K, K + 1, K + 2 into (c_out=3, c_in=2, 2, 2) ---
    k3 = torch.stack([k, k + 1, k + 2])
    three_out = corr2d_multi_in_out(x, k3)                          # (3, 2, 2)
    print(f"three output channels, kernel {tuple(k3.shape)}: {three_out.int().tolist()}")
    # float64 makes the comparison exact to rounding (float32 convolutions on NVIDIA GPUs may use TF32,
    # which keeps 10 mantissa bits). MPS has no float64, so there the float64 checks run on the CPU.
    exact = torch.device("cpu") if device.type == "mps" else device
    gen = torch.Generator().manual_seed(args.seed)
    xr = torch.randn(3, 6, 7, generator=gen, dtype=torch.float64).to(exact)
    kr = torch.randn(4, 3, 2, 3, generator=gen, dtype=torch.float64).to(exact)
    multi_gap = (corr2d_multi_in_out(xr, kr) - F.conv2d(xr[None], kr)[0]).abs().max().item()
    print(f"scratch vs F.conv2d, 3 -> 4 channels, random 6x7 input: largest difference {multi_gap:.1e}")

    # --- 4. the 1x1 convolution is a fully connected layer over channels, applied at every pixel ---
    k1 = torch.randn(2, 3, 1, 1, generator=gen, dtype=torch.float64).to(exact)
    by_matmul = corr2d_1x1(xr, k1)
    gap_1x1 = max((by_matmul - corr2d_multi_in_out(xr, k1)).abs().max().item(),
                  (by_matmul - F.conv2d(xr[None], k1)[0]).abs().max().item())
    print(f"1x1 convolution as one (2, 3) @ (3, {6 * 7}) matmul vs the loops and F.conv2d: "
          f"largest difference {gap_1x1:.1e}")

    # --- 5. what 1x1 convolutions save: 3x3 256->256 against 1x1 256->64, 3x3 64->64, 1x1 64->256 ---
    h = w = 56                                     # ResNet-50's first stage works on 56x56 maps
    plain = {"3x3, 256 -> 256": conv_macs(256, 256, 3, h, w)}
    bottleneck = {"1x1, 256 -> 64": conv_macs(256, 64, 1, h, w), "3x3, 64 -> 64": conv_macs(64, 64, 3, h, w),
                  "1x1, 64 -> 256": conv_macs(64, 256, 1, h, w)}
    # The FLOP counter needs only shapes, so the layers live on the "meta" device: shapes without data or work.
    plain_block = nn.Conv2d(256, 256, 3, padding=1, bias=False, device="meta")
    bottleneck_block = nn.Sequential(nn.Conv2d(256, 64, 1, bias=False, device="meta"),
                                     nn.Conv2d(64, 64, 3, padding=1, bias=False, device="meta"),
                                     nn.Conv2d(64, 256, 1, bias=False, device="meta"))
    counted = {}
    for name, block in (("plain", plain_block), ("bottleneck", bottleneck_block)):
        with FlopCounterMode(display=False) as counter:
            out = block(torch.empty(1, 256, h, w, device="meta"))
        assert out.shape == (1, 256, h, w)
        counted[name] = counter.get_total_flops() // 2    # one multiply-add = 2 FLOPs
    plain_macs, bottleneck_macs = sum(plain.values()), sum(bottleneck.values())
    plain_weights = sum(p.numel() for p in plain_block.parameters())
    bottleneck_weights = sum(p.numel() for p in bottleneck_block.parameters())
    for name, macs in {**plain, **bottleneck}.items():
        print(f"  {name:<16} {macs:>15,} multiply-adds")
    print(f"plain 3x3: {plain_macs:,} multiply-adds, {plain_weights:,} weights; bottleneck: {bottleneck_macs:,} "
          f"multiply-adds, {bottleneck_weights:,} weights: {plain_macs / bottleneck_macs:.1f}x fewer")
    print(f"FLOP counter / 2: plain {counted['plain']:,}, bottleneck {counted['bottleneck']:,} "
          f"(formula and counter agree: {counted == {'plain': plain_macs, 'bottleneck': bottleneck_macs}})")

    plot_table(rows, run.out / "shapes.png", args.show)
    plot_bottleneck({**plain, **bottleneck, "bottleneck total": bottleneck_macs}, run.out / "bottleneck.png",
                    args.show)
    return run.finish({
        "shapes_agree": all_agree,
        "two_input_channels": two_in.cpu(),
        "three_output_channels": three_out.cpu(),
        "scratch_vs_conv2d": multi_gap,
        "conv1x1_vs_matmul": gap_1x1,
        "plain_macs": plain_macs,
        "bottleneck_macs": bottleneck_macs,
        "counted_macs": counted,
        "plain_weights": plain_weights,
        "bottleneck_weights": bottleneck_weights,
        "macs_ratio": plain_macs / bottleneck_macs,
    })


if __name__ == "__main__":
    main()
