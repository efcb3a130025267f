import fc from 'fast-check';
import { applyUpdateMask, parseUpdateMask, UpdateMask } from './update-mask';

describe('parseUpdateMask', () => {
  const UPDATABLE = ['name', 'type', 'description', 'trigger', 'tools'];

  it.each([undefined, '', '  '])('treats %j as "write what is present"', (raw) => {
    expect(parseUpdateMask(raw, UPDATABLE)).toEqual({ mask: { kind: 'present' } });
  });

  it('reads "*" as every updatable field', () => {
    expect(parseUpdateMask('*', UPDATABLE)).toEqual({ mask: { kind: 'all' } });
  });

  it('splits, trims and de-duplicates paths, keeping their order', () => {
    expect(parseUpdateMask(' trigger , name,trigger', UPDATABLE)).toEqual({ mask: { kind: 'paths', paths: ['trigger', 'name'] } });
  });

  it('rejects "*" mixed with other paths', () => {
    expect(parseUpdateMask('*,name', UPDATABLE)).toEqual({ errors: [{ field: 'updateMask', message: '"*" cannot be combined with other paths' }] });
  });

  it('names each unknown path', () => {
    expect(parseUpdateMask('name,foo,Name', UPDATABLE)).toEqual({
      errors: [
        { field: 'updateMask', message: 'unknown field path "foo"' },
        { field: 'updateMask', message: 'unknown field path "Name"' },
      ],
    });
  });

  it('rejects nested paths, naming them', () => {
    expect(parseUpdateMask('trigger.schedule', UPDATABLE)).toEqual({
      errors: [{ field: 'updateMask', message: expect.stringMatching(/"trigger\.schedule".*only top-level paths are supported/) }],
    });
  });

  it('rejects empty paths between commas', () => {
    expect(parseUpdateMask('name,,type', UPDATABLE)).toEqual({ errors: [{ field: 'updateMask', message: expect.stringContaining('empty path') }] });
  });
});

describe('applyUpdateMask', () => {
  interface Content extends Record<string, unknown> {
    name: string;
    type: string;
    description: string | null;
    tools: { toolId: string }[];
  }
  const current: Content = { name: 'Report', type: 'task', description: 'daily', tools: [{ toolId: 't1' }] };
  const defaults: { [K in keyof Content]?: Content[K] } = { description: null, tools: [] };
  const required: (keyof Content)[] = ['name', 'type'];
  const apply = (body: Partial<Record<keyof Content, unknown>>, mask: UpdateMask) => applyUpdateMask(current, body, mask, defaults, required);

  describe('without a mask', () => {
    const present: UpdateMask = { kind: 'present' };

    it('writes the fields present in the body and leaves the others', () => {
      expect(apply({ name: 'Renamed' }, present)).toEqual({ next: { ...current, name: 'Renamed' }, written: ['name'] });
    });

    it('writes null, which clears, but treats undefined as absent', () => {
      expect(apply({ description: null, tools: undefined }, present)).toEqual({ next: { ...current, description: null }, written: ['description'] });
    });

    it('replaces lists whole', () => {
      expect(apply({ tools: [{ toolId: 't2' }] }, present)).toMatchObject({ next: { tools: [{ toolId: 't2' }] } });
    });

    it('never writes keys outside the updatable fields', () => {
      const body = { name: 'Renamed', owner: 'user:mallory' } as Partial<Record<keyof Content, unknown>>;
      expect(apply(body, present)).toEqual({ next: { ...current, name: 'Renamed' }, written: ['name'] });
    });

    it('leaves every field absent from the body unchanged', () => {
      const value = fc.oneof(fc.string(), fc.constant(null), fc.array(fc.record({ toolId: fc.string() })));
      const body = fc.record({ name: value, type: value, description: value, tools: value }, { requiredKeys: [] });
      fc.assert(
        fc.property(body, (b: Partial<Record<keyof Content, unknown>>) => {
          const result = apply(b, present);
          if (!('next' in result)) throw new Error('present mask produced errors');
          for (const field of Object.keys(current) as (keyof Content)[]) {
            expect(result.next[field]).toBe(Object.hasOwn(b, field) ? b[field] : current[field]);
          }
        }),
      );
    });
  });

  describe('with paths', () => {
    it('writes masked fields from the body and ignores the rest of the body', () => {
      expect(apply({ name: 'Renamed', description: 'ignored' }, { kind: 'paths', paths: ['name'] })).toEqual({
        next: { ...current, name: 'Renamed' },
        written: ['name'],
      });
    });

    it('resets a masked field absent from the body to its default', () => {
      expect(apply({}, { kind: 'paths', paths: ['description', 'tools'] })).toEqual({
        next: { ...current, description: null, tools: [] },
        written: ['description', 'tools'],
      });
    });

    it('writes an explicit null rather than the default', () => {
      const withTextDefault = applyUpdateMask(current, { description: null }, { kind: 'paths', paths: ['description'] }, { description: 'none yet' }, required);
      expect(withTextDefault).toMatchObject({ next: { description: null } });
    });

    it('rejects a masked required field absent from the body', () => {
      expect(apply({ name: 'Renamed' }, { kind: 'paths', paths: ['name', 'type'] })).toEqual({
        errors: [{ field: 'type', message: 'type is in updateMask but absent from the body and has no default' }],
      });
    });

    it('never defaults a required field, even when a default is supplied for it', () => {
      const result = applyUpdateMask(current, {}, { kind: 'paths', paths: ['name'] }, { ...defaults, name: 'Untitled' }, required);
      expect(result).toEqual({ errors: [{ field: 'name', message: expect.stringContaining('no default') }] });
    });

    it('rejects a path that is not an updatable field', () => {
      expect(apply({}, { kind: 'paths', paths: ['owner'] })).toEqual({ errors: [{ field: 'updateMask', message: 'unknown field path "owner"' }] });
    });

    it('hands out copies of defaults, never the defaults themselves', () => {
      const result = apply({}, { kind: 'paths', paths: ['tools'] });
      if (!('next' in result)) throw new Error('unexpected errors');
      expect(result.next.tools).toEqual([]);
      expect(result.next.tools).not.toBe(defaults.tools);
    });
  });

  describe('with "*"', () => {
    it('replaces every updatable field, defaulting the absent ones', () => {
      expect(apply({ name: 'New', type: 'workflow' }, { kind: 'all' })).toEqual({
        next: { name: 'New', type: 'workflow', description: null, tools: [] },
        written: expect.arrayContaining(['name', 'type', 'description', 'tools']),
      });
    });

    it('rejects every required field missing from the body', () => {
      expect(apply({ description: 'x' }, { kind: 'all' })).toEqual({
        errors: [
          { field: 'name', message: expect.stringContaining('no default') },
          { field: 'type', message: expect.stringContaining('no default') },
        ],
      });
    });
  });

  it('does not mutate its inputs', () => {
    const before = structuredClone({ current, defaults });
    const body = { name: 'Renamed', tools: [{ toolId: 't9' }] };
    apply(body, { kind: 'all' });
    apply(body, { kind: 'present' });
    expect({ current, defaults }).toEqual(before);
    expect(body).toEqual({ name: 'Renamed', tools: [{ toolId: 't9' }] });
  });
});
