import { toNullable31 } from './nullable';

describe('toNullable31', () => {
  it('turns a nullable ref, as Nest writes it, into anyOf [ref, null], keeping the description', () => {
    expect(toNullable31({ nullable: true, type: 'object', description: 'Why it failed.', allOf: [{ $ref: '#/components/schemas/RunError' }] })).toEqual({
      description: 'Why it failed.',
      anyOf: [{ $ref: '#/components/schemas/RunError' }, { type: 'null' }],
    });
  });

  it('widens a nullable type, and adds null to its enum once', () => {
    expect(toNullable31({ type: 'string', nullable: true, format: 'date-time' })).toEqual({ type: ['string', 'null'], format: 'date-time' });
    expect(toNullable31({ type: 'string', nullable: true, enum: ['pipeline', 'sts'] })).toEqual({ type: ['string', 'null'], enum: ['pipeline', 'sts', null] });
    expect(toNullable31({ type: 'string', nullable: true, enum: ['pipeline', null] })).toEqual({ type: ['string', 'null'], enum: ['pipeline', null] });
  });

  it('adds a null branch to a nullable anyOf, and drops nullable: false', () => {
    expect(toNullable31({ nullable: true, anyOf: [{ type: 'integer' }, { type: 'string' }] })).toEqual({ anyOf: [{ type: 'integer' }, { type: 'string' }, { type: 'null' }] });
    expect(toNullable31({ type: 'string', nullable: false })).toEqual({ type: 'string' });
    expect(toNullable31({ type: 'string' })).toEqual({ type: 'string' });
  });
});
