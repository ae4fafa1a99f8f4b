"""The PyTorch peer figure for `npm run bench -- --peer`: ms per training step of a preset on random data."""
import os
import statistics
import time

import torch

from .loss import hybrid_loss
from .models import build_model, count_trainable


def measure(preset, height, width, batch, warmup, steps, budget):
    """Median ms of an Adam step with the hybrid loss; stops early past `budget` seconds."""
    torch.manual_seed(1)
    model = build_model(preset, height=height, width=width).train()
    params = count_trainable(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 3, height, width)
    y = (torch.rand(batch, 1, height, width) > 0.5).float()
    times = []
    started = time.perf_counter()
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = hybrid_loss(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()
        if step >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() - started > budget and times:
            break
    ms = statistics.median(times)
    return {"preset": preset, "size": [height, width], "batch": batch, "params": params,
            "msPerStep": ms, "steps": len(times), "imagesPerSecond": batch * 1000 / ms}


def blas_library():
    """The BLAS behind torch's matmuls. Debian's torch (BLAS_INFO=generic) calls whatever libblas.so.3 the
    alternatives point at: netlib's reference BLAS unless an optimised one (libopenblas0-pthread) is
    installed, which makes the transformer's linear layers several times slower. Convolutions use oneDNN."""
    for path in ("/usr/lib/x86_64-linux-gnu/libblas.so.3", "/usr/lib/aarch64-linux-gnu/libblas.so.3"):
        if os.path.exists(path):
            return os.path.realpath(path)
    return "unknown"
