"""Example models written as ordinary nn.Modules, scripted by tsmlir.

Each `make_*` returns (module in eval mode, example inputs) with fixed seeds.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class LinearLayer(nn.Module):
    """The seed talk's first example: torch.mm(x, w) + b."""

    def __init__(self, in_sz: int, out_sz: int):
        super().__init__()
        self.w = nn.Parameter(torch.randn(in_sz, out_sz))
        self.b = nn.Parameter(torch.randn(out_sz))

    def forward(self, activations):
        t = torch.mm(activations, self.w)
        return t + self.b


class SeedConv(nn.Module):
    """The seed talk's FullBasicModel: conv -> relu -> LinearLayer -> softmax."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 128, 3)
        self.fc = LinearLayer(128 * 26 * 26, 10)

    def forward(self, x):
        t1 = F.relu(self.conv(x))
        t2 = self.fc(t1.view(t1.size(0), -1))
        return F.softmax(t2, dim=1)


class MLP(nn.Module):
    def __init__(self, sizes=(784, 512, 512, 10)):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class LeNet(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return F.log_softmax(self.fc3(x), dim=1)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    """ResNet as in torchvision (the seed talk's slide 15), BasicBlock variant."""

    def __init__(self, layers=(2, 2, 2, 2), num_classes: int = 1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)


def _randomize_batchnorm(module: nn.Module) -> None:
    """Non-trivial running statistics so that batch_norm is really exercised."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)


class ElementwiseChain(nn.Module):
    def forward(self, x):
        return F.gelu(x * 1.7 + 0.3).tanh() * torch.sigmoid(x)


def make(name: str, batch: int = 1, size: int | None = None):
    """(model in eval mode, example inputs) for a bundled model name."""
    torch.manual_seed(0)
    if name == "linear":
        return LinearLayer(64, 32).eval(), [torch.randn(batch, 64)]
    if name == "mlp":
        return MLP().eval(), [torch.randn(batch, 784)]
    if name == "seed_conv":
        return SeedConv().eval(), [torch.randn(batch, 1, 28, 28)]
    if name == "lenet":
        return LeNet().eval(), [torch.randn(batch, 1, 28, 28)]
    if name == "resnet18":
        model = ResNet()
        _randomize_batchnorm(model)
        return model.eval(), [torch.randn(batch, 3, size or 64, size or 64)]
    if name == "elementwise":
        return ElementwiseChain().eval(), [torch.randn(size or 4 * 1024 * 1024)]
    raise KeyError(f"unknown model '{name}' (known: {', '.join(NAMES)})")


NAMES = ("linear", "mlp", "seed_conv", "lenet", "resnet18", "elementwise")
