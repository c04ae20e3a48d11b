"""@file The quantize step: an int8 copy of the exported text encoder whose outputs for a record do
not depend on the other records of its batch.

Why a graph rewrite: PyTorch 1.13 cannot export its dynamic-quantized linears to ONNX, and the
stock dynamic quantization (onnxruntime's `DynamicQuantizeLinear`, `DynamicQuantizeMatMul`) takes
one activation scale per tensor, i.e. per batch, so a record's output moved with its batch-mates
(FINDINGS.md, "Export and int8"). This rewrites the fp32 graph with the `onnx` package alone
(opset 17 plus onnxruntime's `com.microsoft` MatMulIntegerToFloat):

- every MatMul with a constant weight, and every Gemm, becomes an integer product of symmetric
  int8 weights (one scale per output column) and uint8 activations quantized per row: each token
  vector (each pooled vector, for the Gemms) gets its own scale max |x| / 127 and zero point 128,
  so the integers a row is multiplied with depend on that row alone. onnxruntime multiplies the
  int32 result by the column scales in the product's output loop and by the row scale after it;
  the bias is added after that. Projections reading the same tensor (query, key, value) share
  one quantization of it.
- every sum over the sequence axis (mean pooling, the TF-IDF read-out) runs in float64, so the
  same record padded to a longer batch-mate sums to the same float32 (onnxruntime's float32 sum
  visits a row in an order that depends on its length).
- the embedding and read-out tables stay fp32. With `tables='shared'` (the recipe's default) the
  int8 file holds no copy of them: they are external data pointing at their bytes inside the fp32
  graph file beside it, so the package carries them once (int8 file ~3.4 MiB instead of ~7.5 MiB
  with `tables='int8'`, int8 rows with one scale per row, or ~19 MiB with `tables='fp32'`).
- LayerNorm, softmax, GELU and the attention products (activation times activation) stay fp32.

Measured alternative (not shipped): fixed activation scales (`--static-scales`, one calibrated
scale per tensor, from `calibration_model` run on training-split notes) fold the bias into the
product and run ~15% faster, but moved one naming-removed real test note out of the top 3.

    /usr/bin/python3 -m training.quantize_int8 --config full     # the recipe's step: export/onnx/text_encoder.int8.onnx
    /usr/bin/python3 -m training.quantize_int8 --in text_encoder.onnx --out text_encoder.int8.onnx [--tables int8]
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .common import RecipeError, log, sha256_file, write_json

INT8_MAX = 127.0
# Activations are uint8 with this zero point (round(x / s) + 128): onnxruntime's fast integer
# product on x86 (VNNI) is uint8 x int8; int8 x int8 ran 5-8 times slower there.
ZERO_POINT = 128
# Smallest row scale: a row of zeros quantizes to zeros instead of dividing by zero.
MIN_SCALE = 1e-12
# Float tables at least this large are shared with the fp32 file (tables='shared').
SHARE_BYTES = 64 * 1024
PRECISION = 'int8-per-row'
TABLE_MODES = ('shared', 'int8', 'fp32')


@dataclass
class Options:
    """What to rewrite and how (the defaults are what the recipe ships)."""
    # 'shared': float tables read from the fp32 file beside the int8 one; 'int8': int8 rows with a
    # scale per row (a standalone file); 'fp32': copied (a standalone, larger file).
    tables: str = 'shared'
    # One product over the concatenated weights of projections that read the same tensor (measured
    # no faster here; it adds a Split).
    fuse_shared: bool = False
    # Sums over the sequence in float64 (see the module docstring).
    exact_sums: bool = True
    # Fixed activation scales by the name of the tensor a linear reads (static quantization); a
    # linear whose input is not listed gets per-row scales.
    static_scales: dict[str, float] = field(default_factory=dict)


def quantize_columns(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 of a [K, N] weight with one scale per output column: (int8 [K, N], scale [N])."""
    w = np.asarray(weight, dtype=np.float32)
    scale = np.abs(w).max(axis=0) / INT8_MAX
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    return np.clip(np.rint(w / scale), -INT8_MAX, INT8_MAX).astype(np.int8), scale


def quantize_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 of a [V, D] table with one scale per row: (int8 [V, D], scale [V, 1])."""
    q, scale = quantize_columns(np.asarray(table, dtype=np.float32).T)
    return np.ascontiguousarray(q.T), scale.reshape(-1, 1)


class GraphEditor:
    """Initializers, fresh names and node lists of one onnx graph."""

    def __init__(self, model):
        from onnx import numpy_helper

        self.graph = model.graph
        self.inits = {i.name: i for i in self.graph.initializer}
        self.constants = {n.output[0]: n for n in self.graph.node
                          if n.op_type == 'Constant' and n.attribute and n.attribute[0].name == 'value'}
        self._np = numpy_helper
        self._arrays: dict[str, np.ndarray] = {}
        self._count = 0

    def array(self, name: str) -> np.ndarray | None:
        """The value of an initializer or Constant node, else None (a computed tensor)."""
        if name not in self._arrays:
            if name in self.inits:
                self._arrays[name] = self._np.to_array(self.inits[name])
            elif name in self.constants:
                self._arrays[name] = self._np.to_array(self.constants[name].attribute[0].t)
            else:
                return None
        return self._arrays[name]

    def fresh(self, base: str) -> str:
        self._count += 1
        return f'{base.strip("/")}/int8_{self._count}'

    def constant(self, base: str, value: np.ndarray) -> str:
        name = self.fresh(base)
        self.graph.initializer.append(self._np.from_array(np.asarray(value), name))
        self.inits[name] = self.graph.initializer[-1]
        return name

    def consumers(self) -> dict[str, list]:
        out: dict[str, list] = {}
        for node in self.graph.node:
            for name in node.input:
                out.setdefault(name, []).append(node)
        return out

    def replace_nodes(self, before: dict[int, list], removed: set[int]) -> None:
        """Insert `before[i]` ahead of node i and drop the nodes whose index is in `removed`
        (indices, not ids: protobuf's wrapper objects do not keep their id between iterations)."""
        rebuilt = []
        for i, node in enumerate(self.graph.node):
            rebuilt.extend(before.get(i, []))
            if i not in removed:
                rebuilt.append(node)
        del self.graph.node[:]
        self.graph.node.extend(rebuilt)

    def drop_unused(self) -> None:
        used = {name for node in self.graph.node for name in node.input} | {o.name for o in self.graph.output}
        for name in [n for n in self.inits if n not in used]:
            self.graph.initializer.remove(self.inits.pop(name))


@dataclass
class Linear:
    """One x @ W (+ b) to replace: the nodes it was and the tensor its result must be."""
    input: str
    weight: np.ndarray  # [K, N]
    bias: np.ndarray | None  # [N]
    output: str
    nodes: list[int]  # indices in the graph's node list


def find_linears(ed: GraphEditor) -> list[Linear]:
    """MatMul(x, W) [+ Add(b)] and Gemm(x, W, b) with constant 2-D weights, in graph order."""
    consumers = ed.consumers()
    index = {out: i for i, node in enumerate(ed.graph.node) for out in node.output}
    found = []
    for i, node in enumerate(ed.graph.node):
        if node.op_type == 'MatMul':
            w = ed.array(node.input[1])
            if w is None or w.ndim != 2:
                continue
            users = consumers.get(node.output[0], [])
            add = users[0] if len(users) == 1 and users[0].op_type == 'Add' else None
            other = None if add is None else add.input[1] if add.input[0] == node.output[0] else add.input[0]
            b = None if other is None else ed.array(other)
            if b is not None and b.shape == (w.shape[1],):
                found.append(Linear(node.input[0], w, b, add.output[0], [i, index[add.output[0]]]))
            else:
                found.append(Linear(node.input[0], w, None, node.output[0], [i]))
        elif node.op_type == 'Gemm':
            attrs = {a.name: a for a in node.attribute}
            w = ed.array(node.input[1])
            b = ed.array(node.input[2]) if len(node.input) > 2 and node.input[2] else None
            plain = all(attrs[k].f == 1.0 for k in ('alpha', 'beta') if k in attrs) and not ('transA' in attrs and attrs['transA'].i)
            if w is None or w.ndim != 2 or not plain or (b is not None and b.ndim != 1):
                continue
            transposed = 'transB' in attrs and attrs['transB'].i
            found.append(Linear(node.input[0], w.T if transposed else w, b, node.output[0], [i]))
    return found


def quantize_activation(ed: GraphEditor, x: str, width: int, options: Options, nodes: list) -> tuple[str, str, str]:
    """Nodes quantizing x ([..., width]) to uint8: (quantized x, scale (scalar or [..., 1]), zero point)."""
    from onnx import helper, numpy_helper

    zero_point = ed.constant(f'{x}/zero_point', np.array(ZERO_POINT, dtype=np.uint8))
    q = ed.fresh(f'{x}/uint8')
    if x in options.static_scales:
        scale = ed.constant(f'{x}/fixed_scale', np.array(options.static_scales[x], dtype=np.float32))
        nodes.append(helper.make_node('QuantizeLinear', [x, scale, zero_point], [q]))
        return q, scale, zero_point
    # The row scale: max(max |x| over the last axis / 127, MIN_SCALE), kept as [..., 1].
    n = {k: ed.fresh(f'{x}/{k}') for k in ('abs', 'rowmax', 'scaled', 'scale', 'rows', 'scales', 'count', 'zero_points',
                                           'rows_uint8', 'shape')}
    nodes += [helper.make_node('Abs', [x], [n['abs']]),
              helper.make_node('ReduceMax', [n['abs']], [n['rowmax']], axes=[-1], keepdims=1),
              helper.make_node('Mul', [n['rowmax'], ed.constant(f'{x}/inv127', np.array(1 / INT8_MAX, dtype=np.float32))],
                               [n['scaled']]),
              helper.make_node('Max', [n['scaled'], ed.constant(f'{x}/min_scale', np.array(MIN_SCALE, dtype=np.float32))],
                               [n['scale']])]
    # QuantizeLinear takes a per-axis scale on one axis: the rows as [R, width], scales and zero points [R].
    nodes += [helper.make_node('Reshape', [x, ed.constant(f'{x}/as_rows', np.array([-1, width], dtype=np.int64))], [n['rows']]),
              helper.make_node('Reshape', [n['scale'], ed.constant(f'{x}/flat', np.array([-1], dtype=np.int64))], [n['scales']]),
              helper.make_node('Shape', [n['scales']], [n['count']]),
              helper.make_node('ConstantOfShape', [n['count']], [n['zero_points']],
                               value=numpy_helper.from_array(np.array([ZERO_POINT], dtype=np.uint8))),
              helper.make_node('QuantizeLinear', [n['rows'], n['scales'], n['zero_points']], [n['rows_uint8']], axis=0),
              helper.make_node('Shape', [x], [n['shape']]),
              helper.make_node('Reshape', [n['rows_uint8'], n['shape']], [q])]
    return q, n['scale'], zero_point


def integer_linear(ed: GraphEditor, q: str, scale: str, zero_point: str, weight: np.ndarray, bias: np.ndarray | None,
                   out: str, fixed: bool, nodes: list) -> None:
    """Nodes computing out = (q - 128) @ Wq * scale * column scale + bias."""
    from onnx import helper

    wq, column_scale = quantize_columns(weight)
    inputs = [q, ed.constant(f'{out}/weight_int8', wq), scale, ed.constant(f'{out}/column_scale', column_scale), zero_point]
    b = None if bias is None else ed.constant(f'{out}/bias', bias.astype(np.float32))
    if b is not None and fixed:
        # A scalar scale is applied with the column scales, before the bias: the bias goes in too.
        nodes.append(helper.make_node('MatMulIntegerToFloat', inputs + ['', b], [out], domain='com.microsoft'))
        return
    product = out if b is None else ed.fresh(f'{out}/product')
    nodes.append(helper.make_node('MatMulIntegerToFloat', inputs, [product], domain='com.microsoft'))
    if b is not None:
        nodes.append(helper.make_node('Add', [product, b], [out]))


def rewrite_linears(ed: GraphEditor, options: Options) -> int:
    """Replaces every linear with its integer form; returns how many."""
    from onnx import helper

    linears = find_linears(ed)
    groups: dict[str, list[Linear]] = {}
    for lin in linears:
        groups.setdefault(lin.input, []).append(lin)
    before: dict[int, list] = {}
    removed: set[int] = set()
    for x, group in groups.items():
        nodes: list = []
        q, scale, zero_point = quantize_activation(ed, x, group[0].weight.shape[0], options, nodes)
        fixed = x in options.static_scales
        parts = [group] if options.fuse_shared and len(group) > 1 else [[lin] for lin in group]
        for part in parts:
            weight = np.concatenate([lin.weight for lin in part], axis=1)
            biases = [lin.bias if lin.bias is not None else np.zeros(lin.weight.shape[1], np.float32) for lin in part]
            bias = np.concatenate(biases) if any(lin.bias is not None for lin in part) else None
            if len(part) == 1:
                integer_linear(ed, q, scale, zero_point, weight, bias, part[0].output, fixed, nodes)
            else:
                joined = ed.fresh(f'{part[0].output}/joined')
                integer_linear(ed, q, scale, zero_point, weight, bias, joined, fixed, nodes)
                sizes = ed.constant(f'{joined}/sizes', np.array([lin.weight.shape[1] for lin in part], dtype=np.int64))
                nodes.append(helper.make_node('Split', [joined, sizes], [lin.output for lin in part], axis=-1))
            removed.update(i for lin in part for i in lin.nodes)
        # The new nodes go where the group's first node was: x exists there, and every later reader follows.
        before.setdefault(min(i for lin in group for i in lin.nodes), []).extend(nodes)
    ed.replace_nodes(before, removed)
    return len(linears)


def exact_sequence_sums(ed: GraphEditor) -> int:
    """Every ReduceSum over axis 1 (the sequence) cast to float64 and back; returns how many."""
    from onnx import TensorProto, helper

    before: dict[int, list] = {}
    removed: set[int] = set()
    for i, node in enumerate(ed.graph.node):
        axes = ed.array(node.input[1]) if node.op_type == 'ReduceSum' and len(node.input) > 1 else None
        if axes is None or list(np.ravel(axes)) != [1]:
            continue
        wide, summed = ed.fresh(f'{node.output[0]}/float64'), ed.fresh(f'{node.output[0]}/sum_float64')
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        before[i] = [helper.make_node('Cast', [node.input[0]], [wide], to=TensorProto.DOUBLE),
                     helper.make_node('ReduceSum', [wide, node.input[1]], [summed], **attrs),
                     helper.make_node('Cast', [summed], [node.output[0]], to=TensorProto.FLOAT)]
        removed.add(i)
    ed.replace_nodes(before, removed)
    return len(removed)


def int8_tables(ed: GraphEditor) -> int:
    """Gather(table, ids) over the word-embedding and read-out tables -> int8 rows times their scale."""
    from onnx import TensorProto, helper

    before: dict[int, list] = {}
    removed: set[int] = set()
    for i, node in enumerate(ed.graph.node):
        name = node.input[0] if node.op_type == 'Gather' and node.input else ''
        table = ed.array(name) if name.endswith('word_embeddings.weight') or '.tables.' in name else None
        if table is None or table.ndim != 2 or any(a.name == 'axis' and a.i != 0 for a in node.attribute):
            continue
        q, scale = quantize_rows(table)
        rows, scales, floated = ed.fresh(f'{name}/rows'), ed.fresh(f'{name}/scales'), ed.fresh(f'{name}/float')
        before[i] = [helper.make_node('Gather', [ed.constant(f'{name}/int8', q), node.input[1]], [rows]),
                     helper.make_node('Gather', [ed.constant(f'{name}/row_scale', scale.astype(np.float32)), node.input[1]],
                                      [scales]),
                     helper.make_node('Cast', [rows], [floated], to=TensorProto.FLOAT),
                     helper.make_node('Mul', [floated, scales], [node.output[0]])]
        removed.add(i)
    ed.replace_nodes(before, removed)
    return len(removed)


def share_tables(model, source: Path) -> int:
    """Float initializers of SHARE_BYTES or more whose bytes lie in `source` (the fp32 graph file)
    become external data at that offset of it: the int8 file must then sit in the same folder.
    Returns the bytes shared."""
    from onnx import TensorProto

    data = source.read_bytes()
    shared = 0
    for t in model.graph.initializer:
        if t.data_type != TensorProto.FLOAT or len(t.raw_data) < SHARE_BYTES:
            continue
        offset = data.find(t.raw_data)
        if offset < 0 or data.find(t.raw_data, offset + 1) >= 0:
            continue
        length = len(t.raw_data)
        t.ClearField('raw_data')
        t.data_location = TensorProto.EXTERNAL
        del t.external_data[:]
        for key, value in (('location', source.name), ('offset', str(offset)), ('length', str(length))):
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        shared += length
    return shared


def calibration_model(model) -> list[str]:
    """Adds to `model` (fp32, in place) one output per linear input x: the max |x| of each row,
    `calibration:<x>` ([batch, sequence] or [batch]), for fixed scales; returns the input names."""
    from onnx import TensorProto, helper

    ed = GraphEditor(model)
    names = sorted({lin.input for lin in find_linears(ed)})
    for x in names:
        absx, out = ed.fresh(f'{x}/abs'), f'calibration:{x}'
        ed.graph.node.extend([helper.make_node('Abs', [x], [absx]),
                              helper.make_node('ReduceMax', [absx], [out], axes=[-1], keepdims=0)])
        ed.graph.output.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, None))
    return names


def quantize_file(source: Path, target: Path, options: Options | None = None) -> dict:
    """Writes the int8 rewrite of the fp32 graph `source` to `target`; returns what it did."""
    import onnx

    options = options or Options()
    if options.tables not in TABLE_MODES:
        raise RecipeError(f'tables must be one of {", ".join(TABLE_MODES)}; got {options.tables!r}')
    if options.tables == 'shared' and source.resolve().parent != target.resolve().parent:
        raise RecipeError(f'tables="shared" reads the tables from {source.name} beside the int8 file: write {target.name} '
                          f'into {source.parent} (or use tables "int8" or "fp32" for a standalone file)')
    model = onnx.load(str(source))
    opset = next((o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')), None)
    if opset is None or opset > 17:
        raise RecipeError(f'{source}: opset {opset}; this rewrite targets opset <= 17')
    ed = GraphEditor(model)
    linears = rewrite_linears(ed, options)
    sums = exact_sequence_sums(ed) if options.exact_sums else 0
    tables = int8_tables(ed) if options.tables == 'int8' else 0
    ed.drop_unused()
    if not any(o.domain == 'com.microsoft' for o in model.opset_import):
        model.opset_import.append(onnx.helper.make_opsetid('com.microsoft', 1))
    onnx.checker.check_model(model)
    shared = share_tables(model, source) if options.tables == 'shared' else 0
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written as bytes: onnx.save would look for the shared tensors' external data to write out.
    target.write_bytes(model.SerializeToString())
    return {'source': source.name, 'source_sha256': sha256_file(source), 'source_bytes': source.stat().st_size,
            'file': target.name, 'sha256': sha256_file(target), 'bytes': target.stat().st_size, 'precision': PRECISION,
            'linears': linears, 'float64_sums': sums, 'tables': options.tables, 'int8_tables': tables,
            'shared_bytes': shared, 'fixed_scales': len(options.static_scales), 'opset': opset}


def run_step(cfg_name: str) -> dict:
    """The recipe's step: export/onnx/text_encoder.onnx -> text_encoder.int8.onnx beside it, and export/int8.json."""
    from .config import get_config

    export = get_config(cfg_name).work_dir / 'export'
    source = export / 'onnx' / 'text_encoder.onnx'
    if not source.exists():
        raise RecipeError(f'{source} not found: run the export step first')
    report = quantize_file(source, source.with_name('text_encoder.int8.onnx'))
    write_json(export / 'int8.json', report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Rewrite an fp32 text encoder as int8 with per-row activation scales.')
    parser.add_argument('--config', help='the recipe step: export/onnx/text_encoder.onnx of this config')
    parser.add_argument('--in', dest='source', type=Path)
    parser.add_argument('--out', type=Path)
    parser.add_argument('--tables', choices=TABLE_MODES, default=Options.tables)
    parser.add_argument('--fuse-shared', action='store_true', help='one product over the query, key and value weights')
    parser.add_argument('--static-scales', type=Path, help='JSON {tensor name: scale}: fixed activation scales')
    parser.add_argument('--calibration-graph', type=Path, help='write the fp32 graph with per-row max |x| outputs here, and stop')
    args = parser.parse_args(argv)
    if args.config:
        report = run_step(args.config)
    elif args.source and args.calibration_graph:
        import onnx

        model = onnx.load(str(args.source))
        names = calibration_model(model)
        onnx.save(model, str(args.calibration_graph))
        log('quantize', f'{len(names)} calibration outputs: {args.calibration_graph}')
        return 0
    elif args.source and args.out:
        static = json.loads(args.static_scales.read_text()) if args.static_scales else {}
        options = Options(tables=args.tables, fuse_shared=args.fuse_shared, static_scales=static)
        report = quantize_file(args.source, args.out, options)
    else:
        parser.error('give --config, or --in with --out (or --calibration-graph)')
    log('quantize', f'{report["linears"]} linears int8, {report["float64_sums"]} sums in float64, tables {report["tables"]}; '
                    f'{report["source_bytes"] / 2**20:.1f} MiB -> {report["bytes"] / 2**20:.1f} MiB: {report["file"]}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'quantize: {e}', file=sys.stderr)
        sys.exit(1)
