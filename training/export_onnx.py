"""@file The export step: the four ONNX graphs (opset 17) and the parity reference for Node.

Writes into training/work/<config>/export/:
- onnx/text_encoder.onnx   input_ids, attention_mask [batch, sequence] int64 ->
                           text_embedding [batch, 256], token_embeddings [batch, sequence, 256],
                           specialty_logits [batch, n_specialties],
                           attentions [layers, batch, heads, sequence, sequence]
- onnx/image_encoder.onnx  image [batch, 1, 64, 64] -> image_embedding [batch, D]
- onnx/audio_encoder.onnx  audio [batch, samples] (raw 16 kHz) -> audio_embedding [batch, D]
- onnx/fusion.onnx         text/image/audio embeddings, entity_ids, entity_flags [batch, entities],
                           modality_mask [batch, 4] -> diagnosis_logits, severity_logits,
                           drug_logits, entity_attention [batch, entities]
- graphs.json              each graph's inputs and outputs, as the manifest lists them
- reference/parity_*.json and parity_records.ndjson (see parity.py), entity_vocab.json

Every axis that can vary at run time is dynamic (batch, sequence, samples, entities). Batch
norms and dropouts are in inference mode.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from .common import RecipeError, log, setup_torch, write_json
from .config import get_config
from .mm_config import ONNX_OPSET, get_mm_config

GRAPH_FILES = {'text': 'onnx/text_encoder.onnx', 'image': 'onnx/image_encoder.onnx',
               'audio': 'onnx/audio_encoder.onnx', 'fusion': 'onnx/fusion.onnx'}


def export_dir(cfg) -> Path:
    return cfg.work_dir / 'export'


def load_trained(torch, cfg, mm):
    """(text model, image encoder, audio encoder, fusion, fusion checkpoint) in eval mode."""
    from .fusion_stage import build_models, load_text_model
    from .common import sha256_file

    text_model, text_ckpt, text_path = load_text_model(torch, cfg)
    path = cfg.work_dir / 'fusion.pt'
    if not path.exists():
        raise RecipeError(f'{path} not found: run the fusion step first')
    ckpt = torch.load(path, map_location='cpu')
    if ckpt['text_checkpoint_sha256'] != sha256_file(text_path):
        raise RecipeError(f'{path} was trained on another text checkpoint: rerun the fusion step')
    image, audio, fusion, _ = build_models(torch, mm, len(ckpt['entity_vocab']), ckpt['text_dim'], len(ckpt['diagnoses']),
                                           len(ckpt['drugs']), len(ckpt['image_patterns']), len(ckpt['audio_patterns']),
                                           ckpt['label_entities'], ckpt.get('text_bag', 0))
    image.load_state_dict(ckpt['image'])
    audio.load_state_dict(ckpt['audio'])
    fusion.load_state_dict(ckpt['fusion'])
    for m in (text_model, image, audio, fusion):
        m.eval()
    return text_model, image, audio, fusion, {**ckpt, 'classes': text_ckpt['classes']}


def tensor_specs(model_cfg, mm, ckpt) -> dict:
    """Inputs and outputs of each graph, as manifest TensorSpecs."""
    hidden = model_cfg.hidden_size + ckpt.get('text_bag', 0)
    d = mm.fusion.embed_dim

    def t(name, dtype, shape, description):
        return {'name': name, 'dtype': dtype, 'shape': shape, 'description': description}

    return {
        'text': {
            'inputs': [t('input_ids', 'int64', ['batch', 'sequence'], 'WordPiece ids, [CLS] first and [SEP] last, 0-padded'),
                       t('attention_mask', 'int64', ['batch', 'sequence'], '1 for real tokens, 0 for padding')],
            'outputs': [t('text_embedding', 'float32', ['batch', hidden],
                          'the fusion head\'s text input: the pooled vector ([CLS] beside the token mean, dense + tanh), '
                          'then, when the encoder has TF-IDF read-outs, their diagnosis log-probabilities'),
                        t('token_embeddings', 'float32', ['batch', 'sequence', model_cfg.hidden_size], 'last-layer hidden state of every token'),
                        t('specialty_logits', 'float32', ['batch', len(ckpt['classes'])], 'MTSamples specialty logits (softmax)'),
                        t('attentions', 'float32', [model_cfg.num_layers, 'batch', model_cfg.num_heads, 'sequence', 'sequence'],
                          'self-attention probabilities of every layer and head (rows: queries, columns: keys)')],
        },
        'image': {
            'inputs': [t('image', 'float32', ['batch', 1, 64, 64], 'grey image resized to 64x64, (p/255 - 0.5) / 0.25')],
            'outputs': [t('image_embedding', 'float32', ['batch', d], 'image vector for the fusion head')],
        },
        'audio': {
            'inputs': [t('audio', 'float32', ['batch', 'samples'], 'mono waveform at 16 kHz in [-1, 1], 2 s (32000 samples) in training')],
            'outputs': [t('audio_embedding', 'float32', ['batch', d], 'audio vector for the fusion head (log-mel front end inside the graph)')],
        },
        'fusion': {
            'inputs': [t('text_embedding', 'float32', ['batch', hidden], 'text_encoder output'),
                       t('image_embedding', 'float32', ['batch', d], 'image_encoder output, zeros when absent'),
                       t('audio_embedding', 'float32', ['batch', d], 'audio_encoder output, zeros when absent'),
                       t('entity_ids', 'int64', ['batch', 'entities'], 'index into entity_vocab.json, 0 = padding'),
                       t('entity_flags', 'int64', ['batch', 'entities'],
                         '0 pad, 1 mentioned, 2 negated, 3 family, 4 historical, 5 coded fact, 6 abnormal measurement'),
                       t('modality_mask', 'float32', ['batch', 4], 'text, image, audio, entities: 1 present, 0 absent or ablated')],
            'outputs': [t('diagnosis_logits', 'float32', ['batch', len(ckpt['diagnoses'])],
                          'logits of the acute diagnosis labels and, last, "none of these" (softmax)'),
                        t('severity_logits', 'float32', ['batch', 5], 'severity 1..5 logits (softmax)'),
                        t('drug_logits', 'float32', ['batch', len(ckpt['drugs'])], 'drug recommendation logits (sigmoid)'),
                        t('entity_attention', 'float32', ['batch', 'entities'],
                          'the fusion query\'s attention over the entities, mean over heads (the rest goes to a null slot)')],
        },
    }


# Token ids of the text graphs' example batch (two padded sequences): any ids the vocabulary holds.
EXAMPLE_IDS = [[2, 10, 11, 12, 3, 0], [2, 13, 14, 15, 16, 3]]


def text_graph(torch, model):
    """`model` as the ONNX export of a text encoder sees it: (input_ids, attention_mask) -> its outputs.

    In eval mode: export restores each module's mode afterwards, and a fresh wrapper is in training
    mode, which would switch the text model's dropout back on."""

    class TextGraph(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids, attention_mask)

    return TextGraph(model).eval()


def export_graphs(torch, text_model, image, audio, fusion, specs: dict, out: Path) -> None:
    ids = torch.tensor(EXAMPLE_IDS, dtype=torch.long)
    mask = (ids > 0).long()
    b = 2
    dummy = {
        'text': (text_graph(torch, text_model), (ids, mask)),
        'image': (image, (torch.zeros(b, 1, 64, 64),)),
        'audio': (audio, (torch.zeros(b, 32000),)),
        'fusion': (fusion, (torch.zeros(b, text_model.embedding_dim), torch.zeros(b, image.project.out_features),
                            torch.zeros(b, audio.project.out_features), torch.tensor([[1, 2, 0], [3, 0, 0]]),
                            torch.tensor([[1, 2, 0], [5, 0, 0]]), torch.ones(b, 4))),
    }
    for role, (module, args) in dummy.items():
        spec = specs[role]
        dynamic = {}
        for tensor in spec['inputs'] + spec['outputs']:
            axes = {i: dim for i, dim in enumerate(tensor['shape']) if isinstance(dim, str)}
            if axes:
                dynamic[tensor['name']] = axes
        path = out / GRAPH_FILES[role]
        path.parent.mkdir(parents=True, exist_ok=True)
        with torch.no_grad():
            torch.onnx.export(module, args, str(path), input_names=[t['name'] for t in spec['inputs']],
                              output_names=[t['name'] for t in spec['outputs']], dynamic_axes=dynamic,
                              opset_version=ONNX_OPSET, do_constant_folding=True)
        import onnx

        graph = onnx.load(str(path))
        onnx.checker.check_model(graph)
        names_in = [i.name for i in graph.graph.input]
        names_out = [o.name for o in graph.graph.output]
        if names_in != [t['name'] for t in spec['inputs']] or names_out != [t['name'] for t in spec['outputs']]:
            raise RecipeError(f'{path}: exported names {names_in} -> {names_out} differ from the contract')
        log('export', f'{role}: {path.stat().st_size / 1e6:.2f} MB')


def run(cfg_name: str) -> dict:
    cfg = get_config(cfg_name)
    mm = get_mm_config(cfg_name)
    started = time.time()
    torch = setup_torch(cfg.threads, cfg.seed + 301)
    from .parity import write_reference

    text_model, image, audio, fusion, ckpt = load_trained(torch, cfg, mm)
    out = export_dir(cfg)
    if out.exists():
        shutil.rmtree(out)
    (out / 'reference').mkdir(parents=True)
    specs = tensor_specs(text_model.bert.config, mm, ckpt)
    export_graphs(torch, text_model, image, audio, fusion, specs, out)
    for m in (text_model, image, audio, fusion):
        if any(sub.training for sub in m.modules()):
            raise RecipeError('a module left inference mode during export; the reference outputs would be wrong')
    write_json(out / 'graphs.json', {role: {'file': GRAPH_FILES[role], 'opset': ONNX_OPSET, 'precision': 'fp32', **spec}
                                     for role, spec in specs.items()})
    write_json(out / 'entity_vocab.json', ckpt['entity_vocab'], compact=True)
    summary = write_reference(torch, cfg_name, mm, text_model, image, audio, fusion, out / 'reference')
    return {'config': cfg_name, 'graphs': {r: (out / f).stat().st_size for r, f in GRAPH_FILES.items()},
            'reference': summary, 'wall_seconds': round(time.time() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Export the four ONNX graphs and the parity reference.')
    parser.add_argument('--config', required=True)
    args = parser.parse_args(argv)
    summary = run(args.config)
    write_json(get_config(args.config).work_dir / 'export_metrics.json', summary)
    log('export', f'done in {summary["wall_seconds"]}s')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'export: {e}', file=sys.stderr)
        sys.exit(1)
