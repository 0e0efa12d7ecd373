"""Recurrent models: a character-level language model with an RNN, GRU or LSTM core.

Introduced in *Recurrent Neural Networks and LSTMs* (Module 18,
https://dlcourse.github.io/dlcourse/modules/recurrent-neural-networks-and-lstm.html).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["CharRNN"]

_CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class CharRNN(nn.Module):
    """Embedding → recurrent layers (``cell`` = ``"rnn"``, ``"gru"`` or ``"lstm"``) → Linear.

    ``forward`` takes ids ``(batch, time)`` and an optional state, and returns next-token
    logits ``(batch, time, vocab_size)`` with the new state, so a long text can be read in
    pieces. :meth:`sample` generates text one token at a time. Introduced in *Recurrent Neural
    Networks and LSTMs* (Module 18,
    https://dlcourse.github.io/dlcourse/modules/recurrent-neural-networks-and-lstm.html),
    section "A character-level language model".

    >>> model = CharRNN(vocab_size=12, hidden_size=16)
    >>> logits, (h, c) = model(torch.zeros(2, 5, dtype=torch.long))
    >>> logits.shape, h.shape
    (torch.Size([2, 5, 12]), torch.Size([1, 2, 16]))
    >>> out = model.sample(torch.tensor([3, 4]), 6, generator=torch.Generator().manual_seed(0))
    >>> out.shape
    torch.Size([8])
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int = 128,
        embed_dim: int = 32,
        num_layers: int = 1,
        cell: str = "lstm",
    ) -> None:
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"CharRNN: cell must be one of {sorted(_CELLS)}, got {cell!r}")
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = _CELLS[cell](embed_dim, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(
        self, ids: torch.Tensor, state: torch.Tensor | tuple[torch.Tensor, ...] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | tuple[torch.Tensor, ...]]:
        """Next-token logits at every position, and the recurrent state after the last."""
        out, state = self.rnn(self.embed(ids), state)
        return self.head(out), state

    @torch.no_grad()
    def sample(
        self,
        prompt: torch.Tensor,
        length: int,
        temperature: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """The 1-D ``prompt`` ids followed by ``length`` sampled ids.

        Each new id is drawn from ``softmax(logits / temperature)`` with ``generator``, so a
        seeded generator gives the same text every time. The model is put in eval mode.
        """
        if prompt.ndim != 1 or len(prompt) == 0:
            raise ValueError("CharRNN.sample: prompt must be a non-empty 1-D tensor of ids")
        self.eval()
        logits, state = self(prompt.unsqueeze(0))
        out = [prompt]
        for _ in range(length):
            probs = torch.softmax(logits[0, -1] / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator)
            out.append(nxt)
            logits, state = self(nxt.unsqueeze(0), state)
        return torch.cat(out)
