import { Webhook } from 'standardwebhooks';
import { generateSecret, signatureHeaders, webhookBody } from './signature';

describe('webhook signatures', () => {
  const at = new Date();
  const body = webhookBody('run.succeeded', new Date('2026-12-06T12:00:00.000Z'), { runId: 'r1' });

  it('shapes the body as {type, timestamp, data}', () => {
    expect(JSON.parse(body)).toEqual({ type: 'run.succeeded', timestamp: '2026-12-06T12:00:00.000Z', data: { runId: 'r1' } });
  });

  it('signs so that the standard library verifies with the secret', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const headers = signatureHeaders('msg_1', at, body, [secret]);
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('during a rotation carries one signature per secret, each verifying alone; a third secret verifies nothing', () => {
    const [current, previous, stranger] = [generateSecret(), generateSecret(), generateSecret()];
    const headers = signatureHeaders('msg_2', at, body, [current, previous]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(previous).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(stranger).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(current).verify(body.replace('r1', 'r2'), { ...headers })).toThrow();
  });
});
