import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { ConfigError, validateConfig } from '../infrastructure/config/app-config';

const USAGE = 'usage: npm run token -- --org <org uuid> --sub <user id> [--admin] [--groups a,b] [--ttl 12h]';

/** Prints a development JWT signed with the secret the service would verify it with. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      org: { type: 'string' },
      sub: { type: 'string' },
      admin: { type: 'boolean', default: false },
      groups: { type: 'string' },
      ttl: { type: 'string', default: '12h' },
    },
  });
  if (!values.org || !values.sub) throw new ConfigError(USAGE);
  const config = validateConfig(process.env);
  const secret = config.jwtSecret;
  if (!secret) throw new ConfigError('No HS256 secret to sign with: set AUTH_JWT_SECRET (JWKS setups get tokens from their identity provider).');
  const claims: Record<string, unknown> = {
    org_id: values.org,
    org_role: values.admin ? 'org:admin' : 'org:member',
    ...(values.groups ? { groups: values.groups.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
  };
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(values.sub).setIssuedAt().setExpirationTime(values.ttl);
  if (config.AUTH_JWT_ISSUER) jwt = jwt.setIssuer(config.AUTH_JWT_ISSUER);
  if (config.AUTH_JWT_AUDIENCE) jwt = jwt.setAudience(config.AUTH_JWT_AUDIENCE);
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(secret))}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
