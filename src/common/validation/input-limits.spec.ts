import { inputProblems, isStorableText, MAX_JSON_DEPTH } from './input-limits';

describe('isStorableText', () => {
  it.each(['', 'plain', 'astral \ud83d\ude80', '\ufffd', 'tab\tnew\nline'])('accepts %j', (text) => expect(isStorableText(text)).toBe(true));
  it.each(['a\u0000b', 'a\ud800', '\ud800b', '\udc00', 'x\ude00y', '\ud83d\ud83d\ude80'.slice(0, 1)])('refuses %j', (text) =>
    expect(isStorableText(text)).toBe(false),
  );
});

describe('inputProblems', () => {
  const nest = (depth: number): unknown => {
    let value: unknown = 1;
    for (let level = 0; level < depth; level++) value = [value];
    return value;
  };

  it('names the path of a bad string and the object holding a bad key', () => {
    expect(inputProblems({ a: { b: ['ok', 'x\u0000'] }, c: { ['k\ud800']: 1 } }, '')).toEqual([
      { field: 'c', message: expect.stringMatching(/^a key of c /) },
      { field: 'a.b[1]', message: expect.stringMatching(/^a\.b\[1\] contains a NUL/) },
    ]);
  });

  it('uses the parameter name as the root', () => {
    expect(inputProblems('a\u0000', 'q')).toEqual([{ field: 'q', message: expect.any(String) }]);
  });

  it(`allows ${MAX_JSON_DEPTH} levels and refuses one more`, () => {
    expect(inputProblems(nest(MAX_JSON_DEPTH), '')).toEqual([]);
    expect(inputProblems(nest(MAX_JSON_DEPTH + 1), '')).toEqual([{ field: `${'[0]'.repeat(MAX_JSON_DEPTH)}`, message: expect.stringMatching(/deeper/) }]);
  });

  it('walks a depth far beyond the limit without recursion', () => {
    expect(inputProblems(nest(100_000), '')).toHaveLength(1);
  });

  it('reports at most 20 problems', () => {
    expect(inputProblems(Array.from({ length: 1000 }, () => '\u0000'), '')).toHaveLength(20);
  });
});
