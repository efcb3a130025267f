import { LookupFunction } from 'node:net';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Destination } from './domain/destination';

/** How much of a receiver's answer the delivery log keeps. */
export const RESPONSE_BODY_BYTES = 1024;

export interface SendResult {
  statusCode: number | null;
  retryAfter: string | null;
  latencyMs: number;
  /** Why no answer came (timeout, connection error), or null. */
  error: string | null;
  /** The first RESPONSE_BODY_BYTES bytes of the answer, as text. */
  responseBody: string | null;
}

/**
 * One POST to a checked destination. The socket connects to the address the check approved (the
 * `lookup` hands it over; the name is not resolved again, so a name cannot change its answer between
 * the check and the connection), while TLS still verifies the certificate for the URL's host name.
 * Redirects are not followed (a 3xx is a failed try). The whole exchange, up to the first KiB of the
 * body, must end within `timeoutMs`; then the socket is destroyed. No keep-alive: a connection is for
 * one try.
 */
export function sendWebhook(destination: Destination, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SendResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: destination.address, family: destination.family }]);
    } else callback(null, destination.address, destination.family);
  };
  const { url } = destination;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const req = request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Agentry-Webhooks/1' },
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const text = Buffer.concat(chunks).subarray(0, RESPONSE_BODY_BYTES).toString('utf8').replace(/\u0000/g, '');
          const retryAfter = response.headers['retry-after'];
          finish({ statusCode: response.statusCode ?? null, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, error: null, responseBody: text });
          response.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_BODY_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= RESPONSE_BODY_BYTES) done();
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ statusCode: null, retryAfter: null, error: `No answer within ${timeoutMs} ms.`, responseBody: null });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ statusCode: null, retryAfter: null, error: `${error.code ?? 'ERROR'}: ${error.message}`.slice(0, 500), responseBody: null }));
    req.end(body);
  });
}
