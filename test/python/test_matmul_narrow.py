"""tsm-vectorize-narrow-matmul against eager: a constant A (m x k) times a
few columns (n <= 12 with AVX2, <= 24 with AVX-512), with m not a multiple
of the panel (16 rows with AVX2, 32 with AVX-512; both tiles are tried on
any host: the tile is a shape of the code, LLVM lowers its vectors to the
host's registers) and a single panel, k not a multiple of the k unroll,
n = 1 .. 24 (one and two column groups), 1 and 2 threads (the threads share the panels from
MIN_PARALLEL_WEIGHTS weights); convolutions whose im2col product is
narrow (2 x 2 and 1 x 1 outputs, bias, batch norm, ReLU); the products the
pass leaves to the other kernels.  Each compiled module is checked to have
(or not) the narrow kernel, and each is called twice (the second call reads
the packed copy of A made by the first)."""
import pytest
import torch

import tsmlir
from conftest import _assert_close
from tsmlir.lowering import matmul_narrow, target


class Wx(torch.nn.Module):
    """w @ x with w an m x k parameter: a constant A."""

    def __init__(self, m: int, k: int):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(m, k))

    def forward(self, x):
        return torch.mm(self.w, x)


def _compile(module, inputs, threads, tmp_path):
    options = tsmlir.CompileOptions(threads=threads, dump_dir=str(tmp_path), dump_weights=False)
    compiled = tsmlir.compile_module(module.eval(), inputs, options=options)
    loops = next(tmp_path.glob("2-*.mlir")).read_text()
    return compiled, f"call @{matmul_narrow.PREFIX}_w" in loops


@pytest.fixture(params=["avx2", "avx512"])
def tile(request, monkeypatch):
    """The kernel's tile for a target, that target forced."""
    avx512 = request.param == "avx512"
    monkeypatch.setattr(target, "_host_has_avx512", lambda: avx512)
    return matmul_narrow.AVX512 if avx512 else matmul_narrow.AVX2


def _check(module, inputs, threads, tmp_path, *, taken=True, tol=1e-4):
    compiled, used = _compile(module, inputs, threads, tmp_path)
    assert used == taken
    with torch.no_grad():
        for args in (inputs, [torch.randn_like(x) for x in inputs]):
            _assert_close(compiled(*args), module(*args), rtol=tol, atol=tol)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("m,k,n", [(16, 16, 1), (17, 99, 2), (37, 131, 3), (100, 700, 4),
                                   (33, 257, 5), (48, 64, 6), (130, 1001, 7), (257, 333, 8),
                                   (20, 50, 9), (64, 300, 12), (33, 70, 13), (70, 90, 16), (64, 100, 24)])
def test_constant_a(m, k, n, threads, tile, tmp_path):
    """Taken from a panel of rows and up to the tile's columns."""
    taken = m >= tile.panel and n <= tile.max_columns
    _check(Wx(m, k), [torch.randn(k, n)], threads, tmp_path, taken=taken, tol=1e-3)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n", [4, 16])
def test_many_panels(threads, n, tile, tmp_path):
    """512 x 4608 @ 4608 x 4 (ResNet-18's layer4 at 64 x 64 images; x 16:
    layer3's 256 x 2304 @ 2304 x 16, AVX-512 only): the panels shared by
    the threads."""
    _check(Wx(512, 4608), [torch.randn(4608, n)], threads, tmp_path,
           taken=n <= tile.max_columns, tol=1e-3)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("size,stride,bias", [(2, 1, True), (4, 2, False), (1, 1, False),
                                              (3, 2, True)])
def test_conv(size, stride, bias, threads, tmp_path):
    """3x3 convs with outputs of 2 x 2 and 1 x 1 (the im2col product has
    4 or 1 columns), then batch norm and ReLU."""
    module = torch.nn.Sequential(torch.nn.Conv2d(40, 70, 3, stride, 1, bias=bias),
                                 torch.nn.BatchNorm2d(70), torch.nn.ReLU())
    with torch.no_grad():
        module[1].running_mean.uniform_(-1, 1)
        module[1].running_var.uniform_(0.5, 2)
    _check(module, [torch.randn(1, 40, size, size)], threads, tmp_path)


def _relu_in_kernel(loops: str) -> bool:
    """Whether a narrow kernel (not its packer or driver) applies a ReLU."""
    kernels = [f for f in loops.split("func.func")
               if f.startswith(f" private @{matmul_narrow.PREFIX}_")
               and not f.startswith((f" private @{matmul_narrow.PREFIX}_w",
                                     f" private @{matmul_narrow.PREFIX}_pack"))]
    return any("arith.maximumf" in f for f in kernels)


@pytest.mark.parametrize("threads", [1, 2])
def test_conv_relu_epilogue(threads, tmp_path):
    """conv (+ batch norm) -> ReLU: the ReLU is the matmul's epilogue,
    applied by the narrow kernel as it stores C (biases that are negative
    enough for the ReLU to clamp)."""
    module = torch.nn.Sequential(torch.nn.Conv2d(64, 96, 3, 1, 1), torch.nn.BatchNorm2d(96),
                                 torch.nn.ReLU())
    with torch.no_grad():
        module[0].bias.uniform_(-2, 2)
    _check(module, [torch.randn(1, 64, 2, 2)], threads, tmp_path)
    assert _relu_in_kernel(next(tmp_path.glob("2-*.mlir")).read_text())


class Block(torch.nn.Module):
    """relu(bn(conv(x)) + x): the residual (and the folded bias) start C,
    the ReLU is the epilogue."""

    def __init__(self, c: int):
        super().__init__()
        self.conv = torch.nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn = torch.nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)) + x)


@pytest.mark.parametrize("threads", [1, 2])
def test_residual_block(threads, tmp_path):
    module = Block(48)
    with torch.no_grad():
        module.bn.running_mean.uniform_(-1, 1)
        module.bn.running_var.uniform_(0.5, 2)
    _check(module, [torch.randn(1, 48, 2, 2)], threads, tmp_path)


@pytest.mark.parametrize("m,k,n", [(15, 100, 4), (64, 100, None), (64, 15, 4)])
def test_not_taken(m, k, n, tile, tmp_path):
    """Fewer rows than a panel, a column more than the tile takes, a short
    k: the other kernels."""
    n = n or tile.max_columns + 1
    _check(Wx(m, k), [torch.randn(k, n)], 1, tmp_path, taken=False)


def test_a_not_constant(tmp_path):
    class Mm(torch.nn.Module):
        def forward(self, a, b):
            return torch.mm(a, b)

    _check(Mm(), [torch.randn(64, 100), torch.randn(100, 4)], 1, tmp_path, taken=False)


def test_weight_shared_by_two_products(tmp_path):
    """One weight times two inputs of the same shape: one driver, one
    packed copy; and times a wider input: the packed kernel."""
    class Two(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.randn(40, 300))

        def forward(self, x, y, z):
            return torch.mm(self.w, x), torch.mm(self.w, y * 2), torch.mm(self.w, z)

    module, inputs = Two().eval(), [torch.randn(300, 3), torch.randn(300, 3), torch.randn(300, 40)]
    compiled, used = _compile(module, inputs, 1, tmp_path)
    assert used
    loops = next(tmp_path.glob("2-*.mlir")).read_text()
    assert loops.count(f"memref.global \"private\" @{matmul_narrow.PREFIX}_w0_a :") == 1
    assert f"@{matmul_narrow.PREFIX}_w1" not in loops
    with torch.no_grad():
        _assert_close(compiled(*inputs), module(*inputs), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("max_group", [matmul_narrow.AVX2.max_group,
                                       matmul_narrow.AVX512.max_group])
def test_groups(max_group):
    """Column groups: as few as max_group allows, balanced, covering n."""
    for n in range(1, 30):
        groups = matmul_narrow.groups(n, max_group)
        assert len(groups) == -(-n // max_group)
        assert sum(w for _, w in groups) == n
        assert all(1 <= w <= max_group for _, w in groups)
        assert max(w for _, w in groups) - min(w for _, w in groups) <= 1
        assert [j for j, _ in groups] == [sum(w for _, w in groups[:i]) for i in range(len(groups))]
