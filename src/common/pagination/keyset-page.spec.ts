import { codeOf } from '../../../test/support/errors';
import { ErrorCode } from '../errors/error-code';
import { keysetPage, pageCursor } from './keyset-page';
import { encodePageToken } from './page-token';

describe('keysetPage', () => {
  const rows = [{ id: 9 }, { id: 7 }, { id: 4 }];

  it('shows pageSize rows and points the next page after the last one shown', () => {
    const { items, nextPageToken } = keysetPage(rows, 2, (row) => row.id);
    expect(items).toEqual([{ id: 9 }, { id: 7 }]);
    expect(pageCursor(nextPageToken ?? undefined, 'integer')).toBe(7);
  });

  it('has no next page when the extra row is missing', () => {
    expect(keysetPage(rows, 3, (row) => row.id)).toEqual({ items: rows, nextPageToken: null });
  });
});

describe('pageCursor', () => {
  it('is undefined on the first page, and text cursors keep bigints exact', () => {
    expect(pageCursor(undefined, 'integer')).toBeUndefined();
    expect(pageCursor(encodePageToken('9007199254740993'), 'text')).toBe('9007199254740993');
  });

  it('refuses tokens it did not issue, and a text cursor where ids are expected, with a 400 on pageToken', () => {
    expect(codeOf(() => pageCursor('garbage', 'integer'))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(codeOf(() => pageCursor(encodePageToken('12'), 'integer'))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(codeOf(() => pageCursor(encodePageToken('9999999999999999999'), 'text'))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(pageCursor(encodePageToken('9223372036854775807'), 'text')).toBe('9223372036854775807');
    expect(codeOf(() => pageCursor(encodePageToken(2_147_483_648), 'integer'))).toBe(ErrorCode.VALIDATION_FAILED);
    expect(pageCursor(encodePageToken(2_147_483_647), 'integer')).toBe(2_147_483_647);
  });
});
