import { parseIfMatch } from '../../../common/http/if-match';
import { formatEtag, ifMatchSatisfied as satisfiedBy } from './etag';

/** The header as a client sends it, through the parser the If-Match decorator uses. */
const ifMatchSatisfied = (header: string | undefined, version: number) => satisfiedBy(header === undefined ? undefined : parseIfMatch(header), version);

describe('formatEtag', () => {
  it('quotes the version as a strong tag', () => {
    expect(formatEtag(17)).toBe('"17"');
  });
});

describe('ifMatchSatisfied', () => {
  it.each([
    [undefined, true],
    ['*', true],
    [' * ', true],
    ['"17"', true],
    ['"16", "17"', true],
    ['"16","17" ,"18"', true],
    [', "17",,', true],
    ['W/"16", "17"', true],
    ['"16"', false],
    ['"017"', false],
    ['W/"17"', false],
    ['w/"17"', false],
    ['17', false],
    ['"17', false],
    ['"17" junk', false],
    ['', false],
    ['*, "17"', false],
  ])('If-Match %j against version 17 → %s', (header, expected) => {
    expect(ifMatchSatisfied(header, 17)).toBe(expected);
  });

  it('accepts the tag formatEtag produced', () => {
    expect(ifMatchSatisfied(formatEtag(3), 3)).toBe(true);
  });
});
