import { describe, expect, it } from 'vitest';
import type { FhirResource, ResourceEntry } from '../../src/records/fhir.js';
import { parseReference, patientKeyOfReference, resourceKey, ResourceIndex } from '../../src/records/fhir-refs.js';

// minimal resources: only what references read, not every field R4 requires
const entry = (minimal: { resourceType: string; id?: string }, fullUrl?: string): ResourceEntry => {
  const resource = minimal as FhirResource;
  return {
    resource,
    key: resourceKey(resource, fullUrl, 'x'),
    position: { file: 'b.json' },
    baseDir: '/',
    ...(fullUrl ? { fullUrl } : {}),
  };
};

describe('FHIR references', () => {
  it('parses relative, absolute, versioned, urn:uuid and contained references', () => {
    expect(parseReference('Patient/123')).toEqual({ key: 'Patient/123', type: 'Patient', id: '123' });
    expect(parseReference('https://example.org/fhir/Patient/p-1.2/_history/3')).toMatchObject({ key: 'Patient/p-1.2' });
    expect(parseReference('urn:uuid:AD134528-56A5-35FD-C37F-466FF119C625')).toEqual({ uuid: 'ad134528-56a5-35fd-c37f-466ff119c625' });
    expect(parseReference('#med1')).toEqual({ contained: 'med1' });
    expect(parseReference('not a reference')).toEqual({});
  });

  it('names a resource by its id, or by its fullUrl when it has none', () => {
    expect(resourceKey({ resourceType: 'Patient', id: '7' }, 'urn:uuid:abc', 'x')).toBe('Patient/7');
    expect(resourceKey({ resourceType: 'Patient' }, 'urn:uuid:61ebe359-bfdc', 'x')).toBe('Patient/61ebe359-bfdc');
    expect(resourceKey({ resourceType: 'Patient' }, 'http://h/fhir/Patient/9', 'x')).toBe('Patient/9');
    expect(resourceKey({ resourceType: 'Patient' }, undefined, 'entry-3')).toBe('Patient/entry-3');
  });

  it('resolves by fullUrl first, then Type/id, then a unique uuid id', () => {
    const pat = entry({ resourceType: 'Patient', id: '355' }, 'urn:uuid:e91975f5-9445-c11f-cabf-c3c6dae161f2');
    const bin = entry({ resourceType: 'Binary', id: 'f006' }, 'http://example.org/fhir/Binary/f006');
    const enc = entry({ resourceType: 'Encounter', id: '0bb40726-2ce8-c94f-7123-aeaa7b25387a' });
    const index = new ResourceIndex([pat, bin, enc]);
    expect(index.lookup('urn:uuid:e91975f5-9445-c11f-cabf-c3c6dae161f2')).toBe(pat);
    expect(index.lookup('Patient/355')).toBe(pat);
    expect(index.lookup('https://other.example/base/Patient/355')).toBe(pat);
    expect(index.lookup('Binary/f006')).toBe(bin);
    expect(index.lookup('urn:uuid:0bb40726-2ce8-c94f-7123-aeaa7b25387a')).toBe(enc);
    expect(index.lookup('Patient/404')).toBeUndefined();
  });

  it('keys patients for grouping from any reference spelling', () => {
    expect(patientKeyOfReference('Patient/1')).toBe('Patient/1');
    expect(patientKeyOfReference('http://x/fhir/Patient/1')).toBe('Patient/1');
    expect(patientKeyOfReference('urn:uuid:ABC-1')).toBe('Patient/abc-1');
    expect(patientKeyOfReference('Group/1')).toBeUndefined();
  });
});
