"""Per-image metrics at a threshold (src/ml/metrics.ts); a split's figure is the mean over images.

Empty-mask rule: a ratio whose denominator is 0 scores 1 when prediction and mask are both empty, else 0.
"""
import math

import torch

METRIC_NAMES = ("dice", "iou", "precision", "recall", "accuracy")


def confusion_counts(logits, targets, threshold=0.5):
    """[B, 4] float64 (tp, fp, fn, tn); positive when sigmoid(logit) > threshold."""
    if not 0 < threshold < 1:
        raise ValueError(f"Threshold {threshold} must be strictly between 0 and 1.")
    b = logits.shape[0]
    predicted = (logits.float().reshape(b, -1) > math.log(threshold / (1 - threshold))).double()
    truth = targets.reshape(b, -1).double()
    tp = (predicted * truth).sum(1)
    fp = predicted.sum(1) - tp
    fn = truth.sum(1) - tp
    tn = truth.shape[1] - tp - fp - fn
    return torch.stack([tp, fp, fn, tn], 1)


def _ratio(num, den, both_empty):
    return (1.0 if both_empty else 0.0) if den == 0 else num / den


def metrics_from_counts(tp, fp, fn, tn):
    """One image's Dice, IoU, precision, recall, accuracy."""
    e = tp + fp + fn == 0
    return {
        "dice": _ratio(2 * tp, 2 * tp + fp + fn, e),
        "iou": _ratio(tp, tp + fp + fn, e),
        "precision": _ratio(tp, tp + fp, e),
        "recall": _ratio(tp, tp + fn, e),
        "accuracy": _ratio(tp + tn, tp + fp + fn + tn, e),
    }


def mean_metrics(per_image):
    """Mean of each metric over images (NaN for none, so an empty split never reads as perfect)."""
    n = len(per_image)
    return {k: (sum(m[k] for m in per_image) / n if n else float("nan")) for k in METRIC_NAMES}


def per_image_metrics(counts):
    """[B, 4] counts -> a list of per-image metric dicts."""
    return [metrics_from_counts(*row) for row in counts.tolist()]
