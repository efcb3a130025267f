import { apiKeyMatches, generateApiKey, looksLikeApiKey, lookupPrefix } from './api-key-secret';

describe('api key secrets', () => {
  it('generates pk_live_ keys whose prefix is their lookup index', () => {
    const generated = generateApiKey();
    expect(generated.key).toMatch(/^pk_live_[A-Za-z0-9_-]{43}$/);
    expect(generated.prefix).toBe(lookupPrefix(generated.key));
    expect(generated.prefix).toHaveLength(20);
  });

  it('matches only the exact key', () => {
    const generated = generateApiKey();
    expect(apiKeyMatches(generated.key, generated.hash)).toBe(true);
    expect(apiKeyMatches(`${generated.key}x`, generated.hash)).toBe(false);
    expect(apiKeyMatches(generateApiKey().key, generated.hash)).toBe(false);
  });

  it('recognises the key shape before any lookup', () => {
    expect(looksLikeApiKey(generateApiKey().key)).toBe(true);
    expect(looksLikeApiKey('pk_live_short')).toBe(false);
    expect(looksLikeApiKey('sk_test_0123456789abcdef')).toBe(false);
  });
});
