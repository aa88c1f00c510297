"""Memory held by compiled code: a compile leaves nothing behind once its
result is gone, and a compiled function keeps only the MLIR context of its
own final module (not the compiling one, which holds every weight array
that lowering made or replaced)."""
import gc
import warnings

import torch
from mlir import ir

import tsmlir
from tsmlir.diagnostics import DiagnosticCollector


def _live_contexts() -> int:
    gc.collect()
    with warnings.catch_warnings():  # isinstance on torch's deprecated aliases warns
        warnings.simplefilter("ignore")
        return sum(isinstance(o, ir.Context) for o in gc.get_objects())


class ConvBNLinear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn = torch.nn.Conv2d(8, 16, 3), torch.nn.BatchNorm2d(16)
        self.fc = torch.nn.Linear(16 * 6 * 6, 32)  # 74 KB: a weight bound at run time

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


def test_compiles_leak_no_context():
    """Each compile's contexts die with it (the diagnostic handler once held
    its context in a cycle Python could not collect: ~135 MB a ResNet-18)."""
    m, x = ConvBNLinear().eval(), torch.randn(2, 8, 8, 8)
    tsmlir.compile_module(m, [x])
    before = _live_contexts()
    for _ in range(3):
        compiled = tsmlir.compile_module(m, [x])
        with torch.no_grad():
            torch.testing.assert_close(compiled(x), m(x), rtol=1e-4, atol=1e-5)
        del compiled
    assert _live_contexts() == before


def test_replaced_weights_are_freed(monkeypatch):
    """The importer's copy of the conv filters, replaced by the folded ones,
    lives in the compiling context only: gone once the compile returns.
    The compiled function keeps one context, its final module's."""
    import weakref
    from tsmlir.importer import graph
    copies = []

    def recorded(value):
        array = real(value)
        copies.append((tuple(value.shape), weakref.ref(array)))
        return array
    real = graph._buffer
    monkeypatch.setattr(graph, "_buffer", recorded)
    m, x = ConvBNLinear().eval(), torch.randn(2, 8, 8, 8)
    before = _live_contexts()
    compiled = tsmlir.compile_module(m, [x])
    assert _live_contexts() == before + 1
    alive = {shape for shape, ref in copies if ref() is not None}
    assert (16, 8, 3, 3) in {shape for shape, _ in copies} and (16, 8, 3, 3) not in alive
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), m(x), rtol=1e-4, atol=1e-5)


def test_diagnostic_collector_lets_go_of_its_handler():
    ctx = ir.Context()
    with DiagnosticCollector(ctx) as diags:
        with ir.Location.unknown(ctx):
            ir.Location.unknown(ctx).emit_error("boom")
    assert diags.messages and "boom" in diags.messages[0]
    assert diags._handler is None
