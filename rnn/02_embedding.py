"""rnn/02_embedding.py: "hello" -> "ohlol" again, with an embedding layer (嵌入层) instead of one-hot vectors.

You will see why one-hot vectors (独热向量) are a poor input: they are high-dimensional (one dimension
per symbol: 128 for ASCII, tens of thousands for words), sparse (all zeros but one) and hard-coded
(every two symbols are equally far apart, nothing is learned). An embedding (nn.Embedding) gives each
symbol a short dense vector that is trained with the rest of the network; looking it up is the same as
multiplying the one-hot vector by the embedding matrix, without the multiplications by zero. Then the
lecture's model: embedding -> 2-layer nn.RNN (batch_first) -> a linear layer that turns each hidden
state into 4 letter scores, trained on the same toy task as rnn/01.

Notes: 001 lecture 12 (one-hot: 维度过高, 稀疏, 硬编码; an embedding finds a dense, low-dimensional
space). The note has no code: the model Embedding(4, 10) -> RNN(10, 8, 2 layers) -> Linear(8, 4), Adam lr
0.05, 15 epochs, is the lecture's.
Run:    python rnn/02_embedding.py [--epochs 15] [--lr 0.05]
Prints: one-hot sizes and sparsity, the lookup-equals-matrix-product check, then loss and predicted
        string per epoch, and the learned embedding vectors' cosine similarities.
Saves:  outputs/rnn/02_embedding/{metrics.json, embedding.png}
Expect: the lookup equals one_hot @ weight exactly; "ohlol" from epoch 2 (seed 0) and by epoch 8 for
        every seed 0-19, where rnn/01's 4-unit model gets stuck for some; with seed 0 the loss per letter falls
        to about 0.009, below rnn/01's floor of 0.341; a few seconds on a CPU. --quick changes nothing.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import lessonkit as lk

LETTERS = ["e", "h", "l", "o"]
SOURCE, TARGET = "hello", "ohlol"


class EmbeddingRNN(nn.Module):
    """Letter indices (batch, seq_len) -> letter scores (batch * seq_len, num_letters), the lecture's model."""

    def __init__(self, num_letters: int = 4, embedding_size: int = 10, hidden_size: int = 8, num_layers: int = 2):
        super().__init__()
        self.embedding = nn.Embedding(num_letters, embedding_size)  # a trainable (4, 10) lookup table
        self.rnn = nn.RNN(embedding_size, hidden_size, num_layers=num_layers, batch_first=True)
        # The linear layer frees the hidden state from being the scores (rnn/01 had hidden = scores).
        self.fc = nn.Linear(hidden_size, num_letters)

    def forward(self, letters: torch.Tensor) -> torch.Tensor:
        x = self.embedding(letters)          # (batch, seq_len) -> (batch, seq_len, embedding_size)
        x, _ = self.rnn(x)                   # (batch, seq_len, hidden); h0 defaults to zeros
        x = self.fc(x)                       # (batch, seq_len, num_letters): raw scores (logits)
        return x.reshape(-1, x.shape[-1])    # (batch * seq_len, num_letters) for CrossEntropyLoss


def encode(text: str) -> torch.Tensor:
    return torch.tensor([LETTERS.index(c) for c in text])


def decode(indices) -> str:
    return "".join(LETTERS[i] for i in indices)


def one_hot_facts() -> None:
    """What a one-hot code costs as the vocabulary grows: one dimension per symbol, one non-zero."""
    for what, size in (("our 4 letters", 4), ("ASCII characters", 128), ("a 50,000-word vocabulary", 50_000)):
        print(f"  one-hot for {what}: {size:,}-dimensional, {size - 1:,} zeros and a single 1")
    eye = torch.eye(4)
    distances = torch.cdist(eye, eye)
    print(f"  every two different one-hot vectors are {distances[0, 1]:.3f} apart (sqrt 2) and orthogonal: "
          "'e' is as far from 'h' as from 'o', and nothing about that can be learned")


def train(seed: int, epochs: int, lr: float, *, verbose: bool = False):
    """Train EmbeddingRNN on "hello" -> "ohlol".

    Returns the model, its embedding table before training, and the loss and predicted string per epoch.
    """
    torch.manual_seed(seed)
    model = EmbeddingRNN()
    initial = model.embedding.weight.detach().clone()  # (4, 10), random: N(0, 1) entries
    inputs, labels = encode(SOURCE).unsqueeze(0), encode(TARGET)  # (batch=1, 5) indices, (5,) classes
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses, predicted = [], []
    for epoch in range(1, epochs + 1):
        scores = model(inputs)               # (5, 4)
        loss = loss_fn(scores, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lk.check_finite(loss, f"epoch {epoch}")
        losses.append(loss.item())
        predicted.append(decode(scores.argmax(dim=1).tolist()))
        if verbose:
            print(f"epoch {epoch:2d}  loss per letter {losses[-1]:.3f}  predicted {predicted[-1]}")
    return model, initial, losses, predicted


def first_epoch_right(predictions: list[str]) -> int:
    """The first epoch (1-based) from which every prediction is the target; 0 if it never settles."""
    for epoch in range(1, len(predictions) + 1):
        if all(p == TARGET for p in predictions[epoch - 1:]):
            return epoch
    return 0


def plot(losses, before, after, path, show: bool) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), gridspec_kw={"width_ratios": [1.1, 1, 1]})
    axes[0].plot(range(1, len(losses) + 1), losses, "o-")
    axes[0].set(xlabel="epoch", ylabel="mean cross-entropy per letter", title='"hello" -> "ohlol"')
    axes[0].grid(alpha=0.3)
    limit = max(before.abs().max(), after.abs().max()).item()
    for ax, table, title in ((axes[1], before, "embedding at the start"), (axes[2], after, "after training")):
        image = ax.imshow(table.numpy(), cmap="coolwarm", vmin=-limit, vmax=limit)
        ax.set(yticks=range(len(LETTERS)), yticklabels=LETTERS, xlabel="embedding dimension", title=title)
    fig.colorbar(image, ax=axes[1:].tolist())
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__, epochs=15, lr=0.05)
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="a five-letter toy: a GPU would only add launch overhead")

    # --- one-hot vs embedding ---
    print("one-hot vectors are high-dimensional, sparse and hard-coded:")
    one_hot_facts()
    table = nn.Embedding(4, 10)                      # weight (4, 10): one dense row per letter
    letters = encode(SOURCE)                         # (5,) indices
    looked_up = table(letters)                       # (5, 10): rows of the table
    as_product = F.one_hot(letters, 4).float() @ table.weight  # (5, 4) @ (4, 10) -> (5, 10)
    lookup_equal = torch.equal(looked_up, as_product)
    print(f"an embedding is a lookup: table(indices) equals one_hot(indices) @ table.weight: {lookup_equal}; "
          f"each letter becomes 10 dense numbers instead of 4 with one non-zero")

    # --- the lecture's model on "hello" -> "ohlol" ---
    print(f'\nEmbedding -> 2-layer RNN -> Linear: "{SOURCE}" -> "{TARGET}"')
    model, start, losses, predicted = train(args.seed, args.epochs, args.lr, verbose=True)
    learned = model.embedding.weight.detach()        # (4, 10)
    cosine = F.cosine_similarity(learned.unsqueeze(1), learned.unsqueeze(0), dim=2)  # (4, 4)
    print("cosine similarity of the learned letter vectors (for two different one-hot vectors it is always 0):")
    print("      " + "".join(f"{c:>7}" for c in LETTERS))
    for c, row in zip(LETTERS, cosine.tolist()):
        print(f"  {c}   " + "".join(f"{v:7.2f}" for v in row))

    plot(losses, start, learned, run.out / "embedding.png", args.show)
    first = first_epoch_right(predicted)
    print(f'\n"{TARGET}" from epoch {first} (0 = not reached), final loss per letter {losses[-1]:.3f}: the linear '
          "layer lets the scores grow beyond tanh's (-1, 1), so the loss is not held above rnn/01's 0.341")
    return run.finish({
        "lookup_equals_one_hot_product": lookup_equal,
        "predicted": predicted[-1],
        "first_epoch_right": first,
        "loss": losses[-1],
        "losses": losses,
    })


if __name__ == "__main__":
    main()
