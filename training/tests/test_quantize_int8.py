"""@file The int8 rewrite (quantize_int8.py) on a toy graph, the int8-check rule (int8_check.py) and
the card's int8 section. That the rewritten graph runs, and gives a record the same numbers alone
and among batch-mates, is checked in Node (test/cli/int8.test.ts, training/int8_compare.ts)."""
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from training.common import RecipeError
from training.int8_check import costs, verdict
from training.model_card_int8 import render_int8
from training.quantize_int8 import Options, quantize_columns, quantize_file, quantize_rows

RNG = np.random.default_rng(0)
VOCAB, HIDDEN, OUT = 256, 64, 8


def toy_model() -> onnx.ModelProto:
    """ids -> word embeddings -> MatMul + bias -> sum over the sequence -> Gemm: the text encoder's shapes in small."""
    rng = np.random.default_rng(1)
    table = rng.normal(size=(VOCAB, HIDDEN)).astype(np.float32)  # 64 KiB: large enough to be shared
    w = rng.normal(size=(HIDDEN, HIDDEN)).astype(np.float32)
    b = rng.normal(size=(HIDDEN,)).astype(np.float32)
    g = rng.normal(size=(OUT, HIDDEN)).astype(np.float32)
    gb = rng.normal(size=(OUT,)).astype(np.float32)
    inits = [numpy_helper.from_array(a, n) for a, n in ((table, 'm.bert.embeddings.word_embeddings.weight'), (w, 'w'), (b, 'b'),
                                                         (g, 'g'), (gb, 'gb'), (np.array([1], dtype=np.int64), 'axis1'))]
    nodes = [helper.make_node('Gather', ['m.bert.embeddings.word_embeddings.weight', 'ids'], ['emb']),
             helper.make_node('MatMul', ['emb', 'w'], ['mm']),
             helper.make_node('Add', ['b', 'mm'], ['hidden']),
             helper.make_node('ReduceSum', ['hidden', 'axis1'], ['pooled'], keepdims=0),
             helper.make_node('Gemm', ['pooled', 'g', 'gb'], ['logits'], transB=1)]
    graph = helper.make_graph(nodes, 'toy', [helper.make_tensor_value_info('ids', TensorProto.INT64, ['batch', 'sequence'])],
                              [helper.make_tensor_value_info('hidden', TensorProto.FLOAT, ['batch', 'sequence', HIDDEN]),
                               helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['batch', OUT])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])


class WeightQuantizationTest(unittest.TestCase):
    def test_columns_are_symmetric_with_one_scale_each(self):
        w = RNG.normal(size=(32, 6)).astype(np.float32)
        w[:, 5] = 0
        q, scale = quantize_columns(w)
        self.assertEqual(q.dtype, np.int8)
        self.assertTrue(np.all(np.abs(q) <= 127))
        np.testing.assert_allclose(scale[:5], np.abs(w[:, :5]).max(axis=0) / 127, rtol=1e-6)
        self.assertEqual(scale[5], 1.0)
        self.assertTrue(np.all(q[:, 5] == 0))
        self.assertTrue(np.all(np.abs(q * scale - w) <= scale / 2 + 1e-7))

    def test_rows_have_one_scale_each(self):
        t = RNG.normal(size=(10, 4)).astype(np.float32)
        q, scale = quantize_rows(t)
        self.assertEqual(q.shape, (10, 4))
        self.assertEqual(scale.shape, (10, 1))
        self.assertTrue(np.all(np.abs(q * scale - t) <= scale / 2 + 1e-7))


class RewriteTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.source = self.dir / 'text_encoder.onnx'
        onnx.save(toy_model(), str(self.source))

    def tearDown(self):
        self.tmp.cleanup()

    def rewrite(self, tables: str) -> tuple[onnx.ModelProto, dict]:
        target = self.dir / 'text_encoder.int8.onnx'
        report = quantize_file(self.source, target, Options(tables=tables))
        return onnx.load(str(target), load_external_data=False), report

    def test_linears_become_integer_products_with_per_row_scales(self):
        model, report = self.rewrite('int8')
        ops = [n.op_type for n in model.graph.node]
        self.assertEqual(report['linears'], 2)
        self.assertEqual(ops.count('MatMulIntegerToFloat'), 2)
        self.assertNotIn('MatMul', ops)
        self.assertNotIn('Gemm', ops)
        inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        for node in (n for n in model.graph.node if n.op_type == 'MatMulIntegerToFloat'):
            self.assertEqual(node.domain, 'com.microsoft')
            self.assertEqual(inits[node.input[1]].dtype, np.int8)  # weights
            self.assertEqual(inits[node.input[4]].dtype, np.uint8)  # activation zero point 128
            self.assertEqual(int(inits[node.input[4]]), 128)
            self.assertNotIn(node.input[2], inits)  # the row scale is computed from the row
            self.assertEqual(len(node.input), 5)  # no bias inside: it is added after the row scale
        for node in (n for n in model.graph.node if n.op_type == 'QuantizeLinear'):
            self.assertEqual([a.i for a in node.attribute if a.name == 'axis'], [0])
        reduce_max = [n for n in model.graph.node if n.op_type == 'ReduceMax']
        self.assertTrue(reduce_max and all(helper.get_attribute_value(a) == [-1] for n in reduce_max
                                           for a in n.attribute if a.name == 'axes'))
        self.assertEqual([o.name for o in model.graph.output], ['hidden', 'logits'])
        self.assertIn('com.microsoft', {o.domain for o in model.opset_import})
        onnx.checker.check_model(model)

    def test_sequence_sums_run_in_float64(self):
        model, report = self.rewrite('int8')
        self.assertEqual(report['float64_sums'], 1)
        producers = {o: n for n in model.graph.node for o in n.output}
        total = next(n for n in model.graph.node if n.op_type == 'ReduceSum')
        cast = producers[total.input[0]]
        self.assertEqual((cast.op_type, cast.attribute[0].i), ('Cast', TensorProto.DOUBLE))
        self.assertEqual(producers['pooled'].op_type, 'Cast')

    def test_int8_tables_keep_one_scale_per_row(self):
        model, report = self.rewrite('int8')
        self.assertEqual(report['int8_tables'], 1)
        names = {i.name: i.data_type for i in model.graph.initializer}
        self.assertNotIn('m.bert.embeddings.word_embeddings.weight', names)
        self.assertIn(TensorProto.INT8, [names[n.input[0]] for n in model.graph.node if n.op_type == 'Gather'])

    def test_shared_tables_point_at_their_bytes_in_the_fp32_file(self):
        model, report = self.rewrite('shared')
        table = next(i for i in model.graph.initializer if i.name == 'm.bert.embeddings.word_embeddings.weight')
        self.assertEqual(table.data_location, TensorProto.EXTERNAL)
        info = {e.key: e.value for e in table.external_data}
        self.assertEqual(info['location'], 'text_encoder.onnx')
        data = self.source.read_bytes()[int(info['offset']):int(info['offset']) + int(info['length'])]
        original = toy_model().graph.initializer[0]
        self.assertEqual(data, numpy_helper.to_array(original).tobytes())
        self.assertEqual(report['shared_bytes'], VOCAB * HIDDEN * 4)
        loaded = onnx.load(str(self.dir / 'text_encoder.int8.onnx'))  # reads the shared bytes back
        np.testing.assert_array_equal(numpy_helper.to_array(next(i for i in loaded.graph.initializer if i.name == table.name)),
                                      numpy_helper.to_array(original))

    def test_shared_tables_need_the_fp32_file_beside(self):
        other = self.dir / 'elsewhere'
        other.mkdir()
        with self.assertRaisesRegex(RecipeError, 'beside the int8 file'):
            quantize_file(self.source, other / 'text_encoder.int8.onnx', Options(tables='shared'))

    def test_fixed_scales_fold_the_bias_into_the_product(self):
        target = self.dir / 'static.onnx'
        quantize_file(self.source, target, Options(tables='int8', static_scales={'emb': 0.05, 'pooled': 0.1}))
        model = onnx.load(str(target))
        products = [n for n in model.graph.node if n.op_type == 'MatMulIntegerToFloat']
        self.assertTrue(all(len(n.input) == 7 for n in products))
        self.assertNotIn('Abs', [n.op_type for n in model.graph.node])


def part(label: str, fp32: dict, int8: dict) -> dict:
    return {'label': label, 'records': 98, 'fp32': fp32, 'int8': int8, 'cost': costs(fp32, int8)}


def compare(differing: int) -> dict:
    same = {'values': 10, 'differing': 0, 'maxAbs': 0.0}
    return {'records': 64, 'batch': 16,
            'determinism': {'fp32': {k: dict(same) for k in ('tokens', 'pooled', 'readout', 'specialty')},
                            'int8': {'tokens': dict(same), 'pooled': dict(same), 'specialty': dict(same),
                                     'readout': {'values': 10, 'differing': differing, 'maxAbs': 1e-6 if differing else 0.0}}},
            'agreement': {'text': {}, 'heads': {'diagnoses': {'maxAbs': 0.004, 'top1Agreement': 1.0}}}}


class RuleTest(unittest.TestCase):
    def test_costs_are_points_lost_whichever_way_a_measure_points(self):
        c = costs({'top1': 0.90, 'abstained_in_label': 0.01, 'auroc_none': None}, {'top1': 0.89, 'abstained_in_label': 0.03, 'auroc_none': 0.9})
        self.assertAlmostEqual(c['top1'], 1.0)
        self.assertAlmostEqual(c['abstained_in_label'], 2.0)
        self.assertNotIn('auroc_none', c)

    def test_int8_is_the_default_only_within_half_a_point_and_deterministic(self):
        same = {'top1': 0.9, 'top3': 0.95}
        parts = {'real_test': part('real', same, same), 'real_test_removed': part('removed', same, same),
                 'test': part('generated', same, {'top1': 0.896, 'top3': 0.95})}
        self.assertEqual(verdict(parts, compare(0))['default'], 'int8')
        self.assertEqual(verdict(parts, compare(3))['default'], 'fp32')
        parts['real_test_removed'] = part('removed', same, {'top1': 0.9, 'top3': 0.9398})
        v = verdict(parts, compare(0))
        self.assertEqual(v['default'], 'fp32')
        self.assertAlmostEqual(v['max_cost_points']['real'], 1.02)

    def test_the_card_section_puts_real_notes_first_and_states_the_default(self):
        same = {'top1': 0.847, 'top3': 0.959}
        parts = {'real_test': part('real notes that name one label', same, same),
                 'test': part('generated patients', {'top1': 0.959, 'top3': 0.997}, {'top1': 0.959, 'top3': 0.997})}
        c = compare(0)
        metrics = {'package': {'int8': {'text_bytes': 3552359, 'tables': 'shared', 'shared_bytes': 1, 'linears': 26}},
                   'precision': {'parts': parts, 'compare': c, 'verdict': verdict(parts, c), 'compare_command': 'node x'}}
        lines = []
        render_int8(metrics, lines.append)
        text = '\n'.join(lines)
        self.assertIn('## The int8 text encoder', text)
        self.assertIn('3.4 MiB', text)
        self.assertLess(text.index('| real notes that name one label (98) | top-1 | 84.7% | 84.7% | +0.0 |'),
                        text.index('| generated patients'))
        self.assertIn('runs **int8** by default', text)
        lines = []
        render_int8({'package': metrics['package']}, lines.append)
        self.assertIn('runs fp32 unless asked', '\n'.join(lines))
        lines = []
        render_int8({'package': {}}, lines.append)
        self.assertEqual(lines, [])


if __name__ == '__main__':
    unittest.main()
