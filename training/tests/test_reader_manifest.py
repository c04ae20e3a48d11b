"""The reader's files in the package manifest: listed once, sorted, and counted in the card's package figures."""
import unittest

from training.reader_manifest import package_totals, upsert_files


class ReaderManifestTest(unittest.TestCase):
    def test_upsert_replaces_by_path_and_sorts(self):
        files = [{'path': 'vocab.txt', 'bytes': 1, 'sha256': 'a'}, {'path': 'reader.json', 'bytes': 2, 'sha256': 'old'}]
        out = upsert_files(files, [{'path': 'reader.json', 'bytes': 3, 'sha256': 'new'}, {'path': 'onnx/r.onnx', 'bytes': 4, 'sha256': 'b'}])
        self.assertEqual([f['path'] for f in out], ['onnx/r.onnx', 'reader.json', 'vocab.txt'])
        self.assertEqual(out[1]['sha256'], 'new')

    def test_package_totals_count_the_reader(self):
        files = [{'path': 'a', 'bytes': 10}, {'path': 'reader.json', 'bytes': 3}, {'path': 'onnx/r.onnx', 'bytes': 4}]
        reader = [files[1], files[2]]
        self.assertEqual(package_totals(files, reader),
                         {'files': 3, 'bytes': 17, 'reader': {'bytes': 7, 'files': ['reader.json', 'onnx/r.onnx']}})
        self.assertEqual(package_totals(files[:1], []), {'files': 1, 'bytes': 10})


if __name__ == '__main__':
    unittest.main()
