"""Data-movement ops against eager: slices (slice/narrow/split/chunk/unbind),
broadcasts (expand/expand_as/broadcast_to/repeat/tile), flip/roll/triu/tril,
gathers (x[idx], index_select, embedding, gather), scatters (x[idx] = v,
index_put_, scatter, scatter_add), the views movedim/view_as/unflatten, across
dtypes, 0-d/size-1/empty/odd shapes, dynamic dims, and every error path."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir.compiler import lower_module
from conftest import _assert_close, check_against_eager
from tsmlir import TensorSpec

DTYPES = [torch.float32, torch.int64, torch.int32, torch.bool, torch.float64]


def sample(shape, dtype=torch.float32):
    if dtype == torch.bool:
        return torch.rand(shape) > 0.5
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype)
    return torch.randint(-100, 100, shape, dtype=dtype)


# -- slices --------------------------------------------------------------------------------------
class Slices(torch.nn.Module):
    def forward(self, x):
        return (x[1:], x[-2:], x[:, 1:-1:2], x[:, ::3], x[:-1, -100:100], x[2:1],
                x.narrow(1, -1, 1), x[:, 0:x.size(1)] + x[:, :])


def shapes_and_dtypes(shapes):
    """Every dtype on the first shape, the other shapes in float32 (few compiles)."""
    return [(shapes[0], d) for d in DTYPES] + [(s, torch.float32) for s in shapes[1:]]


@pytest.mark.parametrize("shape,dtype", shapes_and_dtypes([(5, 7), (1, 1), (0, 4), (3, 2)]),
                         ids=str)
def test_slices(shape, dtype):
    check_against_eager(Slices(), [sample(shape, dtype)])


def test_slices_dynamic():
    specs = [TensorSpec((-1, -1))]
    runs = [[torch.randn(s)] for s in [(1, 1), (2, 9), (0, 3), (6, 2)]]
    check_against_eager(Slices(), [torch.randn(5, 7)], input_specs=specs, runs=runs)


class Pieces(torch.nn.Module):
    def forward(self, x):
        a, b, c = x.chunk(3, dim=-1)
        return (a, b * 2, c, x.split(2), x.split([1, 2, 4], 1), torch.unbind(x, 1),
                x.split_with_sizes([3, 0, 2], 0), x.chunk(4, 0))


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.bool], ids=str)
def test_split_chunk_unbind(dtype):
    check_against_eager(Pieces(), [sample((5, 7), dtype)])


class PiecesOdd(torch.nn.Module):
    def forward(self, x):
        return x.chunk(3, 0), x.split(4, -1), torch.unbind(x, -1), x.chunk(2, 1)


@pytest.mark.parametrize("shape", [(1, 1), (2, 5), (0, 3), (7, 4)], ids=str)
def test_split_odd_sizes(shape):
    check_against_eager(PiecesOdd(), [torch.randn(shape)])


class Unbind0(torch.nn.Module):
    def forward(self, x):
        a, b = x.unbind(0)
        return a + b


def test_unbind_to_0d_and_dynamic_other_dims():
    check_against_eager(Unbind0(), [torch.randn(2)])
    check_against_eager(Unbind0(), [torch.randn(2, 3)], input_specs=[TensorSpec((2, -1))],
                        runs=[[torch.randn(2, n)] for n in (0, 1, 5)])


class RunTimeBounds(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("pe", torch.arange(40.0).view(10, 4))

    def forward(self, x):
        n = x.size(0)
        return x + self.pe[:n], x[: n // 2], x[n // 2 - 3:], x[1:n - 1:2], x[:, : n % 4]


def test_slice_bounds_known_at_run_time():
    runs = [[torch.randn(n, 4)] for n in (1, 2, 7, 10)]
    check_against_eager(RunTimeBounds(), [torch.randn(5, 4)], input_specs=[TensorSpec((-1, 4))],
                        runs=runs)


class QKV(torch.nn.Module):
    """The transformer block's split of a fused projection."""

    def forward(self, x):
        q, k, v = x.chunk(3, dim=-1)
        return torch.softmax(q @ k.t(), -1) @ v


def test_chunk_qkv_dynamic_rows():
    check_against_eager(QKV(), [torch.randn(8, 24)], input_specs=[TensorSpec((-1, 24))],
                        runs=[[torch.randn(n, 24)] for n in (1, 5)])


class ReshapedPieces(torch.nn.Module):
    """Reshapes of strided slices (views that cannot stay views when flattened)."""

    def forward(self, x):
        q, k, v = x.chunk(3, dim=-1)
        return (q.reshape(-1) * 2, k.view(x.size(0), 4, 2).transpose(0, 1), v[::2].flatten(),
                x.t()[1:].reshape(-1))


def test_reshape_of_strided_slices():
    x = torch.randn(6, 24)
    check_against_eager(ReshapedPieces(), [x])
    check_against_eager(ReshapedPieces(), [x], input_specs=[TensorSpec((-1, 24))],
                        runs=[[torch.randn(n, 24)] for n in (1, 3)])


# -- broadcasts --------------------------------------------------------------------------------
class Expands(torch.nn.Module):
    def forward(self, x, y):
        return (x.expand(2, 3, 4), x.expand(-1, 4), y.expand_as(x), torch.broadcast_to(y, [2, 3, 4]),
                x.repeat(2, 1), x.repeat(1, 2, 3), y.tile((2, 2)), x.tile((2,)), x.repeat(0, 1))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_expand_repeat_tile(dtype):
    check_against_eager(Expands(), [sample((3, 4), dtype), sample((3, 1), dtype)])


class ExpandDyn(torch.nn.Module):
    def forward(self, x, y):
        return x.expand(y.size(0), -1) + y, y.repeat(2, 3), x.expand_as(y), y.expand(2, -1, -1)


def test_expand_repeat_dynamic():
    specs = [TensorSpec((1, 4)), TensorSpec((-1, 4))]
    runs = [[torch.randn(1, 4), torch.randn(n, 4)] for n in (1, 5)]
    check_against_eager(ExpandDyn(), [torch.randn(1, 4), torch.randn(3, 4)], input_specs=specs,
                        runs=runs)


class ExpandKeep(torch.nn.Module):
    def forward(self, x):
        return x.expand(3, -1, -1), x.expand(3, x.size(0), x.size(1))


def test_expand_keeps_dynamic_dim_and_checks_sizes():
    compiled = check_against_eager(ExpandKeep(), [torch.randn(2, 4)],
                                   input_specs=[TensorSpec((-1, 4))],
                                   runs=[[torch.randn(n, 4)] for n in (0, 1, 6)])
    assert compiled(torch.randn(5, 4))[0].shape == (3, 5, 4)


class ExpandOther(torch.nn.Module):
    def forward(self, x, y):
        return x.expand_as(y)


def test_expand_dynamic_input_dim_checked_at_run_time():
    specs = [TensorSpec((-1, 4)), TensorSpec((-1, 4))]
    runs = [[torch.randn(n, 4), torch.randn(n, 4)] for n in (1, 3)]
    compiled = check_against_eager(ExpandOther(), runs[0], input_specs=specs, runs=runs[1:])
    with pytest.raises(tsmlir.RuntimeCheckError, match="dynamic dim 0 of the input must equal"):
        compiled(torch.randn(1, 4), torch.randn(3, 4))


# -- flips, rolls, triangles ---------------------------------------------------------------------
class Permutes(torch.nn.Module):
    def forward(self, x):
        return (x.flip(0), x.flip([-1, 0]), x.roll(1, 0), x.roll((-3, 5), (1, 0)), x.roll(2),
                torch.triu(x), torch.tril(x, -1), x.triu(2), x.tril(1), x.movedim(0, -1))


@pytest.mark.parametrize("shape,dtype",
                         shapes_and_dtypes([(3, 4), (1, 5), (0, 3), (2, 3, 4), (5, 2)]), ids=str)
def test_flip_roll_triangles(shape, dtype):
    check_against_eager(Permutes(), [sample(shape, dtype)])


def test_flip_roll_triangles_dynamic():
    runs = [[torch.randn(s)] for s in [(1, 1), (4, 2), (0, 3), (3, 7)]]
    check_against_eager(Permutes(), [torch.randn(3, 4)], input_specs=[TensorSpec((-1, -1))],
                        runs=runs)


class Views(torch.nn.Module):
    def forward(self, x, y):
        return (x.view_as(y), x.reshape_as(y), x.unflatten(1, (2, -1)), x.movedim((0, 1), (1, 0)),
                x.clone() + 0, torch.movedim(x.unflatten(1, [2, 3]), 2, 0), x.contiguous())


def test_views():
    check_against_eager(Views(), [torch.randn(4, 6), torch.randn(2, 12)])
    specs = [TensorSpec((-1, 6)), TensorSpec((-1, 12))]
    check_against_eager(Views(), [torch.randn(4, 6), torch.randn(2, 12)], input_specs=specs,
                        runs=[[torch.randn(2 * n, 6), torch.randn(n, 12)] for n in (0, 1, 3)])


# -- gathers ---------------------------------------------------------------------------------------
class Gathers(torch.nn.Module):
    def forward(self, x, i):
        return (x[i], x[:, i], x[i, i], x.index_select(1, i.abs()), x.index_select(0, i[0]),
                F.embedding(i.abs().view(2, -1), x), torch.gather(x, 1, i.abs().expand(x.size(0), -1)),
                x[i.view(2, -1)], x[i.unsqueeze(1), i])


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_gathers(dtype):
    check_against_eager(Gathers(), [sample((4, 5), dtype), torch.tensor([2, -1, 0, 3])])


def test_gathers_int32_index_and_dynamic():
    i = torch.tensor([1, 0, -3, 3], dtype=torch.int32)
    x = torch.randn(4, 5)

    class Int32(torch.nn.Module):
        def forward(self, x, i):
            return x[i], x.index_select(1, i.abs()), F.embedding(i.abs(), x)
    check_against_eager(Int32(), [x, i])
    specs = [TensorSpec((-1, -1)), TensorSpec((-1,), torch.int64)]
    runs = [[torch.randn(5, 6), torch.tensor([4, -2, 1, 0])], [torch.randn(6, 7), torch.tensor([0, 1])]]
    check_against_eager(Gathers(), [x, torch.tensor([2, -1, 0, 3])], input_specs=specs, runs=runs)


class Rows(torch.nn.Module):
    """Whole rows (>= 8 elements) are gathered by row copies."""

    def forward(self, w, i):
        return (F.embedding(i.abs(), w), w[i], w.index_select(0, i.view(-1).abs()),
                w.view(w.size(0), 2, -1)[i.view(-1), 1], w.unsqueeze(0)[:, i.view(-1)])


@pytest.mark.parametrize("dtype", [torch.float32, torch.bool, torch.int32], ids=str)
def test_row_gathers(dtype):
    i = torch.tensor([[3, -1], [0, 5], [2, 2]])
    check_against_eager(Rows(), [sample((6, 16), dtype), i])


def test_row_gathers_dynamic():
    specs = [TensorSpec((-1, 16)), TensorSpec((-1, 2), torch.int32)]
    runs = [[torch.randn(7, 16), torch.tensor([[6, -6]], dtype=torch.int32)],
            [torch.randn(2, 16), torch.zeros(0, 2, dtype=torch.int32)]]
    compiled = check_against_eager(Rows(), [torch.randn(6, 16), torch.tensor([[3, -1], [0, 5]],
                                                                             dtype=torch.int32)],
                                   input_specs=specs, runs=runs)
    with pytest.raises(tsmlir.RuntimeCheckError, match="index out of range"):
        compiled(torch.randn(3, 16), torch.tensor([[3, 0]], dtype=torch.int32))


@pytest.mark.parametrize("threads", [1, 2])
def test_row_gathers_many_rows(threads):
    """Many rows (each copy a call LLVM may inline) and a range check over a
    vector loop with a tail: 37 indices, negative ones, the bad index in the
    loop's body or its tail, past either end."""
    w, i = torch.randn(40, 20), torch.randint(-39, 40, (37,))
    compiled = tsmlir.compile_module(Rows(), [w, i.view(-1, 1)], threads=threads)
    _assert_close(compiled(w, i.view(-1, 1)), Rows()(w, i.view(-1, 1)))
    for at, bad in ((3, 40), (36, 40), (36, -41), (16, -41)):
        j = i.clone()
        j[at] = bad
        with pytest.raises(tsmlir.RuntimeCheckError, match="index out of range"):
            compiled(w, j.view(-1, 1))


class Gather(torch.nn.Module):
    def forward(self, x, i):
        return torch.gather(x, -1, i), x[:, i]


def test_gather_shapes():
    x = torch.randn(3, 4)
    for i in [torch.tensor([[0], [3], [1]]), torch.zeros(2, 0, dtype=torch.long),
              torch.tensor([[1, 1, 0, 2, 3]])[:, :2]]:
        check_against_eager(Gather(), [x, i])
    check_against_eager(Gather(), [torch.randn(1, 1), torch.zeros(1, 1, dtype=torch.long)])


class Apart(torch.nn.Module):
    """Index tensors separated by a slice: their broadcast dims come first."""

    def forward(self, x, i, j):
        y = x.clone()
        y[i, :, j] = 0.5
        y[:, i, :, j] += 1
        return x[i, :, j], x[:, i, :, j], x[i, 1:, j.view(-1, 1)], y


def test_index_tensors_apart():
    i, j = torch.tensor([0, -1, 2]), torch.tensor([1, 3, 0])
    check_against_eager(Apart(), [torch.randn(3, 4, 4, 5), i, j])


class Index0d(torch.nn.Module):
    def forward(self, x, i):
        return x[i], x.index_select(0, i), x[:, i]


def test_index_with_0d_index():
    check_against_eager(Index0d(), [torch.randn(3, 2), torch.tensor(1)])


def test_index_out_of_range_is_a_run_time_error():
    compiled = tsmlir.compile_module(Gathers(), [torch.randn(4, 5), torch.tensor([0, 1, 2, 3])])
    with pytest.raises(tsmlir.RuntimeCheckError, match="index out of range"):
        compiled(torch.randn(4, 5), torch.tensor([0, 1, 4, 3]))
    with pytest.raises(tsmlir.RuntimeCheckError, match="index out of range"):
        compiled(torch.randn(4, 5), torch.tensor([0, -5, 1, 1]))
    compiled = tsmlir.compile_module(Gather(), [torch.randn(3, 4), torch.tensor([[0], [3], [1]])])
    with pytest.raises(tsmlir.RuntimeCheckError, match="index out of range"):
        compiled(torch.randn(3, 4), torch.tensor([[0], [-1], [1]]))


# -- scatters ---------------------------------------------------------------------------------
class Puts(torch.nn.Module):
    def forward(self, x, i, v):
        y = x.clone()
        y[i] = v
        z = x.clone()
        z.index_put_((i,), v, accumulate=True)
        w = x.clone()
        w[i, i] = v[:, 0]
        u = x.clone()
        u[i] = v[0, 0]
        t = x.clone()
        t[i, 1] = 2.0
        return y, z, w, u, t


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_index_put(dtype):
    x, v = sample((4, 4), dtype), sample((3, 4), dtype)
    check_against_eager(Puts(), [x, torch.tensor([3, -4, 1]), v])


def test_index_put_accumulates_repeated_indices_and_dynamic():
    x, v = torch.randn(4, 3), torch.randn(3, 3)
    check_against_eager(Puts(), [x, torch.tensor([1, 1, -3]), v])
    specs = [TensorSpec((-1, 3)), TensorSpec((-1,), torch.int64), TensorSpec((-1, 3))]
    runs = [[torch.randn(6, 3), torch.tensor([2, -3]), torch.randn(2, 3)],
            [torch.randn(1, 3), torch.tensor([0]), torch.randn(1, 3)]]
    compiled = check_against_eager(Puts(), [x, torch.tensor([0, 2, 2]), v], input_specs=specs,
                                   runs=runs)
    with pytest.raises(tsmlir.RuntimeCheckError, match="index out of range"):
        compiled(torch.randn(2, 3), torch.tensor([2]), torch.randn(1, 3))


class PutRows(torch.nn.Module):
    """Whole rows (>= 8 elements) are written by row copies."""

    def forward(self, cache, i, rows):
        a = cache.clone()
        a[i] = rows
        b = cache.clone()
        b[i] = rows[:1]
        c = cache.clone()
        c[i.view(1, -1)] = rows.unsqueeze(0)
        return a, b, c


@pytest.mark.parametrize("dtype", [torch.float32, torch.bool], ids=str)
def test_index_put_rows(dtype):
    check_against_eager(PutRows(), [sample((6, 16), dtype), torch.tensor([5, -6, 2]),
                                    sample((3, 16), dtype)])


def test_index_put_rows_dynamic():
    specs = [TensorSpec((-1, 16)), TensorSpec((-1,), torch.int64), TensorSpec((-1, 16))]
    runs = [[torch.randn(2, 16), torch.tensor([1]), torch.randn(1, 16)],
            [torch.randn(3, 16), torch.zeros(0, dtype=torch.long), torch.randn(0, 16)]]
    compiled = check_against_eager(PutRows(), [torch.randn(6, 16), torch.tensor([5, -6]),
                                               torch.randn(2, 16)], input_specs=specs, runs=runs)
    with pytest.raises(tsmlir.RuntimeCheckError, match="size 0 of values must match"):
        compiled(torch.randn(6, 16), torch.tensor([5, 1, 0]), torch.randn(2, 16))


class SliceAssign(torch.nn.Module):
    """In-place ops on views write back into their base."""

    def forward(self, x, v):
        y = x.clone()
        y[1:3] = v
        y[0] = 1.0
        y[:, -1:] *= 2
        y[-1, 1:] += y[0, :-1]
        z = x.clone()
        z.t()[0].zero_()
        z.view(-1)[::5] = -1.0
        z.narrow(1, -2, 1).fill_(7)
        z[z.size(0) - 2] = 3.0  # a run-time index when dim 0 is dynamic
        return y, z


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.float64], ids=str)
def test_slice_assignment_writes_back(dtype):
    check_against_eager(SliceAssign(), [sample((4, 5), dtype), sample((2, 5), dtype)])


def test_slice_assignment_dynamic():
    specs = [TensorSpec((-1, 5)), TensorSpec((2, 5))]
    runs = [[torch.randn(n, 5), torch.randn(2, 5)] for n in (3, 6)]
    check_against_eager(SliceAssign(), [torch.randn(4, 5), torch.randn(2, 5)], input_specs=specs,
                        runs=runs)


class MaskAssign(torch.nn.Module):
    def forward(self, x, v):
        y = x.clone()
        y[y > 0] = 0
        y[:, x[0] < 0] = v
        z = x.clone()
        z[(x < 0)[:, 0]] = 5
        return y, z


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64], ids=str)
def test_masked_assignment(dtype):
    check_against_eager(MaskAssign(), [sample((3, 4), dtype), sample((), dtype)])
    check_against_eager(MaskAssign(), [torch.randn(3, 4), torch.randn(())],
                        input_specs=[TensorSpec((-1, 4)), TensorSpec(())],
                        runs=[[torch.randn(n, 4), torch.randn(())] for n in (1, 5)])


class BranchAssign(torch.nn.Module):
    def forward(self, x):
        y = x.clone()
        if bool(x.sum() > 0):
            y[0] = 1.0
        else:
            y[1:] = 2.0
        return y


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
def test_writes_leave_the_inputs_alone():
    # y = x.clone() is x itself at the tsm level: the write must not reach x.
    cases = [(BranchAssign(), [torch.randn(3, 4)]),
             (SliceAssign(), [torch.randn(4, 5), torch.randn(2, 5)]),
             (Puts(), [torch.randn(4, 4), torch.tensor([3, -4, 1]), torch.randn(3, 4)]),
             (Scatters(), [torch.randn(5, 5), torch.tensor([[0, 4], [1, 1], [3, 2]]),
                           torch.randn(3, 3)])]
    for module, inputs in cases:
        compiled = tsmlir.compile_module(module, inputs)
        for sign in (1, -1):
            args = [a * sign if a.is_floating_point() else a for a in inputs]
            kept = [a.clone() for a in args]
            with torch.no_grad():
                got = compiled(*args)
            for a, k in zip(args, kept):
                torch.testing.assert_close(a, k, rtol=0, atol=0)
            torch.testing.assert_close(got, module(*args))


class Scatters(torch.nn.Module):
    def forward(self, x, i, s):
        return (x.scatter(1, i, s), x.scatter(0, i, 2.0), x.scatter_add(1, i, s),
                x.scatter(1, i, s, reduce="add"), x.scatter(-1, i, s, reduce="multiply"))


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.float64], ids=str)
def test_scatter(dtype):
    x = sample((5, 5), dtype)
    i = torch.tensor([[0, 4], [1, 1], [3, 2]])
    check_against_eager(Scatters(), [x, i, sample((3, 3), dtype)])
    check_against_eager(Scatters(), [x, torch.zeros(0, 2, dtype=torch.long), sample((1, 2), dtype)])


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
def test_scatter_dynamic_and_out_of_range():
    specs = [TensorSpec((-1, 5)), TensorSpec((-1, 2), torch.int64), TensorSpec((-1, 2))]
    i = torch.tensor([[0, 4], [1, 1]])
    compiled = check_against_eager(Scatters(), [torch.randn(5, 5), i, torch.randn(2, 2)],
                                   input_specs=specs,
                                   runs=[[torch.randn(6, 5), i[:1], torch.randn(1, 2)]])
    with pytest.raises(tsmlir.RuntimeCheckError, match="index out of range"):
        compiled(torch.randn(3, 5), torch.tensor([[0, 3], [0, 5]]), torch.randn(2, 2))
    with pytest.raises(tsmlir.RuntimeCheckError, match="size 0 of index must not exceed"):
        compiled(torch.randn(1, 5), i, torch.randn(2, 2))


class Extras(torch.nn.Module):
    def forward(self, x, i, s):
        return (x.index_fill(1, i, -1.0), x.index_copy(0, i[:2].abs(), s),
                x.index_add(0, i[:2].abs(), s), x.index_add(0, i[:2].abs(), s, alpha=2),
                x.fliplr(), x.flipud(), x.swapaxes(0, 1), x.swapdims(-1, 0),
                torch.moveaxis(x, 0, 1), x.repeat_interleave(2, 0), x.repeat_interleave(3),
                x.repeat_interleave(2, dim=-1),
                torch.take_along_dim(x, i[:2].abs().view(1, 2), 1),
                torch.take_along_dim(x, i.abs()))


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64], ids=str)
def test_index_fill_copy_add_and_aliases(dtype):
    x, s = sample((4, 5), dtype), sample((2, 5), dtype)
    check_against_eager(Extras(), [x, torch.tensor([3, 0, -1]), s])


def test_repeat_interleave_dynamic():
    class RI(torch.nn.Module):
        def forward(self, x):
            return x.repeat_interleave(2, 0), x.repeat_interleave(3, 1)
    check_against_eager(RI(), [torch.randn(3, 4)], input_specs=[TensorSpec((-1, 4))],
                        runs=[[torch.randn(n, 4)] for n in (0, 1, 5)])


# -- row copies (tsm-copies-to-linalg: the shared tsm_copy_<elem>_<rank>d functions) -------------
class Copies(torch.nn.Module):
    """Copies between views with unit inner stride: into a padded buffer's
    interior (rows of a wider buffer), concatenations along each dim (dense
    pieces that merge into one row, strided pieces), a slice of one column
    (a trailing unit dim on strided rows)."""
    def forward(self, x, y):
        return (F.pad(x, (1, 2, 0, 1)), torch.cat([x, y], 0), torch.cat([x, y], 1),
                torch.cat([x, y, x], -1), x[..., 1:2].contiguous(), x[:, 1:].clone())


class Cats(torch.nn.Module):
    def forward(self, x, y):
        return torch.cat([x, y], 0), torch.cat([x, y], 1), torch.cat([x, y, x], -1)


ROW_DTYPES = [torch.float32, torch.float64, torch.int64, torch.int32, torch.int16, torch.int8,
              torch.bool]


@pytest.mark.parametrize("dtype", ROW_DTYPES, ids=str)
def test_row_copies_dtypes(dtype):
    """Vector loop + masked remainder (32/64-bit), + scalar remainder (8/16-bit);
    bool memrefs keep linalg.copy."""
    if dtype == torch.bool:  # F.pad's fill value is a number
        check_against_eager(Cats(), [sample((2, 3, 13), dtype), sample((2, 3, 13), dtype)])
        return
    check_against_eager(Copies(), [sample((2, 3, 21), dtype), sample((2, 3, 21), dtype)])


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 5, 7), (3, 1, 8), (2, 4, 1), (1, 2, 33),
                                   (4, 3, 16), (2, 2, 67)], ids=str)
def test_row_copies_shapes(shape):
    """Rows shorter than a vector, exactly a vector, a vector and a tail;
    size-1 dims that are dropped or merged."""
    check_against_eager(Copies(), [torch.randn(shape), torch.randn(shape)])


def test_row_copies_dynamic():
    specs = [TensorSpec((-1, 3, -1)), TensorSpec((-1, 3, -1))]
    runs = [[torch.randn(s), torch.randn(s)] for s in [(1, 3, 1), (4, 3, 9), (2, 3, 30)]]
    check_against_eager(Copies(), [torch.randn(2, 3, 17), torch.randn(2, 3, 17)],
                        input_specs=specs, runs=runs)


class Fills(torch.nn.Module):
    """Fills (the shared tsm_fill_<elem>_<rank>d functions): a pad's border,
    full_like of the input's (dynamic) shape."""
    def forward(self, x):
        return F.pad(x, (2, 1, 1, 0), value=7.0), torch.full_like(x, 3), x.new_ones(x.shape)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.int32,
                                   torch.int16, torch.int8], ids=str)
def test_fills_dtypes(dtype):
    check_against_eager(Fills(), [sample((3, 5, 19), dtype)])


def test_fills_dynamic():
    check_against_eager(Fills(), [torch.randn(2, 3, 9)], input_specs=[TensorSpec((-1, 3, -1))],
                        runs=[[torch.randn(s)] for s in [(1, 3, 1), (4, 3, 8), (3, 3, 31)]])


# -- errors at the user's line ---------------------------------------------------------------------
class NegStep(torch.nn.Module):
    def forward(self, x):
        return x.flip(0) + x[::-1]


class SplitDyn(torch.nn.Module):
    def forward(self, x):
        a, b = x.chunk(2)
        return a + b


class BadExpand(torch.nn.Module):
    def forward(self, x):
        return x.expand(3, 5)


class FloatIndex(torch.nn.Module):
    def forward(self, x):
        return x.index_select(0, x)


class BadRepeat(torch.nn.Module):
    def forward(self, x):
        return x.repeat(2)


class BadChunk(torch.nn.Module):
    def forward(self, x):
        return x.chunk(0)


class BadNarrow(torch.nn.Module):
    def forward(self, x):
        return x.narrow(0, 2, 3)


class GatherInt32(torch.nn.Module):
    def forward(self, x, i):
        return torch.gather(x, 0, i.int())


class ScatterDtype(torch.nn.Module):
    def forward(self, x, i):
        return x.scatter(0, i, i)


class PutDtype(torch.nn.Module):
    def forward(self, x, i):
        x[i] = i.double().unsqueeze(1).expand(-1, 3)
        return x


class ExpandInPlace(torch.nn.Module):
    def forward(self, x):
        y = x.clone()
        y.expand(2, 3, 4).add_(1)
        return y


class ChunkInPlace(torch.nn.Module):
    def forward(self, x):
        y = x.clone()
        a, b = y.chunk(2)
        a.mul_(2)
        return y


class LoopIndexWrite(torch.nn.Module):
    def forward(self, x):
        y = x.clone()
        for t in range(x.size(0)):
            y[t] = t
        return y


class IndexFill2d(torch.nn.Module):
    def forward(self, x, i):
        return x.index_fill(0, i, x[0])


class IndexCopyDtype(torch.nn.Module):
    def forward(self, x, i):
        return x.index_copy(0, i, x.double())


class RepeatTensor(torch.nn.Module):
    def forward(self, x, i):
        return x.repeat_interleave(i, 0)


class TakeRank(torch.nn.Module):
    def forward(self, x, i):
        return torch.take_along_dim(x, i, 0)


class FlipLR(torch.nn.Module):
    def forward(self, x):
        return x.fliplr()


class NarrowNeg(torch.nn.Module):
    def forward(self, x):
        return x.narrow(0, 0, -1)


class Unflatten(torch.nn.Module):
    def forward(self, x):
        return x.unflatten(1, (2, 2))


class Movedim(torch.nn.Module):
    def forward(self, x):
        return x.movedim((0, 1), (1,))


class ExpandLead(torch.nn.Module):
    def forward(self, x):
        return x.expand(-1, 3, 4)


class TooMany(torch.nn.Module):
    def forward(self, x, i):
        return x[i, i, i]


class MaskShape(torch.nn.Module):
    def forward(self, x):
        y = x.clone()
        y[(x > 0)[:, :2]] = 1.0
        return y


class Select2d(torch.nn.Module):
    def forward(self, x, i):
        return x.index_select(0, i.view(2, 1))


class Embedding1d(torch.nn.Module):
    def forward(self, x, i):
        return torch.nn.functional.embedding(i, x[0])


class GatherRank(torch.nn.Module):
    def forward(self, x, i):
        return torch.gather(x, 0, i)


class ScatterReduce(torch.nn.Module):
    def forward(self, x, i):
        return x.scatter(0, i.view(1, 2), 1.0, reduce="max")


class RollShifts(torch.nn.Module):
    def forward(self, x):
        return x.roll((1, 2), (0,))


class Triu1d(torch.nn.Module):
    def forward(self, x):
        return x.triu()


class FlipTwice(torch.nn.Module):
    def forward(self, x):
        return x.flip((0, -2))


class RepeatNegative(torch.nn.Module):
    def forward(self, x):
        return x.repeat(2, -1)


@pytest.mark.parametrize("module,specs,match", [
    (IndexFill2d(), [(4, 3), ((2,), torch.int64)], "Expected 0-dimensional value tensor"),
    (IndexCopyDtype(), [(4, 3), ((4,), torch.int64)], "must have the same scalar type"),
    (RepeatTensor(), [(4, 3), ((4,), torch.int64)], "unsupported operator 'aten::repeat_interleave.self_Tensor'"),
    (TakeRank(), [(4, 3), ((4,), torch.int64)], "input and indices should have the same number"),
    (FlipLR(), [(4,)], "Input must be >= 2-d"),
    (NarrowNeg(), [(4, 3)], "length must be non-negative"),
    (Unflatten(), [(4, 3)], "don't multiply up to the size of dim 1"),
    (Movedim(), [(4, 3)], "Invalid source or destination dims"),
    (ExpandLead(), [(3, 4)], "isn't allowed in a leading, non-existing dimension"),
    (TooMany(), [(4, 3), ((2,), torch.int64)], "too many indices for tensor of dimension 2"),
    (MaskShape(), [(4, 3)], "The shape of the mask"),
    (Select2d(), [(4, 3), ((2,), torch.int64)], "Index is supposed to be a vector"),
    (Embedding1d(), [(4, 3), ((2,), torch.int64)], "'weight' must be 2-D"),
    (GatherRank(), [(4, 3), ((2,), torch.int64)], "Index tensor must have the same number of dim"),
    (ScatterReduce(), [(4, 3), ((2,), torch.int64)], "reduce argument must be either add or multiply"),
    (RollShifts(), [(4, 3)], "shifts and dimensions must align"),
    (Triu1d(), [(4,)], "triu: input tensor must have at least 2 dimensions"),
    (FlipTwice(), [(4, 3)], "dims has duplicates"),
    (RepeatNegative(), [(4, 3)], "Trying to create tensor with negative dimension"),
    (ExpandInPlace(), [(3, 4)], "in-place modification of a view made by aten::expand"),
    (ChunkInPlace(), [(4, 3)], "in-place modification of a view made by aten::chunk"),
    (NegStep(), [(4, 3)], "slice step must be positive"),
    (SplitDyn(), [(-1, 3)], "cannot split dynamic dim 0"),
    (BadExpand(), [(3, 4)], r"The expanded size of the tensor \(5\) must match the existing size \(4\)"),
    (FloatIndex(), [(4,)], "must be long or int tensors"),
    (BadRepeat(), [(3, 4)], "Number of dimensions of repeat dims can not be smaller"),
    (BadChunk(), [(3, 4)], "chunk expects `chunks` to be greater than 0"),
    (BadNarrow(), [(4, 3)], r"start \(2\) \+ length \(3\) exceeds dimension size \(4\)"),
    (GatherInt32(), [(3, 4), ((3, 4), torch.int64)], "Expected dtype int64 for index"),
    (ScatterDtype(), [(3, 4), ((3, 4), torch.int64)], "Expected self.dtype to be equal to src.dtype"),
    (PutDtype(), [(4, 3), ((2,), torch.int64)], "Index put requires the source and destination dtypes"),
], ids=lambda v: type(v).__name__ if isinstance(v, torch.nn.Module) else "")
def test_errors_name_the_user_line(module, specs, match):
    specs = [TensorSpec(*s) if isinstance(s[0], tuple) else TensorSpec(s) for s in specs]
    with pytest.raises(tsmlir.TorchScriptImportError, match=match) as info:
        tsmlir.compile_module(torch.jit.script(module), input_specs=specs)
    assert "test_data_movement.py:" in str(info.value)


def test_loop_writing_rows_over_a_dynamic_count():
    """Writing y[t] over range(x.size(0)) needs the count at compile time: ahead
    of time an error at the user's line; the JIT unrolls it per size."""
    spec = [TensorSpec((-1, 4))]
    with pytest.raises(tsmlir.StaticSizeRequired,
                       match="an in-place update of a value defined outside the loop") as info:
        lower_module(torch.jit.script(LoopIndexWrite()), input_specs=spec)
    assert "test_data_movement.py:" in str(info.value)
    with pytest.warns(UserWarning, match="compiled per size"):
        compiled = tsmlir.compile_module(torch.jit.script(LoopIndexWrite()), input_specs=spec)
    for n in (3, 1):
        x = torch.randn(n, 4)
        torch.testing.assert_close(compiled(x), LoopIndexWrite()(x))


class BroadcastGather(torch.nn.Module):
    def forward(self, x, i):
        return torch.gather(x, 2, i.expand(-1, x.shape[1], -1))


def test_gather_of_a_broadcast_index_checks_its_source():
    """The range check reads the index before its broadcast over the
    channels: a bad index anywhere in it still stops the call."""
    x, i = torch.randn(2, 8, 16), torch.randint(0, 16, (2, 1, 16))
    compiled = check_against_eager(BroadcastGather(), [x, i])
    for bad in (16, -1):
        j = i.clone()
        j[1, 0, 7] = bad
        with pytest.raises(tsmlir.RuntimeCheckError, match="index out of range"):
            compiled(x, j)


def test_broadcast_maps_spread():
    """The broadcast check of the index checks (`_spreads`): distinct dims
    or unit-dim zeros spread, a repeated dim or another constant does not
    (it had called an API the bindings lack: AffineDimExpr.isinstance)."""
    from mlir import ir
    from tsmlir.lowering.data_movement import _spreads
    with ir.Context():
        d = ir.AffineDimExpr.get
        c = ir.AffineConstantExpr.get
        assert _spreads(ir.AffineMap.get(3, 0, [d(0), c(0), d(2)]))
        assert _spreads(ir.AffineMap.get(2, 0, [d(1), d(0)]))
        assert not _spreads(ir.AffineMap.get(2, 0, [d(0), d(0)]))
        assert not _spreads(ir.AffineMap.get(2, 0, [d(0), c(1)]))
