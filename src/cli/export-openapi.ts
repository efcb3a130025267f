import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from '../app.module';
import { buildOpenApiDocument } from '../infrastructure/swagger/swagger';

const USAGE = 'usage: node dist/cli/export-openapi.js [--out openapi.json] [--check]';

/**
 * Writes the OpenAPI document to a file, or with --check fails when that file differs from what the
 * code documents. Nest's preview mode builds the module graph without running providers, so no
 * database or configuration is needed.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'openapi.json' }, check: { type: 'boolean', default: false } } });
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), { preview: true, logger: false });
  const json = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  await app.close();
  if (!values.check) {
    writeFileSync(values.out, json);
    process.stdout.write(`wrote ${values.out}\n`);
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(values.out, 'utf8');
  } catch {
    // a missing file is stale too
  }
  if (committed !== json) {
    process.stderr.write(`${values.out} is stale: it differs from what the code documents. Run \`npm run openapi:export\` and commit it.\n`);
    process.exit(1);
  }
  process.stdout.write(`${values.out} is up to date\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(1);
});
