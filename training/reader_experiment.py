"""@file Experiment, not part of the package: can a learnt note reader match the rule reader on real text?

`clinicalbert ask` reads notes with rules (entity linker + ConText negation/history/family +
hypothetical triggers). This script measures one alternative: the recipe's text encoder reads
"does the patient have X [SEP] <sentence>" and a small head decides whether the sentence affirms
X, negates it, gives it as history, or says nothing of it (irrelevant).

Training pairs come from GENERATED records only (`clinicalbert synth`), their truth from the
generator's labels, never from the rule reader: a present finding is affirmed, a chronic condition
or a present antecedent is history, and any other finding the note names is one the generator wrote
as a pertinent negative (src/synth/note.ts writes findings only as present, negated or history).
Pairs whose entity the sentence does not name are irrelevant. A present antecedent written
"family history of X" also gives the pair (X, family), and "history of X" the pair (X, historical).
The generator writes no hypotheticals ("call if any bleeding"), so the reader has no such class.

Evaluation on REAL text: the physician-annotated ConText dev sentences, each asked "does the
patient have <condition>": negation accuracy and F1, historical F1, and the yes/no answers of
"now" (yes = affirms, no = negates, else unknown) and "past" (yes = historical, no = negates, else
unknown) scored with the truths of src/ask/qa-context.ts (precision = correct / answered, coverage
= answered / asked). Also the accuracy on held-out generated patients.

Readers: logistic regression and a small MLP on frozen features (CLS + mean of the pair; and the
same plus the mean over the condition's own tokens in the sentence), and the last encoder layer
fine-tuned with a linear head. All seeded.

Measured (synth seed 5005, 400 patients; 3,888 balanced training pairs; the shipped text encoder
text_pretrained.pt; same 1,181 ConText rows as `evaluate --qa --qa-sets context`):

    reader                  held-out  neg F1  hist F1  now prec@cov     past prec@cov
    logreg CLS+mean          0.831    0.558   0.155    67.2% @ 43.9%    58.3% @ 43.7%
    logreg +span             0.986    0.470   0.395    55.8% @ 85.8%    80.8% @ 62.1%
    last layer fine-tuned    0.992    0.610   0.448    69.8% @ 86.8%    81.1% @ 52.0%
    MLM encoder, logreg +span 0.990    0.495   0.431    60.2% @ 90.0%    85.2% @ 56.1%
    rules (ConText)            -      0.975   0.760    98.8% @ 92.0%    94.3% @ 26.9%
    baseline (negation only)   -        -       -      95.8% @ 95.7%    29.2% @ 95.9%

Near-perfect on generated text, far below the rules and the baseline on real text: the reader
learns the generator's few templates ("Denies X or Y"), not negation.

Rerun (one thread on a shared 2-core machine: about 9 minutes, 6 with --epochs 0; 3 of them finding mentions):

    node bin/clinicalbert.js synth --seed 5005 --patients 400 --out /tmp/reader-train.ndjson
    OMP_NUM_THREADS=1 nice -n 19 /usr/bin/python3 -m training.reader_experiment \\
        --records /tmp/reader-train.ndjson --encoder text --work training/work/full --out /tmp/reader-result.json
"""
from __future__ import annotations

import argparse
import base64
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from .reader import f1

REPO = Path(__file__).resolve().parent.parent
KG_FILE = REPO / 'models' / 'clinicalbert-mini' / 'kg.json'
TOKENIZER_FILE = REPO / 'models' / 'clinicalbert-mini' / 'tokenizer.json'
CONTEXT_FILE = REPO.parent / 'shared' / 'corpus' / 'text' / 'negex-context' / 'context-annotations-dev.tsv'
WORK = REPO / 'training' / 'work' / 'full'
ENCODERS = {'text': 'text_pretrained.pt', 'mlm': 'pretrained.pt'}

CLASSES = ('affirms', 'negates', 'historical', 'family', 'irrelevant')
FAMILY_PREFIX = 'family history of '
HISTORY_PREFIX = 'history of '
MAX_TOKENS = 96
SEED = 5005

# ---------------------------------------------------------------- pure parts (unit-tested)


def question(surface: str) -> str:
    return f'does the patient have {surface.strip().lower()}'


def split_sentences(text: str) -> list[str]:
    """Sentences of a generated note: lines, then '. ' boundaries (decimals like '36.6' stay whole)."""
    out = []
    for line in text.split('\n'):
        for part in re.split(r'(?<=[.!?])\s+(?=[A-Z])', line.strip()):
            if part.strip():
                out.append(part.strip())
    return out


def surface_index(entities: list[dict], types=('finding', 'antecedent', 'condition')) -> list[tuple[str, str]]:
    """(lower-cased surface form, entity id) for names and synonyms, longest first (ties by text)."""
    pairs = set()
    for e in entities:
        if e.get('type') not in types:
            continue
        for s in [e['name'], *e.get('synonyms', [])]:
            s = s.lower().strip()
            if len(s) > 2:
                pairs.add((s, e['id']))
    return sorted(pairs, key=lambda p: (-len(p[0]), p[0], p[1]))


def find_mentions(sentence: str, index: list[tuple[str, str]]) -> list[tuple[str, int, int]]:
    """Non-overlapping (entity id, start, end) of surface forms at word boundaries, longest first."""
    low = sentence.lower()
    taken = [False] * len(low)
    found = []
    for surf, eid in index:
        for m in re.finditer(r'(?<![\w])' + re.escape(surf) + r'(?![\w])', low):
            if any(taken[m.start():m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            found.append((eid, m.start(), m.end()))
    return sorted(found, key=lambda f: f[1])


def entity_truth(eid: str, label: dict) -> str | None:
    """The generator's truth for an entity a non-open-set note names (see the file comment)."""
    present = set(label.get('presentEvidences', []))
    chronic = {c['id'] for c in label.get('chronic', [])}
    if eid in chronic:
        return 'historical'
    if eid in present:
        return 'affirms' if eid.startswith('finding:') else 'historical'
    if eid.startswith('finding:'):
        return 'negates'
    return None  # a condition or antecedent the note names but the labels do not: no truth, skip


def note_pairs(text: str, label: dict, index, names: dict[str, str], rng: random.Random,
               irrelevant_per_sentence: int = 1) -> list[dict]:
    """Question/sentence pairs with their class for one generated note."""
    pairs = []
    all_ids = sorted(names)
    for sent in split_sentences(text):
        mentions = find_mentions(sent, index)
        named = {m[0] for m in mentions}
        for eid, start, end in mentions:
            truth = entity_truth(eid, label)
            if truth is None:
                continue
            surf = sent[start:end] if rng.random() < 0.7 else names[eid]
            pairs.append({'question': question(surf), 'sentence': sent, 'label': truth,
                          'span': (start, end), 'entity': eid})
            # A present antecedent "family history of X" / "history of X": asked about X itself.
            written = sent[start:end].lower()
            for prefix, cls in ((FAMILY_PREFIX, 'family'), (HISTORY_PREFIX, 'historical')):
                if truth == 'historical' and written.startswith(prefix) and len(written) > len(prefix) + 2:
                    a = start + len(prefix)
                    pairs.append({'question': question(sent[a:end]), 'sentence': sent, 'label': cls,
                                  'span': (a, end), 'entity': eid})
                    break
        for _ in range(irrelevant_per_sentence):
            other = rng.choice(all_ids)
            if other in named:
                continue
            pairs.append({'question': question(names[other]), 'sentence': sent, 'label': 'irrelevant',
                          'span': None, 'entity': other})
    return pairs


def context_class(negation: str, temporality: str, experiencer: str) -> str:
    """A ConText row as the reader's class; 'family' and 'hypothetical' are classes it cannot say."""
    if experiencer.lower() != 'patient':
        return 'family'
    if negation.lower() == 'negated':
        return 'negates'
    t = temporality.lower()
    return 'historical' if t == 'historical' else 'affirms' if t == 'recent' else 'hypothetical'


def context_truths(negation: str, temporality: str, experiencer: str) -> dict:
    """src/ask/qa-context.ts contextTruths, copied: {'now': truth or absent, 'past': truth}."""
    negated = negation.lower() == 'negated'
    t = temporality.lower()
    if experiencer.lower() != 'patient':
        return {'now': 'not-yes', 'past': 'not-yes'}
    if negated:
        return {'now': 'no', 'past': 'no' if t == 'historical' else 'not-yes'}
    if t == 'recent':
        return {'now': 'yes', 'past': 'not-yes'}
    if t == 'historical':
        return {'past': 'yes'}
    return {'now': 'not-yes', 'past': 'not-yes'}


def reader_answer(cls: str, time_: str) -> str:
    if time_ == 'now':
        return {'affirms': 'yes', 'negates': 'no'}.get(cls, 'unknown')
    return {'historical': 'yes', 'negates': 'no'}.get(cls, 'unknown')


def correct(answer: str, truth: str) -> bool:
    return answer == truth or (truth == 'not-yes' and answer == 'no')


def yes_no_score(answers: list[str], truths: list[str]) -> dict:
    answered = [(a, t) for a, t in zip(answers, truths) if a != 'unknown']
    good = sum(correct(a, t) for a, t in answered)
    return {'asked': len(truths), 'answered': len(answered), 'correct': good,
            'precision': round(good / len(answered), 4) if answered else None,
            'coverage': round(len(answered) / len(truths), 4) if truths else None}


def find_condition(sentence: str, condition: str) -> tuple[int, int] | None:
    """Char span of the condition (case-insensitive, any whitespace); the all-capitals occurrence wins."""
    words = condition.split()
    if not words:
        return None
    pattern = r'(?<![\w])' + r'\s+'.join(re.escape(w) for w in words) + r'(?![\w])'
    spans = [m.span() for m in re.finditer(pattern, sentence, re.IGNORECASE)]
    for s, e in spans:
        raw = sentence[s:e]
        if raw == raw.upper() and raw != raw.lower():
            return s, e
    return spans[0] if spans else None


# ---------------------------------------------------------------- data


def generated_pairs(records: Path, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """(train, held-out) pairs: held-out patients are every fifth record (by index)."""
    kg = json.loads(KG_FILE.read_text())
    index = surface_index(kg['entities'])
    names = {e['id']: e['name'].lower() for e in kg['entities'] if e.get('type') in ('finding', 'antecedent', 'condition')}
    labels = [json.loads(line) for line in Path(str(records) + '.labels.jsonl').read_text().splitlines() if line.strip()]
    train, held = [], []
    with open(records) as f:
        for i, line in enumerate(f):
            label = labels[i]
            if label.get('openSet') is not None:
                continue
            bundle = json.loads(line)
            for entry in bundle.get('entry', []):
                res = entry.get('resource', {})
                if res.get('resourceType') != 'DocumentReference':
                    continue
                for content in res.get('content', []):
                    att = content.get('attachment', {})
                    data = att.get('data')
                    if data and str(att.get('contentType', '')).startswith('text/plain'):
                        text = base64.b64decode(data).decode('utf-8')
                        (held if i % 5 == 0 else train).extend(note_pairs(text, label, index, names, rng))
    return train, held


def balance(pairs: list[dict], per_class: int, rng: random.Random) -> list[dict]:
    out = []
    for c in CLASSES:
        rows = [p for p in pairs if p['label'] == c]
        rng.shuffle(rows)
        out += rows[:per_class]
    rng.shuffle(out)
    return out


def context_pairs(path: Path) -> tuple[list[dict], int]:
    rows, skipped = [], 0
    for i, raw in enumerate(path.read_text().splitlines()):
        cells = [c.strip() for c in raw.split('\t')]
        if i == 0 or len(cells) < 6:
            continue
        line, cond, sent, neg, temp, exp = cells[:6]
        span = find_condition(sent, cond)
        if span is None:
            skipped += 1
            continue
        rows.append({'line': line, 'question': question(' '.join(cond.split())), 'sentence': sent, 'span': span,
                     'gold': context_class(neg, temp, exp), 'truths': context_truths(neg, temp, exp),
                     'negated': neg.lower() == 'negated', 'historical': temp.lower() == 'historical'})
    return rows, skipped


# ---------------------------------------------------------------- encoder


def load_bert(torch, which: str, work: Path = WORK):
    from .config import ModelConfig
    from .model import MiniBert
    ckpt = torch.load(work / ENCODERS[which], map_location='cpu')
    bert = MiniBert(ModelConfig(**ckpt['model_config']))
    state = {k[len('bert.'):]: v for k, v in ckpt['state_dict'].items() if k.startswith('bert.')}
    bert.load_state_dict(state)
    return bert.eval()


def encode_pairs(tok, pairs: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ids, mask, sentence-token mask, condition-span mask: [CLS] question [SEP] sentence [SEP]."""
    n = len(pairs)
    ids = np.zeros((n, MAX_TOKENS), dtype=np.int64)
    mask = np.zeros_like(ids)
    sent_mask = np.zeros((n, MAX_TOKENS), dtype=np.float32)
    span_mask = np.zeros_like(sent_mask)
    for r, p in enumerate(pairs):
        q = tok.encode(p['question'])
        s = p['sentence']
        if p['span']:
            a, b = p['span']
            parts = [tok.encode(s[:a], add_special_tokens=False), tok.encode(s[a:b], add_special_tokens=False),
                     tok.encode(s[b:], add_special_tokens=False)]
        else:
            parts = [tok.encode(s, add_special_tokens=False), [], []]
        room = MAX_TOKENS - len(q) - 1
        sent = (parts[0] + parts[1] + parts[2])[:room]
        row = q + sent + [tok.sep_id]
        ids[r, :len(row)] = row
        mask[r, :len(row)] = 1
        sent_mask[r, len(q):len(q) + len(sent)] = 1
        lo = len(q) + len(parts[0])
        hi = min(lo + len(parts[1]), len(q) + len(sent))
        span_mask[r, lo:hi] = 1
    return ids, mask, sent_mask, span_mask


def hidden_states(torch, bert, ids, mask, upto: int | None = None, batch: int = 64) -> np.ndarray:
    """Output of layer `upto` (all layers when None), float32 [N, T, H]."""
    outs = []
    with torch.no_grad():
        for i in range(0, len(ids), batch):
            x_ids = torch.from_numpy(ids[i:i + batch])
            m = torch.from_numpy(mask[i:i + batch])
            bias = (1.0 - m[:, None, None, :].float()) * -10000.0
            x = bert.embeddings(x_ids)
            for layer in bert.layers[:upto]:
                x, _ = layer(x, bias)
            outs.append(x.numpy())
    return np.concatenate(outs)


def pool(h: np.ndarray, mask, sent_mask, span_mask) -> dict[str, np.ndarray]:
    def mean(m):
        w = m[:, :, None]
        return (h * w).sum(1) / np.maximum(w.sum(1), 1.0)
    cls = h[:, 0]
    pooled = np.concatenate([cls, mean(mask.astype(np.float32))], 1)
    has_span = (span_mask.sum(1, keepdims=True) > 0).astype(np.float32)
    return {'pooled': pooled, 'span': np.concatenate([pooled, mean(span_mask), has_span], 1)}


# ---------------------------------------------------------------- evaluation


def context_metrics(pred: list[str], rows: list[dict]) -> dict:
    return {
        'negation_accuracy': round(float(np.mean([(p == 'negates') == r['negated'] for p, r in zip(pred, rows)])), 4),
        'negated': f1([p == 'negates' for p in pred], [r['negated'] for r in rows]),
        'historical': f1([p == 'historical' for p in pred], [r['historical'] for r in rows]),
        'now': yes_no_score([reader_answer(p, 'now') for p, r in zip(pred, rows) if 'now' in r['truths']],
                            [r['truths']['now'] for r in rows if 'now' in r['truths']]),
        'past': yes_no_score([reader_answer(p, 'past') for p in pred], [r['truths']['past'] for r in rows]),
        'predicted': {c: pred.count(c) for c in CLASSES},
    }


def finetune_last_layer(torch, bert, tr, held, ctx, y_tr, epochs: int, log) -> tuple[list[str], list[str]]:
    """Train the last encoder layer and a linear head on [CLS; mean; span mean] (lower layers frozen, cached)."""
    import copy
    torch.manual_seed(SEED)
    last = copy.deepcopy(bert.layers[-1]).train()
    head = torch.nn.Linear(3 * bert.config.hidden_size + 1, len(CLASSES))
    params = list(last.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=5e-4, weight_decay=0.01)
    n_lower = len(bert.layers) - 1

    def lower(split):
        ids, mask, sm, spm = split
        return (torch.from_numpy(hidden_states(torch, bert, ids, mask, upto=n_lower)), torch.from_numpy(mask),
                torch.from_numpy(spm))

    def forward(h, m, spm):
        bias = (1.0 - m[:, None, None, :].float()) * -10000.0
        x, _ = last(h, bias)
        mf = m.float()[:, :, None]
        mean = (x * mf).sum(1) / mf.sum(1).clamp(min=1)
        sp = spm[:, :, None]
        span = (x * sp).sum(1) / sp.sum(1).clamp(min=1)
        has = (spm.sum(1, keepdim=True) > 0).float()
        return head(torch.cat([x[:, 0], mean, span, has], 1))

    H_tr, H_held, H_ctx = lower(tr), lower(held), lower(ctx)
    y = torch.from_numpy(np.array(y_tr))
    g = torch.Generator().manual_seed(SEED)
    for epoch in range(epochs):
        perm = torch.randperm(len(y), generator=g)
        total = 0.0
        for i in range(0, len(y), 32):
            b = perm[i:i + 32]
            loss = torch.nn.functional.cross_entropy(forward(H_tr[0][b], H_tr[1][b], H_tr[2][b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(b)
        log(f'fine-tune epoch {epoch + 1}/{epochs}: loss {total / len(y):.4f}')
    last.eval()

    def predict(H):
        with torch.no_grad():
            out = [forward(H[0][i:i + 128], H[1][i:i + 128], H[2][i:i + 128]).argmax(1) for i in range(0, len(H[0]), 128)]
        return [CLASSES[int(k)] for k in torch.cat(out)]

    return predict(H_held), predict(H_ctx)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--records', type=Path, default=Path('/tmp/reader-train.ndjson'))
    ap.add_argument('--context', type=Path, default=CONTEXT_FILE)
    ap.add_argument('--encoder', choices=sorted(ENCODERS), default='text')
    ap.add_argument('--per-class', type=int, default=1000, help='training pairs per class (balanced)')
    ap.add_argument('--epochs', type=int, default=3, help='fine-tuning epochs (0: frozen heads only)')
    ap.add_argument('--work', type=Path, default=WORK, help='the recipe work folder holding the checkpoints')
    ap.add_argument('--out', type=Path)
    args = ap.parse_args(argv)
    if not args.context.exists():
        print(f'ConText annotations not found at {args.context} (pass --context PATH)', file=sys.stderr)
        return 2

    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    from .tokenizer_files import encoder_from_file

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    t0 = time.time()

    def log(msg):
        print(f'[{time.time() - t0:6.1f}s] {msg}', file=sys.stderr, flush=True)

    rng = random.Random(SEED)
    train_all, held_all = generated_pairs(args.records, rng)
    train = balance(train_all, args.per_class, rng)
    held = balance(held_all, args.per_class // 2, rng)
    ctx, skipped = context_pairs(args.context)
    log(f'pairs: train {len(train)} (of {len(train_all)}), held-out {len(held)} (of {len(held_all)}), '
        f'ConText {len(ctx)} ({skipped} skipped)')

    tok = encoder_from_file(TOKENIZER_FILE)
    bert = load_bert(torch, args.encoder, args.work)
    enc = {name: encode_pairs(tok, rows) for name, rows in (('train', train), ('held', held), ('ctx', ctx))}
    feats = {name: pool(hidden_states(torch, bert, *e[:2]), *e[1:]) for name, e in enc.items()}
    log('features done')
    y_tr = [CLASSES.index(p['label']) for p in train]
    result = {'encoder': ENCODERS[args.encoder], 'pairs': {'train': len(train), 'held_out': len(held), 'context': len(ctx),
                                                           'context_skipped': skipped},
              'train_classes': {c: sum(p['label'] == c for p in train) for c in CLASSES},
              'context_gold': {c: sum(r['gold'] == c for r in ctx) for c in sorted({r['gold'] for r in ctx})},
              'readers': {}}

    def record(name, held_pred, ctx_pred):
        acc = float(np.mean([p == r['label'] for p, r in zip(held_pred, held)]))
        result['readers'][name] = {'held_out_accuracy': round(acc, 4), 'context': context_metrics(ctx_pred, ctx)}
        c = result['readers'][name]['context']
        log(f'{name}: held-out {acc:.4f}; ConText neg F1 {c["negated"]["f1"]}, hist F1 {c["historical"]["f1"]}, '
            f'now {c["now"]["precision"]}@{c["now"]["coverage"]}, past {c["past"]["precision"]}@{c["past"]["coverage"]}')

    for feat in ('pooled', 'span'):
        lr = LogisticRegression(C=1.0, max_iter=2000, random_state=SEED).fit(feats['train'][feat], y_tr)
        record(f'logreg_{feat}', [CLASSES[k] for k in lr.predict(feats['held'][feat])],
               [CLASSES[k] for k in lr.predict(feats['ctx'][feat])])
        mlp = MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-3, max_iter=300, random_state=SEED,
                            early_stopping=True).fit(feats['train'][feat], y_tr)
        record(f'mlp_{feat}', [CLASSES[k] for k in mlp.predict(feats['held'][feat])],
               [CLASSES[k] for k in mlp.predict(feats['ctx'][feat])])
    if args.epochs > 0:
        held_pred, ctx_pred = finetune_last_layer(torch, bert, enc['train'], enc['held'], enc['ctx'], y_tr, args.epochs, log)
        record('finetune_last_layer', held_pred, ctx_pred)
    result['seconds'] = round(time.time() - t0, 1)
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + '\n')
    print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
