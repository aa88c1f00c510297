"""Loop models whose steps accumulate matmuls in place and update their
carried tensors in their own buffers (tsm-accumulate-in-place,
tsm-loop-carried-in-place): results against eager for odd and dynamic sizes,
the caller's tensors left untouched, repeated calls independent."""
from typing import List

import pytest
import torch

import tsmlir
from conftest import _assert_close
from tsmlir import TensorSpec


class BiasRNN(torch.nn.Module):
    """The benchmark's seed RNN: tanh(x W + h U + b), outputs stacked."""

    def __init__(self, n_in: int, hidden: int):
        super().__init__()
        # scaled so that the pre-activations stay O(1) (float32 tolerances)
        self.W_h = torch.nn.Parameter(torch.randn(n_in, hidden) / n_in ** 0.5)
        self.U_h = torch.nn.Parameter(torch.randn(hidden, hidden) / hidden ** 0.5)
        self.W_y = torch.nn.Parameter(torch.randn(hidden, hidden) / hidden ** 0.5)
        self.b_h = torch.nn.Parameter(torch.randn(hidden))
        self.b_y = torch.nn.Parameter(torch.randn(hidden))

    def forward(self, x, h):
        y: List[torch.Tensor] = []
        for t in range(x.size(0)):
            h = torch.tanh(x[t] @ self.W_h + h @ self.U_h + self.b_h)
            y += [torch.tanh(h @ self.W_y + self.b_y)]
        return torch.stack(y), h


class LSTMLoop(torch.nn.Module):
    def __init__(self, n_in: int, hidden: int):
        super().__init__()
        self.cell = torch.nn.LSTMCell(n_in, hidden)

    def forward(self, x, h, c):
        for t in range(x.size(0)):
            h, c = self.cell(x[t], (h, c))
        return h, c


class ReadsOldState(torch.nn.Module):
    """The old h is read after the new one is computed (and the addend is a
    full 2-D input): the step cannot write h's buffer before its end."""

    def __init__(self, hidden: int):
        super().__init__()
        self.U = torch.nn.Parameter(torch.randn(hidden, hidden) * 0.3)

    def forward(self, x, h, d):
        for t in range(x.size(0)):
            new = torch.tanh(h @ self.U + x[t])
            d = d + (new - h)
            h = new
        return h, d


class TwoStacks(torch.nn.Module):
    """Two stacked outputs: one from x[t] alone, one from the carried h."""

    def __init__(self, n_in: int, hidden: int):
        super().__init__()
        self.W = torch.nn.Parameter(torch.randn(n_in, hidden) / n_in ** 0.5)
        self.U = torch.nn.Parameter(torch.randn(hidden, hidden) / hidden ** 0.5)
        self.b = torch.nn.Parameter(torch.randn(hidden))

    def forward(self, x, h):
        ys: List[torch.Tensor] = []
        zs: List[torch.Tensor] = []
        for t in range(x.size(0)):
            zs += [torch.relu(x[t] @ self.W + self.b)]
            h = torch.tanh(h @ self.U + x[t] @ self.W)
            ys += [torch.sigmoid(h) * 2.0]
        return torch.stack(ys), torch.stack(zs), h


def _check_twice(module, inputs, input_specs=None, runs=()):
    """Compiled == eager on every run, inputs unchanged, a second call equal."""
    module = module.eval()
    compiled = tsmlir.compile_module(module, inputs if input_specs is None else None,
                                     input_specs=input_specs)
    for args in [inputs, *runs]:
        before = [a.clone() for a in args]
        with torch.no_grad():
            expected = module(*args)
        got = compiled(*args)
        for a, b in zip(args, before):
            assert torch.equal(a, b), "the compiled loop wrote into an input"
        _assert_close(got, expected)
        _assert_close(compiled(*args), expected)


@pytest.mark.parametrize("steps, batch, n_in, hidden",
                         [(1, 1, 5, 7), (4, 3, 5, 7), (5, 16, 64, 128), (3, 17, 9, 33)])
def test_bias_rnn(steps, batch, n_in, hidden):
    _check_twice(BiasRNN(n_in, hidden), [torch.randn(steps, batch, n_in),
                                         torch.randn(batch, hidden)])


def test_bias_rnn_dynamic_steps():
    m = BiasRNN(6, 10)
    _check_twice(m, [torch.randn(3, 2, 6), torch.randn(2, 10)],
                 input_specs=[TensorSpec((-1, 2, 6)), TensorSpec((2, 10))],
                 runs=[(torch.randn(1, 2, 6), torch.randn(2, 10)),
                       (torch.randn(7, 2, 6), torch.randn(2, 10))])


@pytest.mark.parametrize("steps, batch, n_in, hidden", [(1, 1, 3, 9), (6, 3, 11, 17)])
def test_lstm_loop(steps, batch, n_in, hidden):
    _check_twice(LSTMLoop(n_in, hidden), [torch.randn(steps, batch, n_in),
                                          torch.randn(batch, hidden), torch.randn(batch, hidden)])


def test_lstm_loop_dynamic_steps_and_batch():
    _check_twice(LSTMLoop(8, 12), [torch.randn(4, 2, 8), torch.randn(2, 12), torch.randn(2, 12)],
                 input_specs=[TensorSpec((-1, -1, 8)), TensorSpec((-1, 12)), TensorSpec((-1, 12))],
                 runs=[(torch.randn(1, 1, 8), torch.randn(1, 12), torch.randn(1, 12)),
                       (torch.randn(6, 5, 8), torch.randn(5, 12), torch.randn(5, 12))])


def test_lstm_loop_dynamic_steps_batched():
    """A run-time count of steps: the input projection is hoisted as one
    matmul of T rows (tsm-batch-loop-rows), wide enough for the packed
    kernel of run-time rows; T = 0 leaves h and c as they came."""
    _check_twice(LSTMLoop(24, 40), [torch.randn(13, 1, 24), torch.randn(1, 40),
                                    torch.randn(1, 40)],
                 input_specs=[TensorSpec((-1, 1, 24)), TensorSpec((1, 40)), TensorSpec((1, 40))],
                 runs=[(torch.randn(0, 1, 24), torch.randn(1, 40), torch.randn(1, 40)),
                       (torch.randn(1, 1, 24), torch.randn(1, 40), torch.randn(1, 40)),
                       (torch.randn(50, 1, 24), torch.randn(1, 40), torch.randn(1, 40))])


def test_two_stacked_outputs_dynamic_steps():
    """Both stacks of a run-time count of steps: the chain from x[t] alone
    and the one from h move after the loop over T * batch rows."""
    _check_twice(TwoStacks(6, 9), [torch.randn(4, 3, 6), torch.randn(3, 9)],
                 input_specs=[TensorSpec((-1, 3, 6)), TensorSpec((3, 9))],
                 runs=[(torch.randn(1, 3, 6), torch.randn(3, 9)),
                       (torch.randn(11, 3, 6), torch.randn(3, 9))])


@pytest.mark.parametrize("steps", [1, 5])
def test_old_state_read_after_the_new_one(steps):
    _check_twice(ReadsOldState(7), [torch.randn(steps, 3, 7), torch.randn(3, 7),
                                    torch.randn(3, 7)])


@pytest.mark.parametrize("steps, batch", [(1, 1), (5, 4)])
def test_two_stacked_outputs(steps, batch):
    _check_twice(TwoStacks(6, 9), [torch.randn(steps, batch, 6), torch.randn(batch, 9)])
