"""Memref descriptors (the MLIR C calling convention) built from torch tensors
and torch tensors made from returned descriptors.

Descriptors are plain ctypes structures; their `struct` layouts let a call
write one (`descriptor_struct`, `POINTERS`) or read all results
(`results_struct`) in a single pack/unpack.  The caller (runtime/jit.py)
copies small dense results (up to COPY_LIMIT bytes) into new tensors and
frees their buffers; `to_tensor` adopts the others without copies.
Ownership of a returned buffer is decided from its allocated pointer:
- 0xdeadbeef marks a `memref.get_global` (a constant): copied, never freed;
- the data pointer of an input tensor: a view of that input (`as_strided`);
- anything else was malloc'ed by the compiled code: the tensor takes it over
  and frees it when the last view dies.
"""
from __future__ import annotations

import ctypes
import struct
from typing import Sequence

import numpy as np
import torch

_LIBC = ctypes.CDLL(None)
_LIBC.free.argtypes = [ctypes.c_void_p]
free = _LIBC.free
memmove = ctypes.memmove
GLOBAL_MARKER = 0xDEADBEEF
# Results up to this size are copied into a fresh torch tensor and their buffer
# freed at once: cheaper than adopting the buffer (an owner object, numpy,
# as_strided: ~10 us of Python, and garbage-collector work) for small
# tensors; larger ones are adopted without a copy.  Measured on `x + 1`, one
# thread: 128 KB results 28.8 -> 23.5 us per call copied; at ~340 KB both
# ways cost the same.  Since static results are copied by compiled code
# (runtime/fast_call.py), thread CPU time per call, adopted -> copied:
# 257 KB 34.4 -> 20.8 us, 384 KB 41.4 -> 34.5, 512 KB 46.6 -> 44.5,
# 1 MB 57.7 -> 64.5 (eager: 15.4, 21.6, 25.3, 37.3).  On the AVX-512 VMs
# (2 cores, Sapphire Rapids class) the copy loses from 256 KB: `x * 2`, one
# thread, best of 5 x 3000 calls, copied -> adopted: 256 KB 18.0 -> 13.1-13.4
# us, 512 KB 39-52 -> 21 (eager 12-15, 19-27); 128 KB 11.0-12.5 either way;
# 1-4 KB 4.9-7.7 -> 6.1-7.3.
COPY_LIMIT = 1 << 17

_NUMPY = {torch.float32: np.float32, torch.float64: np.float64, torch.float16: np.float16,
          torch.int64: np.int64, torch.int32: np.int32, torch.int16: np.int16,
          torch.int8: np.int8, torch.uint8: np.uint8, torch.bool: np.bool_, torch.bfloat16: np.int16}


def descriptor_type(rank: int) -> type[ctypes.Structure]:
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank), ("strides", ctypes.c_int64 * rank)]
    return type(f"MemRef{rank}D", (ctypes.Structure,), {"_fields_": fields})


def results_type(ranks: list[int]) -> type[ctypes.Structure]:
    fields = [(f"r{i}", descriptor_type(r)) for i, r in enumerate(ranks)]
    return type("Results", (ctypes.Structure,), {"_fields_": fields})


def descriptor_struct(rank: int) -> struct.Struct:
    """The layout of a rank-`rank` descriptor, for packing it in one call."""
    return struct.Struct(f"PPq{rank}q{rank}q")


POINTERS = struct.Struct("PP")  # allocated and aligned: all a static descriptor needs per call


def results_struct(ranks: list[int]) -> struct.Struct:
    """The layout of `results_type(ranks)`, to read every result in one call."""
    return struct.Struct("".join(f"PPq{r}q{r}q" for r in ranks))


def contiguous_strides(sizes: Sequence[int]) -> tuple[int, ...]:
    strides, step = [], 1
    for n in reversed(sizes):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def fill_static(desc: ctypes.Structure, shape: Sequence[int]) -> None:
    """Sizes and strides of a static-shape descriptor, written once: calls
    then write only its pointers (identity layout: the compiled code reads
    neither for static dims)."""
    desc.offset = 0
    if shape:
        desc.sizes[:] = shape
        desc.strides[:] = contiguous_strides(shape)


class _Owned:
    """Owns a malloc'ed buffer; numpy keeps it alive as the array's base."""

    def __init__(self, allocated: int, aligned: int, nbytes: int, dtype):
        self.allocated = allocated
        self.__array_interface__ = {"data": (aligned, False), "shape": (nbytes // np.dtype(dtype).itemsize,),
                                    "typestr": np.dtype(dtype).str, "version": 3}

    def __del__(self):
        _LIBC.free(self.allocated)


def to_tensor(desc: ctypes.Structure, rank: int, dtype: torch.dtype,
              inputs: Sequence[torch.Tensor], owners: dict[int, torch.Tensor]) -> torch.Tensor:
    sizes = list(desc.sizes) if rank else []
    strides = list(desc.strides) if rank else []
    alloc, aligned, offset = desc.allocated or 0, desc.aligned or 0, desc.offset
    itemsize = dtype.itemsize
    span = 1 + sum((s - 1) * st for s, st in zip(sizes, strides)) if all(sizes) else 0
    if alloc == GLOBAL_MARKER:
        base = _borrow(aligned, offset + span, dtype, itemsize)
        return torch.as_strided(base, sizes, strides, offset).clone()
    for t in inputs:
        if t.data_ptr() == alloc:
            base = t.view(-1) if t.dim() else t.view(1)
            start = (aligned - alloc) // itemsize + offset
            return torch.as_strided(base, sizes, strides, start)
    base = owners.get(alloc)
    if base is None:
        owner = _Owned(alloc, aligned, max(offset + span, 1) * itemsize, _NUMPY[dtype])
        base = torch.from_numpy(np.asarray(owner))
        if dtype == torch.bfloat16:
            base = base.view(torch.bfloat16)
        owners[alloc] = base
    return torch.as_strided(base, sizes, strides, offset)


def _borrow(aligned: int, n: int, dtype: torch.dtype, itemsize: int) -> torch.Tensor:
    buf = (ctypes.c_byte * max(n * itemsize, 1)).from_address(aligned)
    arr = np.frombuffer(buf, dtype=_NUMPY[dtype])
    t = torch.from_numpy(arr)
    return t.view(torch.bfloat16) if dtype == torch.bfloat16 else t


def is_contiguous(sizes: Sequence[int], strides: Sequence[int]) -> bool:
    """Row-major dense (strides of size-1 dims do not matter; nor do any of an
    empty tensor's)."""
    step = 1
    for n, st in zip(reversed(sizes), reversed(strides)):
        if n == 0:
            return True
        if n != 1 and st != step:
            return False
        step *= n
    return True
