"""nn.LSTM / nn.GRU / nn.RNN: `aten::lstm`, `aten::gru`, `aten::rnn_tanh` and
`aten::rnn_relu` (the `.input` overloads, on a padded 3-D input).

In: what the modules' forward passes: the input (T, B, I), or (B, T, I) with
`batch_first` (an unbatched 2-D input is unsqueezed by the module itself),
the initial state (L*D, B, H) (LSTM: a list (h0, c0)), the flat weight list
(w_ih, w_hh[, b_ih, b_hh] per layer and direction), has_biases, num_layers,
dropout, train, bidirectional, batch_first.
Out: per layer and direction,
1. one matmul over the whole sequence: x @ w_ih^T + the biases that can be
   added there (T*B rows: the packed-matmul path, not T small products);
2. an `scf.for` over the time steps (from T-1 down to 0 for the reverse
   direction) carrying h (and c) and the layer's output, which computes
   `addmm(gx[t], h, w_hh^T)` (GRU: h @ w_hh^T + b_hh apart, since its
   candidate gate scales that part by r), the gate math (fused elementwise
   after lowering), and writes h into row t of the output
   (`tensor.insert_slice`: in place after bufferization).
The results are the eager ones: output (T, B, D*H) (batch-first: (B, T,
D*H)), h_n (and c_n) (L*D, B, H).

Why a loop and not one unrolled cell per step: the code and the compile time
stay the size of one cell whatever T is, and T may be dynamic.

Refused with a message: dropout between layers in training mode (random
numbers), LSTM projections (`proj_size`), weights whose shapes do not fit.
"""
from __future__ import annotations

import torch
from mlir import ir
from mlir.dialects import arith, scf, tensor

from ...dialects.types import DYN
from .. import scalars
from ..carried import cast_to
from ..context import NodeContext
from ..values import is_tensor
from .matmul import _linear
from .sequence import _stack
from .shape import _cat

_GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


class _Direction:
    """The weights of one layer and direction, and the matmuls they take part in."""

    def __init__(self, cx: NodeContext, kind: str, weights: list, input_size: int):
        self.cx, self.kind = cx, kind
        # a frozen module's weights arrive as the Parameters themselves
        weights = [cx.constant(w, "rnn.weight") if isinstance(w, torch.Tensor) else w
                   for w in weights]
        for w in weights:
            if not is_tensor(w):
                cx.fail(f"expected tensor weights, got {type(w).__name__}")
        w_ih, w_hh, b_ih, b_hh = (weights + [None, None])[:4]
        self.hidden = cx.type(w_hh).shape[-1]
        gates = _GATES[kind] * self.hidden
        want = [(gates, input_size), (gates, self.hidden), (gates,), (gates,)]
        for w, shape in zip((w_ih, w_hh, b_ih, b_hh), want):
            got = None if w is None else cx.type(w).shape
            if got is not None and (len(got) != len(shape)
                                    or any(g not in (s, DYN) for g, s in zip(got, shape))):
                cx.fail(f"{kind}: a weight of shape {list(got)} where {list(shape)} was "
                        f"expected (input size {input_size}, hidden size {self.hidden})")
        self.w_ih, self.w_hh = w_ih, w_hh
        self.b_x, self.b_h = self._split_biases(b_ih, b_hh)

    def _split_biases(self, b_ih, b_hh):
        """(bias of the sequence matmul, bias of the step matmul).  Both of
        LSTM's and RNN's biases add to the gates: with constant biases they
        are summed once, into the sequence matmul.  GRU's b_hh stays with the
        step, where the candidate gate multiplies it by r."""
        if b_ih is None:
            return None, None
        consts = [self.cx.importer.tensors.get(b) for b in (b_ih, b_hh)]
        if self.kind == "gru" or any(c is None for c in consts):
            return b_ih, b_hh
        return self.cx.constant(consts[0] + consts[1]), None

    def sequence(self, x):
        """x (T, B, I) @ w_ih^T + b_x: every step's input part at once."""
        return _linear(self.cx, x, self.w_ih, self.b_x)

    def step(self, h, gx):
        """(B, G*H) gates before their nonlinearities (GRU: h's part alone)."""
        if self.kind == "gru":
            return _linear(self.cx, h, self.w_hh, self.b_h)
        w = self.cx.importer.tensors.get(self.w_hh)
        if w is not None and self.b_h is None:  # one addmm: gx[t] is its C
            return self.cx.build("addmm", gx, h, self.cx.constant(w.t(), "linear.weight_t"),
                                 beta=1.0, alpha=1.0)
        return self.cx.build("add", gx, _linear(self.cx, h, self.w_hh, self.b_h))


def _cell(cx: NodeContext, kind: str, hidden: int, gx, gh, h, c):
    """One step's new (h, c) from its gate pre-activations (c: LSTM only)."""
    def part(v, k):
        return cx.build("slice", v, dim=1, start=k * hidden, end=(k + 1) * hidden, step=1)

    if kind == "lstm":
        i, f, g, o = (part(gh, k) for k in range(4))
        c = cx.build("add", cx.build("mul", cx.build("sigmoid", f), c),
                     cx.build("mul", cx.build("sigmoid", i), cx.build("tanh", g)))
        return cx.build("mul", cx.build("sigmoid", o), cx.build("tanh", c)), c
    if kind == "gru":
        r, z = (cx.build("sigmoid", cx.build("add", part(gx, k), part(gh, k))) for k in range(2))
        n = cx.build("tanh", cx.build("add", part(gx, 2), cx.build("mul", r, part(gh, 2))))
        return cx.build("add", n, cx.build("mul", z, cx.build("sub", h, n))), None
    return cx.build("tanh" if kind == "rnn_tanh" else "relu", gh), None


def _run(cx: NodeContext, kind: str, d: _Direction, x, h0, c0, reverse: bool):
    """One layer in one direction over the whole sequence: (output (T, B, H), h_T, c_T)."""
    gx_all = d.sequence(x)
    xt = ir.RankedTensorType(x.type)
    length, batch = (xt.shape[i] if not xt.is_dynamic_dim(i) else tensor.dim(x, scalars.index(i))
                     for i in (0, 1))
    steps = scalars.index(length) if isinstance(length, int) else length
    out = tensor.empty([length, batch, d.hidden], xt.element_type)
    carried = [h0] + ([c0] if c0 is not None else []) + [out]
    loop = scf.ForOp(scalars.index(0), steps, scalars.index(1), carried)
    with ir.InsertionPoint(loop.body):
        t = loop.induction_variable
        if reverse:
            t = arith.subi(arith.subi(steps, scalars.index(1)), t)
        args = list(loop.inner_iter_args)
        h, c, out = args[0], (args[1] if c0 is not None else None), args[-1]
        row = scalars.to_tensor(arith.index_cast(ir.IntegerType.get_signless(64), t),
                                torch.int64)
        gx = cx.build("select", gx_all, row, dim=0)
        h_new, c_new = _cell(cx, kind, d.hidden, gx, d.step(h, gx), h, c)
        h_new = cast_to(h_new, h.type)
        dyn = ir.ShapedType.get_dynamic_size()
        out = tensor.insert_slice(h_new, out, [t], [] if isinstance(batch, int) else [batch], [],
                                  [dyn, 0, 0], [1, batch if isinstance(batch, int) else dyn,
                                                d.hidden], [1, 1, 1])
        scf.YieldOp([h_new] + ([cast_to(c_new, c.type)] if c is not None else []) + [out])
    results = list(loop.results)
    return results[-1], results[0], (results[1] if c0 is not None else None)


def _layer_state(cx: NodeContext, state, index: int):
    return cx.build("select", state, cx.constant(torch.tensor(index, dtype=torch.int64)), dim=0)


def _recurrent(kind: str):
    def handler(cx: NodeContext, x, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first):
        if not is_tensor(x) or cx.type(x).rank != 3:
            cx.fail(f"expected a 3-D input (sequence, batch, features), got "
                    f"{cx.type(x) if is_tensor(x) else type(x).__name__}")
        if not isinstance(params, (list, tuple)) or not all(isinstance(v, (bool, int, float))
                                                            for v in (has_biases, num_layers,
                                                                      dropout, train,
                                                                      bidirectional, batch_first)):
            cx.fail("the weight list and the layer options must be known at compile time")
        if train and dropout > 0 and num_layers > 1:
            cx.fail(f"dropout ({dropout}) between layers in training mode is not supported "
                    "(it draws random numbers); call .eval() on the module")
        states = list(hx) if kind == "lstm" else [hx]
        if kind == "lstm" and len(states) != 2:
            cx.fail(f"lstm expects hx as a list of two tensors (h0, c0), got {len(states)}")
        dirs = 2 if bidirectional else 1
        per = 4 if has_biases else 2
        if kind == "lstm" and len(params) == (per + 1) * num_layers * dirs:
            cx.fail("LSTM with projections (proj_size > 0) is not supported")
        if len(params) != per * num_layers * dirs:
            cx.fail(f"expected {per * num_layers * dirs} weights for {num_layers} layer(s) and "
                    f"{dirs} direction(s), got {len(params)}")
        seq = cx.build("permute", x, perm=[1, 0, 2]) if batch_first else x
        finals = [[] for _ in states]
        for layer in range(num_layers):
            outs = []
            for direction in range(dirs):
                k = layer * dirs + direction
                d = _Direction(cx, kind, list(params[k * per:(k + 1) * per]),
                               cx.type(seq).shape[2])
                h0, c0 = (_layer_state(cx, s, k) for s in states) if kind == "lstm" \
                    else (_layer_state(cx, states[0], k), None)
                out, h, c = _run(cx, kind, d, seq, h0, c0, reverse=direction == 1)
                outs.append(out)
                for acc, v in zip(finals, (h, c)):
                    acc.append(v)
            seq = outs[0] if dirs == 1 else _cat(cx, outs, 2)
        output = cx.build("permute", seq, perm=[1, 0, 2]) if batch_first else seq
        return (output, *(_stack(cx, acc, 0) for acc in finals))
    return handler


HANDLERS = {f"aten::{kind}.input": _recurrent(kind) for kind in _GATES}
