"""tensors/01_tensor_basics.py: the torch.Tensor (张量), the array every model in this course is made of.

You will create tensors and choose their dtype, index and slice them, change their shape (view vs
reshape and what "contiguous" means, squeeze/unsqueeze, expand vs repeat, transpose/permute), see the
broadcasting rules (广播机制) at work, join and split tensors (cat/stack/split/chunk), do element-wise
math, clamp, norms and statistics, find the largest entries (argmax/topk), pick entries with
where/gather, and move data to and from NumPy, learning which calls share memory and which copy.
Each demonstration prints the shapes that go in and the shape that comes out, and small results' values.

Notes: 002 "张量 torch.tensor" (creation, indexing, 维度变换, Broadcast, 拼接/拆分, 基本运算, clamp,
统计属性, where, gather); 003 chapter 2 (tensors and NumPy conversion).
Run:    python tensors/01_tensor_basics.py [--seed 0]
Prints: one block per operation: its name, input shape(s) -> output shape, and the values if few.
Saves:  outputs/tensors/01_tensor_basics/{metrics.json, broadcasting.png}
Expect: a second or two; chunk gives 4, 4, 2 pieces for 10 in 3 and 3, 3, 3, 1 for 10 in 4; the
        memory checks at the end (view, expand, NumPy sharing) all say True.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

import lessonkit as lk


def shape(t) -> str:
    return str(tuple(t.shape))


def show(title: str, out, *inputs) -> None:
    """Print one demonstration: input shape(s) -> output shape, then the output itself."""
    if isinstance(out, (tuple, list)):  # split/chunk/topk return several tensors
        out_shape = "[" + ", ".join(shape(t) for t in out) + "]"
    else:
        out_shape = shape(out)
    in_shape = ", ".join(shape(t) for t in inputs) if inputs else "-"
    print(f"\n--- {title}\n    {in_shape} -> {out_shape}")
    outs = out if isinstance(out, (tuple, list)) else [out]
    if sum(t.numel() for t in outs) > 40:  # big tensors: the shapes are the point, not the values
        return
    print("    " + "\n".join(str(t) for t in outs).replace("\n", "\n    "))


def creation_and_dtypes() -> None:
    data = [[1, 2, 3], [4, 5, 6]]
    show("torch.tensor(list): the dtype is inferred (int64 here)", torch.tensor(data))
    show("torch.zeros(2, 3)", torch.zeros(2, 3))
    show("torch.ones(2, 3, dtype=torch.int32)", torch.ones(2, 3, dtype=torch.int32))
    show("torch.full((2, 2), 7.0)", torch.full((2, 2), 7.0))
    show("torch.arange(0, 10, 3): like range(), end excluded", torch.arange(0, 10, 3))
    show("torch.linspace(0, 1, 5): 5 points, both ends included", torch.linspace(0, 1, 5))
    show("torch.eye(3)", torch.eye(3))
    show("torch.rand(2, 3): uniform on [0, 1)", torch.rand(2, 3))
    show("torch.randn(2, 3): standard normal", torch.randn(2, 3))
    show("torch.randint(0, 10, (2, 3))", torch.randint(0, 10, (2, 3)))
    x = torch.tensor([1.7, -0.2, 3.0])
    # float32 is the default for networks; int64 (long) for class labels and indices; bool for masks.
    # Converting float -> int truncates toward zero, it does not round.
    show(f"x.dtype is {x.dtype}; x.to(torch.int64) truncates toward zero", x.to(torch.int64), x)
    show("x.double(): float64, for checks that need more precision", x.double(), x)
    show("x > 0: comparisons give bool tensors (masks)", x > 0, x)
    show("torch.zeros_like(x): same shape, dtype and device as x", torch.zeros_like(x), x)


def indexing_and_slicing() -> None:
    a = torch.arange(24).reshape(2, 3, 4)  # think (images, rows, columns)
    show("a = torch.arange(24).reshape(2, 3, 4)", a)
    show("a[0]: the first matrix", a[0], a)
    show("a[1, 2]: row 2 of matrix 1", a[1, 2], a)
    show("a[1, 2, 3]: one element, a 0-d tensor (use .item() for the Python number)", a[1, 2, 3], a)
    show("a[:, :, 0]: column 0 of every matrix", a[:, :, 0], a)
    show("a[:, ::2]: every second row (step slicing, 间隔索引)", a[:, ::2], a)
    show("a[..., -1]: '...' stands for all leading dimensions", a[..., -1], a)
    idx = torch.tensor([0, 3])
    show("a.index_select(2, tensor([0, 3])): columns 0 and 3", a.index_select(2, idx), a, idx)
    mask = a % 5 == 0
    show("a[a % 5 == 0]: a boolean mask flattens what it selects", a[mask], a, mask)


def views_and_reshaping() -> dict[str, bool]:
    a = torch.arange(12)
    v = a.view(3, 4)
    show("a.view(3, 4): same memory, new shape", v, a)
    show("a.view(-1, 6): -1 means 'work this dimension out'", a.view(-1, 6), a)
    v[0, 0] = 100  # writing through a view changes a
    print(f"    after v[0, 0] = 100, a[0] is {a[0].item()}: a view shares memory with a")
    a[0] = 0

    t = v.t()  # transpose: no data moves, only the strides (步长) swap, so t is not contiguous
    print(f"\n--- contiguity: v.stride()={v.stride()}, v.t().stride()={t.stride()}, "
          f"v.t().is_contiguous()={t.is_contiguous()}")
    try:
        t.view(12)
        view_failed = False
    except RuntimeError:
        # view() never copies: it reads the same memory with one stride per dimension, and the
        # transpose's order 0, 4, 8, 1, 5, ... jumps +4, +4, -7 through memory, no single stride
        view_failed = True
        print("    v.t().view(12) raises RuntimeError: its order 0, 4, 8, 1, ... is no single stride through memory")
    r = t.reshape(12)  # reshape = view when it can, copy when it must
    show("v.t().reshape(12): copies when a view is impossible", r, t)
    show("v.t().contiguous().view(12): the explicit way", t.contiguous().view(12), t)

    x = torch.zeros(1, 3, 1, 5)
    show("x.squeeze(): drop every size-1 dimension", x.squeeze(), x)
    show("x.squeeze(0): drop only dimension 0", x.squeeze(0), x)
    y = torch.arange(3)
    show("y.unsqueeze(0): a new leading dimension (a row)", y.unsqueeze(0), y)
    show("y.unsqueeze(-1): a new trailing dimension (a column)", y.unsqueeze(-1), y)
    show("y[None, :, None]: indexing with None also adds dimensions", y[None, :, None], y)

    col = torch.tensor([[1], [2], [3]])
    e = col.expand(3, 4)  # no copy: stride 0 along the expanded dimension
    show("col.expand(3, 4): a size-1 dimension stretched, no data copied (-1 keeps a size)", e, col)
    rep = col.repeat(1, 4)
    show("col.repeat(1, 4): the data really copied 1 x 4 times", rep, col)
    print(f"    expand strides {e.stride()} vs repeat strides {rep.stride()}: "
          f"shares memory with col? expand {e.data_ptr() == col.data_ptr()}, "
          f"repeat {rep.data_ptr() == col.data_ptr()}")

    m = torch.arange(6).reshape(2, 3)
    show("m.t() / m.T: transpose a matrix", m.t(), m)
    img = torch.zeros(8, 32, 28, 3)  # (batch, height, width, channels), as image files store it
    show("img.permute(0, 3, 1, 2): (B, H, W, C) -> (B, C, H, W), the order conv layers want",
         img.permute(0, 3, 1, 2), img)
    show("img.transpose(1, 3): swap exactly two dimensions", img.transpose(1, 3), img)
    return {"view_of_transpose_fails": view_failed, "expand_shares_memory": e.data_ptr() == col.data_ptr()}


def broadcasting() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # The rules: line the shapes up from the right; two sizes match if they are equal or one of them
    # is 1 (it is stretched, like expand); a missing leading dimension counts as 1.
    col = torch.tensor([[0.0], [10.0], [20.0]])   # (3, 1)
    row = torch.tensor([1.0, 2.0, 3.0, 4.0])      # (4,) -> treated as (1, 4)
    out = col + row                               # (3, 4)
    show("(3, 1) + (4,) -> (3, 4)", out, col, row)
    a = torch.rand(4, 32, 14, 14)  # a batch of feature maps
    b = torch.rand(32, 1, 1)       # one number per channel (e.g. a per-channel bias)
    show("(4, 32, 14, 14) + (32, 1, 1): a per-channel bias", a + b, a, b)
    try:
        torch.rand(2, 3) + torch.rand(2)
    except RuntimeError:
        print("    (2, 3) + (2,) raises RuntimeError: 3 and 2 differ and neither is 1; "
              "use (2, 1) (unsqueeze(1)) to add one number per row")
    return col, row, out


def joining_and_splitting() -> dict[str, list[int]]:
    a, b = torch.zeros(2, 3), torch.ones(4, 3)
    show("torch.cat([a, b], dim=0): join along an existing dimension", torch.cat([a, b], dim=0), a, b)
    c, d = torch.zeros(2, 3), torch.ones(2, 3)
    show("torch.stack([c, d], dim=0): a NEW dimension; shapes must be equal", torch.stack([c, d]), c, d)
    x = torch.arange(10)
    show("x.split(4): pieces of length 4 (the last may be shorter)", x.split(4), x)
    show("x.split([2, 8]): pieces of the given lengths", x.split([2, 8]), x)
    # chunk(n) cuts pieces of ceil(len / n) and the last one gets what is left, so it can return
    # fewer than n pieces: 10 in 3 -> 4, 4, 2; 10 in 4 -> 3, 3, 3, 1; but 6 in 4 -> 2, 2, 2 (only 3)
    show("x.chunk(3): pieces of ceil(10 / 3) = 4, the last shorter", x.chunk(3), x)
    show("x.chunk(4): pieces of ceil(10 / 4) = 3 -> 3, 3, 3, 1", x.chunk(4), x)
    six = torch.arange(6)
    show("torch.arange(6).chunk(4): pieces of ceil(6 / 4) = 2, so only 3 pieces", six.chunk(4), six)
    return {f"{n}.chunk({k})": [len(t) for t in torch.arange(n).chunk(k)] for n, k in [(10, 3), (10, 4), (6, 4)]}


def math_and_statistics() -> None:
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = torch.tensor([[10.0, 20.0], [30.0, 40.0]])
    show("a * b: element-wise (not matrix) product", a * b, a, b)
    show("a @ b (torch.matmul): the matrix product", a @ b, a, b)
    w = torch.rand(512, 784)
    x = torch.rand(4, 784)
    show("x @ w.t(): 4 images of 784 pixels -> 4 vectors of 512 (a linear layer)", x @ w.t(), x, w)
    show("a.pow(2), a ** 2", a.pow(2), a)
    show("a.sqrt(), a.exp(), a.log() work element-wise; here a.log()", a.log(), a)
    show("torch.clamp(a, min=1.5, max=3.5): clip into [1.5, 3.5] (what clip_grad_value_ does to gradients)",
         torch.clamp(a, min=1.5, max=3.5), a)
    show("a.floor(), a.round(), a.frac(); here (a / 3).round()", (a / 3).round(), a)
    v = torch.tensor([3.0, -4.0])
    # torch.linalg.vector_norm is the current API (the older tensor.norm(p=...) is on its way out)
    l1, l2 = torch.linalg.vector_norm(v, ord=1), torch.linalg.vector_norm(v)
    print(f"\n--- norms of v = {v.tolist()}: L1 {l1.item()}, L2 {l2.item()}, "
          f"max {torch.linalg.vector_norm(v, ord=float('inf')).item()}")
    s = torch.tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 6.0]])
    show("s.sum(), s.mean(), s.prod() reduce everything; here s.mean()", s.mean(), s)
    show("s.sum(dim=0): collapse dimension 0, one sum per column", s.sum(dim=0), s)
    show("s.mean(dim=1, keepdim=True): keepdim keeps a size-1 dimension for broadcasting",
         s.mean(dim=1, keepdim=True), s)
    show("s - s.mean(dim=1, keepdim=True): centre each row", s - s.mean(dim=1, keepdim=True), s)
    show("s.std(dim=1): the sample standard deviation (divides by n - 1)", s.std(dim=1), s)
    values, indices = s.max(dim=1)
    show("s.max(dim=1) returns (values, indices)", (values, indices), s)
    show("s.argmax(dim=1): the index of each row's largest entry (predicted class)", s.argmax(dim=1), s)
    show("s.argmax(): without dim, an index into the flattened tensor", s.argmax(), s)
    top = s.topk(2, dim=1)
    show("s.topk(2, dim=1): the 2 largest per row and where they are", (top.values, top.indices), s)
    show("s.kthvalue(1, dim=1).values: the k-th smallest", s.kthvalue(1, dim=1).values, s)


def where_and_gather() -> torch.Tensor:
    cond = torch.tensor([[True, False], [False, True]])
    a, b = torch.zeros(2, 2), torch.ones(2, 2)
    show("torch.where(cond, a, b): a where cond is True, else b", torch.where(cond, a, b), cond, a, b)
    x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0])
    show("torch.where(x > 0, x, 0.0): ReLU written with where", torch.where(x > 0, x, 0.0), x)
    # gather picks, along one dimension, the entry each index names: out[i][j] = src[i][index[i][j]].
    # The classic use: each row holds the scores of one example, pick the score of its true class.
    scores = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    labels = torch.tensor([1, 0, 2])
    picked = scores.gather(1, labels.unsqueeze(1))  # index (3, 1) -> out (3, 1)
    show("scores.gather(1, labels.unsqueeze(1)): the score of each row's label", picked, scores, labels)
    # gather as a lookup table: index i -> the entry 100 + i
    table = torch.arange(100, 110).expand(2, 10)  # (2, 10), the same row twice, no copy
    idx = torch.tensor([[7, 1], [3, 0]])
    show("torch.gather(table, 1, idx): look up 100 + index", torch.gather(table, 1, idx), table, idx)
    return picked


def numpy_interop() -> dict[str, bool]:
    arr = np.zeros(3, dtype=np.float32)
    shared = torch.from_numpy(arr)   # shares arr's memory: no copy
    copied = torch.tensor(arr)       # always copies
    back = shared.numpy()            # a CPU tensor's .numpy() shares memory too
    arr[0] = 5.0
    show("torch.from_numpy(arr) after arr[0] = 5: sees the change (shared memory)", shared, arr)
    show("torch.tensor(arr) after arr[0] = 5: unchanged (a copy)", copied, arr)
    print(f"\n--- dtypes follow: float64 NumPy arrays become float64 tensors "
          f"({torch.from_numpy(np.zeros(1)).dtype}); call .float() before feeding a network")
    # A tensor that requires grad, or lives on a GPU, must be brought back explicitly:
    # t.detach().cpu().numpy() (Matplotlib and NumPy want arrays, not tensors).
    return {
        "from_numpy_shares": shared[0].item() == 5.0,
        "tensor_copies": copied[0].item() == 0.0,
        "numpy_shares": back[0] == 5.0,
    }


def plot_broadcasting(col: torch.Tensor, row: torch.Tensor, out: torch.Tensor, path, show_window: bool) -> None:
    """Three grids: (3, 1) stretched across, (1, 4) stretched down, and their sum (3, 4)."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    panels = [
        (col.expand_as(out), "col (3, 1) -> expand to (3, 4)", col.shape),
        (row.expand_as(out), "row (4,) = (1, 4) -> expand to (3, 4)", (1, row.shape[0])),
        (out, "col + row: (3, 4)", out.shape),
    ]
    for ax, (grid, title, real) in zip(axes, panels):
        values = grid.numpy()  # Matplotlib wants NumPy arrays
        ax.imshow(values, cmap="Blues", vmin=0, vmax=out.max().item() * 1.8)
        for (i, j), v in np.ndenumerate(values):
            copied = i >= real[0] or j >= real[1]  # cells broadcasting made up (no memory behind them)
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=12,
                    color="gray" if copied else "black", fontstyle="italic" if copied else "normal")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(range(values.shape[1]))
        ax.set_yticks(range(values.shape[0]))
    fig.suptitle("Broadcasting: grey italic cells are virtual copies, not stored in memory")
    lk.save_figure(fig, path, show=show_window)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args)
    torch.set_printoptions(precision=3, sci_mode=False)

    creation_and_dtypes()
    indexing_and_slicing()
    checks = views_and_reshaping()
    col, row, out = broadcasting()
    chunks = joining_and_splitting()
    math_and_statistics()
    picked = where_and_gather()
    checks |= numpy_interop()

    x = torch.arange(12.0).to(run.device)  # everything above works the same on a GPU tensor
    print(f"\n--- on {run.device}: x.view(3, 4).sum(dim=1) = {x.view(3, 4).sum(dim=1).tolist()}")
    print("\nchecks: " + ", ".join(f"{k}={v}" for k, v in checks.items()))

    plot_broadcasting(col, row, out, run.out / "broadcasting.png", args.show)
    torch.set_printoptions(profile="default")
    return run.finish({
        "broadcast_sum": out.sum().item(),
        "gathered_scores": picked.flatten().tolist(),
        "chunk_lengths": chunks,
        **{k: int(v) for k, v in checks.items()},
    })


if __name__ == "__main__":
    main()
