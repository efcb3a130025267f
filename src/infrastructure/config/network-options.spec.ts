import { validateConfig } from './app-config';
import { parseCorsOrigins, parseTrustProxy } from './network-options';

describe('parseCorsOrigins', () => {
  it('reads a comma-separated list of exact origins, spaces around entries ignored', () => {
    expect(parseCorsOrigins('https://app.example.com, http://localhost:5173,https://[::1]:8443')).toEqual({
      value: ['https://app.example.com', 'http://localhost:5173', 'https://[::1]:8443'],
    });
  });

  it.each([
    ['*', '"*" is not accepted; list each origin (https://app.example.com)'],
    ['https://app.example.com/', '"https://app.example.com/" is not an origin as browsers send it; write "https://app.example.com"'],
    ['https://App.Example.com', '"https://App.Example.com" is not an origin as browsers send it; write "https://app.example.com"'],
    ['https://app.example.com:443', '"https://app.example.com:443" is not an origin as browsers send it; write "https://app.example.com"'],
    ['https://app.example.com/path', '"https://app.example.com/path" is not an origin as browsers send it; write "https://app.example.com"'],
    ['app.example.com', '"app.example.com" is not an origin such as https://app.example.com'],
    ['null', '"null" is not an origin such as https://app.example.com'],
    ['ftp://files.example.com', '"ftp://files.example.com" is not an http or https origin'],
    ['https://a.example.com,,https://b.example.com', 'an entry is empty'],
  ])('refuses %p', (text, problem) => {
    expect(parseCorsOrigins(text)).toEqual({ problem });
  });
});

describe('parseTrustProxy', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.1 ,fd00::/8', ['10.0.0.0/8', '192.168.1.1', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('reads %p', (text, value) => {
    expect(parseTrustProxy(text)).toEqual({ value });
  });

  it('refuses a hop count, which Fastify 5 ignores', () => {
    expect(parseTrustProxy('1')).toEqual({ problem: "a hop count (1) is not accepted; list the proxies' addresses or CIDR ranges, or true" });
  });

  it.each([['yes'], ['TRUE'], ['10.0.0.0/33'], ['::1/129'], ['10.0.0.0/8/1'], ['10.0.0.256'], ['10.0.0.1,'], ['proxy.internal']])('refuses %p', (text) => {
    expect(parseTrustProxy(text)).toEqual({ problem: expect.stringMatching(/^must be true, false, or a comma-separated list of addresses and CIDR ranges; not /) });
  });
});

describe('AppConfig network settings', () => {
  const SECRET = 'a-real-secret-that-is-at-least-32-characters';

  it('listens on 127.0.0.1 with the development secret, on every interface with a real one, and where HOST says otherwise', () => {
    expect(validateConfig({}).listenHost).toBe('127.0.0.1');
    expect(validateConfig({ AUTH_JWT_SECRET: SECRET }).listenHost).toBe('0.0.0.0');
    expect(validateConfig({ AUTH_JWKS_URL: 'https://issuer.example.com/.well-known/jwks.json' }).listenHost).toBe('0.0.0.0');
    expect(validateConfig({ HOST: '0.0.0.0' }).listenHost).toBe('0.0.0.0');
    expect(validateConfig({ AUTH_JWT_SECRET: SECRET, HOST: '127.0.0.1' }).listenHost).toBe('127.0.0.1');
    expect(validateConfig({ HOST: '' }).listenHost).toBe('127.0.0.1');
  });

  it('keeps CORS off and trusts no proxy by default', () => {
    const config = validateConfig({ CORS_ORIGINS: '', TRUST_PROXY: '' });
    expect(config.corsOrigins).toBeUndefined();
    expect(config.trustProxy).toBe(false);
  });

  it('offers the parsed values', () => {
    const config = validateConfig({ CORS_ORIGINS: 'https://app.example.com', TRUST_PROXY: '10.0.0.0/8' });
    expect(config.corsOrigins).toEqual(['https://app.example.com']);
    expect(config.trustProxy).toEqual(['10.0.0.0/8']);
  });

  it('stops the start with one line naming each bad variable', () => {
    expect(() => validateConfig({ CORS_ORIGINS: '*', TRUST_PROXY: '2' })).toThrow(
      'Invalid configuration: CORS_ORIGINS: "*" is not accepted; list each origin (https://app.example.com); ' +
        "TRUST_PROXY: a hop count (2) is not accepted; list the proxies' addresses or CIDR ranges, or true",
    );
  });
});
