#!/usr/bin/env node
// Fails when src/generated/schema.ts is not what openapi-typescript makes of the committed openapi.json,
// so the client's types cannot drift from the document (`npm run generate` rewrites it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'agentry-client-'));
try {
  const fresh = join(dir, 'schema.ts');
  execFileSync('npx', ['openapi-typescript', join(here, '../../openapi.json'), '--default-non-nullable', 'false', '--output', fresh], { stdio: ['ignore', 'ignore', 'inherit'], cwd: here });
  if (readFileSync(fresh, 'utf8') !== readFileSync(join(here, 'src/generated/schema.ts'), 'utf8')) {
    process.stderr.write('clients/typescript/src/generated/schema.ts is stale: run `npm run -w @agentry/client generate` and commit it.\n');
    process.exit(1);
  }
  process.stdout.write('clients/typescript/src/generated/schema.ts is up to date\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
