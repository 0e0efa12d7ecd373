"""Checks for the exercises of Module 18, Recurrent Neural Networks and LSTMs."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

from dlcourse.exercises import Exercise


def _rnn_step(rnn_step) -> str | None:
    torch.manual_seed(0)
    cell = nn.RNNCell(4, 6)
    x, h = torch.randn(3, 4), torch.randn(3, 6)
    with torch.no_grad():
        mine = rnn_step(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        right = cell(x, h)
    if not isinstance(mine, torch.Tensor) or mine.shape != right.shape:
        return "`rnn_step` should return the new hidden state, shape (batch, hidden)"
    if not torch.allclose(mine, right, atol=1e-5):
        return "the new state differs from nn.RNNCell's: check the transposes, biases and tanh"
    return None


def _lstm_count(lstm_param_count) -> str | None:
    for sizes in [(1, 8), (5, 3), (32, 64)]:
        real = sum(p.numel() for p in nn.LSTM(*sizes).parameters())
        if lstm_param_count(*sizes) != real:
            return f"for nn.LSTM{sizes} the count should be {real}: count all four blocks"
    return None


def _last_outputs(last_outputs) -> str | None:
    torch.manual_seed(0)
    rnn = nn.GRU(2, 3, batch_first=True)
    # four sequences, unsorted, one of length 1: an answer written for the page's batch of
    # three, or for sorted lengths, does not pass by accident
    sequences = [torch.randn(n, 2) for n in (2, 6, 1, 4)]
    lengths = torch.tensor([2, 6, 1, 4])
    padded = pad_sequence(sequences, batch_first=True)
    with torch.no_grad():
        output, _ = rnn(padded)
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        _, h_n = rnn(packed)
        try:
            mine = last_outputs(output, lengths)
        except (IndexError, RuntimeError) as error:
            return (
                "`last_outputs` fails on a batch of 4 sequences of lengths [2, 6, 1, 4] "
                f"({type(error).__name__}): read the batch size and the lengths from its "
                "arguments instead of assuming the page's"
            )
    if not isinstance(mine, torch.Tensor) or mine.shape != (4, 3):
        return "`last_outputs` should return one vector per sequence: (batch, hidden)"
    if not torch.allclose(mine, h_n[0], atol=1e-6):
        return "these are not the outputs at each sequence's last real step (lengths - 1)"
    return None


EXERCISES = (
    Exercise(
        1,
        "An RNN step",
        names=("rnn_step",),
        test=_rnn_step,
        wrong=(
            {"rnn_step": lambda x, h, W_ih, W_hh, b_ih, b_hh: torch.tanh(x @ W_ih.T + b_ih)},
            {
                "rnn_step": lambda x, h, W_ih, W_hh, b_ih, b_hh: (
                    x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
                )
            },
        ),
    ),
    Exercise(
        2,
        "Counting an LSTM's parameters",
        names=("lstm_param_count",),
        test=_lstm_count,
        wrong=(
            {"lstm_param_count": lambda i, h: 4 * (h * i + h * h)},
            {"lstm_param_count": lambda i, h: 4 * (h * i + h * h + h)},
            {"lstm_param_count": lambda i, h: h * i + h * h + 2 * h},
        ),
    ),
    Exercise(
        3,
        "The last real output of a padded batch",
        names=("last_outputs",),
        test=_last_outputs,
        wrong=(
            {"last_outputs": lambda output, lengths: output[:, -1]},
            {"last_outputs": lambda output, lengths: output[torch.arange(3), lengths]},
            {"last_outputs": lambda output, lengths: output[torch.arange(3), lengths - 1]},
        ),
    ),
)
