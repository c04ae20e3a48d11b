/**
 * @file Reads a `--output-format fhir` Bundle back into per-head label lists, so tests can check that
 * the FHIR output says what the JSON Lines output says.
 */
import type { Bundle, FhirResource, MedicationRequest, RiskAssessment } from 'fhir/r4.js';
import { FHIR_URIS } from '../../src/pipeline/fhir-output.js';

export interface ReadLabel {
  code: string | undefined;
  display: string;
  score: number;
}

const ofType = <T extends FhirResource>(b: Bundle, type: T['resourceType']) =>
  (b.entry ?? []).map((e) => e.resource).filter((r) => r?.resourceType === type) as T[];

/** The line's predictions read back from a Bundle: diagnoses, drugs and the head-prediction extensions. */
export function predictionsOf(bundle: Bundle): Record<string, ReadLabel[]> {
  const risk = ofType<RiskAssessment>(bundle, 'RiskAssessment')[0] as RiskAssessment;
  const out: Record<string, ReadLabel[]> = { diagnoses: [], drugs: [] };
  for (const p of risk.prediction ?? []) {
    if (p.outcome?.coding?.[0]?.system === FHIR_URIS.abstention) continue;
    out.diagnoses?.push({ code: p.outcome?.coding?.[0]?.code, display: p.outcome?.text ?? '', score: p.probabilityDecimal ?? -1 });
  }
  for (const m of ofType<MedicationRequest>(bundle, 'MedicationRequest')) {
    const c = m.medicationCodeableConcept;
    out.drugs?.push({ code: c?.coding?.[0]?.code, display: c?.text ?? '', score: m.extension?.[0]?.valueDecimal ?? -1 });
  }
  for (const x of risk.extension ?? []) {
    const part = (url: string) => x.extension?.find((e) => e.url === url);
    const head = part('head')?.valueString as string;
    const concept = part('label')?.valueCodeableConcept;
    const labels = out[head] ?? [];
    out[head] = labels;
    labels.push({
      code: concept?.coding?.[0]?.code,
      display: concept?.text ?? '',
      score: part('probability')?.valueDecimal ?? -1,
    });
  }
  return out;
}
