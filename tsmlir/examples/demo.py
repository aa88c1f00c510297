"""The main job: compile a bundled model, run it, compare with eager PyTorch.

    python -m tsmlir.examples.demo [--model resnet18] [--batch 1] [--size 64]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import tsmlir
from tsmlir.examples.models import NAMES, make


def median_ms(fn, args, repeat: int) -> float:
    """Median of `repeat` calls, after 50 ms for the other runtime's OpenMP
    workers to stop spinning (bench/run.py's SETTLE_S) and one warm-up call."""
    time.sleep(0.05)
    fn(*args)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="resnet18", choices=NAMES)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--size", type=int, default=None, help="image size / element count")
    p.add_argument("--repeat", type=int, default=20)
    args = p.parse_args(argv)

    model, inputs = make(args.model, args.batch, args.size)
    print(f"model: {args.model}  inputs: {[tuple(t.shape) for t in inputs]}")
    start = time.perf_counter()
    compiled = tsmlir.compile_module(model, inputs)
    compile_s = time.perf_counter() - start
    stages = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in compiled.compile_times.items())
    print(f"compiled in {compile_s:.2f} s ({stages})")
    with torch.inference_mode():
        expected = model(*inputs)
    got = compiled(*inputs)
    err = (got - expected).abs().max().item()
    ok = torch.allclose(got, expected, rtol=1e-4, atol=1e-5)
    print(f"output {tuple(got.shape)}, first values: {got.flatten()[:5].tolist()}")
    print(f"matches eager: {ok} (max abs difference {err:.2e})")
    with torch.inference_mode():
        eager_ms = median_ms(model, inputs, args.repeat)
    tsmlir_ms = median_ms(compiled, inputs, args.repeat)
    print(f"eager {eager_ms:.3f} ms | tsmlir {tsmlir_ms:.3f} ms | ratio tsmlir/eager "
          f"{tsmlir_ms / eager_ms:.2f} (lower is better; {torch.get_num_threads()} torch threads)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
