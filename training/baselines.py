"""@file Reference points for the model card: the generator's naive-Bayes ceiling, the prior-only
diagnosis baseline, TF-IDF + logistic regression (specialty, and real-note diagnosis from the
training half's weak labels), the linker alone and the majority class on real notes (numpy and
torch: the recipe does not depend on scikit-learn).

Naive-Bayes ceiling: the generator draws a patient's condition by its prior, then each finding
and antecedent independently, with P(e | c) = p of the `symptom_of` / `risk_factor_for` edge
e -> c, or the graph's background rate when there is no edge. Scoring every acute condition by
log prior + sum over all evidences of log P(e | c) (present) or log(1 - P(e | c)) (absent), on
each held-out patient's *true* evidence set from the labels file, is the Bayes-optimal
classifier for records sampled that way; no model that sees only the records can beat it on
average. (The generator also drops a few sex- and age-specific evidences and guarantees at
least one symptom; the ceiling ignores those small departures, so it is very slightly short of
optimal, not above it.)

TF-IDF: BERT-normalised words (training/normalize.py) plus adjacent word pairs, kept when they
occur in at least 2 training documents, at most `max_features` of them by document frequency;
tf = 1 + log(count), idf = log((1 + N) / (1 + df)) + 1, rows L2-normalised (scikit-learn's
TfidfVectorizer(sublinear_tf=True) formulas). Multinomial logistic regression is fitted by
full-batch L-BFGS with an L2 penalty chosen on the validation split.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .metrics import accuracy, macro_f1, r4, topk_accuracy
from .normalize import normalize, pre_tokenize


# ---------------------------------------------------------------- naive Bayes ceiling

def naive_bayes_scores(graph: dict, diagnoses: list[dict], labels: list[dict]) -> np.ndarray:
    entities = {e['id']: e for e in graph['entities']}
    evidences = sorted(e['id'] for e in graph['entities'] if e['type'] in ('finding', 'antecedent'))
    background = graph.get('background') or {}
    rate = {'finding': background.get('findingRate', 0.01),
            'antecedent': background.get('antecedentRate', background.get('findingRate', 0.01))}
    col = {e: j for j, e in enumerate(evidences)}
    conds = [d['id'] for d in diagnoses]
    p = np.array([[rate[entities[e]['type']] for e in evidences] for _ in conds], dtype=np.float64)
    row = {c: i for i, c in enumerate(conds)}
    for edge in graph['edges']:
        if edge['type'] in ('symptom_of', 'risk_factor_for') and edge['target'] in row and edge['source'] in col:
            p[row[edge['target']], col[edge['source']]] = edge.get('p', 0.5)
    p = np.clip(p, 1e-9, 1 - 1e-9)
    prior = np.array([entities[c].get('prior', 1.0) for c in conds], dtype=np.float64)
    log_prior = np.log(prior / prior.sum())
    present = np.zeros((len(labels), len(evidences)), dtype=np.float64)
    for i, label in enumerate(labels):
        for e in label['presentEvidences']:
            if e in col:
                present[i, col[e]] = 1.0
    return log_prior[None, :] + present @ np.log(p).T + (1.0 - present) @ np.log(1.0 - p).T


def naive_bayes_ceiling(graph: dict, diagnoses: list[dict], labels: list[dict], truth: np.ndarray) -> dict:
    scores = naive_bayes_scores(graph, diagnoses, labels)
    return {'top1': r4(topk_accuracy(scores, truth, 1)), 'top3': r4(topk_accuracy(scores, truth, 3))}


def prior_baseline(graph: dict, diagnoses: list[dict], truth: np.ndarray) -> dict:
    entities = {e['id']: e for e in graph['entities']}
    prior = np.array([entities[d['id']].get('prior', 1.0) for d in diagnoses])
    scores = np.tile(prior, (len(truth), 1))
    return {'top1': r4(topk_accuracy(scores, truth, 1)), 'top3': r4(topk_accuracy(scores, truth, 3))}


# ---------------------------------------------------------------- TF-IDF + logistic regression

def _terms(text: str) -> list[str]:
    words = [w for w in pre_tokenize(normalize(text)) if any(ch.isalnum() for ch in w)]
    return words + [f'{a} {b}' for a, b in zip(words, words[1:])]


class Tfidf:
    def __init__(self, train_texts: list[str], min_df: int = 2, max_features: int = 20000):
        df: Counter = Counter()
        for text in train_texts:
            df.update(set(_terms(text)))
        kept = sorted((t for t, n in df.items() if n >= min_df), key=lambda t: (-df[t], t))[:max_features]
        self.vocab = {t: i for i, t in enumerate(sorted(kept))}
        n = len(train_texts)
        self.idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in sorted(kept)], dtype=np.float32)

    def transform(self, texts: list[str]) -> np.ndarray:
        x = np.zeros((len(texts), len(self.vocab)), dtype=np.float32)
        for i, text in enumerate(texts):
            for term, count in Counter(_terms(text)).items():
                j = self.vocab.get(term)
                if j is not None:
                    x[i, j] = (1.0 + math.log(count)) * self.idf[j]
            norm = np.linalg.norm(x[i])
            if norm > 0:
                x[i] /= norm
        return x


def fit_logistic(torch, x: np.ndarray, y: np.ndarray, n_classes: int, l2: float, iterations: int = 100):
    """Multinomial logistic regression (weights and bias), L2 on the weights, full-batch L-BFGS."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    w = torch.zeros(x.shape[1], n_classes, requires_grad=True)
    b = torch.zeros(n_classes, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=iterations, history_size=20, line_search_fn='strong_wolfe')

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(xt @ w + b, yt) + 0.5 * l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy(), b.detach().numpy()


def tfidf_logreg(torch, splits: dict[str, tuple[list[str], np.ndarray]], n_classes: int,
                 penalties=(1e-4, 1e-3, 1e-2)) -> dict:
    """Fit on train, choose the penalty on val, report val and test."""
    train_texts, train_y = splits['train']
    tfidf = Tfidf(train_texts)
    x = {name: tfidf.transform(texts) for name, (texts, _) in splits.items()}
    best = None
    for l2 in penalties:
        w, b = fit_logistic(torch, x['train'], train_y, n_classes, l2)
        val_pred = (x['val'] @ w + b).argmax(axis=1)
        acc = accuracy(val_pred, splits['val'][1])
        if best is None or acc > best[0] + 1e-12:
            best = (acc, l2, w, b)
    _, l2, w, b = best
    out = {'features': len(tfidf.vocab), 'l2': l2}
    for name in ('val', 'test'):
        pred = (x[name] @ w + b).argmax(axis=1)
        out[name] = {'accuracy': r4(accuracy(pred, splits[name][1])), 'macro_f1': r4(macro_f1(pred, splits[name][1]))}
    return out


def tfidf_logreg_scores(train_texts: list[str], train_y: np.ndarray, val_texts: list[str], val_y: np.ndarray,
                        eval_texts: dict[str, list[str]], n_classes: int, penalties=(1e-4, 1e-3, 1e-2),
                        k_select: int = 3) -> tuple[dict[str, np.ndarray], dict]:
    """Class probabilities for each text set in `eval_texts`; the penalty is the one with the best
    validation top-`k_select` accuracy (ties to the smaller penalty). Classes never seen in training
    get no weight and score at the bottom, as a classifier trained on these notes would."""
    tfidf = Tfidf(train_texts)
    xt = tfidf.transform(train_texts)
    xv = tfidf.transform(val_texts)
    best = None
    for l2 in penalties:
        import torch  # the recipe's Python always has it; kept local so the module imports without it

        w, b = fit_logistic(torch, xt, train_y, n_classes, l2)
        seen = np.zeros(n_classes, dtype=bool)
        seen[np.unique(train_y)] = True
        b = np.where(seen, b, -1e9).astype(np.float32)
        acc = topk_accuracy(xv @ w + b, val_y, k_select) if len(val_y) else 0.0
        if best is None or acc > best[0] + 1e-12:
            best = (acc, l2, w, b)
    _, l2, w, b = best
    out = {}
    for name, texts in eval_texts.items():
        logits = tfidf.transform(texts) @ w + b
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        out[name] = e / e.sum(axis=1, keepdims=True)
    return out, {'features': len(tfidf.vocab), 'l2': l2, 'train_documents': len(train_texts)}


def linker_ranking(entities: list[str], label_index: dict[str, int]) -> list[int]:
    """The "linker alone" baseline for one record: the labels it names, affirmed mentions first (in
    order of first mention), then mentions flagged historical. Nothing else is guessed: a note that
    names fewer than k labels has fewer than k answers. `entities` are the featurizer's
    `entity|flag` strings in reading order."""
    ranked: list[int] = []
    for wanted in ('mentioned', 'historical'):
        for item in entities:
            entity, flag = item.rsplit('|', 1)
            if flag == wanted and entity in label_index and label_index[entity] not in ranked:
                ranked.append(label_index[entity])
    return ranked
