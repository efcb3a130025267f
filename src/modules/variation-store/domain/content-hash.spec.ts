import fc from 'fast-check';
import { canonicalJson, contentHash } from './content-hash';
import { content } from '../../../../test/support/content';
import { defaultContent, type VariationContent } from './variation-content';

/** The same value with every object's keys inserted in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, member]) => [key, reverseKeys(member)]),
    );
  }
  return value;
}

describe('canonicalJson', () => {
  it('sorts object keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('drops undefined object members but writes undefined array items as null', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('escapes keys and strings as JSON does', () => {
    expect(canonicalJson({ 'q"k': 'line\nbreak', é: '✓' })).toBe('{"q\\"k":"line\\nbreak","é":"✓"}');
  });

  it('distinguishes values JSON distinguishes', () => {
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
    expect(canonicalJson('1')).not.toBe(canonicalJson(1));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: [] })).not.toBe(canonicalJson({ a: {} }));
  });

  it('does not depend on key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(reverseKeys(value))).toBe(canonicalJson(value));
      }),
    );
  });

  it('loses nothing: parsing it gives the value back, so different values never collide', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('contentHash', () => {
  it('is a sha256 hex digest', () => {
    expect(contentHash(defaultContent('Report', 'task'))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores key order in free-form nested objects', () => {
    const first = content({
      tools: [{ toolId: 't1', config: { region: 'eu', limits: { max: 5, min: 1 } } }],
      agentSelection: { strategy: 'round-robin', pool: [1, 2] },
      trigger: { type: 'schedule', schedule: { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' } },
    });
    const second = content({
      trigger: { schedule: { timezone: 'Europe/Berlin', cron: '0 9 * * 1-5' }, type: 'schedule' },
      agentSelection: { pool: [1, 2], strategy: 'round-robin' },
      tools: [{ config: { limits: { min: 1, max: 5 }, region: 'eu' }, toolId: 't1' }],
    });
    expect(contentHash(second)).toBe(contentHash(first));
  });

  it('treats an absent optional field like an undefined one', () => {
    expect(contentHash(content({ tools: [{ toolId: 't1', config: undefined }] }))).toBe(
      contentHash(content({ tools: [{ toolId: 't1' }] })),
    );
  });

  it('hashes content stored before the admission fields existed as the same content with them null', () => {
    const { concurrency: _c, inputSchema: _i, retry: _r, budget: _b, ...older } = defaultContent('Report', 'task');
    expect(contentHash(older as VariationContent)).toBe(contentHash(defaultContent('Report', 'task')));
    expect(contentHash({ ...defaultContent('Report', 'task'), concurrency: { limit: 2, onLimit: 'queue' } })).not.toBe(contentHash(older as VariationContent));
    expect(contentHash({ ...defaultContent('Report', 'task'), budget: { monthlyUsd: 100, onExceeded: 'notify' } })).not.toBe(contentHash(older as VariationContent));
  });

  it('changes when any content changes', () => {
    const base = content({ tools: [{ toolId: 't1' }, { toolId: 't2' }] });
    const variants: VariationContent[] = [
      { ...base, name: 'Report 2' },
      { ...base, description: '' },
      { ...base, tools: [{ toolId: 't2' }, { toolId: 't1' }] },
      { ...base, tools: [{ toolId: 't1', config: {} }, { toolId: 't2' }] },
      { ...base, voice: { enabled: true, pipelineMode: null } },
      { ...base, subAgents: [{ agentId: 7 }] },
    ];
    const hashes = new Set([base, ...variants].map(contentHash));
    expect(hashes.size).toBe(variants.length + 1);
  });
});
