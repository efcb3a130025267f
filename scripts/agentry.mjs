#!/usr/bin/env node
// Agentry's operator commands: `npm run agentry -- <command> [--help]`. Plain JavaScript, so `--help` and
// `token` answer at once, without a build; the commands that need the service's code (migrations, API
// keys, events) load it from dist/ (`npm run build`, or the Docker image, which has it).
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The secret the service uses without AUTH_JWT_SECRET outside production (src/infrastructure/config/app-config.ts; a test keeps them equal). */
const DEVELOPMENT_JWT_SECRET = 'agentry-development-secret-do-not-use-in-production';

const HELP = {
  '': `Agentry operator commands

usage: npm run agentry -- <command> [options]      (node scripts/agentry.mjs <command> in the image)

  migrate status|up|down   show, apply or revert database migrations
  token                    print a JWT signed with the configured HS256 secret (no build needed)
  api-key create|list|revoke   manage an organization's API keys
  events tail              print the newest events of the log, and follow it

Each reads the same environment (and .env) as the service: DATABASE_URL, else the embedded PostgreSQL
(reached while the service runs, started for the command otherwise). \`<command> --help\` for its options.
`,
  migrate: `usage: npm run agentry -- migrate status|up|down [--steps n]

  status         every migration, applied or pending; says what to run when the schema is behind
  up             apply the pending migrations (the service does this at start unless AUTO_MIGRATE=false),
                 under the same lock as starting instances, so it is safe next to running ones
  down           revert the newest applied migration (--steps n: the n newest), newest first
`,
  token: `usage: npm run agentry -- token --org <org uuid> --sub <user id> [--admin] [--groups a,b] [--ttl 12h]

Prints an HS256 JWT signed with AUTH_JWT_SECRET, or with the development secret when it is unset
(outside production), with AUTH_JWT_ISSUER / AUTH_JWT_AUDIENCE when set. Same as \`npm run token -- …\`.
`,
  'api-key': `usage: npm run agentry -- api-key create --org <uuid> --name <name> --role admin|member|runtime
       npm run agentry -- api-key list --org <uuid>
       npm run agentry -- api-key revoke --org <uuid> --id <key id>

create prints the key (shown this once) as JSON; list prints one JSON line per active key (no secrets);
revoke stops the key at once, on every instance, as DELETE /api/v1/api-keys/{id} does. The changes are
in the event log under the actor user:operator-cli.
`,
  events: `usage: npm run agentry -- events tail [--org <uuid>] [--lines 20] [--follow]

Prints the newest events (every org's, or one org's) as JSON lines, oldest first; --follow keeps
printing new ones as they commit, until Ctrl-C.
`,
};

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function loadEnv() {
  if (existsSync(resolve(process.cwd(), '.env'))) process.loadEnvFile(resolve(process.cwd(), '.env'));
}

async function token(args) {
  const { values } = parseArgs({
    args,
    options: { org: { type: 'string' }, sub: { type: 'string' }, admin: { type: 'boolean', default: false }, groups: { type: 'string' }, ttl: { type: 'string', default: '12h' } },
  });
  if (!values.org || !values.sub) fail(HELP.token.trimEnd());
  const env = process.env;
  const secret = env.AUTH_JWT_SECRET || (env.AUTH_JWKS_URL || env.NODE_ENV === 'production' ? undefined : DEVELOPMENT_JWT_SECRET);
  if (!secret) fail('No HS256 secret to sign with: set AUTH_JWT_SECRET (JWKS setups get tokens from their identity provider).');
  if (secret.length < 32) fail('AUTH_JWT_SECRET must be at least 32 characters');
  const { SignJWT } = await import('jose');
  const claims = {
    org_id: values.org,
    org_role: values.admin ? 'org:admin' : 'org:member',
    ...(values.groups ? { groups: values.groups.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
  };
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(values.sub).setIssuedAt().setExpirationTime(values.ttl);
  if (env.AUTH_JWT_ISSUER) jwt = jwt.setIssuer(env.AUTH_JWT_ISSUER);
  if (env.AUTH_JWT_AUDIENCE) jwt = jwt.setAudience(env.AUTH_JWT_AUDIENCE);
  process.stdout.write(`${await jwt.sign(new TextEncoder().encode(secret))}\n`);
}

async function operator(command, action, args) {
  const entry = resolve(ROOT, 'dist/cli/operator.js');
  if (!existsSync(entry)) fail(`"${command}" needs the built service: run \`npm run build\` first.`);
  const { values } = parseArgs({
    args,
    options: {
      steps: { type: 'string' }, org: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, id: { type: 'string' }, lines: { type: 'string' }, follow: { type: 'boolean', default: false },
    },
  });
  const { runOperatorCommand, ConfigError } = await import(pathToFileURL(entry).href);
  try {
    await runOperatorCommand({ command, action, options: values });
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

async function main() {
  const [command = '', ...rest] = process.argv.slice(2);
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  if (command === '' || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP['']);
    return;
  }
  if (!(command in HELP)) fail(`Unknown command "${command}".\n\n${HELP['']}`);
  if (wantsHelp) {
    process.stdout.write(HELP[command]);
    return;
  }
  loadEnv();
  if (command === 'token') return token(rest);
  const [action, ...args] = rest;
  return operator(command, action?.startsWith('-') ? undefined : action, action?.startsWith('-') ? rest : args);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => fail(`${command()} failed: ${error instanceof Error ? error.message : String(error)}`),
);

function command() {
  return ['agentry', ...process.argv.slice(2, 4).filter((word) => !word.startsWith('-'))].join(' ');
}
