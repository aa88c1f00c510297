"""Side-by-side benchmark: eager PyTorch, TorchScript, torch.compile, tsmlir.

    python bench/run.py [--models mlp_b1,resnet18_64] [--threads 1,2]
                        [--peers eager,torchscript,inductor,tsmlir] [--json out.json]
                        [--timing] [--rounds N] [--min] [--dynamic]

Prints median milliseconds per model and peer, the ratio of each peer to
eager (lower is better), compile times separately, GFLOP/s for matmuls, and
whether each output matches eager.  All peers run in this one process, timed
in `--rounds` rounds (default 5): each round runs every peer for a block of
calls in turn (after SETTLE_S for the other peer's threads to go idle),
and a peer's median is over all its calls.  On a shared host
whose speed drifts for seconds at a time (the lent AVX-512 VMs: the same
matmul ran at 140 and at 260 GFLOP/s minutes apart) a slow period then
falls on every peer instead of on one; `--min` also prints each peer's
fastest call (noise only adds time).
`--timing` adds tsmlir's per-stage compile times (import, each lowering
stage, LLVM JIT) under each model.
`--dynamic` compiles for a run-time size of dim 0 of each model's first
tensor input (the batch of mlp/resnet/seed_conv, the sequence of the
encoder and the loops, the rows of the matmuls, the length of the
elementwise chain): tsmlir with that dim -1 (`TensorSpec`), torch.compile
with `dynamic=True`; the calls use the same inputs as without it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsmlir  # noqa: E402
from tsmlir.runtime.native_libs import keep_freed_memory  # noqa: E402
from models import MODELS  # noqa: E402

PEERS = ("eager", "torchscript", "inductor", "tsmlir")


def timed(fn, args, min_time: float = 0.5, max_runs: int = 200) -> list[float]:
    """Seconds of each of repeated calls (at least 5, about min_time in all)."""
    times, total = [], 0.0
    while (total < min_time or len(times) < 5) and len(times) < max_runs:
        start = time.perf_counter()
        fn(*args)
        dt = time.perf_counter() - start
        times.append(dt)
        total += dt
    return times


#: Seconds of sleep before each peer's block of calls.  Each peer's OpenMP
#: workers keep spinning after its last parallel op: torch's (GNU libgomp)
#: for ~15 ms (GOMP_SPINCOUNT's default), tsmlir's (libiomp5,
#: KMP_BLOCKTIME=1) for 1 ms.  A block that starts while the other runtime's
#: threads still spin shares the two cores with them: mlp_b1 on 2 threads
#: ran 0.3 ms a call for the first ~50 tsmlir calls after an eager block,
#: 0.04-0.05 ms after them, and a block of 40 calls fell in that window
#: (medians 3.5x eager in some runs, 0.67 in others).  Each peer is timed on
#: its own: what a program that runs one of them sees.
SETTLE_S = 0.05


def timed_block(fn, args, min_time: float, max_runs: int) -> list[float]:
    """`timed`, after SETTLE_S of sleep and one untimed call (which wakes
    the peer's own workers)."""
    time.sleep(SETTLE_S)
    fn(*args)
    return timed(fn, args, min_time, max_runs)


def dynamic_specs(inputs) -> list:
    """tsmlir's inputs for `--dynamic`: dim 0 of the first tensor a
    run-time size, the other arguments as examples."""
    first = next(i for i, x in enumerate(inputs) if isinstance(x, torch.Tensor))
    x = inputs[first]
    spec = tsmlir.TensorSpec((-1, *x.shape[1:]), x.dtype)
    return [spec if i == first else v for i, v in enumerate(inputs)]


def build_peer(peer: str, model, inputs, dynamic: bool = False):
    if peer == "eager":
        return model
    if peer == "torchscript":
        ts = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(model)))
        return ts
    if peer == "inductor":
        return torch.compile(model, dynamic=True) if dynamic else torch.compile(model)
    if peer == "tsmlir":
        return tsmlir.compile_module(model, dynamic_specs(inputs) if dynamic else inputs)
    raise KeyError(peer)


def first_tensor(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def run_model(name: str, peers, threads: int, rounds: int = 5, dynamic: bool = False) -> dict:
    """Build every peer, check its output against eager, then time the
    peers in `rounds` interleaved rounds (see the module docstring)."""
    torch.set_num_threads(threads)
    model, inputs, flops = MODELS[name]()
    row = {"model": name + ("(dyn)" if dynamic else ""), "threads": threads, "ms": {},
           "min_ms": {}, "compile_s": {}, "ok": {}, "error": {}}
    built = {}
    with torch.inference_mode():
        expected = first_tensor(model(*inputs))
        for peer in peers:
            try:
                start = time.perf_counter()
                fn = build_peer(peer, model, inputs, dynamic)
                fn(*inputs)  # first call (inductor compiles here)
                row["compile_s"][peer] = time.perf_counter() - start
                if peer == "tsmlir":
                    row["stages_s"] = dict(fn.compile_times)
                    row["codegen"] = sorted({f.codegen for f in fn.functions.values()})
                got = first_tensor(fn(*inputs))
                row["ok"][peer] = bool(torch.allclose(got, expected, rtol=1e-3, atol=1e-4))
                for _ in range(3):  # warm-up
                    fn(*inputs)
                built[peer] = fn
            except Exception as e:  # a peer that cannot run the model is reported, not fatal
                row["error"][peer] = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
        times: dict[str, list[float]] = {p: [] for p in built}
        for _ in range(rounds):
            for peer, fn in built.items():
                times[peer] += timed_block(fn, inputs, 0.5 / rounds, max(5, 200 // rounds))
    for peer, ts in times.items():
        row["ms"][peer] = statistics.median(ts) * 1000
        row["min_ms"][peer] = min(ts) * 1000
    if flops:
        row["gflops"] = {p: flops / (ms * 1e6) for p, ms in row["ms"].items()}
    return row


def print_row(row: dict, peers, timing: bool = False, fastest: bool = False) -> None:
    eager = row["ms"].get("eager")
    cells = []
    for p in peers:
        if p in row["ms"]:
            ratio = f" x{row['ms'][p] / eager:.2f}" if eager else ""
            mark = "" if row["ok"].get(p) else " WRONG"
            gf = f" {row['gflops'][p]:.0f}GF/s" if "gflops" in row else ""
            cells.append(f"{row['ms'][p]:9.3f}ms{ratio}{gf}{mark}")
        else:
            cells.append("   n/a")
    print(f"{row['model']:14s} t={row['threads']}  " + " | ".join(f"{c:28s}" for c in cells))
    if fastest and row["min_ms"]:
        base = row["min_ms"].get("eager")
        print(f"{'':18s}fastest call: " + ", ".join(
            f"{p} {ms:.3f}ms" + (f" x{ms / base:.2f}" if base else "")
            for p, ms in row["min_ms"].items()))
    comp = ", ".join(f"{p} {s:.2f}s" for p, s in row["compile_s"].items() if p != "eager")
    if comp:
        print(f"{'':18s}compile: {comp}")
    if timing and row.get("stages_s"):
        stages = ", ".join(f"{k} {v:.2f}s" for k, v in row["stages_s"].items())
        codegen = f" (codegen: {', '.join(row['codegen'])})" if row.get("codegen") else ""
        print(f"{'':18s}tsmlir stages: {stages}{codegen}")
    for p, e in row["error"].items():
        print(f"{'':18s}{p}: {e}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--threads", default=str(torch.get_num_threads()))
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--json")
    ap.add_argument("--timing", action="store_true", help="tsmlir's per-stage compile times")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds")
    ap.add_argument("--min", action="store_true", help="also print each peer's fastest call")
    ap.add_argument("--dynamic", action="store_true",
                    help="compile for a run-time size of dim 0 of the first input")
    args = ap.parse_args(argv)
    # tsmlir's runtime tunes glibc's allocator at its first compile (freed
    # buffers kept for reuse: see tsmlir.runtime.native_libs); set it before
    # any peer runs, so that every peer and model runs under one policy.
    keep_freed_memory()
    peers = args.peers.split(",")
    rows = []
    print(f"{'model':14s} thr  " + " | ".join(f"{p:28s}" for p in peers))
    for threads in (int(t) for t in args.threads.split(",")):
        for name in args.models.split(","):
            row = run_model(name, peers, threads, args.rounds, args.dynamic)
            print_row(row, peers, args.timing, args.min)
            rows.append(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
