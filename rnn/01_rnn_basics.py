"""rnn/01_rnn_basics.py: what a recurrent cell computes, and "hello" -> "ohlol" (循环神经网络基础).

You will write one step of a recurrent network (循环神经网络, RNN) by hand, h_t = tanh(W_ih x_t + b_ih +
W_hh h_(t-1) + b_hh), and check it against nn.RNNCell; see that nn.RNN is that same step run over a whole
sequence with the same weights at every step (权重共享), and what shapes it takes and gives, with and
without batch_first. Then the lecture's toy task: learn to turn "hello" into "ohlol", letters given as
one-hot vectors (独热向量), first with an RNNCell in an explicit loop over the time steps, then with
nn.RNN over the whole sequence at once. The predicted string is printed after every epoch.

Notes: 001 lecture 12 (RNN = a linear layer shared across time steps, tanh as its activation). The note
has no code: the "hello" -> "ohlol" exercise with RNNCell and with nn.RNN is the lecture's. As in the lecture,
the 4 hidden units are used directly as the 4 letter scores; since tanh keeps them in (-1, 1), the loss per
letter stays above log(1 + 3/e^2) = 0.34075 (the floor computed in main).
Run:    python rnn/01_rnn_basics.py [--epochs 15] [--lr 0.1]
Prints: the hand-written step vs nn.RNNCell, the shapes of nn.RNN, then loss and predicted string per
        epoch for the RNNCell loop and for nn.RNN.
Saves:  outputs/rnn/01_rnn_basics/{metrics.json, hello_ohlol.png}
Expect: the hand-written step equals nn.RNNCell and the hand-written loop equals a 2-layer nn.RNN
        (differences below 1e-6); with seed 0 both models predict "ohlol" within the 15 epochs (the RNNCell
        loop for good from epoch 8, nn.RNN from epoch 5), the loss per letter staying above 0.34075. Four
        tanh units that are both the memory and the scores are a tight fit: with --seed 4 neither model
        gets there (they end at "oholl" and "ohlll"); rnn/02 adds a linear layer. A few seconds on a CPU;
        --quick changes nothing.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from torch import nn

import lessonkit as lk

# The lecture's alphabet: 4 letters, each a class. "hello" is the input, "ohlol" the target.
LETTERS = ["e", "h", "l", "o"]
SOURCE, TARGET = "hello", "ohlol"


def rnn_step(x, h, w_ih, w_hh, b_ih, b_hh):
    """One step of an Elman RNN: x (batch, input_size), h (batch, hidden) -> new h (batch, hidden).

    Two linear maps, one of the input and one of the previous hidden state, summed and squashed by
    tanh (the usual activation in RNNs: it keeps the state in (-1, 1) however many steps are chained).
    """
    return torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


def rnn_by_hand(xs, h, w_ih, w_hh, b_ih, b_hh):
    """Run rnn_step over a sequence xs (seq_len, batch, input_size): the SAME weights at every step.

    Returns every step's hidden state (seq_len, batch, hidden) and the last one (batch, hidden).
    """
    outputs = []
    for x in xs:  # one time step at a time: this loop is why RNNs are slow (串行, not parallel in time)
        h = rnn_step(x, h, w_ih, w_hh, b_ih, b_hh)
        outputs.append(h)
    return torch.stack(outputs), h


def encode(text: str) -> torch.Tensor:
    """Letters -> class indices, e.g. "hello" -> [1, 0, 2, 2, 3]."""
    return torch.tensor([LETTERS.index(c) for c in text])


def decode(indices) -> str:
    return "".join(LETTERS[i] for i in indices)


def one_hot(text: str) -> torch.Tensor:
    """(seq_len, batch=1, 4): row t is all zeros except a 1 at the index of letter t."""
    return torch.eye(len(LETTERS))[encode(text)].unsqueeze(1)


def show_shapes() -> float:
    """Print nn.RNN's input/hidden/output shapes; return |nn.RNN - hand loop| on its own weights."""
    seq_len, batch, input_size, hidden, layers = 3, 2, 4, 5, 2
    rnn = nn.RNN(input_size, hidden, num_layers=layers)
    x = torch.randn(seq_len, batch, input_size)
    h0 = torch.zeros(layers, batch, hidden)
    out, h_n = rnn(x, h0)
    print(f"nn.RNN(input_size={input_size}, hidden_size={hidden}, num_layers={layers}):")
    print(f"  input  {tuple(x.shape)} = (seq_len, batch, input_size)    h0  {tuple(h0.shape)} = "
          f"(num_layers, batch, hidden)")
    print(f"  output {tuple(out.shape)} = (seq_len, batch, hidden): the LAST layer's h at every step")
    print(f"  h_n    {tuple(h_n.shape)} = (num_layers, batch, hidden): EVERY layer's h at the last step")
    first = nn.RNN(input_size, hidden, batch_first=True)
    out_bf, h_bf = first(x.transpose(0, 1))
    print(f"  batch_first=True: input {tuple(x.transpose(0, 1).shape)} and output {tuple(out_bf.shape)} are "
          f"(batch, seq_len, ...), but h_n stays (num_layers, batch, hidden) = {tuple(h_bf.shape)}")
    # Layer 1 is the hand loop with layer 1's weights; layer 2 runs the same loop over layer 1's outputs.
    with torch.no_grad():
        h = x
        for layer in range(layers):
            weights = [getattr(rnn, f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            h, last = rnn_by_hand(h, h0[layer], *weights)
        difference = (h - out).abs().max().item()
    print(f"  2-layer nn.RNN vs the hand-written loop: max difference {difference:.1e}")
    return difference


def first_epoch_right(predictions: list[str]) -> int:
    """The first epoch (1-based) from which every prediction is the target; 0 if it never settles."""
    for epoch in range(1, len(predictions) + 1):
        if all(p == TARGET for p in predictions[epoch - 1:]):
            return epoch
    return 0


def plot(history: dict, probabilities: torch.Tensor, path, show: bool) -> None:
    fig, (ax_loss, ax_prob) = plt.subplots(1, 2, figsize=(10, 4))
    for name, record in history.items():
        ax_loss.plot(range(1, len(record["loss"]) + 1), record["loss"], "o-", label=name)
    ax_loss.axhline(history["nn.RNN"]["floor"], color="gray", ls="--", label="tanh floor")
    ax_loss.set(xlabel="epoch", ylabel="mean cross-entropy per letter", title='"hello" -> "ohlol"')
    ax_loss.legend()
    ax_loss.grid(alpha=0.3)
    image = ax_prob.imshow(probabilities.T.numpy(), cmap="Blues", vmin=0, vmax=1)
    ax_prob.set(xticks=range(len(SOURCE)), xticklabels=[f"{s}->{t}" for s, t in zip(SOURCE, TARGET)],
                yticks=range(len(LETTERS)), yticklabels=LETTERS, title="nn.RNN: softmax after the last update")
    fig.colorbar(image, ax=ax_prob)
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=15, lr=0.1)
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="a five-letter toy: a GPU would only add launch overhead")

    # --- 1. one step by hand vs nn.RNNCell ---
    cell = nn.RNNCell(input_size=4, hidden_size=3)
    x, h = torch.randn(2, 4), torch.randn(2, 3)  # (batch, input_size), (batch, hidden)
    with torch.no_grad():
        by_hand = rnn_step(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        step_difference = (by_hand - cell(x, h)).abs().max().item()
    print(f"RNNCell weights: W_ih {tuple(cell.weight_ih.shape)}, W_hh {tuple(cell.weight_hh.shape)}; "
          f"hand-written step vs nn.RNNCell: max difference {step_difference:.1e}")

    # --- 2. nn.RNN over a whole sequence: shapes, and the same weights at every step ---
    loop_difference = show_shapes()

    # --- 3. "hello" -> "ohlol" ---
    inputs, labels = one_hot(SOURCE), encode(TARGET)  # (5, 1, 4) one-hot, (5,) class indices
    # With the hidden state itself as the scores, each lies in (-1, 1): the best softmax puts
    # e / (e + 3/e) on the right letter, so the loss per letter is at least this (about 0.341).
    floor = -math.log(math.e / (math.e + 3 / math.e))
    loss_fn = nn.CrossEntropyLoss()  # softmax + negative log-likelihood (交叉熵), applied to raw scores
    history = {}

    print(f'\nRNNCell, one step at a time: "{SOURCE}" -> "{TARGET}"')
    cell = nn.RNNCell(input_size=4, hidden_size=4)
    optimizer = torch.optim.Adam(cell.parameters(), lr=args.lr)
    record = history["RNNCell loop"] = {"loss": [], "predicted": []}
    for epoch in range(1, args.epochs + 1):
        h = torch.zeros(1, 4)                            # (batch=1, hidden=4): the state starts empty
        loss, letters = 0.0, []
        for x_t, y_t in zip(inputs, labels):             # x_t (1, 4), y_t a scalar class index
            h = cell(x_t, h)                             # the new state is also this step's 4 scores
            loss = loss + loss_fn(h, y_t.unsqueeze(0))   # one loss per time step, summed over the word
            letters.append(h.argmax(dim=1))             # kept as tensors: read once per epoch
        optimizer.zero_grad()
        loss.backward()                                  # back-propagation through time (BPTT)
        optimizer.step()
        lk.check_finite(loss, f"epoch {epoch}")
        record["loss"].append(loss.item() / len(labels))
        record["predicted"].append(decode(torch.cat(letters).tolist()))
        print(f"epoch {epoch:2d}  loss per letter {record['loss'][-1]:.3f}  predicted {record['predicted'][-1]}")

    print(f'\nnn.RNN, the whole sequence in one call: "{SOURCE}" -> "{TARGET}"')
    rnn = nn.RNN(input_size=4, hidden_size=4, num_layers=1)
    optimizer = torch.optim.Adam(rnn.parameters(), lr=args.lr)
    record = history["nn.RNN"] = {"loss": [], "predicted": [], "floor": floor}
    for epoch in range(1, args.epochs + 1):
        out, _ = rnn(inputs, torch.zeros(1, 1, 4))       # out (seq_len=5, batch=1, hidden=4)
        scores = out.reshape(-1, 4)                      # (seq_len * batch, 4): one row per letter
        loss = loss_fn(scores, labels)                   # already the mean over the 5 letters
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lk.check_finite(loss, f"epoch {epoch}")
        record["loss"].append(loss.item())
        record["predicted"].append(decode(scores.argmax(dim=1).tolist()))
        print(f"epoch {epoch:2d}  loss per letter {loss.item():.3f}  predicted {record['predicted'][-1]}")

    with torch.no_grad():
        probabilities = torch.softmax(rnn(inputs)[0].reshape(-1, 4), dim=1)  # (5, 4), after the last update
    plot(history, probabilities, run.out / "hello_ohlol.png", args.show)
    cell_epoch = first_epoch_right(history["RNNCell loop"]["predicted"])
    rnn_epoch = first_epoch_right(history["nn.RNN"]["predicted"])
    print(f'\n"{TARGET}" from epoch {cell_epoch} with the RNNCell loop and from epoch {rnn_epoch} with nn.RNN '
          f"(0 = not reached); the loss per letter cannot go below {floor:.5f} with tanh scores")
    return run.finish({
        "step_vs_rnncell_max_difference": step_difference,
        "rnn_vs_hand_loop_max_difference": loop_difference,
        "rnncell_predicted": history["RNNCell loop"]["predicted"][-1],
        "rnn_predicted": history["nn.RNN"]["predicted"][-1],
        "rnncell_first_epoch_right": cell_epoch,
        "rnn_first_epoch_right": rnn_epoch,
        "rnncell_loss": history["RNNCell loop"]["loss"][-1],
        "rnn_loss": history["nn.RNN"]["loss"][-1],
        "loss_floor": floor,
        "history": {k: {"loss": v["loss"], "predicted": v["predicted"]} for k, v in history.items()},
    })


if __name__ == "__main__":
    main()
