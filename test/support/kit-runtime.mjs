#!/usr/bin/env node
// A runtime-kit process for test/client-runtime.e2e-spec.ts: it claims runs of one agent, prints
// `RUN <id>` when its handler starts one, and never finishes it, so the test can kill it mid-run.
import { parseArgs } from 'node:util';
import { createRuntime } from '@agentry/client/runtime';

const { values } = parseArgs({ options: { url: { type: 'string' }, key: { type: 'string' }, agent: { type: 'string' } } });
createRuntime({
  baseUrl: values.url,
  key: values.key,
  agentIds: [Number(values.agent)],
  waitSeconds: 5,
  handler: ({ run, signal }) => {
    process.stdout.write(`RUN ${run.id}\n`);
    return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  },
});
