"""The shortest call of a compiled function: static tensors in, small dense
tensors out.

In: a `JitFunction` (runtime/jit.py) after its `_plan_calls`.
Out: `plan(fn)`, a function of the positional arguments that runs the call
and returns its results rebuilt in the eager structure, or `SLOW` without
running anything when an argument is not a plain match (wrong type, dtype,
shape, device, layout, requires grad) and, after the native call, when a
result is not a fresh dense buffer of the compiled code (a constant, an
argument's buffer, one buffer returned twice, an unexpected layout): those
results are then taken by `JitFunction._take_results`, as before.  `plan`
returns None for a function it does not serve: run-time scalars, dynamic
dims, parameters, in-place write-backs, scalar results or results over
`memref.COPY_LIMIT`.

Why: a call of `x + 1` on a 1x4 tensor cost ~8 us against eager's ~5.7,
most of it Python around three native calls (the function, memmove,
free).  Here everything a call needs is bound once in the closure's locals,
each argument is checked by a few identity and tuple comparisons, written
by one `pack_into` (the static sizes and strides were written once by
`_plan_calls`), and the results are read by one `unpack_from`.  The checks
that decide `SLOW` are the same as `JitFunction._quick_check`'s, so every
error message still comes from the full `check`.
"""
from __future__ import annotations

from typing import Any, Callable

import torch

from ..dialects.types import DYN
from ..specs import TensorSpec
from . import memref

#: What a fast call returns when the general path must run instead.
SLOW = object()


def plan(fn) -> Callable[[tuple], Any] | None:
    """The fast call of `fn` (a JitFunction), or None if it does not apply."""
    if not _applies(fn):
        return None
    guards = [(s.dtype, torch.Size(s.shape)) for s in fn.specs]
    descs = list(fn._args)
    results = [_result_plan(p) for p in fn._result_plan]
    return _make_call(fn, guards, descs, results)


def _applies(fn) -> bool:
    return (fn._flat and not fn.params and not fn.writebacks and not fn._scalar_results
            and all(isinstance(s, TensorSpec) and DYN not in s.shape for s in fn.specs)
            and all(template is not None and nbytes <= memref.COPY_LIMIT
                    for _, _, _, _, _, template, nbytes in fn._result_plan))


def _result_plan(p: tuple) -> tuple:
    """(index of its allocated pointer, of its aligned one, end of its
    sizes and strides in the unpacked results, the dense layout they must
    equal, the template to copy into, bytes, item size)."""
    start, rank, _dtype, itemsize, layout, template, nbytes = p
    return start, start + 1, start + 3 + 2 * rank, layout, template, nbytes, itemsize


def _make_call(fn, guards: list, descs: list, results: list) -> Callable[[tuple], Any]:
    count = len(guards)
    lock, errors, native, packed = fn._lock, fn._errors, fn._fn, fn._packed_ptr
    pack, unpack, struct = memref.POINTERS.pack_into, fn._results_struct.unpack_from, fn._results
    effects, rebuild, take_results = fn._effects, fn._rebuild, fn._take_results
    tensor, grad_enabled, empty_like = torch.Tensor, torch.is_grad_enabled, torch.empty_like
    memmove, free, marker = memref.memmove, memref.free, memref.GLOBAL_MARKER

    def call(args: tuple) -> Any:
        if len(args) != count:
            return SLOW
        ptrs = []
        for a, (dtype, size) in zip(args, guards):
            if a.__class__ is not tensor or a.dtype is not dtype or a.shape != size or \
                    not a.is_cpu or not a.is_contiguous() or (a.requires_grad and grad_enabled()):
                return SLOW
            ptrs.append(a.data_ptr())
        with lock:
            for p, desc in zip(ptrs, descs):
                pack(desc, 0, p, p)
            errors.clear()
            native(packed)
            if errors:
                raise effects.error(errors[0])
            raw = unpack(struct)
            seen = set(ptrs)
            seen.add(marker)
            for alloc_at, _, end, layout, _, _, _ in results:
                alloc = raw[alloc_at]
                if alloc in seen or raw[alloc_at + 3:end] != layout:
                    return rebuild(take_results(args, [], ptrs))
                seen.add(alloc)
            flat = []
            for alloc_at, aligned_at, _, _, template, nbytes, itemsize in results:
                out = empty_like(template)
                if nbytes:
                    memmove(out.data_ptr(), raw[aligned_at] + raw[aligned_at + 1] * itemsize,
                            nbytes)
                free(raw[alloc_at])
                flat.append(out)
        return rebuild(flat)

    return call
