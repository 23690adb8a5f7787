"""cnn/03_pooling.py: max and average pooling, and upsampling (池化层, 上采样).

You will write pooling (池化) by hand: slide a window over the input like a convolution, but instead of
a weighted sum take the window's largest value (max pooling, 最大池化) or its mean (average pooling,
平均池化); pooling has no weights to learn. The nn layers compute the same, with two defaults worth
knowing: the stride equals the window size unless you say otherwise, and average pooling counts padded
zeros in its mean. Padding and stride work as for convolutions, and each channel is pooled on its own,
so the number of channels does not change (通道数不变). Last, the opposite direction: upsampling with
F.interpolate, by copying neighbours (nearest) or blending them (bilinear), and what align_corners does.

Notes: 000 D2L 5.4 (pool2d, padding and stride, multiple channels); 001 lecture 10 (下采样: channels
stay, height and width shrink; 最大池化没有权重); 002 pooling (nn.MaxPool2d, F.avg_pool2d) and upsample
(F.interpolate with scale_factor=2, mode='nearest'); 004 CNN (pooling gives some invariance to shifts).
Run:    python cnn/03_pooling.py [--device cuda]
Prints: the worked examples, the checks against F.max_pool2d / F.avg_pool2d, padding and stride,
        per-channel pooling, and 2x2 -> 4x4 upsampling three ways.
Saves:  outputs/cnn/03_pooling/{metrics.json, pooling.png, upsampling.png}
Expect: 2x2 pooling with stride 1 on 0..8 gives [[4, 5], [7, 8]] (max) and [[2, 3], [5, 6]] (average);
        the hand-written pooling matches F.max_pool2d exactly and F.avg_pool2d to below 1e-6;
        MaxPool2d(3, padding=1, stride=2) on 0..15 gives [[5, 7], [13, 15]]; bilinear upsampling of
        [[1, 2], [3, 4]] starts its first row 1, 1.25 (align_corners=False) or 1, 1.333 (True).
        A second or two on a CPU; --quick changes nothing.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import lessonkit as lk


def pool2d(x: torch.Tensor, size: int, mode: str = "max", stride: int = 1) -> torch.Tensor:
    """Max or average pooling of a 2-D input (h, w) with a size x size window: no padding, no weights."""
    h_out, w_out = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1
    y = torch.zeros(h_out, w_out, dtype=x.dtype, device=x.device)
    for i in range(h_out):
        for j in range(w_out):
            window = x[i * stride:i * stride + size, j * stride:j * stride + size]
            y[i, j] = window.max() if mode == "max" else window.mean()
    return y


def ring_image(size: int = 28) -> torch.Tensor:
    """A white ring on black, (size, size): something with curves for pooling to blur and block."""
    coords = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    radius = torch.sqrt(coords[:, None] ** 2 + coords[None, :] ** 2)
    return ((radius > size * 0.22) & (radius < size * 0.36)).float()


def plot_pooling(panels, path, show):
    fig, axes = plt.subplots(1, len(panels), figsize=(3 * len(panels), 3.3))
    for ax, (title, image) in zip(axes, panels.items()):
        ax.imshow(image.numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{title}\n{tuple(image.shape)}", fontsize=10)
        ax.set_xticks([]), ax.set_yticks([])
    lk.save_figure(fig, path, show=show)


def plot_upsampling(grids, path, show):
    fig, axes = plt.subplots(1, len(grids), figsize=(3.4 * len(grids), 3.6))
    for ax, (title, grid) in zip(axes, grids.items()):
        ax.imshow(grid.numpy(), cmap="viridis", vmin=1, vmax=4)
        for (i, j), v in np.ndenumerate(grid.numpy()):
            ax.text(j, i, f"{v:.2f}".rstrip("0").rstrip("."), ha="center", va="center",
                    color="white" if v < 3 else "black", fontsize=9)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([]), ax.set_yticks([])
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    device = run.device

    # --- 1. by hand and with nn layers: 2x2 windows, stride 1, on 0..8 ---
    x = torch.arange(9.0, device=device).reshape(3, 3)             # [[0,1,2],[3,4,5],[6,7,8]]
    hand_max, hand_avg = pool2d(x, 2, "max"), pool2d(x, 2, "avg")
    batch = x.reshape(1, 1, 3, 3)                                   # nn layers want (batch, channels, h, w)
    layer_max = nn.MaxPool2d(2, stride=1)(batch)[0, 0]
    layer_avg = nn.AvgPool2d(2, stride=1)(batch)[0, 0]
    print(f"max pooling 2x2:     by hand {hand_max.int().tolist()}, nn.MaxPool2d {layer_max.int().tolist()}")
    print(f"average pooling 2x2: by hand {hand_avg.int().tolist()}, nn.AvgPool2d {layer_avg.int().tolist()}")
    default_stride = nn.MaxPool2d(2)(batch)[0, 0]                  # stride defaults to the window size
    print(f"nn.MaxPool2d(2) without stride=1 moves 2 at a time: {default_stride.int().tolist()}")
    print(f"weights in a pooling layer: {sum(p.numel() for p in nn.MaxPool2d(2).parameters())}")

    # --- 2. the hand version against F.max_pool2d / F.avg_pool2d on random inputs ---
    gen = torch.Generator().manual_seed(args.seed)
    gaps = {"max": 0.0, "avg": 0.0}
    for size, stride in ((2, 1), (2, 2), (3, 2), (3, 1)):
        xr = torch.randn(9, 11, generator=gen).to(device)
        library = {"max": F.max_pool2d(xr[None, None], size, stride)[0, 0],
                   "avg": F.avg_pool2d(xr[None, None], size, stride)[0, 0]}
        for mode in gaps:
            gaps[mode] = max(gaps[mode], (pool2d(xr, size, mode, stride) - library[mode]).abs().max().item())
    print(f"hand vs library on random 9x11 inputs (windows 2 and 3, strides 1 and 2): largest difference "
          f"max {gaps['max']:.1e}, average {gaps['avg']:.1e}")

    # --- 3. padding and stride, on 0..15 (4x4) ---
    x16 = torch.arange(16.0, device=device).reshape(1, 1, 4, 4)
    plain = nn.MaxPool2d(3)(x16)                                    # stride 3: one window fits
    padded = nn.MaxPool2d(3, padding=1, stride=2)(x16)             # max pooling pads with -inf, not 0
    uneven = nn.MaxPool2d((2, 3), padding=(0, 1), stride=(2, 3))(x16)
    print(f"MaxPool2d(3) on 0..15: {plain[0, 0].int().tolist()}; MaxPool2d(3, padding=1, stride=2): "
          f"{padded[0, 0].int().tolist()}; MaxPool2d((2, 3), padding=(0, 1), stride=(2, 3)): "
          f"{uneven[0, 0].int().tolist()}")
    # Average pooling's padding is zeros, and by default they count in the mean (count_include_pad=True).
    with_pad = nn.AvgPool2d(3, padding=1, stride=2)(x16)[0, 0, 0, 0].item()
    without_pad = nn.AvgPool2d(3, padding=1, stride=2, count_include_pad=False)(x16)[0, 0, 0, 0].item()
    print(f"AvgPool2d(3, padding=1, stride=2), top-left: {with_pad:.4f} = (0+1+4+5)/9 with the zeros counted, "
          f"{without_pad:.4f} = 10/4 with count_include_pad=False")

    # --- 4. channels: each is pooled on its own, so 2 channels in give 2 channels out ---
    two = torch.cat([x16, x16 + 1], dim=1)                          # (1, 2, 4, 4)
    pooled = nn.MaxPool2d(3, padding=1, stride=2)(two)              # (1, 2, 2, 2)
    per_channel = torch.equal(pooled[0, 1], pooled[0, 0] + 1)
    print(f"channels: {tuple(two.shape)} -> {tuple(pooled.shape)}; channel 1 = channel 0 + 1: {per_channel}")

    # --- 5. upsampling (上采样): 2x2 -> 4x4 ---
    small = torch.tensor([[1.0, 2.0], [3.0, 4.0]], device=device).reshape(1, 1, 2, 2)
    nearest = F.interpolate(small, scale_factor=2, mode="nearest")  # each value copied into a 2x2 block
    # align_corners=False treats pixels as little squares: output pixel centres map to input positions
    # (i + 0.5) / 2 - 0.5, outside points take the edge value. True treats pixels as grid points whose
    # corners line up: the output spans exactly from the first to the last input value.
    bilinear = F.interpolate(small, scale_factor=2, mode="bilinear", align_corners=False)
    bilinear_corners = F.interpolate(small, scale_factor=2, mode="bilinear", align_corners=True)
    print(f"nearest:  {nearest[0, 0].tolist()}")
    print(f"bilinear, align_corners=False, first row: {[round(v, 4) for v in bilinear[0, 0, 0].tolist()]}")
    print(f"bilinear, align_corners=True,  first row: {[round(v, 4) for v in bilinear_corners[0, 0, 0].tolist()]}")
    undone = torch.equal(F.max_pool2d(nearest, 2), small)
    print(f"2x2 max pooling undoes nearest upsampling: {undone}")

    # --- figures: a ring pooled down to 14x14 and brought back up to 28x28 ---
    ring = ring_image().to(device).reshape(1, 1, 28, 28)
    down = F.max_pool2d(ring, 2)
    panels = {"image": ring, "max pool 2x2": down, "average pool 2x2": F.avg_pool2d(ring, 2),
              "max pool, then nearest x2": F.interpolate(down, scale_factor=2, mode="nearest"),
              "max pool, then bilinear x2": F.interpolate(down, scale_factor=2, mode="bilinear",
                                                          align_corners=False)}
    plot_pooling({k: v[0, 0].cpu() for k, v in panels.items()}, run.out / "pooling.png", args.show)
    plot_upsampling({"input 2x2": small[0, 0].cpu(), "nearest": nearest[0, 0].cpu(),
                     "bilinear, align_corners=False": bilinear[0, 0].cpu(),
                     "bilinear, align_corners=True": bilinear_corners[0, 0].cpu()},
                    run.out / "upsampling.png", args.show)
    return run.finish({
        "max_pool": hand_max.cpu(),
        "avg_pool": hand_avg.cpu(),
        "max_pool_gap": gaps["max"],
        "avg_pool_gap": gaps["avg"],
        "padded_stride_2": padded[0, 0].cpu(),
        "avg_pad_counted": with_pad,
        "avg_pad_not_counted": without_pad,
        "channels_kept": pooled.shape[1] == two.shape[1] and per_channel,
        "bilinear_first_row": bilinear[0, 0, 0].cpu(),
        "bilinear_align_corners_first_row": bilinear_corners[0, 0, 0].cpu(),
        "max_pool_undoes_nearest": undone,
    })


if __name__ == "__main__":
    main()
