import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got, as it arrived. */
export interface Received {
  webhookId: string;
  timestamp: string;
  signature: string;
  body: string;
  /** When it arrived (Date.now()). */
  at: number;
}

/** What the receiver answers a request: a status (with headers and body), or 'hang' (never answer; the socket stays open). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Receiver {
  /** http://127.0.0.1:<port>/hook: loopback only. */
  url: string;
  received: Received[];
  /** The most requests it held open at once (answered or not). */
  maxOpen: number;
  /** How the next requests are answered (the nth request, from 1, is passed). */
  answer: (request: Received, n: number) => Answer;
  close(): Promise<void>;
}

/**
 * A webhook receiver on loopback, as a customer would run one: it records every request and answers
 * as the test says. Verification is the test's, with `standardwebhooks` (verifyWith).
 */
export async function startReceiver(answer: Receiver['answer'] = () => ({ status: 200, body: 'ok' })): Promise<Receiver> {
  const sockets = new Set<Socket>();
  let open = 0;
  const receiver: Receiver = { url: '', received: [], maxOpen: 0, answer, close: async () => undefined };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    open += 1;
    receiver.maxOpen = Math.max(receiver.maxOpen, open);
    // A request is open until its answer is sent or its connection goes (the sender gave up on a hanging one).
    let closed = false;
    const close = () => {
      if (!closed) open -= 1;
      closed = true;
    };
    response.on('finish', close);
    response.on('close', close);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: Received = {
        webhookId: String(request.headers['webhook-id']),
        timestamp: String(request.headers['webhook-timestamp']),
        signature: String(request.headers['webhook-signature']),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      receiver.received.push(received);
      const reply = receiver.answer(received, receiver.received.length);
      if (reply === 'hang') return;
      response.writeHead(reply.status, reply.headers ?? {});
      response.end(reply.body ?? '');
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the receiver has no port');
  receiver.url = `http://127.0.0.1:${address.port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return receiver;
}

/** The request's payload as `standardwebhooks` verifies it with `secret`; throws when the signature does not verify. */
export function verifyWith(secret: string, request: Received): { type: string; timestamp: string; data: any } {
  return new Webhook(secret).verify(request.body, { 'webhook-id': request.webhookId, 'webhook-timestamp': request.timestamp, 'webhook-signature': request.signature }) as {
    type: string;
    timestamp: string;
    data: any;
  };
}
