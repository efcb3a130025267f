// Unit tests of the client's helpers against the built package (node --test); the kit and the streams
// are tested against the real service in the root e2e suite (test/client-runtime.e2e-spec.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentryError, etagOf, ifMatch, pages, parseSse, withIfMatch } from '../dist/index.js';

const streamOf = (...chunks) =>
  new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

test('parseSse: messages split across chunks, comments skipped, multi-line data joined, CRLF accepted', async () => {
  const messages = [];
  for await (const message of parseSse(streamOf(': hello\n\nid: 1\nevent: run.started\nda', 'ta: {"a":\ndata: 1}\n\n', 'id: 2\r\nevent: overflow\r\n\r\n'))) messages.push(message);
  assert.deepEqual(messages, [
    { id: '1', event: 'run.started', data: '{"a":\n1}' },
    { id: '2', event: 'overflow' },
  ]);
});

test('AgentryError: reads a problem, the seed-002 envelope, and Retry-After', () => {
  const problem = { type: 'https://agentry.dev/problems/x', title: 'Conflict', status: 409, detail: 'The run is succeeded.', code: 'RUN_STATE_CONFLICT', requestId: 'r-1' };
  const fromProblem = new AgentryError(new Response('', { status: 409 }), problem);
  assert.equal(fromProblem.code, 'RUN_STATE_CONFLICT');
  assert.equal(fromProblem.requestId, 'r-1');
  assert.deepEqual(fromProblem.problem, problem);
  const envelope = { status: 'error', status_code: 413, message: 'Too large', data: null, code: 'PAYLOAD_TOO_LARGE', request_id: 'r-2' };
  const fromEnvelope = new AgentryError(new Response('', { status: 413 }), envelope);
  assert.equal(fromEnvelope.code, 'PAYLOAD_TOO_LARGE');
  assert.equal(fromEnvelope.requestId, 'r-2');
  assert.equal(fromEnvelope.problem, undefined);
  const busy = new AgentryError(new Response('', { status: 503, headers: { 'retry-after': '7' } }), undefined);
  assert.equal(busy.retryAfterSeconds, 7);
});

test('ETag helpers: from the header or the body, as If-Match, retried on 412', async () => {
  assert.equal(etagOf(new Response('', { headers: { etag: '"3"' } })), '"3"');
  assert.equal(etagOf({ etag: '"4"' }), '"4"');
  assert.deepEqual(ifMatch({ etag: '"5"' }), { 'If-Match': '"5"' });
  assert.throws(() => ifMatch({}));
  let version = 1;
  const seen = [];
  const written = await withIfMatch(
    async () => ({ etag: `"${version}"` }),
    async (_current, condition) => {
      seen.push(condition['If-Match']);
      if (seen.length === 1) {
        version++;
        throw new AgentryError(new Response('', { status: 412 }), undefined);
      }
      return 'ok';
    },
  );
  assert.equal(written, 'ok');
  assert.deepEqual(seen, ['"1"', '"2"']);
});

test('pages: follows nextPageToken until null', async () => {
  const book = { undefined: { items: [1, 2], nextPageToken: 'b' }, b: { items: [3], nextPageToken: 'c' }, c: { items: [], nextPageToken: null } };
  const asked = [];
  const all = [];
  for await (const item of pages(async (token) => (asked.push(token), book[String(token)]), (page) => page.items)) all.push(item);
  assert.deepEqual(all, [1, 2, 3]);
  assert.deepEqual(asked, [undefined, 'b', 'c']);
});
