/** Opaque keyset cursors: clients pass them back untouched; a tampered token is a 400, not a 500. */
export function encodePageToken(cursor: string | number): string {
  return Buffer.from(JSON.stringify({ after: cursor })).toString('base64url');
}

export function decodePageToken(token: string): string | number | null {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'number' && Number.isSafeInteger(parsed.after)) return parsed.after;
    if (typeof parsed.after === 'string' && /^\d{1,19}$/.test(parsed.after)) return parsed.after;
    return null;
  } catch {
    return null;
  }
}
