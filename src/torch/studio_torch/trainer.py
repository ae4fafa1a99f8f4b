"""The studio's epoch loop on DDP: sharded batches, hybrid loss, per-image val metrics, an EpochRecord an epoch."""
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

from .augment import augment_batch
from .ddp import all_sum
from .loss import hybrid_loss
from .metrics import METRIC_NAMES, confusion_counts, per_image_metrics


def make_optimizer(params, opt):
    """The studio's optimizers (optimizer.ts): adam, sgd (momentum), rmsprop (rho 0.9, momentum)."""
    name, lr, momentum = opt.get("name", "adam"), float(opt.get("learningRate", 1e-3)), float(opt.get("momentum", 0.9))
    if name == "adam":
        # tfjs's Adam adds its backend's epsilon (1e-7), not torch's default 1e-8: the same update on both sides.
        return torch.optim.Adam(params, lr=lr, eps=1e-7)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, momentum=momentum)
    raise ValueError(f'Unknown optimizer "{name}". Choose one of: adam, sgd, rmsprop.')


def cosine_rate(base, step, total, min_factor):
    """schedule.ts cosineRate."""
    if total <= 1:
        return base
    progress = min(1.0, max(0.0, step / (total - 1)))
    low = base * min_factor
    return low + 0.5 * (base - low) * (1 + math.cos(math.pi * progress))


WARMUP_FRACTION = 0.05  # schedule.ts WARMUP_FRACTION


def warmup_steps(total, fraction=WARMUP_FRACTION):
    """schedule.ts warmupSteps (JavaScript's Math.round: halves go up, not to even)."""
    if total <= 1:
        return 0
    return min(total - 1, max(1, math.floor(total * fraction + 0.5)))


def warmup_cosine_rate(base, step, total, min_factor, fraction=WARMUP_FRACTION):
    """schedule.ts warmupCosineRate: base * (s + 1) / W for the first W steps, then the cosine over the rest."""
    warmup = warmup_steps(total, fraction)
    if step < warmup:
        return base * (max(0, step) + 1) / warmup
    return cosine_rate(base, step - warmup, total - warmup, min_factor)


def shard_batches(n, batch, d, seed, epoch):
    """This rank's batches of one epoch: DistributedSampler's shuffled shard, cut into `batch`-sized lists."""
    sampler = DistributedSampler(range(n), num_replicas=d.world, rank=d.rank, shuffle=True, seed=seed, drop_last=False)
    sampler.set_epoch(epoch)
    order = list(sampler)
    return [order[i:i + batch] for i in range(0, len(order), batch)]


def autocast(d):
    """Mixed precision on CUDA (bf16 where supported, else fp16 with a scaler); plain fp32 on CPU."""
    if d.device.type != "cuda":
        return torch.autocast("cpu", enabled=False), None
    if torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16), None
    return torch.autocast("cuda", dtype=torch.float16), torch.cuda.amp.GradScaler()


@torch.no_grad()
def evaluate(model, data, d, threshold, loss_weights, batch=8):
    """Mean per-image metrics and mean loss over a split, each rank taking every world-th image."""
    model.eval()
    mine = list(range(d.rank, len(data), d.world))
    sums, loss_sum = {k: 0.0 for k in METRIC_NAMES}, 0.0
    for i in range(0, len(mine), batch):
        x, y = data.batch(mine[i:i + batch], d.device)
        logits = model(x).float()
        loss_sum += float(hybrid_loss(logits, y, loss_weights)) * x.shape[0]
        for m in per_image_metrics(confusion_counts(logits, y, threshold).cpu()):
            for k in METRIC_NAMES:
                sums[k] += m[k]
    totals = all_sum([len(mine), loss_sum, *(sums[k] for k in METRIC_NAMES)], d)
    n = totals[0]
    out = {k: (totals[2 + j] / n if n else float("nan")) for j, k in enumerate(METRIC_NAMES)}
    out["loss"], out["pairs"] = (totals[1] / n if n else float("nan")), int(n)
    return out


def small_first(config, step, x, y):
    """smallFirst.ts and batches.ts resizeBatch: while step (0-based) is in the run's small-images-first phase,
    the batch at the phase's size (half-pixel bilinear, so masks turn soft at the edges, as in the studio)."""
    phase = config.get("smallFirst")
    if not phase or step >= int(phase["steps"]):
        return x, y
    size = (int(phase["height"]), int(phase["width"]))
    return tuple(F.interpolate(t, size=size, mode="bilinear", align_corners=False) for t in (x, y))


class Trainer:
    """One rank's model, optimizer and epoch loop; the caller decides what to save."""

    def __init__(self, model, config, d, batch_size=None, max_steps=None):
        self.d, self.config = d, config
        self.batch = int(batch_size or config.get("batchSize", 4))
        self.max_steps = max_steps
        self.model = model.to(d.device)
        self.ddp = DistributedDataParallel(self.model) if d.world > 1 else self.model
        self.optimizer = make_optimizer(self.model.parameters(), config.get("optimizer", {}))
        self.autocast, self.scaler = autocast(d)
        self.lr_multiplier, self.best, self.since_best = 1.0, -math.inf, 0

    def learning_rate(self, step, total_steps):
        base = float(self.config.get("optimizer", {}).get("learningRate", 1e-3))
        schedule = self.config.get("schedule", {"name": "constant"})
        if schedule.get("name") == "cosine":
            return cosine_rate(base, step, total_steps, float(schedule.get("minFactor", 0.01)))
        if schedule.get("name") == "warmup-cosine":
            fraction = float(schedule.get("warmupFraction", WARMUP_FRACTION))
            return warmup_cosine_rate(base, step, total_steps, float(schedule.get("minFactor", 0.01)), fraction)
        return base * self.lr_multiplier

    def train_epoch(self, data, epoch, step, total_steps, log=print):
        """Trains one epoch from global step `step`; returns (mean train loss, steps, images, seconds, lr)."""
        self.model.train()
        seed = int(self.config.get("seed", 1))
        batches = shard_batches(len(data), self.batch, self.d, seed, epoch)
        shard = len(batches)
        if self.max_steps:
            batches = batches[: self.max_steps]
        log(f"rank {self.d.rank}/{self.d.world}: epoch {epoch}: {len(batches)} batches (of its shard's {shard}, "
            f"{len(data)} images in all), {sum(map(len, batches))} images (first {batches[0] if batches else []})")
        augment = self.config.get("augment", {})
        started, loss_sum, lr = time.perf_counter(), 0.0, None
        for i, indices in enumerate(batches):
            lr = self.learning_rate(step + i, total_steps)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            x, y = data.batch(indices, self.d.device)
            if any(augment.values()):
                x, y = augment_batch(x, y, augment, seed * 1_000_003 + (step + i) * 1009 + self.d.rank)
            x, y = small_first(self.config, step + i, x, y)
            self.optimizer.zero_grad(set_to_none=True)
            with self.autocast:
                logits = self.ddp(x)
            loss = hybrid_loss(logits, y, self.config.get("loss"))
            if self.scaler:
                self.scaler.scale(loss).backward()
                self.scaler.step(self.optimizer)
                self.scaler.update()
            else:
                loss.backward()
                self.optimizer.step()
            loss_sum += float(loss)
        steps, images, loss_total = all_sum([len(batches), sum(map(len, batches)), loss_sum], self.d)
        # Every rank takes the same number of steps (DistributedSampler pads), so steps / world is the global count.
        return loss_total / max(steps, 1), int(steps) // self.d.world, int(images), time.perf_counter() - started, lr

    def end_epoch(self, val_dice):
        """Reduce-on-plateau bookkeeping (schedule.ts PlateauSchedule)."""
        schedule = self.config.get("schedule", {})
        if schedule.get("name") != "plateau":
            return
        if np.isfinite(val_dice) and val_dice > self.best:
            self.best, self.since_best = val_dice, 0
        else:
            self.since_best += 1
        if self.since_best >= int(schedule.get("patience", 2)):
            self.lr_multiplier *= float(schedule.get("factor", 0.5))
            self.since_best = 0

    def state(self):
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "lr_multiplier": self.lr_multiplier, "best": self.best, "since_best": self.since_best}

    def load_state(self, state):
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.lr_multiplier, self.best, self.since_best = state["lr_multiplier"], state["best"], state["since_best"]
