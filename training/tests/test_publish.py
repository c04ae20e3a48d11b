"""@file training/publish.py's reader_files: the manifest lists the reader's files when the reader step wrote them."""
import hashlib
import json
import tempfile
import unittest
from pathlib import Path

from training.publish import reader_files
from training.reader_manifest import READER_FILES


class PublishReaderFilesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = Path(self.tmp.name)
        (self.out / 'onnx').mkdir()
        (self.out / 'onnx' / 'text_encoder.onnx').write_bytes(b'tables')

    def tearDown(self):
        self.tmp.cleanup()

    def write_reader(self, provenance: dict | None = None) -> None:
        (self.out / 'reader.json').write_text(json.dumps({'format': 1, **({'provenance': provenance} if provenance else {})}))
        (self.out / 'onnx' / 'reader_encoder.int8.onnx').write_bytes(b'int8')

    def test_absent(self):
        self.assertEqual(reader_files(self.out), [])

    def test_present(self):
        self.write_reader()
        self.assertEqual(sorted(reader_files(self.out)), sorted(READER_FILES))

    def test_present_with_matching_tables(self):
        self.write_reader({'tablesSha256': hashlib.sha256(b'tables').hexdigest()})
        self.assertEqual(sorted(reader_files(self.out)), sorted(READER_FILES))

    def test_tables_of_another_text_encoder_left_out(self):
        self.write_reader({'tablesSha256': hashlib.sha256(b'older tables').hexdigest()})
        self.assertEqual(reader_files(self.out), [])

    def test_part_of_the_files_left_out(self):
        (self.out / 'reader.json').write_text('{}')
        self.assertEqual(reader_files(self.out), [])


if __name__ == '__main__':
    unittest.main()
