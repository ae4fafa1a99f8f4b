"""Process-group setup for torchrun, and BatchNorm statistics shared across ranks.

BatchNorm under DDP: per-rank statistics would make a 2-process step differ from one step on the union
batch, so with more than one process every BatchNorm computes its batch statistics over all ranks:
nn.SyncBatchNorm on CUDA, and on CPU (where torch 1.13's SyncBatchNorm refuses to run) GroupBatchNorm2d
below, which all-reduces per-channel sums with autograd. A DDP step then equals one step on the union batch.
"""
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_fn
import torch.nn as nn



@dataclass
class Dist:
    """This process's place in the job."""
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    backend: str = ""
    bn_group: object = None

    @property
    def main(self):
        return self.rank == 0


def setup(force_cpu=False):
    """Joins torchrun's group (NCCL on CUDA, gloo on CPU); a plain `python3 train.py` is one process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() and not force_cpu
    device = torch.device(f"cuda:{local_rank}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world == 1:
        return Dist(device=device)
    backend = "nccl" if cuda else "gloo"
    dist.init_process_group(backend)
    # A group of its own, so BatchNorm's collectives never interleave with DDP's gradient buckets.
    bn_group = dist.new_group(backend=backend)
    return Dist(dist.get_rank(), dist.get_world_size(), local_rank, device, backend, bn_group)


def teardown(d):
    if d.world > 1:
        dist.barrier()
        dist.destroy_process_group()


class GroupBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics are over every rank's batch (SyncBatchNorm for CPU/gloo)."""

    group = None

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        # Sums in float64, so E[x^2] - E[x]^2 loses nothing next to BatchNorm's own two-pass variance.
        x64 = x.double()
        count = torch.tensor([x.shape[0] * x.shape[2] * x.shape[3]], dtype=torch.float64, device=x.device)
        stats = torch.cat([x64.sum((0, 2, 3)), (x64 * x64).sum((0, 2, 3)), count])
        stats = dist_fn.all_reduce(stats, group=self.group)
        c = x.shape[1]
        n = stats[-1]
        mean = (stats[:c] / n)
        var = (stats[c:2 * c] / n - mean * mean).to(x.dtype)
        mean = mean.to(x.dtype)
        with torch.no_grad():
            self.num_batches_tracked += 1
            self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
            self.running_var.mul_(1 - self.momentum).add_(self.momentum * var * n / (n - 1))
        y = (x - mean.view(1, c, 1, 1)) * torch.rsqrt(var.view(1, c, 1, 1) + self.eps)
        return y * self.weight.view(1, c, 1, 1) + self.bias.view(1, c, 1, 1)


def share_batchnorm(model, d):
    """Swaps every BatchNorm2d for a cross-rank one when world > 1 (state_dict keys unchanged)."""
    if d.world == 1:
        return model
    if d.device.type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(model, d.bn_group)
    for module in model.modules():
        if type(module) is nn.BatchNorm2d:
            module.__class__ = GroupBatchNorm2d
            module.group = d.bn_group
    return model


def all_sum(values, d):
    """Sums a list of floats over ranks (float64)."""
    t = torch.tensor(values, dtype=torch.float64, device=d.device if d.backend == "nccl" else "cpu")
    if d.world > 1:
        dist.all_reduce(t)
    return t.tolist()


