"""@file The parity reference: fixed inputs and the PyTorch outputs of all four graphs, for Node.

test/model/parity.test.ts runs onnxruntime-node on these inputs and requires every output within
1e-4 of PyTorch's, and re-featurizes the same records from their FHIR bundles with the runtime's
own code (tokenizer, linker, image and audio decoding) and requires the features the recipe
trained on. Files, in the package's reference/ folder:
- parity_records.ndjson: the generated bundles of a few test patients (synthetic, no real data);
- parity_inputs.json: per record the features (token ids, entities with flags, image, audio),
  and per case the inputs of one graph call;
- parity_outputs.json: per case the PyTorch outputs.

Records are chosen to cover every modality pattern: the first test patient with image and audio,
with image only, with audio only, with neither (any missing pattern is filled by the next rows).
Cases exercise the dynamic axes: a batch trimmed to its longest note, a short 24-token batch
whose attentions are compared in full (the long batch's are [4, 4, 4, ~200, ~200], too large to
ship, so there only their shape and row sums are checked), an audio clip of another length,
fusion rows with each modality ablated, and a batch of one.

Tensors are stored as {dtype, shape, data: base64 of little-endian bytes}, so float32 values
travel exactly.
"""
from __future__ import annotations

import base64

import numpy as np

from .common import write_json
from .mm_data import SplitData, trim, trim_entities

FORMAT = 1
TOLERANCE = 1e-4


def encode(array: np.ndarray) -> dict:
    array = np.asarray(array)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    dtype = {np.dtype(np.float32): 'float32', np.dtype(np.int64): 'int64'}[array.dtype]
    data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder('<'), copy=False).tobytes()
    return {'dtype': dtype, 'shape': list(array.shape), 'data': base64.b64encode(data).decode('ascii')}


def choose_rows(data: SplitData, count: int) -> list[int]:
    wanted = [(1, 1), (1, 0), (0, 1), (0, 0)]
    rows: list[int] = []
    for img, aud in wanted[:count]:
        hits = np.flatnonzero((data.has_image == img) & (data.has_audio == aud))
        hit = next((int(h) for h in hits if int(h) not in rows), None)
        if hit is not None:
            rows.append(hit)
    for r in range(len(data)):
        if len(rows) >= count:
            break
        if r not in rows:
            rows.append(r)
    return rows


def bundle_lines(path, rows: list[int]) -> list[str]:
    wanted = set(rows)
    lines = {}
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f):
            if i in wanted:
                lines[i] = line.rstrip('\n')
            if len(lines) == len(wanted):
                break
    return [lines[r] for r in rows]


def write_reference(torch, cfg_name: str, mm, text_model, image_enc, audio_enc, fusion, out) -> dict:
    data = SplitData(cfg_name, 'test')
    rows = choose_rows(data, mm.parity_records)
    lines = bundle_lines(data.records_path, rows)
    for row, line in zip(rows, lines):
        if data.labels[row]['patientId'] not in line:
            raise ValueError(f'test bundle line {row} is not patient {data.labels[row]["patientId"]}')
    (out / 'parity_records.ndjson').write_text(''.join(line + '\n' for line in lines), encoding='utf-8')

    records = []
    for row in rows:
        n_tok = int(data.attention_mask[row].sum())
        n_ent = int((data.entity_ids[row] > 0).sum())
        records.append({
            'row': row, 'patientId': data.labels[row]['patientId'],
            'input_ids': data.input_ids[row, :n_tok].tolist(),
            'entities': [[data.entity_vocab[int(i)], int(f)] for i, f in zip(data.entity_ids[row, :n_ent], data.entity_flags[row, :n_ent])],
            'image': encode(data.image[row]) if data.has_image[row] > 0 else None,
            'audio': encode(data.audio[row]) if data.has_audio[row] > 0 else None,
        })

    cases = []
    with torch.no_grad():
        def run(module, *arrays):
            result = module(*[torch.from_numpy(np.ascontiguousarray(a)) for a in arrays])
            return [r.numpy() for r in (result if isinstance(result, tuple) else (result,))]

        ids, mask = trim(data.input_ids[rows], data.attention_mask[rows])
        text_out = run(text_model, ids, mask)
        cases.append({'name': 'text_batch', 'graph': 'text', 'inputs': {'input_ids': ids, 'attention_mask': mask},
                      'outputs': dict(zip(('text_embedding', 'token_embeddings', 'specialty_logits'), text_out[:3])),
                      'check_attentions': {'shape': list(text_out[3].shape)}})

        short = min(24, int(mask.sum(axis=1).min()))
        sep = int(ids[0, int(mask[0].sum()) - 1])  # the tokenizer's own [SEP] (always last), whatever its vocabulary
        s_ids = np.concatenate([ids[:2, :short - 1], np.full((min(2, len(rows)), 1), sep, dtype=np.int64)], axis=1)
        s_out = run(text_model, s_ids, np.ones_like(s_ids))
        cases.append({'name': 'text_short', 'graph': 'text', 'inputs': {'input_ids': s_ids, 'attention_mask': np.ones_like(s_ids)},
                      'outputs': dict(zip(('text_embedding', 'token_embeddings', 'specialty_logits', 'attentions'), s_out))})

        img_rows = [r for r in rows if data.has_image[r] > 0]
        aud_rows = [r for r in rows if data.has_audio[r] > 0]
        image_emb = np.zeros((len(rows), image_enc.project.out_features), dtype=np.float32)
        audio_emb = np.zeros((len(rows), audio_enc.project.out_features), dtype=np.float32)
        if img_rows:
            images = np.stack([data.image[r] for r in img_rows])
            (emb,) = run(image_enc, images)
            cases.append({'name': 'image_batch', 'graph': 'image', 'inputs': {'image': images}, 'outputs': {'image_embedding': emb}})
            for k, r in enumerate(img_rows):
                image_emb[rows.index(r)] = emb[k]
        if aud_rows:
            clips = np.stack([data.audio[r] for r in aud_rows])
            (emb,) = run(audio_enc, clips)
            cases.append({'name': 'audio_batch', 'graph': 'audio', 'inputs': {'audio': clips}, 'outputs': {'audio_embedding': emb}})
            for k, r in enumerate(aud_rows):
                audio_emb[rows.index(r)] = emb[k]
            half = clips[:1, :clips.shape[1] // 2]
            (emb_half,) = run(audio_enc, half)
            cases.append({'name': 'audio_short_clip', 'graph': 'audio', 'inputs': {'audio': half}, 'outputs': {'audio_embedding': emb_half}})

        ent_ids, ent_flags = trim_entities(data.entity_ids[rows], data.entity_flags[rows])
        modality = data.modality_mask()[rows]
        # Record 0 again with each modality switched off in turn (what explanations do).
        ablate = np.repeat(modality[:1], 4, axis=0) * (1.0 - np.eye(4, dtype=np.float32))
        f_in = {
            'text_embedding': np.concatenate([text_out[0], np.repeat(text_out[0][:1], 4, axis=0)]),
            'image_embedding': np.concatenate([image_emb, np.repeat(image_emb[:1], 4, axis=0)]),
            'audio_embedding': np.concatenate([audio_emb, np.repeat(audio_emb[:1], 4, axis=0)]),
            'entity_ids': np.concatenate([ent_ids, np.repeat(ent_ids[:1], 4, axis=0)]),
            'entity_flags': np.concatenate([ent_flags, np.repeat(ent_flags[:1], 4, axis=0)]),
            'modality_mask': np.concatenate([modality, ablate]).astype(np.float32),
        }
        names = ('diagnosis_logits', 'severity_logits', 'drug_logits', 'entity_attention')
        f_out = run(fusion, *f_in.values())
        cases.append({'name': 'fusion_batch_with_ablations', 'graph': 'fusion', 'inputs': f_in, 'outputs': dict(zip(names, f_out))})
        last = len(rows) - 1
        n_last = max(1, int((ent_ids[last] > 0).sum()))
        one = {k: v[last:last + 1] for k, v in f_in.items()}
        one['entity_ids'] = one['entity_ids'][:, :n_last]
        one['entity_flags'] = one['entity_flags'][:, :n_last]
        cases.append({'name': 'fusion_single', 'graph': 'fusion', 'inputs': one, 'outputs': dict(zip(names, run(fusion, *one.values())))})

    inputs = {'format': FORMAT, 'split': 'test', 'tolerance': TOLERANCE, 'records': records,
              'cases': [{'name': c['name'], 'graph': c['graph'], 'inputs': {k: encode(v) for k, v in c['inputs'].items()},
                         **({'check_attentions': c['check_attentions']} if 'check_attentions' in c else {})} for c in cases]}
    outputs = {'format': FORMAT, 'cases': {c['name']: {k: encode(v) for k, v in c['outputs'].items()} for c in cases}}
    write_json(out / 'parity_inputs.json', inputs, compact=True)
    write_json(out / 'parity_outputs.json', outputs, compact=True)
    return {'rows': rows, 'cases': [c['name'] for c in cases]}
