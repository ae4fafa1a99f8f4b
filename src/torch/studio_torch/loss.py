"""The studio's losses on logits (src/ml/loss.ts): hybrid = wBce * BCE + wDice * (1 - soft Dice) + wFocal * focal."""
import torch
import torch.nn.functional as F

DEFAULT_LOSS = {"bce": 0.2, "dice": 0.8, "focal": 0.0, "focalGamma": 2.0}


def soft_dice(logits, targets, smooth=1.0):
    """Soft Dice of sigmoid(logits), per image with `smooth`, averaged over the batch."""
    probs = torch.sigmoid(logits).flatten(1)
    truth = targets.flatten(1)
    return ((2 * (probs * truth).sum(1) + smooth) / (probs.sum(1) + truth.sum(1) + smooth)).mean()


def focal_loss(logits, targets, gamma=2.0):
    """Mean of (1 - p_t)^gamma * BCE, without class weighting."""
    probs = torch.sigmoid(logits)
    p_true = probs * targets + (1 - probs) * (1 - targets)
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return ((1 - p_true) ** gamma * bce).mean()


def hybrid_loss(logits, targets, weights=None):
    """Terms with weight 0 are not computed; computed in float32 whatever autocast chose."""
    w = {**DEFAULT_LOSS, **(weights or {})}
    logits, targets = logits.float(), targets.float()
    total = logits.new_zeros(())
    if w["bce"]:
        total = total + w["bce"] * F.binary_cross_entropy_with_logits(logits, targets)
    if w["dice"]:
        total = total + w["dice"] * (1 - soft_dice(logits, targets))
    if w["focal"]:
        total = total + w["focal"] * focal_loss(logits, targets, w["focalGamma"])
    return total
