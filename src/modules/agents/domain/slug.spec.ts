import fc from 'fast-check';
import { makeSlug, randomHex3, slugify } from './slug';

describe('slugify', () => {
  it.each([
    ['Daily Sales Report v2', 'daily-sales-report-v2'],
    ['  Crème brûlée -- Überblick!  ', 'creme-brulee-uberblick'],
    ['Ｆｕｌｌｗｉｄｔｈ ①', 'fullwidth-1'],
    ['İstanbul', 'istanbul'],
    ['a_b.c/d', 'a-b-c-d'],
    ['日報', 'agent'],
    ['', 'agent'],
    ['---', 'agent'],
  ])('turns %j into %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it('caps at 60 characters without ending on a dash', () => {
    expect(slugify('x'.repeat(80))).toBe('x'.repeat(60));
    expect(slugify(`${'x'.repeat(59)} yz`)).toBe('x'.repeat(59));
  });

  it('always yields a kebab-case slug of 1 to 60 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (name) => {
        expect(slugify(name)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(slugify(name).length).toBeLessThanOrEqual(60);
      }),
    );
  });
});

describe('makeSlug', () => {
  it('appends the random suffix', () => {
    expect(makeSlug('Daily Sales Report v2', 'a3f')).toBe('daily-sales-report-v2-a3f');
  });

  it('draws a fresh suffix by default', () => {
    expect(makeSlug('Report')).toMatch(/^report-[0-9a-f]{3}$/);
  });
});

describe('randomHex3', () => {
  it('returns three lowercase hex characters, padding small values', () => {
    const samples = Array.from({ length: 2000 }, randomHex3);
    for (const sample of samples) expect(sample).toMatch(/^[0-9a-f]{3}$/);
    expect(new Set(samples).size).toBeGreaterThan(1000);
  });
});
