"""The im2col of a batch-1 convolution, read straight from its unpadded
input, the threads sharing the channels (part of tsm-lower-nn: used by
convolution and conv_rows).

In: x (C, *spatial), static, and the convolution's low padding, kernel,
output sizes, stride and dilation (`outs` may be any positions the caller
wants: conv_rows asks for every input row, a kernel of height 1).
Out: col (C, *kernel, *outs) with col[c, k..., o...] = x[c, o*s + k*d - lo
...], zero where that index falls in the padding: for each kernel position
one strided slice of x inserted into the rectangle of positions that read
inside x, zeros around it (the boxes outside the rectangle, or one fill of
all of col before the copies where that writes less: rows count extra).
No padded copy of x is made (it was a fill and a copy of x, both serial,
before the im2col copies read it again).
With `tsm.num_threads` > 1 and enough copy work (`_pays`), an scf.forall
over channel chunks: each thread fills and copies its channels' slice of
col.  The work counts rows as well as elements: the late convolutions of
a ResNet on small images copy rows of 1-4 floats, where the per-row cost
is the time (ResNet-18 64, layer 4: ~30 us of serial copies per 3x3
convolution, for 50 KB).
"""
from __future__ import annotations

import itertools
import math

from mlir import ir
from mlir.dialects import linalg

from . import builders as b
from .nn_support import expand, pad
from .chunk_loops import forall_chunks, module_threads
from .parallel import MIN_PARALLEL_ELEMENTS

#: What one row costs in the shared copy functions, in elements copied (a
#: row of 2 floats: ~4 ns, the time of ~16 floats of a long row).
ROW_ELEMENTS = 16

#: Rows narrower than this many elements (a vector of f32 on AVX2) are
#: written with masked stores.
NARROW_ROW = 8


def region(n: int, k: int, o: int, s: int, d: int, lo: int) -> tuple[int, int, int]:
    """(first output position, count, first input index) of the positions
    0 <= p < o whose input p*s + k*d - lo lies in [0, n)."""
    first = max(0, -((k * d - lo) // s))  # ceil((lo - k*d) / s)
    last = min(o - 1, (n - 1 + lo - k * d) // s)
    count = max(0, last - first + 1)
    return first, count, first * s + k * d - lo


def border_boxes(reg: list[tuple[int, int]], outs: list[int]) -> list[list[tuple[int, int]]]:
    """The boxes ((offset, size) per dim) of positions 0 <= p < outs
    outside the rectangle `reg` ((first, count) per dim) that a kernel
    position reads from x: the zeros it leaves to write; none when it reads
    x everywhere, the whole range when it reads nothing."""
    if any(count == 0 for _, count in reg):
        return [[(0, o) for o in outs]]
    boxes = []
    for i, ((first, count), o) in enumerate(zip(reg, outs)):
        inner = [(f, n) for f, n in reg[:i]]
        outer = [(0, n) for n in outs[i + 1:]]
        if first > 0:
            boxes.append([*inner, (0, first), *outer])
        if first + count < o:
            boxes.append([*inner, (first + count, o - first - count), *outer])
    return boxes


def _box_cost(box: list[tuple[int, int]], partial: bool = False) -> int:
    """A copy's or fill's work per channel: elements, plus ROW_ELEMENTS a
    row; rows narrower than a vector take masked stores (about 3x), rows
    clipped by the padding (`partial`) a tail each (scalar in the stride-2
    gathers)."""
    if 0 in (n for _, n in box):
        return 0
    elements = math.prod(n for _, n in box)
    rows = elements // box[-1][1]
    per_row = ROW_ELEMENTS * (3 if box[-1][1] < NARROW_ROW else 1) + \
        (ROW_ELEMENTS if partial else 0)
    return elements + per_row * rows


def _regions(spatial: list[int], low: list[int], kernel: list[int], outs: list[int],
             stride: list[int], dilation: list[int]) -> tuple[dict, dict]:
    """Per kernel position: its region per dim, and its border boxes."""
    regions = {pos: [region(*args) for args in zip(spatial, pos, outs, stride, dilation, low)]
               for pos in itertools.product(*map(range, kernel))}
    borders = {pos: border_boxes([(first, count) for first, count, _ in reg], outs)
               for pos, reg in regions.items()}
    return regions, borders


def _pays(c: int, kernel: list[int], outs: list[int], threads: int) -> bool:
    elements = c * math.prod(kernel) * math.prod(outs)
    rows = elements // outs[-1]
    return threads > 1 and c >= threads and elements + ROW_ELEMENTS * rows >= \
        MIN_PARALLEL_ELEMENTS


def im2col(x: ir.Value, low: list[int], kernel: list[int], outs: list[int],
           stride: list[int], dilation: list[int]) -> ir.Value:
    """col (C, *kernel, *outs) of x (C, *spatial): see the module docstring."""
    t = b.rtt(x)
    c, spatial, elem = t.shape[0], t.shape[1:], t.element_type
    if list(stride) == list(kernel) and not any(low) and all(d == 1 for d in dilation) \
            and all(o * k <= n for o, k, n in zip(outs, kernel, spatial)):
        return _patches(x, kernel, outs)
    regions, borders = _regions(spatial, low, kernel, outs, stride, dilation)
    whole = math.prod(outs) * math.prod(kernel)  # per channel, one contiguous run
    zeros = min(whole, sum(_box_cost(box) for boxes in borders.values() for box in boxes))
    high = [max(0, (o - 1) * s + (k - 1) * d + 1 - lo - n)
            for n, lo, k, o, s, d in zip(spatial, low, kernel, outs, stride, dilation)]
    padded = [n + lo + hi for n, lo, hi in zip(spatial, low, high)]
    slices = sum(_box_cost([(0, count) for _, count, _ in reg], partial=reg[-1][1] < outs[-1])
                 for reg in regions.values())
    full = _box_cost([(0, o) for o in outs]) * math.prod(kernel)
    if zeros + slices > math.prod(padded) + _box_cost([(0, n) for n in spatial]) + full:
        # the zeros and clipped slices cost more than a padded copy of x and
        # whole slices of it (the 7x7 stems: thin borders round 49 slices)
        x = pad(x, [0, *low], [0, *high], b.zero(elem))
        regions, borders = _regions(padded, [0] * len(low), kernel, outs, stride, dilation)
    fill_all = any(borders.values()) and whole <= zeros
    col = b.empty([c, *kernel, *outs], elem)
    nd = len(kernel)

    def fill_and_copy(c0: b.IntOrValue, length: b.IntOrValue, dest: ir.Value) -> ir.Value:
        if fill_all:
            dest = linalg.fill(b.zero(elem), outs=[dest])
        for pos, boxes in borders.items():
            for box in ([] if fill_all else boxes):
                offsets, sizes = [0, *pos, *(lo for lo, _ in box)], \
                    [length, *[1] * nd, *(n for _, n in box)]
                zeros = linalg.fill(b.zero(elem), outs=[b.extract_slice(
                    dest, offsets, sizes, [1] * len(sizes))])
                dest = b.insert_slice(zeros, dest, offsets, sizes)
        for pos, reg in regions.items():
            counts = [count for _, count, _ in reg]
            if 0 in counts:
                continue  # all padding
            src = b.extract_slice(x, [c0, *(start for _, _, start in reg)], [length, *counts],
                                  [1, *stride])
            src = expand(src, [list(range(nd + 1)), *[[nd + 1 + i] for i in range(nd)]],
                         [length, *[1] * nd, *counts])
            dest = b.insert_slice(src, dest, [0, *pos, *(first for first, _, _ in reg)],
                                  [length, *[1] * nd, *counts])
        return dest

    threads = module_threads()
    if not _pays(c, kernel, outs, threads):
        return fill_and_copy(0, c, col)
    (out,) = forall_chunks(c, -(-c // threads), 0, [col],
                           lambda c0, length, pieces: [fill_and_copy(c0, length, pieces[0])])
    return out


def _patches(x: ir.Value, kernel: list[int], outs: list[int]) -> ir.Value:
    """col of windows that tile x without overlap or padding (a vision
    transformer's patch embedding, stride = kernel): x's used part seen as
    (C, O1, K1, O2, K2, ...) and transposed to (C, K1, K2, ..., O1, O2, ...),
    one copy.  The slices per kernel position were 256 for a 16 x 16 patch:
    6 s of compile time, most of it bufferizing and lowering the slices."""
    c, nd = b.rtt(x).shape[0], len(kernel)
    used = [o * k for o, k in zip(outs, kernel)]
    if used != b.rtt(x).shape[1:]:
        x = b.extract_slice(x, [0] * (nd + 1), [c, *used], [1] * (nd + 1))
    x = expand(x, [[0], *[[1 + 2 * i, 2 + 2 * i] for i in range(nd)]],
               [c, *(v for o, k in zip(outs, kernel) for v in (o, k))])
    return b.permuted(x, [0, *(2 + 2 * i for i in range(nd)), *(1 + 2 * i for i in range(nd))])
