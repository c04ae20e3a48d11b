"""@file The evaluation measures, written out in numpy so their definitions are on the page.

- accuracy / top-k: share of rows whose true class is among the k highest scores (ties broken
  by class index, as np.argsort with kind='stable' on negated scores does).
- macro-F1: the mean of per-class F1 over every class that occurs in the truth or the
  predictions (scikit-learn's default `labels`), so a class never predicted counts as F1 0.
- micro-F1 (multi-label): 2·TP / (2·TP + FP + FN) over all (row, label) pairs.
"""
from __future__ import annotations

import numpy as np


def topk_accuracy(scores: np.ndarray, truth: np.ndarray, k: int) -> float:
    order = np.argsort(-scores, axis=1, kind='stable')[:, :k]
    return float(np.mean(np.any(order == truth[:, None], axis=1))) if len(truth) else 0.0


def accuracy(pred: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean(pred == truth)) if len(truth) else 0.0


def per_class_f1(pred: np.ndarray, truth: np.ndarray) -> dict[int, float]:
    out = {}
    for c in sorted(set(truth.tolist()) | set(pred.tolist())):
        tp = int(np.sum((pred == c) & (truth == c)))
        fp = int(np.sum((pred == c) & (truth != c)))
        fn = int(np.sum((pred != c) & (truth == c)))
        out[c] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return out


def macro_f1(pred: np.ndarray, truth: np.ndarray) -> float:
    f1 = per_class_f1(pred, truth)
    return float(np.mean(list(f1.values()))) if f1 else 0.0


def multilabel_counts(pred: np.ndarray, truth: np.ndarray) -> tuple[int, int, int]:
    pred = pred.astype(bool)
    truth = truth.astype(bool)
    return int(np.sum(pred & truth)), int(np.sum(pred & ~truth)), int(np.sum(~pred & truth))


def micro_f1(pred: np.ndarray, truth: np.ndarray) -> float:
    tp, fp, fn = multilabel_counts(pred, truth)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def multilabel_report(pred: np.ndarray, truth: np.ndarray) -> dict:
    tp, fp, fn = multilabel_counts(pred, truth)
    exact = float(np.mean(np.all(pred.astype(bool) == truth.astype(bool), axis=1))) if len(truth) else 0.0
    return {'micro_f1': round(micro_f1(pred, truth), 4),
            'precision': round(tp / (tp + fp), 4) if tp + fp else 0.0,
            'recall': round(tp / (tp + fn), 4) if tp + fn else 0.0,
            'exact_match': round(exact, 4)}


def best_threshold(probs: np.ndarray, truth: np.ndarray) -> float:
    """The threshold in 0.05..0.95 (step 0.05) with the highest micro-F1; ties go to the lowest."""
    best, best_f1 = 0.5, -1.0
    for t in np.round(np.arange(0.05, 0.951, 0.05), 2):
        f1 = micro_f1(probs >= t, truth)
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(t), f1
    return best


def r4(x: float) -> float:
    return round(float(x), 4)
