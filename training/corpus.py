"""@file The pretraining text: general English found on this machine plus open clinical text.

Why rebuild it on demand instead of writing text files: the clinical corpus must not be copied
into the project tree, and rebuilding takes a few seconds. The `corpus` step writes only the
fixed data splits (training/work/splits/) and a manifest (sources, hashes, counts, digest); every
later step rebuilds the same documents and checks the digest, so a changed source is an error,
never a silent difference.

Sources:
- MTSamples (CC0): 4,999 rows but only 2,357 distinct transcriptions, because most notes are
  listed under two or more specialties. The split is therefore made per distinct transcription
  (a group), not per row, or the same note would sit in train and test: the smallest note_id of
  a group decides (`mtsamples_half`: even -> the real-text test half, odd -> training and
  validation). Test groups are never read by pretraining, the tokenizer, the specialty stage or
  diagnosis training; only the final evaluation reads them.
- Medical Abstracts TC test file (CC BY-SA 3.0, Schopf et al. 2022): 90% used, 10% held out.
- General English (offline, licence-clean): Python's own documentation shipped with the
  interpreter (pydoc topics: the language reference; stdlib docstrings), GNU manuals in
  /usr/share/info (GFDL) and the licence texts in /usr/share/common-licenses. Only paragraphs
  that read as prose are kept (code, tables and menus are dropped).
- Extra text (optional, e.g. generated notes from the fine-tuning stage): treated as clinical.
"""
from __future__ import annotations

import argparse
import ast
import csv
import gzip
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .common import RecipeError, log, read_json, sha256_bytes, sha256_file, stable_unit, write_json
from .config import REPO_ROOT, SPLITS_DIR, RecipeConfig, get_config, repo_relative

MTSAMPLES_REL = 'text/mtsamples/mtsamples.csv.gz'
ABSTRACTS_REL = 'text/medical-abstracts-tc/medical_tc_test.csv'
MTSAMPLES_SPLIT_FILE = 'mtsamples_split.json'
ABSTRACTS_SPLIT_FILE = 'medical_abstracts_split.json'
MTSAMPLES_SALT = 'clinicalbert/mtsamples-split/v2'
ABSTRACTS_SALT = 'clinicalbert/abstracts-split/v1'
GENERAL_SALT = 'clinicalbert/general-heldout/v1'
ORDER_SALT = 'clinicalbert/corpus-order/v1'
# Share of the training half (odd note_ids) held out for validation; the test half is fixed by parity.
MTSAMPLES_VAL_FRACTION = 0.15
ABSTRACTS_HELDOUT = 0.1
MANIFEST_NAME = 'corpus_manifest.json'

PYTHON_SKIP_DIRS = {'test', 'tests', 'idle_test', 'site-packages', 'dist-packages', '__pycache__'}
INFO_DIR = Path('/usr/share/info')
LICENCES_DIR = Path('/usr/share/common-licenses')


@dataclass(frozen=True)
class Document:
    id: str
    source: str
    text: str


@dataclass
class Corpus:
    general_train: list[Document]
    general_heldout: list[Document]
    clinical_train: list[Document]
    mtsamples_val: list[Document]
    sources: list[dict] = field(default_factory=list)

    def parts(self) -> dict[str, list[Document]]:
        return {
            'general_train': self.general_train,
            'general_heldout': self.general_heldout,
            'clinical_train': self.clinical_train,
            'mtsamples_val': self.mtsamples_val,
        }

    def digest(self) -> str:
        lines = []
        for name, docs in self.parts().items():
            for doc in docs:
                lines.append(f'{name}\t{doc.id}\t{sha256_bytes(doc.text.encode("utf-8"))}')
        return sha256_bytes('\n'.join(lines).encode('utf-8'))

    def manifest(self) -> dict:
        counts = {}
        for name, docs in self.parts().items():
            by_source: dict[str, dict[str, int]] = {}
            for doc in docs:
                entry = by_source.setdefault(doc.source, {'documents': 0, 'chars': 0})
                entry['documents'] += 1
                entry['chars'] += len(doc.text)
            counts[name] = by_source
        return {'format': 1, 'digest': self.digest(), 'sources': self.sources, 'parts': counts}


def corpus_root() -> Path:
    """The shared corpus, `../shared/corpus` from the repo root unless CLINICALBERT_CORPUS says otherwise."""
    env = os.environ.get('CLINICALBERT_CORPUS')
    return Path(env) if env else (REPO_ROOT / '..' / 'shared' / 'corpus').resolve()


def _require(path: Path, what: str) -> Path:
    if not path.is_file():
        raise RecipeError(f'{what} not found at {path} (set CLINICALBERT_CORPUS to the shared corpus folder)')
    return path


def _collapse(text: str) -> str:
    return re.sub(r'\s+', ' ', text).strip()


# ---------------------------------------------------------------- MTSamples

def read_mtsamples_rows(root: Path | None = None) -> list[dict]:
    path = _require((root or corpus_root()) / MTSAMPLES_REL, 'MTSamples')
    with gzip.open(path, 'rt', encoding='utf-8', newline='') as f:
        return list(csv.DictReader(f))


def clean_mtsamples_text(text: str) -> str:
    """Undo the scrape's section separators (`DIAGNOSIS:,  Hernia. ,PROCEDURE:`) and collapse spaces."""
    text = re.sub(r'([:.])[ \t]*,[ \t]*', r'\1 ', text or '')
    return re.sub(r'[ \t]{2,}', ' ', text).strip()


def mtsamples_group_key(transcription: str) -> str:
    return _collapse((transcription or '').lower())


def mtsamples_half(note_ids: list[int]) -> str:
    """'test' or 'train' for a transcription carried by rows with these note_ids: the smallest decides.

    The project's split rule for MTSamples (one function, used by every stage): even smallest
    `note_id` -> the real-text test half, odd -> the half for training and validation.
    """
    if not note_ids:
        raise ValueError('a transcription needs at least one row')
    return 'test' if min(note_ids) % 2 == 0 else 'train'


def build_mtsamples_split(rows: list[dict], source_sha: str) -> dict:
    """Assign every row to train/val/test; all rows that carry one transcription share one split.

    Rows are grouped by their transcription (trimmed; case and runs of whitespace ignored, so
    near-identical copies cannot straddle the halves). `mtsamples_half` sends a group to the test
    half or the training half by the smallest note_id among its rows; inside the training half a
    salted sha256 of the group key sends VAL_FRACTION of the groups to validation.
    """
    members: dict[str, list[int]] = {}
    for row in rows:
        transcription = row.get('transcription') or ''
        key = f'<empty>:{row["note_id"]}' if not transcription.strip() else mtsamples_group_key(transcription)
        members.setdefault(key, []).append(int(row['note_id']))
    split_of: dict[str, str] = {}
    for key, ids in members.items():
        half = mtsamples_half(ids)
        split_of[key] = half if half == 'test' else ('val' if stable_unit(MTSAMPLES_SALT, key) < MTSAMPLES_VAL_FRACTION else 'train')
    group_of_key: dict[str, int] = {}
    out_rows = []
    counts = {name: {'rows': 0, 'groups': 0} for name in ('train', 'val', 'test')}
    for row in rows:
        transcription = row.get('transcription') or ''
        empty = not transcription.strip()
        key = f'<empty>:{row["note_id"]}' if empty else mtsamples_group_key(transcription)
        split = split_of[key]
        if key not in group_of_key:
            group_of_key[key] = len(group_of_key)
            counts[split]['groups'] += 1
        counts[split]['rows'] += 1
        out_rows.append({'note_id': row['note_id'], 'group': group_of_key[key], 'split': split, 'empty': empty})
    return {
        'format': 2,
        'source': {'path': MTSAMPLES_REL, 'sha256': source_sha, 'licence': 'CC0 (MTSamples via Kaggle tboyle10/medicaltranscriptions)'},
        'method': ('Rows are grouped by their transcription (trimmed, lower-cased, whitespace collapsed), because most '
                   'transcriptions appear under two or more specialties. For each group the smallest note_id among its '
                   'rows decides: even -> test (the real-text test half, read by no stage but the final evaluation), '
                   'odd -> the training half, of which sha256(salt, group key) sends val_fraction of the groups to '
                   'validation. Rows with an empty transcription form their own group and are flagged empty.'),
        'salt': MTSAMPLES_SALT,
        'val_fraction': MTSAMPLES_VAL_FRACTION,
        'counts': counts,
        'rows': out_rows,
    }


def load_mtsamples_split(root: Path | None = None) -> tuple[list[dict], dict]:
    """MTSamples rows and the fixed split file, refused when the file no longer matches a fresh computation."""
    root = root or corpus_root()
    rows = read_mtsamples_rows(root)
    path = SPLITS_DIR / MTSAMPLES_SPLIT_FILE
    if not path.exists():
        raise RecipeError(f'{path} not found: run the corpus step first')
    split_data = read_json(path)
    if split_data != build_mtsamples_split(rows, sha256_file(root / MTSAMPLES_REL)):
        raise RecipeError(f'{path} differs from a fresh computation: MTSamples or the split method changed')
    return rows, split_data


def mtsamples_documents(rows: list[dict], split_data: dict, split: str) -> list[Document]:
    """One document per group in `split`: the first row's description, then its cleaned transcription."""
    by_note = {r['note_id']: r for r in rows}
    seen: set[int] = set()
    docs = []
    for entry in split_data['rows']:
        if entry['split'] != split or entry['empty'] or entry['group'] in seen:
            continue
        seen.add(entry['group'])
        row = by_note[entry['note_id']]
        description = _collapse(row.get('description') or '')
        body = clean_mtsamples_text(row['transcription'])
        text = f'{description}\n{body}' if description else body
        docs.append(Document(id=f'mtsamples:g{entry["group"]}', source='mtsamples', text=text))
    return docs


# ---------------------------------------------------------------- Medical Abstracts TC

def read_abstract_rows(root: Path | None = None) -> list[dict]:
    path = _require((root or corpus_root()) / ABSTRACTS_REL, 'Medical Abstracts TC')
    with open(path, encoding='utf-8', newline='') as f:
        return list(csv.DictReader(f))


def build_abstracts_split(rows: list[dict], source_sha: str) -> dict:
    out_rows = []
    counts = {'train': 0, 'heldout': 0}
    for i, row in enumerate(rows):
        key = _collapse(row['medical_abstract'].lower())
        split = 'heldout' if stable_unit(ABSTRACTS_SALT, key) < ABSTRACTS_HELDOUT else 'train'
        counts[split] += 1
        out_rows.append({'row': i, 'split': split})
    return {
        'format': 1,
        'source': {'path': ABSTRACTS_REL, 'sha256': source_sha, 'licence': 'CC BY-SA 3.0 (Schopf et al., NLPIR 2022)'},
        'method': 'Each data row (0-based, file order) goes to train or heldout by sha256(salt, abstract text).',
        'salt': ABSTRACTS_SALT,
        'heldout_fraction': ABSTRACTS_HELDOUT,
        'counts': counts,
        'rows': out_rows,
    }


def abstract_documents(rows: list[dict], split_data: dict, split: str) -> list[Document]:
    return [Document(id=f'abstracts:r{e["row"]}', source='medical-abstracts-tc', text=_collapse(rows[e['row']]['medical_abstract']))
            for e in split_data['rows'] if e['split'] == split]


# ---------------------------------------------------------------- General English

_WORD = re.compile(r"^[A-Za-z]+(?:[-'\u2019][A-Za-z]+)*$")


def is_prose(paragraph: str) -> bool:
    """True when a paragraph reads as English sentences rather than code, a table or a menu."""
    tokens = paragraph.split()
    if len(tokens) < 8 or '>>>' in paragraph or '\ufffd' in paragraph:
        return False
    words = sum(1 for t in tokens if _WORD.match(t.strip('("\'`[]').rstrip('.,;:!?)"\'')))
    return words / len(tokens) >= 0.75


def prose_paragraphs(text: str) -> list[str]:
    kept = []
    for block in re.split(r'\n\s*\n', text):
        lines = [ln for ln in block.split('\n') if not re.fullmatch(r'\s*([=*\-.~^#_])\1{3,}\s*', ln)]
        paragraph = _collapse(' '.join(lines))
        if is_prose(paragraph):
            kept.append(paragraph)
    return kept


def _doc_from_paragraphs(doc_id: str, source: str, paragraphs: list[str]) -> Document | None:
    text = '\n'.join(paragraphs)
    return Document(doc_id, source, text) if len(text) >= 200 else None


def _python_topics() -> tuple[list[Document], dict]:
    import pydoc_data.topics as topics_module

    path = Path(topics_module.__file__)
    docs = []
    for key in sorted(topics_module.topics):
        doc = _doc_from_paragraphs(f'python-topics:{key}', 'python-topics', prose_paragraphs(topics_module.topics[key]))
        if doc:
            docs.append(doc)
    return docs, {'name': 'python-topics', 'licence': 'PSF-2.0 (Python documentation)',
                  'location': str(path), 'files': 1, 'sha256': sha256_file(path),
                  'python': sys.version.split()[0]}


def _python_docstrings() -> tuple[list[Document], dict]:
    stdlib = Path(os.__file__).resolve().parent
    docs = []
    file_hashes = []
    for root, dirs, files in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d not in PYTHON_SKIP_DIRS)
        for name in sorted(files):
            if not name.endswith('.py'):
                continue
            path = Path(root) / name
            data = path.read_bytes()
            try:
                tree = ast.parse(data.decode('utf-8'))
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            rel = path.relative_to(stdlib).as_posix()
            file_hashes.append(f'{rel}\t{sha256_bytes(data)}')
            paragraphs = []
            for node in ast.walk(tree):
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    docstring = ast.get_docstring(node)
                    if docstring:
                        paragraphs.extend(prose_paragraphs(docstring))
            doc = _doc_from_paragraphs(f'python-docstrings:{rel}', 'python-docstrings', paragraphs)
            if doc:
                docs.append(doc)
    return docs, {'name': 'python-docstrings', 'licence': 'PSF-2.0 (Python standard library)',
                  'location': str(stdlib), 'files': len(file_hashes),
                  'sha256': sha256_bytes('\n'.join(file_hashes).encode('utf-8')),
                  'python': sys.version.split()[0]}


def _info_nodes(text: str) -> list[tuple[str, str]]:
    nodes = []
    for chunk in text.split('\x1f'):
        chunk = chunk.lstrip('\n')
        header, _, body = chunk.partition('\n')
        match = re.search(r'Node: ([^,\n]+)', header)
        if not header.startswith('File:') or not match:
            continue
        node = match.group(1).strip()
        if re.search(r'index|licen[cs]e|copying', node, re.IGNORECASE):
            continue
        # Menus ("* Menu:" and "* entry::" lines) are navigation, not prose.
        body = '\n'.join(ln for ln in body.split('\n') if not ln.startswith('* '))
        nodes.append((node, body))
    return nodes


def _gnu_info() -> tuple[list[Document], dict]:
    files = sorted(p for p in INFO_DIR.glob('*.info*.gz')) if INFO_DIR.is_dir() else []
    docs = []
    hashes = []
    for path in files:
        data = gzip.decompress(path.read_bytes())
        hashes.append(f'{path.name}\t{sha256_bytes(data)}')
        for node, body in _info_nodes(data.decode('utf-8', errors='replace')):
            doc = _doc_from_paragraphs(f'gnu-info:{path.name}#{node}', 'gnu-info', prose_paragraphs(body))
            if doc:
                docs.append(doc)
    return docs, {'name': 'gnu-info', 'licence': 'GFDL (GNU manuals)', 'location': str(INFO_DIR),
                  'files': len(files), 'sha256': sha256_bytes('\n'.join(hashes).encode('utf-8')), 'present': bool(files)}


def _licences() -> tuple[list[Document], dict]:
    files = sorted(p for p in LICENCES_DIR.iterdir() if p.is_file()) if LICENCES_DIR.is_dir() else []
    docs = []
    hashes = []
    seen: set[str] = set()
    for path in files:
        data = path.read_bytes()
        digest = sha256_bytes(data)
        if digest in seen:  # GPL is a link to GPL-3, and so on
            continue
        seen.add(digest)
        hashes.append(f'{path.name}\t{digest}')
        doc = _doc_from_paragraphs(f'licences:{path.name}', 'licences', prose_paragraphs(data.decode('utf-8', errors='replace')))
        if doc:
            docs.append(doc)
    return docs, {'name': 'licences', 'licence': 'verbatim copying permitted (licence texts)', 'location': str(LICENCES_DIR),
                  'files': len(hashes), 'sha256': sha256_bytes('\n'.join(hashes).encode('utf-8')), 'present': bool(files)}


def general_documents() -> tuple[list[Document], list[dict]]:
    docs: list[Document] = []
    sources = []
    for build in (_python_topics, _python_docstrings, _gnu_info, _licences):
        part, info = build()
        info['documents'] = len(part)
        info['chars'] = sum(len(d.text) for d in part)
        if not part:
            log('corpus', f'warning: general-English source {info["name"]} gave no documents ({info["location"]})')
        docs.extend(part)
        sources.append(info)
    return docs, sources


# ---------------------------------------------------------------- Extra text (hook for later stages)

def extra_documents(path: Path) -> tuple[list[Document], dict]:
    """Documents from a .jsonl file ({"text": ...} per line) or a text file (blank-line separated)."""
    if not path.is_file():
        raise RecipeError(f'--extra-text file not found: {path}')
    data = path.read_bytes()
    docs = []
    if path.suffix == '.jsonl':
        for i, line in enumerate(data.decode('utf-8').splitlines()):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise RecipeError(f'{path}:{i + 1}: not JSON ({e.msg})') from e
            if not isinstance(obj, dict) or not isinstance(obj.get('text'), str):
                raise RecipeError(f'{path}:{i + 1}: expected an object with a string "text" field')
            docs.append(Document(f'extra:{obj.get("id", i + 1)}', 'extra', obj['text']))
    else:
        for i, block in enumerate(re.split(r'\n\s*\n', data.decode('utf-8'))):
            if block.strip():
                docs.append(Document(f'extra:{i + 1}', 'extra', block.strip()))
    return docs, {'name': 'extra', 'licence': 'supplied by the caller', 'location': str(path.resolve()),
                  'files': 1, 'sha256': sha256_bytes(data), 'documents': len(docs), 'chars': sum(len(d.text) for d in docs)}


# ---------------------------------------------------------------- Assembly

def _ordered(docs: list[Document]) -> list[Document]:
    """A fixed pseudo-random order, so a budget takes a spread of documents, not the first files."""
    return sorted(docs, key=lambda d: stable_unit(ORDER_SALT, d.id))


def _take_chars(docs: list[Document], budget: int | None) -> list[Document]:
    if budget is None:
        return docs
    out, total = [], 0
    for doc in docs:
        if total >= budget:
            break
        out.append(doc)
        total += len(doc.text)
    return out


def _fixed_split(path: Path, fresh: dict) -> dict:
    """Write the split file the first time; afterwards insist that it still matches a fresh computation."""
    if path.exists():
        existing = read_json(path)
        if existing != fresh:
            raise RecipeError(f'{path} differs from a fresh computation: the source file or the split method changed. '
                              'Delete it only if you mean to change the split (later stages depend on it).')
        return existing
    write_json(path, fresh)
    return fresh


def load_corpus(cfg: RecipeConfig, extra_text: Path | None = None, write_splits: bool = False) -> Corpus:
    root = corpus_root()
    mts_path = _require(root / MTSAMPLES_REL, 'MTSamples')
    abs_path = _require(root / ABSTRACTS_REL, 'Medical Abstracts TC')
    mts_rows = read_mtsamples_rows(root)
    abs_rows = read_abstract_rows(root)
    mts_split = build_mtsamples_split(mts_rows, sha256_file(mts_path))
    abs_split = build_abstracts_split(abs_rows, sha256_file(abs_path))
    split_files = {MTSAMPLES_SPLIT_FILE: mts_split, ABSTRACTS_SPLIT_FILE: abs_split}
    for name, fresh in split_files.items():
        path = SPLITS_DIR / name
        if write_splits:
            _fixed_split(path, fresh)
        elif not path.exists() or read_json(path) != fresh:
            raise RecipeError(f'{path} is missing or stale: run the corpus step first')

    general, sources = general_documents()
    general_train = [d for d in general if stable_unit(GENERAL_SALT, d.id) >= cfg.corpus.general_heldout_fraction]
    general_heldout = [d for d in general if stable_unit(GENERAL_SALT, d.id) < cfg.corpus.general_heldout_fraction]
    general_train = _take_chars(_ordered(general_train), cfg.corpus.general_max_chars)

    mts_train = _ordered(mtsamples_documents(mts_rows, mts_split, 'train'))
    if cfg.corpus.mtsamples_max_groups is not None:
        mts_train = mts_train[:cfg.corpus.mtsamples_max_groups]
    abs_train = _ordered(abstract_documents(abs_rows, abs_split, 'train'))
    if cfg.corpus.abstracts_max_docs is not None:
        abs_train = abs_train[:cfg.corpus.abstracts_max_docs]
    clinical = mts_train + abs_train
    sources = sources + [
        {'name': 'mtsamples', 'licence': mts_split['source']['licence'], 'location': str(mts_path), 'files': 1,
         'sha256': mts_split['source']['sha256'], 'split_file': repo_relative(SPLITS_DIR / MTSAMPLES_SPLIT_FILE)},
        {'name': 'medical-abstracts-tc', 'licence': abs_split['source']['licence'], 'location': str(abs_path), 'files': 1,
         'sha256': abs_split['source']['sha256'], 'split_file': repo_relative(SPLITS_DIR / ABSTRACTS_SPLIT_FILE)},
    ]
    if extra_text is not None:
        extra, info = extra_documents(extra_text)
        clinical = clinical + extra
        sources.append(info)
    return Corpus(
        general_train=general_train,
        general_heldout=_ordered(general_heldout),
        clinical_train=clinical,
        mtsamples_val=_ordered(mtsamples_documents(mts_rows, mts_split, 'val')),
        sources=sources,
    )


def load_checked(cfg: RecipeConfig, extra_text: Path | None) -> Corpus:
    """The corpus for a later step, refusing to go on if it differs from what the corpus step recorded."""
    manifest_path = cfg.work_dir / MANIFEST_NAME
    if not manifest_path.exists():
        raise RecipeError(f'{manifest_path} not found: run the corpus step first')
    corpus = load_corpus(cfg, extra_text)
    recorded = read_json(manifest_path)['digest']
    if corpus.digest() != recorded:
        raise RecipeError(f'the corpus differs from {manifest_path} (a source changed, or --extra-text differs): rerun the corpus step')
    return corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Build the fixed splits and the corpus manifest.')
    parser.add_argument('--config', required=True)
    parser.add_argument('--extra-text', type=Path)
    args = parser.parse_args(argv)
    cfg = get_config(args.config)
    corpus = load_corpus(cfg, args.extra_text, write_splits=True)
    manifest = corpus.manifest()
    write_json(cfg.work_dir / MANIFEST_NAME, manifest)
    for name, by_source in manifest['parts'].items():
        summary = ', '.join(f'{s}: {v["documents"]} docs / {v["chars"]:,} chars' for s, v in sorted(by_source.items()))
        log('corpus', f'{name}: {summary}')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except RecipeError as e:
        print(f'corpus: {e}', file=sys.stderr)
        sys.exit(1)
