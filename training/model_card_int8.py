"""@file The model card's int8 section: the int8 text encoder's accuracy beside fp32's, real notes
first, its determinism, and which precision the package runs by default and why.

A module of its own because model_card.py is long; like it, this holds words and layout only:
every number comes from `metrics.precision` (written by the int8-check step, training/int8_check.py)
and `metrics.package.int8` (publish).
"""
from __future__ import annotations

NAMES = {
    'top1': 'top-1', 'top3': 'top-3', 'abstained_out_of_label': 'abstains on out-of-label (right)',
    'abstained_in_label': 'abstains on in-label (wrong)', 'auroc_none': 'AUROC of P(none)', 'drug_micro_f1': 'drug micro-F1',
}
# Measures that are fractions shown as percentages; the others (AUROC, F1) as 0.xxx.
PERCENT = ('top1', 'top3', 'abstained_out_of_label', 'abstained_in_label')


def _value(name: str, v) -> str:
    if v is None:
        return ''
    return f'{100 * v:.1f}%' if name in PERCENT else f'{v:.3f}'


def _points(x: float) -> str:
    return f'{round(x, 1) or 0.0:+.1f}'  # never "-0.0"


def _mib(x) -> str:
    return f'{int(x) / 2**20:.1f} MiB'


def _differences(d: dict) -> str:
    parts = {'tokens': 'token vectors', 'pooled': 'pooled vector', 'readout': 'TF-IDF read-out', 'specialty': 'specialty logits'}
    same = [label for key, label in parts.items() if d[key]['differing'] == 0]
    moved = [f'{label} (up to {d[key]["maxAbs"]:.1e})' for key, label in parts.items() if d[key]['differing'] > 0]
    if not moved:
        return 'every output bit-identical'
    return (f'{", ".join(same)} bit-identical; ' if same else '') + f'{", ".join(moved)} differ'


def render_int8(m: dict, add) -> None:
    """Appends the section (nothing when the package has no int8 graphs)."""
    size = (m.get('package') or {}).get('int8')
    p = m.get('precision')
    if not size:
        return
    add('## The int8 text encoder')
    add('')
    tables = ('its embedding and read-out tables stay fp32 and are read from the fp32 file, so the package holds them once'
              if size['tables'] == 'shared' else f'its embedding and read-out tables as {size["tables"]}')
    add(f'The package also carries an int8 text encoder (`onnx/text_encoder.int8.onnx`, {_mib(size["text_bytes"])}, made from the '
        f'fp32 one by `training/quantize_int8.py`): its {size["linears"]} linear layers multiply int8 weights (one scale per '
        'output column) by activations quantized per row, each token vector with its own scale, so the numbers of a record '
        f'never depend on the records batched with it; {tables}; LayerNorm, softmax, GELU and attention stay fp32. '
        '`--precision fp32` or `--precision int8` picks the graphs for `analyze`, `explain`, `evaluate` and `worker`.')
    add('')
    if not p:
        add('Its accuracy was not measured for these graphs (the recipe\'s `int8-check` step did not run on them), so the '
            'package runs fp32 unless asked.')
        add('')
        return
    v = p['verdict']
    add(f'Measured through the CLI on the same test sets as above (`clinicalbert evaluate --precision fp32` and '
        '`--precision int8`). Cost is the points int8 loses (negative: it did better).')
    add('')
    add('| test set | measure | fp32 | int8 | cost (points) |')
    add('|---|---|---|---|---|')
    for part in p['parts'].values():
        for name, label in NAMES.items():
            if name not in part['cost']:
                continue
            add(f'| {part["label"]} ({part["records"]:,}) | {label} | {_value(name, part["fp32"][name])} | '
                f'{_value(name, part["int8"][name])} | {_points(part["cost"][name])} |')
    add('')
    c = p['compare']
    add(f'Batch-mates and threads: {c["records"]:,} test records, each run alone and inside a batch of {c["batch"]} (padded to '
        f'its longest record) at 1 and 2 threads. int8: {_differences(c["determinism"]["int8"])}. fp32, for comparison: '
        f'{_differences(c["determinism"]["fp32"])} (float sums whose order depends on the padded length).')
    add('')
    heads = ', '.join(f'{name} {h["maxAbs"]:.1e}' for name, h in c['agreement']['heads'].items())
    same = [f'{name} {100 * h["top1Agreement"]:.1f}%' for name, h in c['agreement']['heads'].items() if 'top1Agreement' in h]
    add(f'int8 against fp32 on the same records: largest difference of a head probability {heads}; same top label: '
        f'{", ".join(same)}. Rerun: `{p["compare_command"]}`.')
    add('')
    rule = (f'the package runs **{v["default"]}** by default: int8 becomes the default only when it costs at most '
            f'{v["limit_points"]} points on the real notes and on the generated patients and its outputs do not move with '
            f'batch-mates. Here it costs at most {v["max_cost_points"]["real"]:.1f} points on real notes and '
            f'{v["max_cost_points"]["generated"]:.1f} on generated patients, and its outputs '
            + ('do not move.' if v['int8_deterministic'] else 'move.'))
    add(rule[0].upper() + rule[1:] + ' Its speed beside fp32 is in README (Benchmarks). The other numbers of this card, '
        'faithfulness included, are the fp32 graphs\'.')
    add('')
