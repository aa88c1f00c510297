"""Shape ops (view/reshape/flatten/permute/transpose/t/unsqueeze/squeeze/cat/
contiguous/dropout) against eager: static, 0-d and dynamic shapes, views
returned straight from an input, dtype promotion in cat, clear errors."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from tsmlir.compiler import lower_module
from conftest import Fn, check_against_eager
from tsmlir import TensorSpec


def traced(fn, *inputs):
    return torch.jit.trace(Fn(fn), inputs)


VIEWS = [
    ((2, 3, 4), [-1]), ((2, 3, 4), [6, 4]), ((2, 3, 4), [4, -1, 2]), ((2, 3, 4), [-1, 3, 2, 2]),
    ((2, 3), [3, 2]), ((4, 1, 3), [2, 6]), ((3,), [1, 3, 1]), ((), [1]), ((), [-1]), ((1, 1), []),
    ((1,), [1, 1, 1]), ((2, 3, 4), [2, 3, 4]), ((0, 4), [-1, 2]), ((2, 0), [0, 5]),
]


@pytest.mark.parametrize("reshape", [False, True], ids=["view", "reshape"])
@pytest.mark.parametrize("shape,sizes", VIEWS, ids=str)
def test_view(shape, sizes, reshape):
    x = torch.randn(shape)
    fn = (lambda x: x.reshape(sizes) * 2) if reshape else (lambda x: x.view(sizes) * 2)
    check_against_eager(traced(fn, x), [x])


class PureView(torch.nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


def test_view_of_input_is_returned_correctly():
    # The result aliases the input buffer: the runtime returns a view of it.
    x = torch.randn(3, 4, 5)
    compiled = check_against_eager(PureView(), [x])
    got = compiled(x)
    torch.testing.assert_close(got, x.reshape(3, 20))
    dyn = check_against_eager(PureView(), [x], input_specs=[TensorSpec((-1, 4, 5))],
                              runs=[[torch.randn(n, 4, 5)] for n in (1, 7)])
    torch.testing.assert_close(dyn(x), x.reshape(3, 20))


class Flatten(torch.nn.Module):
    def __init__(self, start: int, end: int):
        super().__init__()
        self.start, self.end = start, end

    def forward(self, x):
        return torch.flatten(x, self.start, self.end) + 1


@pytest.mark.parametrize("shape,start,end", [
    ((2, 3, 4), 0, -1), ((2, 3, 4), 1, -1), ((2, 3, 4, 5), 1, 2), ((2, 3, 4), -2, -1),
    ((2, 3), 1, 1), ((), 0, -1), ((5,), 0, 0)], ids=str)
def test_flatten(shape, start, end):
    check_against_eager(Flatten(start, end), [torch.randn(shape)])


class Batched(torch.nn.Module):
    """The common classifier-head pattern with a dynamic batch."""

    def forward(self, x):
        a = x.view(x.size(0), -1)
        b = torch.flatten(x, 1)
        c = x.reshape(-1, x.size(1), 2, 10)
        return a + b, c.transpose(1, 2), torch.flatten(x)


def test_dynamic_batch_view_flatten():
    runs = [[torch.randn(n, 3, 4, 5)] for n in (1, 6)]
    check_against_eager(Batched(), [torch.randn(2, 3, 4, 5)], input_specs=[TensorSpec((-1, 3, 4, 5))],
                        runs=runs)


class TwoDynamic(torch.nn.Module):
    """Transformer head split: batch and sequence both dynamic."""

    def forward(self, x):
        b, t = x.size(0), x.size(1)
        y = x.view(b, t, 4, -1).permute(0, 2, 1, 3).reshape(b, 4, t, 2, 4).flatten(3)
        return y.transpose(1, 2).contiguous().view(b, t, 32), torch.relu(x).view(b, t, 2, 16)


def test_two_dynamic_dims():
    runs = [[torch.randn(b, t, 32)] for b, t in ((1, 1), (3, 5))]
    check_against_eager(TwoDynamic(), [torch.randn(2, 7, 32)], input_specs=[TensorSpec((-1, -1, 32))],
                        runs=runs)


class ViewRuntime(torch.nn.Module):
    def forward(self, x):
        return x.view(2, -1)


def test_dynamic_view_checks_element_count():
    compiled = check_against_eager(ViewRuntime(), [torch.randn(4, 3)], input_specs=[TensorSpec((-1, 3))],
                                   runs=[[torch.randn(6, 3)]])
    with pytest.raises(tsmlir.RuntimeCheckError, match="element count is not a multiple"):
        compiled(torch.randn(3, 3))


@pytest.mark.parametrize("shape,dims", [
    ((2, 3, 4), [2, 0, 1]), ((2, 3, 4), [-1, -3, -2]), ((2, 3), [1, 0]), ((2, 3, 4), [0, 1, 2]),
    ((5,), [0]), ((), []), ((2, 1, 3, 4), [3, 1, 0, 2])], ids=str)
def test_permute(shape, dims):
    x = torch.randn(shape)
    check_against_eager(traced(lambda x: x.permute(dims) - 1, x), [x])


class Transpose(torch.nn.Module):
    def __init__(self, a: int, b: int):
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x):
        return x.transpose(self.a, self.b).contiguous()


@pytest.mark.parametrize("shape,a,b", [((2, 3), 0, 1), ((2, 3, 4), 0, -1), ((2, 3, 4), -1, -2),
                                       ((2, 3), 1, 1), ((), 0, -1)], ids=str)
def test_transpose(shape, a, b):
    check_against_eager(Transpose(a, b), [torch.randn(shape)])


class T(torch.nn.Module):
    def forward(self, x):
        return x.t() * 3


@pytest.mark.parametrize("shape", [(2, 3), (4,), ()], ids=str)
def test_t(shape):
    check_against_eager(T(), [torch.randn(shape)])


class Permute(torch.nn.Module):
    def forward(self, x):
        return x.permute(2, 0, -2)


def test_permute_dynamic():
    specs = [TensorSpec((-1, 3, 4))]
    check_against_eager(Permute(), [torch.randn(2, 3, 4)], input_specs=specs,
                        runs=[[torch.randn(5, 3, 4)]])


class Unsqueeze(torch.nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return x.unsqueeze(self.dim) + 0.5


@pytest.mark.parametrize("shape,dim", [((2, 3), 0), ((2, 3), 1), ((2, 3), -1), ((2, 3), 2),
                                       ((2, 3), -3), ((), 0), ((), -1), ((4,), 1)], ids=str)
def test_unsqueeze(shape, dim):
    check_against_eager(Unsqueeze(dim), [torch.randn(shape)])


class Squeeze(torch.nn.Module):
    def forward(self, x):
        return x.squeeze() * 2


@pytest.mark.parametrize("shape", [(1, 3, 1, 4), (1,), (1, 1), (3, 4), (), (2, 1)], ids=str)
def test_squeeze(shape):
    check_against_eager(Squeeze(), [torch.randn(shape)])


@pytest.mark.parametrize("shape,dims", [((3, 1), [-1]), ((3, 4), [0]), ((1, 3, 1), [0, 2]),
                                        ((1, 3, 1), [-1, 1]), ((), [0]), ((1,), [0])], ids=str)
def test_squeeze_dims(shape, dims):
    x = torch.randn(shape)
    fn = (lambda x: torch.squeeze(x, dims[0]) * 2) if len(dims) == 1 else \
        (lambda x: torch.squeeze(x, dims) * 2)
    check_against_eager(traced(fn, x), [x])


def test_squeeze_dynamic_dim_checked_at_run_time():
    compiled = check_against_eager(Squeeze(), [torch.randn(2, 1, 4)], input_specs=[TensorSpec((-1, 1, 4))],
                                   runs=[[torch.randn(5, 1, 4)]])
    with pytest.raises(tsmlir.RuntimeCheckError, match="dynamic dimension 0 is 1 at run time"):
        compiled(torch.randn(1, 1, 4))


class Cat(torch.nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x, y):
        return torch.cat([x, y, x], dim=self.dim)


@pytest.mark.parametrize("shapes,dim", [
    (((2, 3), (4, 3)), 0), (((2, 3), (2, 5)), 1), (((2, 3), (2, 1)), -1), (((2, 3, 4), (2, 1, 4)), -2),
    (((3,), (0,)), 0), (((1,), (1,)), 0), (((0, 3), (2, 3)), 0)], ids=str)
def test_cat(shapes, dim):
    check_against_eager(Cat(dim), [torch.randn(shapes[0]), torch.randn(shapes[1])])


class CatPair(torch.nn.Module):
    def forward(self, x, y):
        return torch.cat((x, y), 1)


@pytest.mark.parametrize("dtypes", [(torch.int64, torch.float32), (torch.int32, torch.int64),
                                    (torch.float32, torch.float64)], ids=str)
def test_cat_promotes(dtypes):
    x = (torch.randn(2, 3) * 10).to(dtypes[0])
    y = (torch.randn(2, 2) * 10).to(dtypes[1])
    check_against_eager(CatPair(), [x, y])


def test_cat_dynamic():
    specs = [TensorSpec((-1, 3)), TensorSpec((-1, 3))]
    runs = [[torch.randn(1, 3), torch.randn(4, 3)], [torch.randn(5, 3), torch.randn(2, 3)]]
    check_against_eager(Cat(0), [torch.randn(2, 3), torch.randn(3, 3)], input_specs=specs, runs=runs)
    specs = [TensorSpec((-1, 3)), TensorSpec((-1, 2))]
    runs = [[torch.randn(n, 3), torch.randn(n, 2)] for n in (1, 6)]
    compiled = check_against_eager(Cat(1), runs[0], input_specs=specs, runs=runs[1:])
    with pytest.raises(tsmlir.RuntimeCheckError, match="sizes of dimension 0 of the inputs must match"):
        compiled(torch.randn(2, 3), torch.randn(3, 2))


class IntMix(torch.nn.Module):
    def forward(self, x):
        y = x.view(x.size(0), 2, -1).transpose(1, 2)
        return torch.cat([y.flatten(1), x], 1).unsqueeze(0).squeeze(0).t()


def test_int64_exact():
    x = torch.randint(-1000, 1000, (3, 6))
    check_against_eager(IntMix(), [x])
    check_against_eager(IntMix(), [x], input_specs=[TensorSpec((-1, 6), torch.int64)],
                        runs=[[torch.randint(-1000, 1000, (n, 6))] for n in (1, 5)])


class Dropouts(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.drop = torch.nn.Dropout(0.3)

    def forward(self, x):
        y = F.dropout(x, 0.5, self.training)
        # (nn.Dropout2d's dim check needs `int in list` folding, not yet in the importer)
        return torch.feature_dropout(self.drop(y), 0.2, self.training).contiguous() + 1


def test_dropout_eval_is_identity():
    check_against_eager(Dropouts(), [torch.randn(2, 3, 4, 5)])


def test_dropout_training_is_rejected():
    with pytest.raises(tsmlir.TorchScriptImportError, match="dropout in training mode is not supported"):
        tsmlir.compile_module(torch.jit.script(Dropouts().train()), [torch.randn(2, 3, 4, 5)])


class Other(torch.nn.Module):
    def forward(self, x, y):
        return x.view(y.size(0), -1) + y.unsqueeze(1)


def test_view_with_sizes_of_another_tensor():
    specs = [TensorSpec((-1, 4)), TensorSpec((-1,))]
    runs = [[torch.randn(n * 4, 4), torch.randn(n)] for n in (1, 3)]
    check_against_eager(Other(), runs[0], input_specs=specs, runs=runs[1:])


class Others(torch.nn.Module):
    def forward(self, x, y, z):
        return x.view(y.size(0), z.size(0), -1)


class BadView(torch.nn.Module):
    def forward(self, x):
        return x.view(5, -1)


class SqueezeDyn(torch.nn.Module):
    def forward(self, x):
        return x.squeeze(0)


class T3(torch.nn.Module):
    def forward(self, x):
        return x.t()


def test_view_with_sizes_of_two_other_tensors():
    """Two run-time sizes from two tensors cannot be one view ahead of time;
    the JIT compiles it per size (a warning says so)."""
    specs = [TensorSpec((-1, 4)), TensorSpec((-1,)), TensorSpec((-1,))]
    with pytest.raises(tsmlir.StaticSizeRequired, match="at most one is supported"):
        lower_module(Others(), input_specs=specs)
    with pytest.warns(UserWarning, match="compiled per size"):
        compiled = tsmlir.compile_module(Others(), input_specs=specs)
    for n, m in ((2, 3), (1, 8)):
        args = [torch.randn(n * m, 4), torch.randn(n), torch.randn(m)]
        torch.testing.assert_close(compiled(*args), Others()(*args))


@pytest.mark.parametrize("module,specs,message", [
    (BadView(), [TensorSpec((2, 3, 4))], r"shape '\[5, -1\]' is invalid for input of size 24"),
    (SqueezeDyn(), [TensorSpec((-1, 4))], "cannot squeeze dynamic dim 0"),
    (T3(), [TensorSpec((2, 3, 4))], "t\\(\\) expects a tensor with <= 2 dimensions"),
], ids=["bad_view", "squeeze_dynamic", "t_3d"])
def test_import_errors(module, specs, message):
    with pytest.raises(tsmlir.TorchScriptImportError, match=message):
        tsmlir.compile_module(module, input_specs=specs)


class SelectThenUnsqueeze(torch.nn.Module):
    def forward(self, x):
        return x[:, :, 0].unsqueeze(2) * 2, x[0, :, 1], x.select(3, -1)


@pytest.mark.parametrize("shape", [(1, 3, 5, 6), (1, 1, 2, 1), (2, 1, 3, 1)])
def test_select_next_to_unit_dims(shape):
    """A constant index beside other unit dims (MLIR 22's canonicalizer once
    rewrote such rank-reducing slices to read the wrong elements)."""
    check_against_eager(SelectThenUnsqueeze(), [torch.randn(shape)])


class SizeOutOfRange(torch.nn.Module):
    def forward(self, x):
        return x.size(2)


class SizeAtRunTime(torch.nn.Module):
    def forward(self, x, d: int):
        return x.size(d)


def test_size_dim_errors_point_at_the_line():
    with pytest.raises(tsmlir.TorchScriptImportError, match="dimension 2 out of range") as e:
        tsmlir.compile_module(torch.jit.script(SizeOutOfRange()), [torch.randn(2, 3)])
    assert "test_shape.py" in str(e.value)
    with pytest.raises(tsmlir.UnsupportedOpError, match="a dim known only at run time"):
        tsmlir.compile_module(torch.jit.script(SizeAtRunTime()), [torch.randn(2, 3), 1])
