import { randomUUID } from 'node:crypto';
import { inputSchemaErrors, inputViolations } from './admission-content';

describe('inputSchemaErrors', () => {
  it('accepts null and valid 2020-12 schemas, with unknown keywords and formats as annotations', () => {
    expect(inputSchemaErrors(null)).toEqual([]);
    expect(inputSchemaErrors({ type: 'object', properties: { email: { type: 'string', format: 'email' } }, 'x-ui': { order: 1 } })).toEqual([]);
    expect(inputSchemaErrors({ $id: 'https://example.com/in', type: 'object' })).toEqual([]);
    expect(inputSchemaErrors({ $id: 'https://example.com/in', type: 'string' })).toEqual([]);
  });

  it('refuses invalid schemas, remote refs, huge schemas and unsafe or long patterns, naming where', () => {
    expect(inputSchemaErrors({ type: 'nope' })).toEqual([{ field: 'inputSchema', message: expect.stringContaining('not a valid JSON Schema') }]);
    expect(inputSchemaErrors({ $ref: 'https://example.com/elsewhere' })).toEqual([{ field: 'inputSchema', message: expect.stringContaining("can't resolve reference") }]);
    expect(inputSchemaErrors({ enum: ['x'.repeat(40_000)] })).toEqual([{ field: 'inputSchema', message: expect.stringContaining('at most 32768 bytes') }]);
    expect(inputSchemaErrors({ properties: { a: { pattern: '^(a+)+$' } } })).toEqual([{ field: 'inputSchema.properties.a.pattern', message: expect.stringContaining('nests quantifiers') }]);
    expect(inputSchemaErrors({ pattern: 'a'.repeat(257) })).toEqual([{ field: 'inputSchema.pattern', message: expect.stringContaining('at most 256') }]);
    expect(inputSchemaErrors({ patternProperties: { '([a-z]*)*': {} } })).toEqual([{ field: 'inputSchema.patternProperties', message: expect.stringContaining('nests quantifiers') }]);
    expect(inputSchemaErrors({ pattern: '(' })).toEqual([{ field: 'inputSchema.pattern', message: expect.stringContaining('not a valid regular expression') }]);
  });
});

describe('inputViolations', () => {
  const schema = { type: 'object', required: ['region', 'day'], additionalProperties: false, properties: { region: { enum: ['EMEA', 'AMER'] }, day: { type: 'string' } } };

  it('lists one entry per violation, each a JSON pointer', () => {
    const id = randomUUID();
    expect(inputViolations(id, schema, { region: 'EMEA', day: '2026-05-11' })).toEqual([]);
    expect(inputViolations(id, schema, { region: 'MARS', extra: 1 })).toEqual([
      { field: '/day', message: "must have required property 'day'" },
      { field: '/extra', message: 'must NOT have additional properties' },
      { field: '/region', message: 'must be equal to one of the allowed values' },
    ]);
    expect(inputViolations(id, schema, undefined)).toEqual([{ field: '', message: 'must be object' }]);
  });

  it('compiles a version once: its cached validator keeps answering for that version', () => {
    const id = randomUUID();
    expect(inputViolations(id, { type: 'string' }, 1)).toHaveLength(1);
    // A published version never changes; a different schema under the same id would be a bug, and the cache shows it is not recompiled.
    expect(inputViolations(id, { type: 'number' }, 1)).toHaveLength(1);
  });
});
