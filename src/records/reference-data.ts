/**
 * @file Which FHIR resource types are reference data: resources about no patient that clinical
 * resources point to (who, where, with what), never a record of their own.
 *
 * Why: Synthea writes each run's organizations, locations and practitioners as Bundles of their
 * own (`hospitalInformation*.json`, `practitionerInformation*.json`), and Bulk Data exports carry
 * `Organization.ndjson` and the like. Such inputs hold nothing to predict, so they are counted as
 * skipped rather than dead-lettered: a nightly run over a Synthea folder exits 0. A Bundle with any
 * clinical resource but no Patient is still a dead letter (`NO_PATIENT`).
 *
 * The list: the provider directory (Organization, OrganizationAffiliation, Location, Practitioner,
 * PractitionerRole, HealthcareService, Endpoint, InsurancePlan), products and their definitions
 * (Medication, MedicationKnowledge, Substance, Device, DeviceDefinition: a Device that names a
 * patient is attributed to that patient before this list is consulted), and conformance and
 * knowledge artifacts (terminology, profiles, questionnaires, definitions). Left out on purpose:
 * Binary (its securityContext may name a patient or note), Provenance, Group, List and anything
 * that may record care.
 */
export const REFERENCE_DATA_TYPES: ReadonlySet<string> = new Set([
  'Organization',
  'OrganizationAffiliation',
  'Location',
  'Practitioner',
  'PractitionerRole',
  'HealthcareService',
  'Endpoint',
  'InsurancePlan',
  'Medication',
  'MedicationKnowledge',
  'Substance',
  'Device',
  'DeviceDefinition',
  'CapabilityStatement',
  'StructureDefinition',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'NamingSystem',
  'SearchParameter',
  'OperationDefinition',
  'ImplementationGuide',
  'Questionnaire',
  'PlanDefinition',
  'ActivityDefinition',
  'Library',
]);

/** `2 Organization, 1 Location`: the types of some resources with their counts, most first. */
export function countTypes(types: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([t, n]) => `${n} ${t}`)
    .join(', ');
}
