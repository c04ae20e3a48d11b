"""@file Open-set measures of the diagnosis head: closed-set ranking, the abstention score, AUROC,
accuracy against coverage, and the threshold chosen on validation.

Why one module: the fusion stage picks its epoch and threshold with these, the evaluation reports
them, and `clinicalbert evaluate` (src/explain/metrics.ts) computes the same quantities through
ONNX Runtime; the definitions are written here once, in numpy.

Definitions (probabilities are the diagnosis head's softmax over the labels and "none", which is
the last column):
- abstention score = P(none); a record abstains when score >= threshold.
- closed-set top-k: rank the labels without "none"; a record is right when its true label is
  among the k best. Only in-label records (true label not "none") are scored.
- AUROC: probability that an out-of-label record (positive) scores above an in-label record
  (negative), ties counting one half (Mann-Whitney U / (n_pos * n_neg)).
- accuracy against coverage: records answered at a threshold are those with score < threshold;
  coverage = answered / all records; accuracy = answered in-label records whose closed-set top-1
  is the true label / answered (an answered out-of-label record is always wrong). Records with
  equal scores are answered together, so only coverages at tie boundaries are achievable; the
  curve reports, for coverage 5%, 10%, ..., 100%, the achievable point nearest to it, with the
  threshold that yields it (the smallest unanswered score, or 1.0 when every record is answered).
"""
from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def abstention_score(probs: np.ndarray) -> np.ndarray:
    return probs[:, -1]


def closed_set_topk(probs: np.ndarray, truth: np.ndarray, k: int) -> float:
    """Top-k over the labels without "none", on the rows given (all must be in-label)."""
    if len(truth) == 0:
        return 0.0
    if np.any(truth >= probs.shape[1] - 1):
        raise ValueError('closed-set accuracy is defined on in-label records only')
    order = np.argsort(-probs[:, :-1], axis=1, kind='stable')[:, :k]
    return float(np.mean(np.any(order == truth[:, None], axis=1)))


def auroc(positive_scores: np.ndarray, negative_scores: np.ndarray) -> float | None:
    pos = np.asarray(positive_scores, dtype=np.float64)
    neg = np.asarray(negative_scores, dtype=np.float64)
    if len(pos) == 0 or len(neg) == 0:
        return None
    allv = np.concatenate([pos, neg])
    order = np.argsort(allv, kind='mergesort')
    ranks = np.empty(len(allv), dtype=np.float64)
    sorted_v = allv[order]
    i = 0
    while i < len(sorted_v):
        j = i
        while j + 1 < len(sorted_v) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    u = ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2.0
    return float(u / (len(pos) * len(neg)))


def coverage_curve(score: np.ndarray, correct: np.ndarray, points: int = 20) -> list[dict]:
    """Accuracy against coverage (see the module docstring). `correct[i]`: in-label and top-1 right."""
    n = len(score)
    if n == 0:
        return []
    order = np.argsort(score, kind='stable')
    s = score[order]
    c = np.cumsum(correct[order].astype(np.float64))
    # Achievable answered counts: k records answered when s[k-1] < s[k] (or k == n).
    ks = [k for k in range(1, n + 1) if k == n or s[k - 1] < s[k]]
    out = []
    for p in range(1, points + 1):
        target = p / points * n
        k = min(ks, key=lambda kk: (abs(kk - target), kk))
        out.append({'coverage': round(k / n, 4), 'accuracy': round(float(c[k - 1] / k), 4),
                    'threshold': round(float(s[k]) if k < n else 1.0, 4), 'target': round(p / points, 2)})
    return out


def at_threshold(probs: np.ndarray, truth: np.ndarray, in_label: np.ndarray, threshold: float) -> dict:
    """Abstention rates and answered accuracy at one threshold."""
    score = abstention_score(probs)
    abstain = score >= threshold
    top1 = np.argmax(probs[:, :-1], axis=1)
    order = np.argsort(-probs[:, :-1], axis=1, kind='stable')[:, :3]
    hit1 = in_label & (top1 == truth)
    hit3 = in_label & np.any(order == truth[:, None], axis=1)
    answered = ~abstain
    out = {
        'threshold': round(float(threshold), 4),
        'records': int(len(score)),
        'in_label': int(in_label.sum()),
        'out_of_label': int((~in_label).sum()),
        'abstained_out_of_label': round(float(abstain[~in_label].mean()), 4) if (~in_label).any() else None,
        'abstained_in_label': round(float(abstain[in_label].mean()), 4) if in_label.any() else None,
        'coverage': round(float(answered.mean()), 4),
        'answered_top1': round(float(hit1[answered].mean()), 4) if answered.any() else None,
        'answered_top3': round(float(hit3[answered].mean()), 4) if answered.any() else None,
    }
    return out


def youden_threshold(domains: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
    """The threshold that maximises Youden's J (abstention rate on out-of-label minus the rate on
    in-label records), averaged over the domains given as (scores, in_label) pairs, so that a large
    domain does not outvote a small one. Candidates: every score seen (abstain when >=). Ties go to
    the higher threshold (fewer abstentions)."""
    candidates = np.unique(np.concatenate([s for s, _ in domains]))
    best_t, best_j = 1.0, -np.inf
    for t in candidates[::-1]:
        js = []
        for scores, in_label in domains:
            if in_label.all() or (~in_label).all():
                continue
            js.append(float((scores[~in_label] >= t).mean() - (scores[in_label] >= t).mean()))
        j = float(np.mean(js)) if js else -np.inf
        if j > best_j + 1e-12:
            best_t, best_j = float(t), j
    return best_t, best_j
