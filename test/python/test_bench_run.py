"""bench/run.py builds and checks its peers as the closing notes report
them (timings themselves are never asserted)."""
import torch

import tsmlir

from conftest import load_bench


def test_dynamic_specs_mark_dim_0_of_the_first_tensor():
    run = load_bench("run")
    x, h = torch.randn(50, 1, 64), torch.randn(1, 128)
    specs = run.dynamic_specs([x, h])
    assert specs[0] == tsmlir.TensorSpec((-1, 1, 64), torch.float32) and specs[1] is h


def test_dynamic_run_matches_eager():
    """`--dynamic`: tsmlir compiled for a run-time batch, its output
    checked against eager on the bench's inputs."""
    run = load_bench("run")
    row = run.run_model("mlp_b1", ["eager", "tsmlir"], threads=1, rounds=1, dynamic=True)
    assert row["model"] == "mlp_b1(dyn)"
    assert row["ok"] == {"eager": True, "tsmlir": True}, row["error"]


def test_dynamic_peer_takes_other_batches():
    run = load_bench("run")
    model, inputs, _ = run.MODELS["mlp_b1"]()
    fn = run.build_peer("tsmlir", model, inputs, dynamic=True)
    x = torch.randn(5, 784)
    with torch.inference_mode():
        torch.testing.assert_close(fn(x), model(x), rtol=1e-4, atol=1e-5)
