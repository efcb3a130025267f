/**
 * An event's place in the log: the id of the transaction that wrote it (PostgreSQL's 64-bit xid8,
 * which never wraps), then the order of the event within that transaction. The log is read in this
 * order, and only below the oldest transaction still running (docs/decisions.md, "Events").
 */
export interface EventPosition {
  txid: bigint;
  seq: bigint;
}

const WIDTH = 16;
const MAX_SEQ = (1n << 63n) - 1n;
const EVENT_ID = /^[0-9a-f]{32}$/;

/**
 * The event's `id` as clients see it: opaque to them, but fixed-width hex, so ids compare as strings
 * in log order and a tampered one is simply another position (or a 400 when malformed).
 */
export function encodeEventId({ txid, seq }: EventPosition): string {
  return txid.toString(16).padStart(WIDTH, '0') + seq.toString(16).padStart(WIDTH, '0');
}

/** The position an id names, or null when it is not one this service could have issued. */
export function decodeEventId(text: string): EventPosition | null {
  if (!EVENT_ID.test(text)) return null;
  const position = { txid: BigInt(`0x${text.slice(0, WIDTH)}`), seq: BigInt(`0x${text.slice(WIDTH)}`) };
  // seq is a PostgreSQL bigint (signed); a larger one would fail in SQL, a 500 instead of a 400.
  return position.seq <= MAX_SEQ ? position : null;
}

export const positionFromDatabase = (txid: string, seq: string): EventPosition => ({ txid: BigInt(txid), seq: BigInt(seq) });

/** Where the log stands when everything before transaction `horizon` is settled and nothing of it or later is: before all of that. */
export const positionBefore = (horizon: bigint): EventPosition => ({ txid: horizon, seq: 0n });

export function comparePositions(a: EventPosition, b: EventPosition): number {
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

/** Which way a page token leads from the page that issued it: on (`next`) or back (`previous`), relative to the order asked for. */
export type PageDirection = 'next' | 'previous';

export interface PageCursor {
  direction: PageDirection;
  /** The page continues strictly beyond this event, in that direction. */
  from: EventPosition;
}

export function encodePageCursor({ direction, from }: PageCursor): string {
  return Buffer.from(`${direction === 'next' ? 'n' : 'p'}${encodeEventId(from)}`).toString('base64url');
}

export function decodePageCursor(token: string): PageCursor | null {
  const text = Buffer.from(token, 'base64url').toString('latin1');
  const from = decodeEventId(text.slice(1));
  if ((text[0] !== 'n' && text[0] !== 'p') || !from) return null;
  return { direction: text[0] === 'n' ? 'next' : 'previous', from };
}
