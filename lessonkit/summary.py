"""A table of a network's blocks: output shape, parameters and multiply-adds for one input.

The cnn/ architecture lessons (AlexNet to DenseNet) each print this table, as D2L does, so that a
learner sees how height, width and channels change block by block and where the cost sits. Counting
is not the subject of any of them, so it lives here, once.

Multiply-adds (MACs) are counted for convolutions and linear layers, which hold nearly all of them:
a convolution's output element costs (in_channels / groups) x kernel height x kernel width MACs, a
linear layer's output element costs in_features. Normalisation, activations, pooling and additions
are not counted (they are cheap by comparison and their cost depends on the implementation).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class BlockRow:
    name: str
    output_shape: tuple[int, ...]
    parameters: int
    macs: int


def _layer_macs(module: nn.Module, output: torch.Tensor) -> int:
    per_example = output[0].numel() if output.dim() > 1 else output.numel()
    if isinstance(module, nn.Conv2d):
        kernel_h, kernel_w = module.kernel_size
        return per_example * (module.in_channels // module.groups) * kernel_h * kernel_w
    if isinstance(module, nn.Linear):
        return per_example * module.in_features
    return 0


def count_macs(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-adds of one forward pass for ONE example shaped like x[0] (convolutions + linear layers)."""
    return sum(row.macs for row in block_table(model, x))


def block_table(blocks: nn.Module, x: torch.Tensor) -> list[BlockRow]:
    """Run x through `blocks` child by child and record each child's output shape, parameters and MACs.

    `blocks` is usually an nn.Sequential of the network's blocks (its direct children are the rows).
    A model that is not a Sequential is one row. Runs in eval mode without gradients and restores the
    training mode afterwards. MACs are per example; shapes include the batch dimension of x.
    """
    children = list(blocks.named_children()) if isinstance(blocks, nn.Sequential) else [("model", blocks)]
    was_training = blocks.training
    blocks.eval()
    rows = []
    try:
        with torch.inference_mode():
            for name, child in children:
                macs = []
                hooks = [m.register_forward_hook(lambda m, _inp, out: macs.append(_layer_macs(m, out)))
                         for m in child.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
                try:
                    x = child(x)
                finally:
                    for hook in hooks:
                        hook.remove()
                label = f"{name} {type(child).__name__}" if not name.isdigit() else type(child).__name__
                rows.append(BlockRow(label, tuple(x.shape), sum(p.numel() for p in child.parameters()), sum(macs)))
    finally:
        blocks.train(was_training)
    return rows


def print_block_table(blocks: nn.Module, x: torch.Tensor, title: str = "") -> list[BlockRow]:
    """Print block_table(blocks, x) with totals, and return its rows."""
    rows = block_table(blocks, x)
    width = max([len(r.name) for r in rows] + [len("input"), 5])
    if title:
        print(title)
    print(f"  {'block':<{width}}  {'output shape':<20} {'parameters':>12} {'MACs':>14}")
    print(f"  {'input':<{width}}  {str(tuple(x.shape)):<20}")
    for r in rows:
        print(f"  {r.name:<{width}}  {str(r.output_shape):<20} {r.parameters:>12,} {r.macs:>14,}")
    total_params, total_macs = sum(r.parameters for r in rows), sum(r.macs for r in rows)
    print(f"  {'total':<{width}}  {'':<20} {total_params:>12,} {total_macs:>14,}  (MACs per example)")
    return rows
