"""nn.LSTM / nn.GRU / nn.RNN (aten::lstm, gru, rnn_tanh, rnn_relu) against eager:
layers, directions, batch-first, no biases, given initial states, dynamic
sequence length and batch, run-time weights, threads, and what is refused."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.errors import TsmlirError

torch.manual_seed(0)

_KINDS = {
    "lstm": lambda i, h, **kw: nn.LSTM(i, h, **kw),
    "gru": lambda i, h, **kw: nn.GRU(i, h, **kw),
    "rnn_tanh": lambda i, h, **kw: nn.RNN(i, h, **kw),
    "rnn_relu": lambda i, h, **kw: nn.RNN(i, h, nonlinearity="relu", **kw),
}


@pytest.mark.parametrize("kind", sorted(_KINDS))
@pytest.mark.parametrize("layers,bidirectional,batch_first,bias", [
    (1, False, False, True),
    (2, False, True, True),
    (1, True, True, False),
    (2, True, False, True),
])
def test_recurrent_matches_eager(kind, layers, bidirectional, batch_first, bias):
    # odd sizes: 3 inputs, 5 hidden units, 7 steps, batch 3
    m = _KINDS[kind](3, 5, num_layers=layers, bidirectional=bidirectional,
                     batch_first=batch_first, bias=bias)
    x = torch.randn(3, 7, 3) if batch_first else torch.randn(7, 3, 3)
    check_against_eager(m, [x])  # output and final state(s)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_recurrent_one_step_one_row(kind):
    check_against_eager(_KINDS[kind](4, 16), [torch.randn(1, 1, 4)])


def test_lstm_given_state():
    m = nn.LSTM(6, 8, num_layers=2, batch_first=True)
    x, h0, c0 = torch.randn(2, 5, 6), torch.randn(2, 2, 8), torch.randn(2, 2, 8)
    check_against_eager(m, [x, (h0, c0)])


def test_gru_given_state_bidirectional():
    m = nn.GRU(6, 8, bidirectional=True)
    check_against_eager(m, [torch.randn(5, 2, 6), torch.randn(2, 2, 8)])


def test_unbatched_input():
    check_against_eager(nn.LSTM(4, 6), [torch.randn(9, 4)])


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh"])
def test_dynamic_length_and_batch(kind):
    m = _KINDS[kind](4, 6, num_layers=2, batch_first=True, bidirectional=True)
    runs = [(torch.randn(b, t, 4),) for b, t in ((1, 1), (3, 11), (5, 2))]
    check_against_eager(m, list(runs[0]), input_specs=[TensorSpec((-1, -1, 4))], runs=runs[1:])


def test_runtime_weights():
    """freeze=False: the weights are parameters passed at run time, not constants."""
    m = nn.LSTM(4, 6, num_layers=2).eval()
    x = torch.randn(5, 2, 4)
    compiled = tsmlir.compile_module(m, [x], freeze=False)
    with torch.no_grad():
        expected = m(x)
    got = compiled(x)
    torch.testing.assert_close(got[0], expected[0], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(got[1], expected[1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2])
def test_threads(threads):
    m = nn.LSTM(64, 128, num_layers=2, batch_first=True).eval()
    x = torch.randn(16, 20, 64)
    compiled = tsmlir.compile_module(m, [x], threads=threads)
    with torch.no_grad():
        expected = m(x)
    torch.testing.assert_close(compiled(x)[0], expected[0], rtol=1e-4, atol=1e-5)


def test_in_a_model():
    """An embedding -> LSTM -> linear tagger, the LSTM's last state used."""
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.rnn = nn.Embedding(50, 12), nn.LSTM(12, 16, batch_first=True)
            self.out = nn.Linear(16, 4)

        def forward(self, tokens):
            y, (h, c) = self.rnn(self.emb(tokens))
            return self.out(y).log_softmax(-1), h[-1] + c[-1]
    check_against_eager(Tagger(), [torch.randint(0, 50, (2, 9))])


def test_projections_refused():
    with pytest.raises(TsmlirError, match=r"proj_size"):
        tsmlir.compile_module(nn.LSTM(4, 6, proj_size=3).eval(), [torch.randn(5, 2, 4)])


def test_training_dropout_refused():
    m = nn.GRU(4, 6, num_layers=2, dropout=0.5).train()
    with pytest.raises(TsmlirError, match=r"dropout \(0.5\) between layers in training mode"):
        tsmlir.compile_module(m, [torch.randn(5, 2, 4)])


def test_packed_sequence_overload_not_taken():
    """nn.LSTM's forward is overloaded (Tensor / PackedSequence): a wrong
    argument reports the Tensor overload's signature."""
    with pytest.raises(TsmlirError, match=r"'forward' argument 'input'"):
        tsmlir.compile_module(nn.LSTM(4, 6).eval(), [3])
