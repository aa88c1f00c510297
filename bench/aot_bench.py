"""Ahead-of-time code against eager PyTorch, possibly on another machine.

    python bench/aot_bench.py build DIR [--models ...] [--threads 1,2] [--target-cpu CPU]
    python bench/aot_bench.py run DIR [--cpus 0,2] [--json out.json]

`build` (needs tsmlir) compiles each benchmark model of bench/models.py with
`tsmlir-compile --shared` for each thread count (serial code for 1, OpenMP
for more; `--target-cpu` names the CPU of the machine that will run it, e.g.
x86-64-v4 for an AVX-512 server) and writes into DIR the shared libraries,
each model's inputs and eager outputs (`torch.save`), a copy of the OpenMP
runtime and `manifest.json`.

`run` (needs only torch: it never imports tsmlir's compiler, so it runs
where the MLIR wheels are not installed) loads each library through ctypes
and times it side by side with eager PyTorch on the same inputs, at the
thread count it was built for, pinned to that many CPUs on distinct physical
cores (`--cpus` to choose).  It prints median milliseconds, the ratio to
eager (lower is better), GFLOP/s for matmuls, and whether the library's
output matches the eager output saved at build time (the check of the
generated code on that machine) and whether eager there agrees.  Data over
4 MB (elementwise's 4M floats) is not saved: the run makes the inputs again
from the model's seed and checks against eager there.
Both peers run under the allocator policy of tsmlir's JIT
(`native_libs.keep_freed_memory`), applied here through ctypes.
"""
from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import shutil
import statistics
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_MODELS = ("matmul256,matmul512,matmul1024,mlp_b1,mlp_b64,seed_conv,encoder,"
                  "elementwise,rnn_b1,rnn_b16,lstm")
# glibc's mallopt parameters and the values tsmlir's JIT sets (native_libs)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD, _TRIM_THRESHOLD = 32 << 20, 256 << 20
MAX_SAVED_BYTES = 4 << 20


def _bench_models():
    """bench/models.py imports tsmlir.examples.models, plain torch code: load
    it without running tsmlir/__init__.py, which needs the MLIR wheels."""
    if "tsmlir" not in sys.modules:
        try:
            import tsmlir  # noqa: F401  (the real package, where it imports)
        except ImportError:
            pkg = types.ModuleType("tsmlir")
            pkg.__path__ = [os.path.join(REPO, "tsmlir")]
            sys.modules["tsmlir"] = pkg
    sys.path.insert(0, HERE)
    from models import MODELS
    return MODELS


def _outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


# ---------------------------------------------------------------------------
# build


def build(out_dir: str, models: list[str], threads: list[int], target_cpu: str | None) -> None:
    import torch

    from tsmlir.options import CompileOptions
    from tsmlir.runtime import native_libs
    from tsmlir.runtime.aot import EntryPoint, compile_aot
    from tsmlir.specs import TensorSpec

    os.makedirs(out_dir, exist_ok=True)
    registry = _bench_models()
    manifest = {"target_cpu": target_cpu or "host", "entries": []}
    for name in models:
        model, inputs, flops = registry[name]()
        with torch.inference_mode():
            expected = [t.clone() for t in _outputs(model(*inputs))]
        size = sum(t.numel() * t.element_size() for t in [*inputs, *expected])
        # big data (elementwise's 4M floats) is made again by the run from the
        # model's seed and checked against eager there, to keep DIR small
        data = {"inputs": inputs, "expected": expected} if size <= MAX_SAVED_BYTES else {}
        torch.save(data, os.path.join(out_dir, f"{name}.data"))
        archive = os.path.join(out_dir, f"{name}.pt")
        torch.jit.script(model).save(archive)
        for t in threads:
            lib = f"{name}_t{t}"
            start = time.perf_counter()
            compile_aot(archive, [EntryPoint("forward", [TensorSpec(tuple(x.shape))
                                                         for x in inputs])],
                        out_dir, name=lib, shared=True, target_cpu=target_cpu,
                        options=CompileOptions(threads=t))
            seconds = time.perf_counter() - start
            for suffix in (".o", ".h", "_runtime.c"):
                os.remove(os.path.join(out_dir, lib + suffix))
            manifest["entries"].append({"model": name, "threads": t, "lib": f"{lib}.so",
                                        "function": f"{lib}_forward", "free": f"{lib}_free",
                                        "data": f"{name}.data", "flops": flops})
            print(f"{lib}: {seconds:.1f} s", flush=True)
        os.remove(archive)
    omp = native_libs.openmp_library()
    if max(threads) > 1:
        shutil.copyfile(omp, os.path.join(out_dir, os.path.basename(omp)))
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


# ---------------------------------------------------------------------------
# run


def _descriptor(rank: int):
    class Memref(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]
    return Memref


class AotModel:
    """One `<lib>_forward` of a float32 model called with torch tensors."""

    def __init__(self, path: str, function: str, free: str, inputs, outputs):
        import torch
        self.torch = torch
        lib = ctypes.CDLL(path)
        self.fn, self.free = getattr(lib, function), getattr(lib, free)
        self.fn.restype = ctypes.c_int
        self.free.argtypes = [ctypes.c_void_p]
        self.out_types = [_descriptor(o.dim()) for o in outputs]
        if any(x.dtype != torch.float32 for x in [*inputs, *outputs]):
            raise TypeError("the AOT harness handles float32 tensors only")

    def _args(self, inputs):
        args = []
        for x in inputs:
            d = _descriptor(x.dim())()
            d.allocated = d.aligned = x.data_ptr()
            d.sizes[:] = list(x.shape)
            d.strides[:] = list(x.stride())
            args.append(d)
        return args

    def call(self, inputs, args=None):
        """Run once; returns the raw output descriptors (caller frees)."""
        args = args or self._args(inputs)
        outs = [t() for t in self.out_types]
        status = self.fn(*[ctypes.byref(a) for a in args], *[ctypes.byref(o) for o in outs])
        if status:
            raise RuntimeError(f"{self.fn.__name__} returned status {status}")
        return outs

    def __call__(self, *inputs):
        """Run once and return torch tensors (copies; the buffers are freed)."""
        result = []
        for o in self.call(inputs):  # contiguous, offset 0: the C API's contract
            n = 1
            for size in o.sizes:
                n *= size
            flat = self.torch.frombuffer((ctypes.c_float * n).from_address(o.aligned),
                                         dtype=self.torch.float32).clone() if n else \
                self.torch.empty(0)
            result.append(flat.reshape(list(o.sizes)))
            self.free(o.allocated)
        return result

    def timed_call(self, inputs):
        args = self._args(inputs)

        def once():
            for o in self.call(inputs, args):
                self.free(o.allocated)
        return once


def _timed(fn, min_time: float = 0.3, max_runs: int = 200) -> float:
    fn()
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (time.perf_counter() - start < min_time or len(times) < 5):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _physical_cpus(count: int) -> list[int]:
    """`count` CPUs of this process's set, each on its own physical core."""
    seen, chosen = set(), []
    for cpu in sorted(os.sched_getaffinity(0)):
        base = f"/sys/devices/system/cpu/cpu{cpu}/topology"
        try:
            core = tuple(open(f"{base}/{f}").read().strip()
                         for f in ("physical_package_id", "core_id"))
        except OSError:
            core = (str(cpu),)
        if core not in seen:
            seen.add(core)
            chosen.append(cpu)
    return chosen[:count]


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def run(out_dir: str, cpus: list[int] | None, json_path: str | None) -> None:
    libc = ctypes.CDLL(None)
    if hasattr(libc, "mallopt"):
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    with open(os.path.join(out_dir, "manifest.json")) as f:
        manifest = json.load(f)
    for omp in glob.glob(os.path.join(out_dir, "libiomp5*.so")):
        ctypes.CDLL(omp, mode=ctypes.RTLD_GLOBAL)  # the libraries' OpenMP runtime
    import torch
    registry = _bench_models()
    avx512 = os.path.exists("/proc/cpuinfo") and " avx512f" in open("/proc/cpuinfo").read()
    print(f"{_cpu_name()}, avx512f: {avx512}, torch {torch.__version__}, "
          f"libraries built for {manifest['target_cpu']}")
    print(f"{'model':12s} thr  {'eager':>10s} {'aot':>10s}  ratio  checks")
    rows = []
    for entry in manifest["entries"]:
        t = entry["threads"]
        chosen = cpus[:t] if cpus else _physical_cpus(t)
        os.sched_setaffinity(0, chosen)
        torch.set_num_threads(t)
        data = torch.load(os.path.join(out_dir, entry["data"]))
        eager_model, made_inputs, _ = registry[entry["model"]]()
        inputs = data.get("inputs", made_inputs)
        with torch.inference_mode():
            here = _outputs(eager_model(*inputs))
            expected = data.get("expected", here)
            eager_ok = all(torch.allclose(g, e, rtol=1e-3, atol=1e-4)
                           for g, e in zip(here, expected))
            eager_ms = _timed(lambda: eager_model(*inputs))
        model = AotModel(os.path.join(out_dir, entry["lib"]), entry["function"], entry["free"],
                         inputs, expected)
        got = model(*inputs)
        aot_ok = all(torch.allclose(g, e, rtol=1e-3, atol=1e-4) for g, e in zip(got, expected))
        aot_ms = _timed(model.timed_call(inputs))
        row = {"model": entry["model"], "threads": t, "cpus": chosen, "eager_ms": eager_ms,
               "aot_ms": aot_ms, "aot_ok": aot_ok, "eager_ok": eager_ok}
        gf = ""
        if entry["flops"]:
            row["gflops"] = {"eager": entry["flops"] / (eager_ms * 1e6),
                             "aot": entry["flops"] / (aot_ms * 1e6)}
            gf = f"  {row['gflops']['eager']:.0f} / {row['gflops']['aot']:.0f} GF/s"
        checks = ("aot ok" if aot_ok else "AOT WRONG") + \
            ("" if eager_ok else " (eager here differs from the build's eager)")
        print(f"{entry['model']:12s} t={t}  {eager_ms:9.3f}ms {aot_ms:9.3f}ms  "
              f"x{aot_ms / eager_ms:.2f}  {checks}{gf}", flush=True)
        rows.append(row)
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"cpu": _cpu_name(), "avx512f": avx512, "torch": torch.__version__,
                       "target_cpu": manifest["target_cpu"], "rows": rows}, f, indent=1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="compile the models into DIR (needs tsmlir)")
    b.add_argument("dir")
    b.add_argument("--models", default=DEFAULT_MODELS)
    b.add_argument("--threads", default="1,2")
    b.add_argument("--target-cpu", help="LLVM CPU name of the machine that runs them")
    r = sub.add_parser("run", help="time DIR's libraries against eager (needs only torch)")
    r.add_argument("dir")
    r.add_argument("--cpus", help="CPUs to pin to (default: one per physical core)")
    r.add_argument("--json")
    args = ap.parse_args(argv)
    if args.command == "build":
        build(args.dir, args.models.split(","), [int(t) for t in args.threads.split(",")],
              args.target_cpu)
    else:
        run(args.dir, [int(c) for c in args.cpus.split(",")] if args.cpus else None, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
