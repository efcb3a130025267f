import { Injectable } from '@nestjs/common';
import { webcrypto } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, JWTPayload, jwtVerify, JWTVerifyGetKey } from 'jose';
import { AppConfig } from '../../infrastructure/config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { principalFromClaims, tokenRefusedFrom } from './domain/jwt-claims';
import { Principal } from './domain/principal';

/** A verified token is taken again without a new signature check for at most this long (and never once jose would refuse it). */
const REMEMBER_MS = 60_000;
/** Bounds the memory of remembered tokens; the oldest goes first. */
const REMEMBER_MAX = 10_000;

/** Verifies bearer tokens: HS256 with a shared secret, or RS256/ES256 keys from a JWKS (Clerk-style). */
@Injectable()
export class JwtVerifier {
  /**
   * Imported once: given raw bytes (or a secret KeyObject), jose imports them into a CryptoKey on
   * every verification, which was the largest CPU cost of an authenticated request when profiled.
   */
  private readonly secret?: Promise<webcrypto.CryptoKey>;
  private readonly jwks?: JWTVerifyGetKey;
  /**
   * Tokens verified in the last minute. Clients send the same token with every request, and its
   * signature check was a tenth of a GET's CPU when profiled. Keyed by the whole token, signature
   * included, so an entry answers only for the exact token it was made from.
   */
  private readonly remembered = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly config: AppConfig) {
    if (config.AUTH_JWKS_URL) this.jwks = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL));
    const secret = config.jwtSecret;
    if (secret) {
      this.secret = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    }
  }

  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const known = this.remembered.get(token);
    if (known && known.until > now) return known.principal;
    if (known) this.remembered.delete(token);
    const payload = await this.verifySignature(token);
    // jose checks iat against the clock only when a maximum age is set; a token "issued" in the future
    // is forged or from a broken clock either way.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + this.config.AUTH_CLOCK_SKEW_SECONDS) {
      throw unauthenticated('The token\'s iat claim is in the future.');
    }
    const result = principalFromClaims(payload as Record<string, unknown>);
    if ('problem' in result) throw unauthenticated(`Invalid token: ${result.problem}.`);
    const expiresAt = tokenRefusedFrom(payload, { skewSeconds: this.config.AUTH_CLOCK_SKEW_SECONDS, maxAgeSeconds: this.config.AUTH_MAX_TOKEN_AGE_SECONDS });
    const principal = Object.freeze({ ...result.principal, groups: Object.freeze([...result.principal.groups]) as string[], expiresAt });
    // The entry lapses no later than the instant jose would refuse the token.
    const until = Math.min(now + REMEMBER_MS, expiresAt);
    if (this.remembered.size >= REMEMBER_MAX) this.remembered.delete(this.remembered.keys().next().value as string);
    this.remembered.set(token, { principal, until });
    return principal;
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    // exp is required: a token without one would be valid forever, and could never be revoked.
    const options = {
      issuer: this.config.AUTH_JWT_ISSUER,
      audience: this.config.AUTH_JWT_AUDIENCE,
      requiredClaims: ['sub', 'exp'],
      clockTolerance: this.config.AUTH_CLOCK_SKEW_SECONDS,
      maxTokenAge: this.config.AUTH_MAX_TOKEN_AGE_SECONDS,
    };
    try {
      if (this.secret && !(this.jwks && headerAlgorithm(token) !== 'HS256')) {
        return (await jwtVerify(token, await this.secret, { ...options, algorithms: ['HS256'] })).payload;
      }
      if (this.jwks) return (await jwtVerify(token, this.jwks, { ...options, algorithms: ['RS256', 'ES256'] })).payload;
    } catch (error) {
      throw unauthenticated(describeJoseError(error));
    }
    throw unauthenticated('Bearer tokens are not accepted: no verification key is configured.');
  }
}

function headerAlgorithm(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown };
    return typeof header.alg === 'string' ? header.alg : undefined;
  } catch {
    return undefined;
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) {
    return error.claim === 'iat' ? 'The token is older than the maximum token age.' : 'The token has expired.';
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.reason === 'missing') return `The token has no ${error.claim} claim.`;
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is not accepted.`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is invalid.';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token algorithm is not accepted.';
  return 'The token is malformed or cannot be verified.';
}

export const unauthenticated = (detail: string) => new DomainError(ErrorCode.UNAUTHENTICATED, detail);
