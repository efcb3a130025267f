import { Grant, MAX_GRANTS, validateGrants } from './access-config';

describe('validateGrants', () => {
  it('accepts user, group and apikey grants', () => {
    expect(
      validateGrants([
        { principal: 'user:user_1', access: 'manage' },
        { principal: 'group:sales', access: 'use' },
        { principal: 'apikey:3f2c', access: 'use' },
      ]),
    ).toEqual([]);
  });

  it.each(['user:', 'group:', 'team:sales', 'sales', 'user:a b', 'group:\tx', `user:${'x'.repeat(200)}`, ''])(
    'rejects the principal %j',
    (principal) => {
      expect(validateGrants([{ principal, access: 'use' }])).toEqual([{ field: 'accessConfig.grants[0].principal', message: expect.stringMatching(/user:<id>/) }]);
    },
  );

  it('accepts a principal of exactly 200 characters', () => {
    expect(validateGrants([{ principal: `user:${'x'.repeat(195)}`, access: 'use' }])).toEqual([]);
  });

  it('rejects an access level other than use or manage', () => {
    const grants = [{ principal: 'user:a', access: 'owner' }] as unknown as Grant[];
    expect(validateGrants(grants)).toEqual([{ field: 'accessConfig.grants[0].access', message: 'must be use or manage' }]);
  });

  it('reports every duplicate after the first, naming the first', () => {
    const errors = validateGrants([
      { principal: 'group:sales', access: 'use' },
      { principal: 'user:a', access: 'use' },
      { principal: 'group:sales', access: 'manage' },
      { principal: 'group:sales', access: 'use' },
    ]);
    expect(errors).toEqual([
      { field: 'accessConfig.grants[2].principal', message: expect.stringContaining('accessConfig.grants[0]') },
      { field: 'accessConfig.grants[3].principal', message: expect.stringContaining('accessConfig.grants[0]') },
    ]);
  });

  it(`allows ${MAX_GRANTS} grants and rejects one more`, () => {
    const grants = (n: number): Grant[] => Array.from({ length: n }, (_, i) => ({ principal: `user:u${i}`, access: 'use' }));
    expect(validateGrants(grants(MAX_GRANTS))).toEqual([]);
    expect(validateGrants(grants(MAX_GRANTS + 1))).toEqual([{ field: 'accessConfig.grants', message: expect.stringContaining('at most 200') }]);
  });

  it('reports under the given path', () => {
    expect(validateGrants([{ principal: 'nobody', access: 'use' }], 'grants')[0].field).toBe('grants[0].principal');
  });
});
