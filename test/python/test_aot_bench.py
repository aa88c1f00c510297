"""bench/aot_bench.py: libraries built ahead of time, then timed against
eager in another process that never imports tsmlir's compiler (as on a
machine without the MLIR wheels)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "bench", "aot_bench.py")
# The run's process: `import mlir` fails there, as where only torch is installed.
NO_MLIR = ("import runpy, sys; sys.modules['mlir'] = None; sys.argv = sys.argv[1:]; "
           "runpy.run_path(sys.argv[0], run_name='__main__')")


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler (cc)")
def test_build_then_run_without_mlir(tmp_path):
    out = tmp_path / "libs"
    build = subprocess.run([sys.executable, SCRIPT, "build", str(out), "--models",
                            "matmul256,rnn_b1", "--threads", "1,2"],
                           capture_output=True, text=True, cwd=REPO)
    assert build.returncode == 0, build.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(e["model"], e["threads"]) for e in manifest["entries"]] == \
        [("matmul256", 1), ("matmul256", 2), ("rnn_b1", 1), ("rnn_b1", 2)]
    assert (out / "libiomp5.so").exists()  # the 2-thread libraries' OpenMP runtime
    run = subprocess.run([sys.executable, "-c", NO_MLIR, SCRIPT, "run", str(out), "--json",
                          str(tmp_path / "rows.json")], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = json.loads((tmp_path / "rows.json").read_text())["rows"]
    assert len(rows) == 4 and all(r["aot_ok"] and r["eager_ok"] for r in rows), rows
    assert all(r["aot_ms"] > 0 and r["eager_ms"] > 0 for r in rows)
    assert "gflops" in rows[0] and "gflops" not in rows[2]
