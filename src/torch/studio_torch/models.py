"""The studio's four presets as torch modules, named layer for layer as src/ml/model/*.ts names them.

Every module that holds weights is registered under its tfjs layer name (``inc_conv1``, ``inc_1_bn``,
``vit_block1``, ``logits``), so ``state_dict()`` keys are the safetensors names ``<layer>.<torch key>``
(BatchNorm's ``num_batches_tracked`` aside): the name mapping is the identity.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# presets.ts: base, dilation of the first conv, transformer (dModel, depth, heads, mlpRatio) or None.
PRESETS = {
    "seed-unet": {"height": 256, "width": 256, "base": 64, "dilationRate": 2, "transformer": None},
    "unet": {"height": 256, "width": 256, "base": 64, "dilationRate": 1, "transformer": None},
    "transunet": {"height": 128, "width": 192, "base": 16, "dilationRate": 2,
                  "transformer": {"dModel": 128, "depth": 4, "heads": 4, "mlpRatio": 4}},
    "tiny": {"height": 32, "width": 48, "base": 4, "dilationRate": 2,
             "transformer": {"dModel": 16, "depth": 1, "heads": 2, "mlpRatio": 4}},
}
# The bench's narrow seed-unet (bench/models.ts): the seed's architecture at base 16.
BENCH_ALIASES = {"seed-unet16": ("seed-unet", {"base": 16})}

LAYER_NORM_EPSILON = 1e-6  # transformer.ts
BN_EPSILON, BN_MOMENTUM = 1e-5, 0.1  # parts.ts: Keras momentum 0.9 is PyTorch's 0.1


def preset_config(name, **overrides):
    """The preset's config with overrides, checked as presets.ts validateConfig checks it."""
    if name not in PRESETS:
        raise ValueError(f'Unknown model preset "{name}". Choose one of: {", ".join(PRESETS)}.')
    config = dict(PRESETS[name], preset=name)
    # An explicit transformer None makes a plain U-Net of a transunet, as presets.ts's overrides do.
    config.update({k: v for k, v in overrides.items() if v is not None or k == "transformer"})
    for side in ("height", "width"):
        if config[side] < 16 or config[side] % 16:
            raise ValueError(f"Input {side} {config[side]} is not a positive multiple of 16 (the encoder halves it four times).")
    t = config["transformer"]
    if t and t["dModel"] % t["heads"]:
        raise ValueError(f"Transformer dModel {t['dModel']} must be divisible by heads {t['heads']}.")
    return config


class TransformerBlock(nn.Module):
    """Pre-norm encoder block: x + MHSA(LN(x)), then x + MLP(LN(x)) with exact GELU."""

    def __init__(self, d, heads, ratio):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d, eps=LAYER_NORM_EPSILON), nn.LayerNorm(d, eps=LAYER_NORM_EPSILON)
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp1, self.mlp2 = nn.Linear(d, int(d * ratio)), nn.Linear(int(d * ratio), d)

    def forward(self, x):
        b, n, d = x.shape
        dh = d // self.heads
        q, k, v = self.qkv(self.ln1(x)).reshape(b, n, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        attended = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), dim=-1) @ v
        x = x + self.out(attended.transpose(1, 2).reshape(b, n, d))
        return x + self.mlp2(F.gelu(self.mlp1(self.ln2(x))))


class PositionEmbedding(nn.Module):
    """A learned [tokens, d] table added to every sequence (the layer table's ``position``)."""

    def __init__(self, tokens, d):
        super().__init__()
        self.position = nn.Parameter(torch.randn(tokens, d) * 0.02)

    def forward(self, x, grid=None, built_grid=None):
        """At another token grid (small images first) the table is resized to it, half-pixel bilinear as
        transformer.ts addOnGrid does: at half the size each position is the mean of a 2x2 block."""
        if grid is None or tuple(grid) == tuple(built_grid):
            return x + self.position
        gh, gw = built_grid
        table = self.position.t().reshape(1, -1, gh, gw)
        resized = F.interpolate(table, size=tuple(grid), mode="bilinear", align_corners=False)
        return x + resized.reshape(table.shape[1], -1).t()


class StudioNet(nn.Module):
    """buildModel in build.ts: [B, 3, H, W] images in [0, 1] -> [B, 1, H, W] logits."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        b, rate, t = config["base"], config["dilationRate"], config["transformer"]
        self._double("inc", 3, b, b, rate)
        for i, (cin, cout) in enumerate([(b, 2 * b), (2 * b, 4 * b), (4 * b, 8 * b), (8 * b, 8 * b)], 1):
            self._double(f"down{i}", cin, cout, cout, 1)
        if t:
            tokens, c, d = (config["height"] // 16) * (config["width"] // 16), 8 * b, t["dModel"]
            self.vit_embed = nn.Linear(c, d)
            self.vit_position = PositionEmbedding(tokens, d)
            for i in range(t["depth"]):
                self.add_module(f"vit_block{i + 1}", TransformerBlock(d, t["heads"], t["mlpRatio"]))
            self.vit_norm = nn.LayerNorm(d, eps=LAYER_NORM_EPSILON)
            self.vit_project = nn.Linear(d, c)
        for i, (cin, cout) in enumerate([(16 * b, 4 * b), (8 * b, 2 * b), (4 * b, b), (2 * b, b)], 1):
            self._double(f"up{i}", cin, cout, cin // 2, 1)
        self.logits = nn.Conv2d(b, 1, 1)

    def _double(self, name, cin, cout, mid, rate):
        """parts.ts doubleConv: conv1 (maybe dilated, 'same') -> _1_bn -> ReLU -> conv2 -> _2_bn -> ReLU."""
        self.add_module(f"{name}_conv1", nn.Conv2d(cin, mid, 3, padding=rate, dilation=rate))
        self.add_module(f"{name}_1_bn", nn.BatchNorm2d(mid, eps=BN_EPSILON, momentum=BN_MOMENTUM))
        self.add_module(f"{name}_conv2", nn.Conv2d(mid, cout, 3, padding=1))
        self.add_module(f"{name}_2_bn", nn.BatchNorm2d(cout, eps=BN_EPSILON, momentum=BN_MOMENTUM))

    def _run_double(self, name, x):
        m = self._modules
        x = F.relu(m[f"{name}_1_bn"](m[f"{name}_conv1"](x)))
        return F.relu(m[f"{name}_2_bn"](m[f"{name}_conv2"](x)))

    def _vit(self, x):
        """Tokens in NHWC row-major order, as tfjs's Reshape gives them, and back."""
        b, c, h, w = x.shape
        built = (self.config["height"] // 16, self.config["width"] // 16)
        tokens = self.vit_position(self.vit_embed(x.flatten(2).transpose(1, 2)), (h, w), built)
        for i in range(self.config["transformer"]["depth"]):
            tokens = self._modules[f"vit_block{i + 1}"](tokens)
        tokens = self.vit_project(self.vit_norm(tokens))
        return tokens.transpose(1, 2).reshape(b, c, h, w)

    def forward(self, x):
        skips = [self._run_double("inc", x)]
        for i in range(1, 5):
            skips.append(self._run_double(f"down{i}", F.max_pool2d(skips[-1], 2)))
        y = skips.pop()
        if self.config["transformer"]:
            y = self._vit(y)
        for i in range(1, 5):
            y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=True)
            y = self._run_double(f"up{i}", torch.cat([skips.pop(), y], dim=1))
        return self.logits(y)


def build_model(preset, **overrides):
    """A preset (or a bench alias such as seed-unet16) as a StudioNet."""
    if preset in BENCH_ALIASES:
        preset, extra = BENCH_ALIASES[preset]
        overrides = {**extra, **overrides}
    return StudioNet(preset_config(preset, **overrides))


def count_trainable(model):
    """Trainable parameters, as countTrainableParams in build.ts counts them."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
