import { sseComment, sseMessage } from './sse';

describe('Server-Sent Events', () => {
  it('writes id, event and data lines and a blank line, the data as one line of JSON', () => {
    expect(sseMessage({ id: 'abc', event: 'run.started', data: { text: 'two\nlines', n: 1 } })).toBe('id: abc\nevent: run.started\ndata: {"text":"two\\nlines","n":1}\n\n');
  });

  it('leaves the id out when there is none, so the client keeps the last one it had', () => {
    expect(sseMessage({ event: 'overflow', data: {} })).toBe('event: overflow\ndata: {}\n\n');
  });

  it('writes comments that clients ignore', () => {
    expect(sseComment('keep-alive')).toBe(': keep-alive\n\n');
  });
});
