"""Whole models against eager: the seed examples, an MLP, LeNet and ResNet-18."""
import pytest
import torch

from conftest import check_against_eager
from tsmlir import TensorSpec
from tsmlir.examples.models import make


@pytest.mark.parametrize("name, batch", [("linear", 1), ("linear", 4), ("mlp", 1), ("mlp", 8),
                                         ("lenet", 2), ("seed_conv", 1)])
def test_small_models(name, batch):
    model, inputs = make(name, batch)
    check_against_eager(model, inputs)


def test_resnet18_64():
    model, inputs = make("resnet18", 1, 64)
    check_against_eager(model, inputs)


def test_resnet18_traced():
    model, inputs = make("resnet18", 1, 64)
    check_against_eager(torch.jit.trace(model, inputs), inputs)


def test_mlp_dynamic_batch():
    model, inputs = make("mlp", 1)
    runs = [[torch.randn(n, 784)] for n in (3, 17)]
    check_against_eager(model, inputs, input_specs=[TensorSpec((-1, 784))], runs=runs)
