"""Matmul ops against eager: every torch.matmul rank combination, mm, bmm,
linear (with and without bias, any input rank), addmm's beta/alpha,
baddbmm/addmv/addbmm, outer/ger, einsum, nn.LSTMCell/GRUCell loops, dynamic
leading dims and the run-time size checks."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec


class Matmul(torch.nn.Module):
    def forward(self, x, y):
        return x @ y


class Mm(torch.nn.Module):
    def forward(self, x, y):
        return torch.mm(x, y)


class Bmm(torch.nn.Module):
    def forward(self, x, y):
        return torch.bmm(x, y)


class MvDot(torch.nn.Module):
    def forward(self, m, v):
        return torch.mv(m, v), torch.dot(v, v)


class Linear(torch.nn.Module):
    def forward(self, x, w, b):
        return F.linear(x, w, b), F.linear(x, w)


class Addmm(torch.nn.Module):
    def __init__(self, beta: float, alpha: float):
        super().__init__()
        self.beta, self.alpha = beta, alpha

    def forward(self, s, x, y):
        return torch.addmm(s, x, y, beta=self.beta, alpha=self.alpha)


MATMUL_SHAPES = [
    ((4,), (4,)),                      # 1-D x 1-D: dot
    ((4,), (4, 3)),                    # 1-D x 2-D: vecmat
    ((3, 4), (4,)),                    # 2-D x 1-D: matvec
    ((3, 4), (4, 5)),                  # 2-D x 2-D
    ((2, 3, 4), (4, 5)),               # N-D x 2-D
    ((2, 2, 3, 4), (4,)),              # N-D x 1-D
    ((4,), (2, 4, 5)),                 # 1-D x N-D
    ((3, 4), (2, 4, 5)),               # 2-D x N-D
    ((2, 3, 4), (2, 4, 5)),            # batched, same batch: batch_matmul
    ((2, 1, 3, 4), (5, 4, 6)),         # batch broadcasting both ways
    ((1, 3, 4), (7, 4, 2)),
    ((17, 33), (33, 9)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_ranks(shapes):
    x, y = torch.randn(shapes[0]), torch.randn(shapes[1])
    check_against_eager(torch.jit.script(Matmul()), [x, y])


def test_matmul_float64():
    x, y = torch.randn(2, 5, 7, dtype=torch.float64), torch.randn(7, 3, dtype=torch.float64)
    check_against_eager(torch.jit.script(Matmul()), [x, y])


def test_matmul_int64():
    x, y = torch.randint(-5, 5, (3, 4)), torch.randint(-5, 5, (2, 4, 6))
    check_against_eager(torch.jit.script(Matmul()), [x, y])


@pytest.mark.parametrize("specs", [
    [(-1, 8), (8, 3)],
    [(-1, 8), (8,)],
    [(-1, 5, 8), (8, 3)],
    [(-1, 5, 8), (-1, 8, 3)],
    [(8,), (-1, 8, 3)],
], ids=str)
def test_matmul_dynamic_leading_dim(specs):
    runs = [[torch.randn([n if d == -1 else d for d in s]) for s in specs] for n in (1, 4, 9)]
    check_against_eager(torch.jit.script(Matmul()), runs[0],
                        input_specs=[TensorSpec(s) for s in specs], runs=runs[1:])


def test_matmul_dynamic_contraction_mismatch_raises():
    compiled = tsmlir.compile_module(torch.jit.script(Matmul()),
                                     input_specs=[TensorSpec((3, -1)), TensorSpec((-1, 2))])
    with pytest.raises(tsmlir.RuntimeCheckError, match="contraction dimensions"):
        compiled(torch.randn(3, 4), torch.randn(5, 2))
    x, y = torch.randn(3, 4), torch.randn(4, 2)
    torch.testing.assert_close(compiled(x, y), x @ y, rtol=1e-4, atol=1e-5)


def test_matmul_dynamic_batch_mismatch_raises():
    compiled = tsmlir.compile_module(torch.jit.script(Matmul()),
                                     input_specs=[TensorSpec((-1, 2, 3)), TensorSpec((-1, 3, 2))])
    with pytest.raises(tsmlir.RuntimeCheckError, match="batch dimension 0"):
        compiled(torch.randn(2, 2, 3), torch.randn(3, 3, 2))


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((1, 7), (7, 1)), ((16, 32), (32, 8))],
                         ids=str)
def test_mm(shapes):
    check_against_eager(torch.jit.script(Mm()), [torch.randn(shapes[0]), torch.randn(shapes[1])])


def test_mm_dynamic():
    runs = [[torch.randn(n, 6), torch.randn(6, 3)] for n in (2, 11)]
    check_against_eager(torch.jit.script(Mm()), runs[0], runs=runs[1:],
                        input_specs=[TensorSpec((-1, 6)), TensorSpec((6, 3))])


def test_mm_rejects_wrong_rank():
    with pytest.raises(tsmlir.TsmlirError, match="mm expects 2-D and 2-D tensors"):
        tsmlir.compile_module(torch.jit.script(Mm()), [torch.randn(2, 3, 4), torch.randn(4, 5)])


@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 4, 5)), ((1, 5, 5), (1, 5, 5))], ids=str)
def test_bmm(shapes):
    check_against_eager(torch.jit.script(Bmm()), [torch.randn(shapes[0]), torch.randn(shapes[1])])


def test_bmm_dynamic_batch():
    runs = [[torch.randn(n, 3, 4), torch.randn(n, 4, 2)] for n in (1, 6)]
    check_against_eager(torch.jit.script(Bmm()), runs[0], runs=runs[1:],
                        input_specs=[TensorSpec((-1, 3, 4)), TensorSpec((-1, 4, 2))])


def test_bmm_does_not_broadcast():
    with pytest.raises(tsmlir.TsmlirError, match="batch sizes differ"):
        tsmlir.compile_module(torch.jit.script(Bmm()), [torch.randn(1, 3, 4), torch.randn(2, 4, 5)])


def test_mv_dot():
    check_against_eager(torch.jit.script(MvDot()), [torch.randn(3, 5), torch.randn(5)])


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape", [(2048, 2048), (37, 1001), (1, 17)], ids=str)
def test_mv_as_dot_products(shape, threads):
    """f32 A @ v of static sizes: dot products of v with A's rows (the
    vector loop with a masked tail; 2048 x 2048 shared by 2 threads)."""
    m, v = torch.randn(shape), torch.randn(shape[1])
    compiled = tsmlir.compile_module(torch.jit.script(MvDot()), [m, v], threads=threads)
    got, want = compiled(m, v), MvDot()(m, v)
    torch.testing.assert_close(got[0], want[0], rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("x_shape", [(6,), (4, 6), (2, 4, 6), (2, 3, 4, 6)], ids=str)
def test_linear(x_shape):
    check_against_eager(torch.jit.script(Linear()),
                        [torch.randn(x_shape), torch.randn(5, 6), torch.randn(5)])


def test_linear_dynamic_and_float64():
    specs = [TensorSpec((-1, 6), torch.float64), TensorSpec((5, 6), torch.float64),
             TensorSpec((5,), torch.float64)]
    runs = [[torch.randn(n, 6, dtype=torch.float64), torch.randn(5, 6, dtype=torch.float64),
             torch.randn(5, dtype=torch.float64)] for n in (1, 3, 10)]
    check_against_eager(torch.jit.script(Linear()), runs[0], input_specs=specs, runs=runs[1:])


def test_nn_linear_module():
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Linear(16, 4, bias=False))
    runs = [[torch.randn(n, 3, 8)] for n in (1, 5)]
    check_against_eager(torch.jit.script(model), runs[0], runs=runs[1:],
                        input_specs=[TensorSpec((-1, 3, 8))])


class ConstantLinear(torch.nn.Module):
    """nn.Linear layers: constant weights, pre-transposed at import; `up` runs
    twice to share its transposed weight."""
    def __init__(self, dtype=torch.float32):
        super().__init__()
        self.up = torch.nn.Linear(6, 5, dtype=dtype)
        self.down = torch.nn.Linear(5, 3, bias=False, dtype=dtype)

    def forward(self, x):
        return self.down(self.up(x)), self.up(x)


@pytest.mark.parametrize("x_shape", [(6,), (4, 6), (2, 4, 6), (2, 3, 4, 6)], ids=str)
def test_linear_constant_weight(x_shape):
    check_against_eager(torch.jit.script(ConstantLinear()), [torch.randn(x_shape)])


@pytest.mark.parametrize("x_shape", [(-1, 6), (-1, 4, 6)], ids=str)
def test_linear_constant_weight_dynamic_and_float64(x_shape):
    runs = [[torch.randn(n, *x_shape[1:], dtype=torch.float64)] for n in (1, 3, 10)]
    check_against_eager(torch.jit.script(ConstantLinear(torch.float64)), runs[0], runs=runs[1:],
                        input_specs=[TensorSpec(x_shape, torch.float64)])


def test_linear_constant_weight_traced():
    model = ConstantLinear()
    x = torch.randn(4, 6)
    check_against_eager(torch.jit.trace(model, (x,)), [x])


@pytest.mark.parametrize("beta,alpha", [(1.0, 1.0), (0.5, 1.0), (1.0, 2.0), (0.5, -3.0),
                                        (0.0, 2.0), (0.0, 1.0)], ids=str)
@pytest.mark.parametrize("self_shape", [(3, 5), (5,), (1, 5), (3, 1), ()], ids=str)
def test_addmm(beta, alpha, self_shape):
    check_against_eager(torch.jit.script(Addmm(beta, alpha)),
                        [torch.randn(self_shape), torch.randn(3, 4), torch.randn(4, 5)])


def test_addmm_beta_zero_ignores_nan():
    s = torch.full((3, 5), float("nan"))
    check_against_eager(torch.jit.script(Addmm(0.0, 2.0)),
                        [s, torch.randn(3, 4), torch.randn(4, 5)])


def test_addmm_dynamic():
    specs = [TensorSpec((5,)), TensorSpec((-1, 4)), TensorSpec((4, 5))]
    runs = [[torch.randn(5), torch.randn(n, 4), torch.randn(4, 5)] for n in (2, 7)]
    check_against_eager(torch.jit.script(Addmm(0.5, 2.0)), runs[0], input_specs=specs,
                        runs=runs[1:])


class AddmmFamily(torch.nn.Module):
    """baddbmm, addmv and addbmm with one (beta, alpha)."""

    def __init__(self, beta: float, alpha: float):
        super().__init__()
        self.beta, self.alpha = beta, alpha

    def forward(self, s3, b1, b2, s1, m, v, s2):
        return (torch.baddbmm(s3, b1, b2, beta=self.beta, alpha=self.alpha),
                torch.addmv(s1, m, v, beta=self.beta, alpha=self.alpha),
                torch.addbmm(s2, b1, b2, beta=self.beta, alpha=self.alpha))


def _addmm_family_inputs(s3=(2, 3, 5), s1=(3,), s2=(3, 5), dtype=torch.float32):
    def make(*shape):
        if dtype.is_floating_point:
            return torch.randn(shape, dtype=dtype)
        return torch.randint(-5, 6, shape, dtype=dtype)
    return [make(*s3), make(2, 3, 4), make(2, 4, 5), make(*s1), make(3, 6), make(6), make(*s2)]


@pytest.mark.parametrize("beta,alpha", [(1.0, 1.0), (0.5, -2.0), (0.0, 3.0)], ids=str)
@pytest.mark.parametrize("shapes", [{}, dict(s3=(3, 1), s1=(1,), s2=(5,)),
                                    dict(s3=(), s1=(), s2=())], ids=["full", "broadcast", "0d"])
def test_baddbmm_addmv_addbmm(beta, alpha, shapes):
    check_against_eager(torch.jit.script(AddmmFamily(beta, alpha)), _addmm_family_inputs(**shapes))


@pytest.mark.parametrize("threads", [1, 2])
def test_baddbmm_of_kernel_sizes(threads):
    """Attention-sized batches (each a 2-D matmul on the packed kernel), then
    beta * self broadcast from (128,) and alpha's scaling."""
    s, b1, b2 = torch.randn(128), torch.randn(16, 128, 64), torch.randn(16, 64, 128)
    for beta, alpha in ((1.0, 1.0), (0.5, -2.0)):
        model = torch.jit.script(AddmmFamily(beta, alpha))
        inputs = [s, b1, b2, torch.randn(3), torch.randn(3, 6), torch.randn(6), torch.randn(128, 128)]
        compiled = tsmlir.compile_module(model, inputs, threads=threads)
        for got, want in zip(compiled(*inputs), model(*inputs)):
            torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)


def test_addmm_family_int64_exact_and_nan_ignored_with_beta_zero():
    check_against_eager(torch.jit.script(AddmmFamily(2.0, 3.0)),
                        _addmm_family_inputs(dtype=torch.int64), rtol=0, atol=0)
    inputs = _addmm_family_inputs()
    for i in (0, 3, 6):
        inputs[i] = torch.full_like(inputs[i], float("nan"))
    check_against_eager(torch.jit.script(AddmmFamily(0.0, 1.0)), inputs)


def test_addmm_family_dynamic_batch():
    specs = [TensorSpec((-1, 3, 5)), TensorSpec((-1, 3, 4)), TensorSpec((-1, 4, 5)),
             TensorSpec((-1,)), TensorSpec((-1, 6)), TensorSpec((6,)), TensorSpec((3, 5))]
    runs = [[torch.randn(n, 3, 5), torch.randn(n, 3, 4), torch.randn(n, 4, 5), torch.randn(3),
             torch.randn(3, 6), torch.randn(6), torch.randn(3, 5)] for n in (2, 1, 4)]
    check_against_eager(torch.jit.script(AddmmFamily(0.5, 2.0)), runs[0], input_specs=specs,
                        runs=runs[1:])


def test_baddbmm_rejects_wrong_rank_and_batch():
    with pytest.raises(tsmlir.TorchScriptImportError, match="baddbmm expects 3-D and 3-D") as err:
        tsmlir.compile_module(torch.jit.script(AddmmFamily(1.0, 1.0)),
                              _addmm_family_inputs()[:1] + [torch.randn(3, 4)]
                              + _addmm_family_inputs()[2:])
    assert err.value.loc.file == __file__
    inputs = _addmm_family_inputs()
    inputs[2] = torch.randn(3, 4, 5)
    with pytest.raises(tsmlir.TorchScriptImportError, match="batch sizes of mat1 and mat2 differ"):
        tsmlir.compile_module(torch.jit.script(AddmmFamily(1.0, 1.0)), inputs)


class Outer(torch.nn.Module):
    def forward(self, x, y):
        return torch.outer(x, y), torch.ger(y, x), x.outer(x)


@pytest.mark.parametrize("dtypes", [(torch.float32, torch.float32), (torch.int64, torch.float64),
                                    (torch.int32, torch.int64), (torch.bool, torch.bool)], ids=str)
@pytest.mark.parametrize("sizes", [(3, 4), (1, 1), (0, 2)], ids=str)
def test_outer(dtypes, sizes):
    x = (torch.randn(sizes[0]) * 5).to(dtypes[0])
    y = (torch.randn(sizes[1]) * 5).to(dtypes[1])
    check_against_eager(torch.jit.script(Outer()), [x, y])


def test_outer_rejects_matrices():
    with pytest.raises(tsmlir.TorchScriptImportError, match="outer expects 1-D and 1-D"):
        tsmlir.compile_module(torch.jit.script(Outer()), [torch.randn(2, 2), torch.randn(2)])


class AddbmmOuter(torch.nn.Module):
    def forward(self, s, b1, b2, v):
        return torch.addbmm(s, b1, b2), torch.outer(v, v)


def test_addbmm_outer_dynamic_sizes():
    """Their reshapes read dynamic sizes at run time (they once took MLIR's
    dynamic-size marker for a size)."""
    specs = [TensorSpec((-1, 6)), TensorSpec((3, -1, 4)), TensorSpec((3, 4, 6)), TensorSpec((-1,))]

    def make(n):
        return torch.randn(n, 6), torch.randn(3, n, 4), torch.randn(3, 4, 6), torch.randn(n + 2)
    check_against_eager(torch.jit.script(AddbmmOuter()), list(make(5)), input_specs=specs,
                        runs=[make(1), make(8)])


class Einsums(torch.nn.Module):
    def forward(self, a, b, c, d, v, w, q):
        return (torch.einsum("ij,jk->ik", a, b), torch.einsum("bij,bjk->bik", c, d),
                torch.einsum("i,j->ij", v, w), torch.einsum("ii->i", q), torch.einsum("ij->ji", a),
                torch.einsum("ij->i", a), torch.einsum("ij", a), torch.einsum("ii", q),
                torch.einsum("...ij,...jk", c, d), torch.einsum("ij,jk,kl->il", a, b, b.t()),
                torch.einsum("b i j , j", c, v[:1]), torch.einsum("bij,bkj->bik", c, c),
                torch.einsum("ij,ij->", a, a), torch.einsum("bij->", c))


def _einsum_inputs(m, n, k, batch, dtype=torch.float32):
    def make(*shape):
        x = torch.randn(shape) * 3
        return x.to(dtype) if dtype.is_floating_point else x.round().to(dtype)
    return [make(m, n), make(n, k), make(batch, m, n), make(batch, n, k), make(n), make(k),
            make(n, n)]


@pytest.mark.parametrize("sizes", [(2, 3, 4, 5), (1, 1, 1, 1), (3, 0, 2, 2), (2, 3, 4, 0)],
                         ids=str)
def test_einsum(sizes):
    check_against_eager(torch.jit.script(Einsums()), _einsum_inputs(*sizes))


def test_einsum_float64_and_int64():
    check_against_eager(torch.jit.script(Einsums()), _einsum_inputs(3, 2, 4, 2, torch.float64))
    check_against_eager(torch.jit.script(Einsums()), _einsum_inputs(3, 2, 4, 2, torch.int64),
                        rtol=0, atol=0)


class Attention4d(torch.nn.Module):
    def forward(self, q, k):
        return torch.einsum("bhqd,bhkd->bhqk", q, k)


def test_einsum_attention_scores_dynamic():
    specs = [TensorSpec((-1, 2, -1, 8)), TensorSpec((-1, 2, -1, 8))]
    runs = [[torch.randn(b, 2, s, 8), torch.randn(b, 2, s + 1, 8)] for b, s in ((2, 3), (1, 1))]
    check_against_eager(torch.jit.script(Attention4d()), runs[0], input_specs=specs,
                        runs=runs[1:])


def test_einsum_dynamic_size_mismatch_raises():
    compiled = tsmlir.compile_module(torch.jit.script(Attention4d()),
                                     input_specs=[TensorSpec((2, 2, 3, -1))] * 2)
    with pytest.raises(tsmlir.RuntimeCheckError, match="sizes of subscript 'd'"):
        compiled(torch.randn(2, 2, 3, 4), torch.randn(2, 2, 3, 5))


class BadEinsum(torch.nn.Module):
    def __init__(self, equation: str):
        super().__init__()
        self.equation = equation

    def forward(self, x, y):
        return torch.einsum(self.equation, x, y)


@pytest.mark.parametrize("equation,message", [
    ("ij,jk->il", "output subscript 'l' does not appear"),
    ("ij,jk->ik", "subscript 'j' has sizes \\[3, 4\\] that do not broadcast"),
    ("ijk,jk->i", "subscript 'ijk' has 3 letters for operand tensor<2x3xf32>"),
    ("ij->i", "names 1 operands, but 2 were given"),
    ("i.j,jk->ik", "invalid subscript 'i.j'"),
], ids=["output", "sizes", "rank", "count", "dots"])
def test_einsum_errors(equation, message):
    with pytest.raises(tsmlir.TorchScriptImportError, match=message) as err:
        tsmlir.compile_module(torch.jit.script(BadEinsum(equation)),
                              [torch.randn(2, 3), torch.randn(4, 5)])
    assert err.value.loc.file == __file__


class Cells(torch.nn.Module):
    """nn.LSTMCell / nn.GRUCell (with and without biases) stepped in a loop."""

    def __init__(self, n_in: int, hidden: int):
        super().__init__()
        self.lstm = torch.nn.LSTMCell(n_in, hidden)
        self.gru = torch.nn.GRUCell(n_in, hidden)
        self.gru_nobias = torch.nn.GRUCell(n_in, hidden, bias=False)

    def forward(self, xs, h, c):
        g = h
        g2 = h
        for t in range(xs.size(0)):
            h, c = self.lstm(xs[t], (h, c))
            g = self.gru(xs[t], g)
            g2 = self.gru_nobias(xs[t], g2)
        return h, c, g, g2


@pytest.mark.parametrize("steps,batch,n_in,hidden", [(3, 2, 5, 7), (1, 1, 1, 1), (2, 3, 4, 16)],
                         ids=str)
def test_lstm_gru_cells(steps, batch, n_in, hidden):
    inputs = [torch.randn(steps, batch, n_in), torch.randn(batch, hidden),
              torch.randn(batch, hidden)]
    check_against_eager(torch.jit.script(Cells(n_in, hidden)), inputs)


def test_lstm_gru_cells_float64_dynamic_steps_and_batch():
    module = torch.jit.script(Cells(3, 4).double())
    runs = [[torch.randn(s, b, 3, dtype=torch.float64), torch.randn(b, 4, dtype=torch.float64),
             torch.randn(b, 4, dtype=torch.float64)] for s, b in ((4, 2), (1, 1), (6, 3))]
    specs = [TensorSpec((-1, -1, 3), torch.float64), TensorSpec((-1, 4), torch.float64),
             TensorSpec((-1, 4), torch.float64)]
    check_against_eager(module, runs[0], input_specs=specs, runs=runs[1:])


class RawCells(torch.nn.Module):
    """Cells whose weights are inputs: gates sliced out of two linear layers."""

    def forward(self, x, h, c, w_ih, w_hh, b_ih, b_hh, g_ih, g_hh, gb_ih):
        h1, c1 = torch.lstm_cell(x, [h, c], w_ih, w_hh, b_ih, b_hh)
        h2, c2 = torch.lstm_cell(x, [h, c], w_ih, w_hh)
        return h1, c1, h2, c2, torch.gru_cell(x, h, g_ih, g_hh, gb_ih), torch.gru_cell(x, h, g_ih, g_hh)


def _raw_cell_inputs(batch, n_in, hidden):
    return [torch.randn(batch, n_in), torch.randn(batch, hidden), torch.randn(batch, hidden),
            torch.randn(4 * hidden, n_in), torch.randn(4 * hidden, hidden),
            torch.randn(4 * hidden), torch.randn(4 * hidden),
            torch.randn(3 * hidden, n_in), torch.randn(3 * hidden, hidden), torch.randn(3 * hidden)]


def test_lstm_gru_cells_with_weights_as_inputs():
    check_against_eager(torch.jit.script(RawCells()), _raw_cell_inputs(2, 3, 4))
    specs = [TensorSpec([-1, *t.shape[1:]] if i < 3 else t.shape)
             for i, t in enumerate(_raw_cell_inputs(2, 3, 4))]
    check_against_eager(torch.jit.script(RawCells()), _raw_cell_inputs(1, 3, 4),
                        input_specs=specs, runs=[_raw_cell_inputs(5, 3, 4)])


def test_lstm_cell_rejects_weights_that_do_not_fit():
    inputs = _raw_cell_inputs(2, 3, 4)
    inputs[3] = torch.randn(12, 3)
    with pytest.raises(tsmlir.TorchScriptImportError, match="lstm_cell: weights of shapes") as err:
        tsmlir.compile_module(torch.jit.script(RawCells()), inputs)
    assert err.value.loc.file == __file__


class UnbatchedLstmCell(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = torch.nn.LSTMCell(3, 4)

    def forward(self, x, h, c):
        return torch.lstm_cell(x, [h, c], self.cell.weight_ih, self.cell.weight_hh)


def test_lstm_cell_rejects_unbatched_input():
    # nn.LSTMCell adds the batch dim itself (see test_lstm_gru_cells_unbatched).
    with pytest.raises(tsmlir.TorchScriptImportError, match="lstm_cell expects a 2-D input"):
        tsmlir.compile_module(torch.jit.script(UnbatchedLstmCell()),
                              [torch.randn(3), torch.randn(4), torch.randn(4)])


def test_lstm_gru_cells_unbatched():
    check_against_eager(torch.jit.script(Cells(3, 4)),
                        [torch.randn(2, 3), torch.randn(4), torch.randn(4)])


def test_bmm_fully_dynamic_with_empty_and_odd_sizes():
    # f32 batch matmuls run as a loop of 2-D matmuls on views of each batch.
    specs = [TensorSpec((-1, -1, -1)), TensorSpec((-1, -1, -1))]
    runs = [[torch.randn(a), torch.randn(b)] for a, b in
            (((3, 5, 7), (3, 7, 2)), ((2, 3, 0), (2, 0, 4)), ((0, 3, 4), (0, 4, 5)),
             ((2, 0, 4), (2, 4, 5)), ((1, 17, 33), (1, 33, 65)))]
    check_against_eager(torch.jit.script(Bmm()), runs[0], input_specs=specs, runs=runs[1:])


class EllipsisEinsums(torch.nn.Module):
    def forward(self, a, b, c):
        return (torch.einsum("...ij,...jk", a, b), torch.einsum("...ij,...jk->...ik", a, c),
                torch.einsum("b...,b...->b", c, c), torch.einsum("i...->...", a))


def test_einsum_ellipsis_of_different_ranks_and_broadcast():
    check_against_eager(torch.jit.script(EllipsisEinsums()),
                        [torch.randn(2, 5, 2, 3), torch.randn(5, 3, 4), torch.randn(1, 3, 4)])


def test_matmul_4d_dynamic_batches():
    # One or two dynamic batch dims: one loop over the flattened batches.
    for specs in ([(-1, 2, 3, 4), (-1, 2, 4, 5)], [(-1, -1, 3, 4), (-1, -1, 4, 5)]):
        runs = [[torch.randn(b, h, 3, 4), torch.randn(b, h, 4, 5)] for b, h in ((2, 2), (1, 2))]
        check_against_eager(torch.jit.script(Matmul()), runs[0],
                            input_specs=[TensorSpec(s) for s in specs], runs=runs[1:])


class TransposedBmm(torch.nn.Module):
    """Batch matmuls whose operands are transposed views: batches that keep
    the source's row order (sliced in place), that swap it (a transposed
    copy per batch), whose rows are strided (copied), and a product whose
    head-merging transpose the loop writes directly."""

    def forward(self, x, y, z):
        a = x.transpose(0, 1)  # (S, B, K) -> (B, S, K): views of x's rows
        b_t = y.transpose(1, 2)  # (B, N, K) -> (B, K, N): swapped per batch
        c = z.permute(2, 0, 1)  # (S, K, B) -> (B, S, K): rows of stride B
        prod = torch.bmm(a, b_t)
        return prod.transpose(0, 1), torch.bmm(c, b_t), torch.bmm(a, b_t) * 2.0


# The last is big enough (> parallel.MIN_PARALLEL_FLOPS) for a loop the threads share.
@pytest.mark.parametrize("b,s,k,n", [(3, 5, 7, 9), (1, 1, 1, 1), (2, 97, 161, 100)], ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_bmm_of_transposed_views(b, s, k, n, threads):
    inputs = [torch.randn(s, b, k), torch.randn(b, n, k), torch.randn(s, k, b)]
    module = torch.jit.script(TransposedBmm())
    compiled = tsmlir.compile_module(module, inputs, options=tsmlir.CompileOptions(threads=threads))
    for got, expected in zip(compiled(*inputs), module(*inputs)):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_bmm_of_transposed_views_dynamic():
    specs = [TensorSpec((-1, 3, 4)), TensorSpec((3, -1, 4)), TensorSpec((-1, 4, 3))]
    runs = [[torch.randn(s, 3, 4), torch.randn(3, n, 4), torch.randn(s, 4, 3)]
            for s, n in ((5, 6), (1, 2), (17, 1))]
    check_against_eager(torch.jit.script(TransposedBmm()), runs[0], input_specs=specs,
                        runs=runs[1:])


class LinearRelu(torch.nn.Module):
    """relu(linear(x)) twice (a constant weight: the prepacked kernel), and
    relu(x @ y) of two inputs (B packed per call), whose ReLU the matmul
    kernels apply as they store C; `keep`: the product is also returned
    unclamped (another user: no fusion)."""

    def __init__(self, k: int, n: int, keep: bool = False):
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(k, n), torch.nn.Linear(n, n)
        self.keep = keep

    def forward(self, x, y):
        h = F.relu(self.fc1(x))
        mm = x @ y
        if self.keep:
            return torch.relu(self.fc2(h)), torch.relu(mm), mm
        return torch.relu(self.fc2(h)), torch.relu(mm), mm * 1.0


# k = 300: two k blocks (only the last clamps); n = 65, 1: a masked last
# panel; 37 / 5 rows: full strips and a tail strip; 3 rows: the few-row
# paths (no epilogue); 64 x 784 -> 512: the MLP's first layer.
@pytest.mark.parametrize("m,k,n", [(37, 300, 65), (5, 19, 1), (3, 70, 20), (64, 784, 512)],
                         ids=str)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("keep", [False, True])
def test_matmul_relu_epilogue(m, k, n, threads, keep):
    x = torch.randn(m, k)
    x[0, 0] = float("nan")  # relu keeps NaN: the whole first row stays NaN
    inputs = [x, torch.randn(k, n)]
    module = torch.jit.script(LinearRelu(k, n, keep).eval())
    compiled = tsmlir.compile_module(module, inputs, options=tsmlir.CompileOptions(threads=threads))
    with torch.no_grad():
        for got, expected in zip(compiled(*inputs), module(*inputs)):
            torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4, equal_nan=True)


def test_matmul_relu_epilogue_dynamic():
    # Dynamic rows: the fallback applies the ReLU as a loop after the product.
    runs = [[torch.randn(m, 40), torch.randn(40, 33)] for m in (50, 1, 7)]
    check_against_eager(torch.jit.script(LinearRelu(40, 33).eval()), runs[0],
                        input_specs=[TensorSpec((-1, 40)), TensorSpec((40, 33))], runs=runs[1:])


class ConvBiasRelu(torch.nn.Module):
    """A convolution's bias is per row of its im2col product: the packed
    kernel starts row i's sums from bias[i]; with and without the ReLU."""

    def __init__(self, cin: int, cout: int, kernel: int):
        super().__init__()
        self.conv = torch.nn.Conv2d(cin, cout, kernel, padding=kernel // 2)

    def forward(self, x):
        return torch.relu(self.conv(x)), self.conv(x) * 2.0


# 33 / 40 channels: full row strips and a tail; 9 x 7 / 30 x 30 pixels: a
# partial last panel; 16 x 9 = 144 / 5 x 49 = 245 (> 256 with 7 x 7 x 6: two k blocks)
@pytest.mark.parametrize("cin,cout,kernel,size", [(3, 33, 3, (9, 7)), (16, 64, 3, (30, 30)),
                                                  (6, 40, 7, (11, 5))], ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_conv_bias_relu_packed(cin, cout, kernel, size, threads):
    module = torch.jit.script(ConvBiasRelu(cin, cout, kernel).eval())
    inputs = [torch.randn(1, cin, *size)]
    compiled = tsmlir.compile_module(module, inputs, options=tsmlir.CompileOptions(threads=threads))
    with torch.no_grad():
        for got, expected in zip(compiled(*inputs), module(*inputs)):
            torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


class AddmmRelu(torch.nn.Module):
    def forward(self, b, x, y):
        return torch.relu(torch.addmm(b, x, y)), torch.addmm(b, x, y)


@pytest.mark.parametrize("threads", [1, 2])
def test_addmm_bias_input(threads):
    # The bias is an input, B is not a constant: the per-call packed kernel
    # starts from the bias along the columns.
    inputs = [torch.randn(70), torch.randn(45, 300), torch.randn(300, 70)]
    module = torch.jit.script(AddmmRelu())
    compiled = tsmlir.compile_module(module, inputs, options=tsmlir.CompileOptions(threads=threads))
    for got, expected in zip(compiled(*inputs), module(*inputs)):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


class Residual(torch.nn.Module):
    """relu(conv(x) + x), relu(conv(x) + conv_ds(x)) and relu(fc(h) + h):
    the matmul starts from residual + bias (tsm-accumulate-in-place), which
    the packed kernel adds in its first k block; the ReLU is its epilogue."""

    def __init__(self, channels: int, width: int):
        super().__init__()
        self.conv = torch.nn.Conv2d(channels, channels, 3, padding=1)
        self.ds = torch.nn.Conv2d(channels, channels, 1)
        self.fc = torch.nn.Linear(width, width)

    def forward(self, x, h):
        a = torch.relu(self.conv(x) + x)
        b = torch.relu(self.conv(x) + self.ds(x))
        return a, b, torch.relu(self.fc(h) + h), self.fc(h) + h


@pytest.mark.parametrize("channels,size,rows,width", [(33, (5, 7), 37, 45), (64, (16, 16), 64, 300)],
                         ids=str)
@pytest.mark.parametrize("threads", [1, 2])
def test_residual_into_matmul(channels, size, rows, width, threads):
    module = torch.jit.script(Residual(channels, width).eval())
    inputs = [torch.randn(1, channels, *size), torch.randn(rows, width)]
    originals = [t.clone() for t in inputs]
    compiled = tsmlir.compile_module(module, inputs, options=tsmlir.CompileOptions(threads=threads))
    with torch.no_grad():
        for got, expected in zip(compiled(*inputs), module(*inputs)):
            torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    # the residuals x and h are inputs: accumulated into copies, never written
    for t, original in zip(inputs, originals):
        assert torch.equal(t, original)


class TwoProducts(torch.nn.Module):
    """Two products of one shape without a bias, and two row sums: each pair
    shares the fill of zero that CSE leaves (tsm-unshare-fills gives each a
    fill of its own; the packed kernels then start from zero in registers)."""
    def forward(self, x, w, y):
        h = x @ w
        z = h @ w
        return z, h.sum(1), y.sum(1)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("m,k", [(37, 300), (64, 64), (5, 520)])
def test_products_started_from_zero(threads, m, k):
    # k > 256 takes several k blocks: only the first starts from zero, the
    # others add to the C that the first stored
    x, w, y = torch.randn(m, k), torch.randn(k, k) / k ** 0.5, torch.randn(m, k)
    x[0, 0] = float("inf")  # a row of inf and NaN sums stays so
    compiled = tsmlir.compile_module(TwoProducts().eval(), [x, w, y], threads=threads)
    for got, want in zip(compiled(x, w, y), TwoProducts()(x, w, y)):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4, equal_nan=True)


class SharedKernels(torch.nn.Module):
    """Products of several shapes whose rows are a multiple of the register
    tile's (48: of 6 and of 8), which share one packed kernel per operand
    layout: run-time B, B read transposed (a run-time linear weight), A
    read transposed, and constant weights (B packed once); K under and
    over one 256-row block, columns that are no multiple of the panels."""
    def __init__(self):
        super().__init__()
        self.w1 = torch.nn.Parameter(torch.randn(40, 70) / 7)
        self.w2 = torch.nn.Parameter(torch.randn(70, 300) / 9)

    def forward(self, x, y, wt, a):
        p = x @ y                          # 48x300 @ 300x33
        q = torch.nn.functional.linear(x, wt)  # 48x300 @ (20x300)^T
        r = a.t() @ x                      # (48x96)^T @ 48x300: A read transposed
        s = torch.relu(x[:, :40] @ self.w1) @ self.w2
        return p, q, r, s


@pytest.mark.parametrize("threads", [1, 2])
def test_shared_packed_kernels(threads):
    x, y = torch.randn(48, 300), torch.randn(300, 33)
    wt, a = torch.randn(20, 300), torch.randn(48, 96)
    model = SharedKernels().eval()
    compiled = tsmlir.compile_module(model, [x, y, wt, a], threads=threads)
    for got, want in zip(compiled(x, y, wt, a), model(x, y, wt, a)):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=2e-4)


class Bilinears(torch.nn.Module):
    def __init__(self, in1: int, in2: int, out: int):
        super().__init__()
        self.layer = torch.nn.Bilinear(in1, in2, out)
        self.plain = torch.nn.Bilinear(in1, in2, out, bias=False)

    def forward(self, x1, x2):
        return self.layer(x1, x2), self.plain(x1, x2)


@pytest.mark.parametrize("lead", [(5,), (2, 3), (), (1,), (0,)], ids=str)
def test_bilinear_module(lead):
    """nn.Bilinear with and without bias, any number of leading dims (none: a
    1-D pair gives a 1-D output)."""
    torch.manual_seed(0)
    check_against_eager(Bilinears(7, 9, 4), [torch.randn(*lead, 7), torch.randn(*lead, 9)])


def test_bilinear_dynamic_batch():
    runs = [(torch.randn(b, 16), torch.randn(b, 33)) for b in (1, 9)]
    check_against_eager(Bilinears(16, 33, 17), [torch.randn(4, 16), torch.randn(4, 33)],
                        input_specs=[TensorSpec((-1, 16)), TensorSpec((-1, 33))], runs=runs)


class BilinearArgs(torch.nn.Module):
    def forward(self, x1, x2, w, b):
        return F.bilinear(x1, x2, w, b)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_bilinear_run_time_weight(dtype):
    x1, x2 = torch.randn(6, 5, dtype=dtype), torch.randn(6, 3, dtype=dtype)
    w, b = torch.randn(8, 5, 3, dtype=dtype), torch.randn(8, dtype=dtype)
    check_against_eager(torch.jit.script(BilinearArgs()), [x1, x2, w, b])


@pytest.mark.parametrize("shapes, message", [
    (((2, 5), (3, 3), (8, 5, 3)), r"input batch dimensions do not match at dim 0: got 2 and 3"),
    (((2, 5), (2, 4), (8, 5, 3)), r"input2 size does not match weight size: got 4 but expected 3"),
    (((2, 6), (2, 3), (8, 5, 3)), r"input1 size does not match weight size: got 6 but expected 5"),
    (((2, 5), (3,), (8, 5, 3)), r"input1 and input2 must have the same rank"),
    (((2, 5), (2, 3), (5, 3)), r"weight must be 3-D"),
], ids=["batch", "in2", "in1", "rank", "weight"])
def test_bilinear_bad_shapes(shapes, message):
    inputs = [torch.randn(s) for s in shapes] + [torch.randn(8)]
    with pytest.raises(tsmlir.TorchScriptImportError, match=message):
        tsmlir.compile_module(torch.jit.script(BilinearArgs()), inputs)


def test_bilinear_mixed_dtypes_refused():
    inputs = [torch.randn(2, 5).double(), torch.randn(2, 3), torch.randn(8, 5, 3), torch.randn(8)]
    with pytest.raises(tsmlir.TorchScriptImportError, match=r"must have the same dtype"):
        tsmlir.compile_module(torch.jit.script(BilinearArgs()), inputs)
