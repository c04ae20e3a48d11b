"""@file The reader experiment's pure parts: sentence split, mention finding, the generator's truth, pair building, ConText mapping and scoring (no corpus, no checkpoint)."""
import random
import unittest

from training.reader_experiment import (context_class, context_truths, correct, entity_truth, find_condition,
                                        find_mentions, note_pairs, question, reader_answer, split_sentences,
                                        surface_index, yes_no_score)

ENTITIES = [
    {'id': 'finding:cough', 'type': 'finding', 'name': 'Cough', 'synonyms': ['coughing']},
    {'id': 'finding:fever', 'type': 'finding', 'name': 'Fever', 'synonyms': []},
    {'id': 'finding:rash', 'type': 'finding', 'name': 'Rash', 'synonyms': []},
    {'id': 'condition:asthma', 'type': 'condition', 'name': 'Asthma', 'synonyms': []},
    {'id': 'antecedent:fh_asthma', 'type': 'antecedent', 'name': 'family history of asthma', 'synonyms': []},
    {'id': 'drug:x', 'type': 'drug', 'name': 'Aspirin', 'synonyms': []},
]
LABEL = {'presentEvidences': ['finding:cough', 'antecedent:fh_asthma'], 'chronic': [{'id': 'condition:asthma'}]}
NOTE = ('A 40-year-old man presents with cough for 3 days. Denies fever or rash.\n'
        'PAST MEDICAL HISTORY: Asthma.\nHistory notable for family history of asthma.\nVITAL SIGNS: T 36.6 C.\n')


class ReaderPairsTest(unittest.TestCase):
    def test_split_keeps_decimals(self):
        self.assertEqual(split_sentences(NOTE)[-1], 'VITAL SIGNS: T 36.6 C.')
        self.assertEqual(split_sentences(NOTE)[1], 'Denies fever or rash.')

    def test_mentions_longest_first(self):
        index = surface_index(ENTITIES)
        self.assertNotIn('aspirin', [s for s, _ in index])
        found = find_mentions('History notable for family history of asthma.', index)
        self.assertEqual([f[0] for f in found], ['antecedent:fh_asthma'])

    def test_truth_from_labels(self):
        self.assertEqual(entity_truth('finding:cough', LABEL), 'affirms')
        self.assertEqual(entity_truth('finding:fever', LABEL), 'negates')
        self.assertEqual(entity_truth('condition:asthma', LABEL), 'historical')
        self.assertEqual(entity_truth('antecedent:fh_asthma', LABEL), 'historical')
        self.assertIsNone(entity_truth('condition:other', LABEL))

    def test_note_pairs(self):
        names = {e['id']: e['name'].lower() for e in ENTITIES if e['type'] != 'drug'}
        pairs = note_pairs(NOTE, LABEL, surface_index(ENTITIES), names, random.Random(1))
        got = {(p['question'], p['sentence'], p['label']) for p in pairs if p['label'] != 'irrelevant'}
        self.assertIn(('does the patient have cough', 'A 40-year-old man presents with cough for 3 days.', 'affirms'), got)
        self.assertIn(('does the patient have fever', 'Denies fever or rash.', 'negates'), got)
        self.assertIn(('does the patient have rash', 'Denies fever or rash.', 'negates'), got)
        self.assertIn(('does the patient have asthma', 'PAST MEDICAL HISTORY: Asthma.', 'historical'), got)
        self.assertIn(('does the patient have asthma', 'History notable for family history of asthma.', 'family'), got)
        for p in pairs:
            if p['label'] == 'irrelevant':
                self.assertIsNone(p['span'])
                self.assertNotIn(names[p['entity']], p['sentence'].lower())
            else:
                a, b = p['span']
                self.assertTrue(p['question'].endswith(p['sentence'][a:b].lower()) or p['entity'] in names)

    def test_question(self):
        self.assertEqual(question('  EDEMA '), 'does the patient have edema')


class ContextMappingTest(unittest.TestCase):
    def test_class(self):
        self.assertEqual(context_class('Negated', 'Historical', 'Patient'), 'negates')
        self.assertEqual(context_class('Affirmed', 'Recent', 'Patient'), 'affirms')
        self.assertEqual(context_class('Affirmed', 'Historical', 'Patient'), 'historical')
        self.assertEqual(context_class('Affirmed', 'Not particular', 'Patient'), 'hypothetical')
        self.assertEqual(context_class('Affirmed', 'Recent', 'Family member'), 'family')

    def test_truths_as_qa_context(self):
        self.assertEqual(context_truths('Affirmed', 'Historical', 'Patient'), {'past': 'yes'})
        self.assertEqual(context_truths('Negated', 'Recent', 'Patient'), {'now': 'no', 'past': 'not-yes'})
        self.assertEqual(context_truths('Affirmed', 'Recent', 'Other'), {'now': 'not-yes', 'past': 'not-yes'})

    def test_answers_and_score(self):
        self.assertEqual(reader_answer('affirms', 'now'), 'yes')
        self.assertEqual(reader_answer('historical', 'now'), 'unknown')
        self.assertEqual(reader_answer('historical', 'past'), 'yes')
        self.assertTrue(correct('no', 'not-yes'))
        self.assertFalse(correct('yes', 'not-yes'))
        s = yes_no_score(['yes', 'unknown', 'no', 'yes'], ['yes', 'no', 'not-yes', 'no'])
        self.assertEqual((s['answered'], s['correct'], s['precision'], s['coverage']), (3, 2, 0.6667, 0.75))

    def test_find_condition_prefers_capitals(self):
        s = 'Schizophrenia: a long history of SCHIZOPHRENIA.'
        self.assertEqual(s[slice(*find_condition(s, 'schizophrenia'))], 'SCHIZOPHRENIA')
        self.assertIsNone(find_condition('no such thing', 'edema'))


if __name__ == '__main__':
    unittest.main()
