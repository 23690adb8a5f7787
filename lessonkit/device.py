"""Choosing where tensors live: `get_device("auto" | "cpu" | "cuda" | "cuda:1" | "mps")`."""

from __future__ import annotations

import re

import torch

from .errors import DeviceError

DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def available_devices() -> list[str]:
    """Names of the devices this PyTorch can use here, e.g. ['cpu', 'cuda:0']."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        names.append("mps")
    return names


def get_device(name: str = "auto") -> torch.device:
    """Return a usable torch.device, or raise DeviceError naming what is available.

    "auto" prefers CUDA, then Apple's MPS, then the CPU.
    """
    name = name.strip().lower()
    if not DEVICE_PATTERN.match(name):
        raise DeviceError(
            f"unknown device {name!r}: use auto, cpu, cuda, cuda:N or mps "
            f"(available here: {', '.join(available_devices())})"
        )
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not torch.backends.mps.is_available():
            raise DeviceError(
                "--device mps was asked for, but MPS (Apple GPU) is not available here. "
                f"Available: {', '.join(available_devices())}. Use --device auto to pick the best one."
            )
        return torch.device("mps")
    # cuda or cuda:N
    if not torch.cuda.is_available():
        built = torch.version.cuda
        why = (
            f"this PyTorch (built with CUDA {built}) finds no NVIDIA GPU or driver"
            if built
            else "this PyTorch is a CPU-only build"
        )
        raise DeviceError(
            f"--device {name} was asked for, but {why}. "
            f"Available: {', '.join(available_devices())}. Use --device cpu or --device auto."
        )
    index = int(name.split(":")[1]) if ":" in name else 0
    count = torch.cuda.device_count()
    if index >= count:
        raise DeviceError(
            f"--device {name} was asked for, but this machine has {count} CUDA device(s). "
            f"Available: {', '.join(available_devices())}."
        )
    return torch.device("cuda", index)
