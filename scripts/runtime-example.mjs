#!/usr/bin/env node
// An example agent runtime on the runtime kit (clients/typescript): it claims runs with a `runtime` API key,
// reports one action, then the outcome echoing the run's input. The kit does the claim loop, `started`,
// heartbeats, cancellation and a graceful stop on Ctrl-C.
// Usage: npm run runtime:example -- --key pk_live_… [--url http://localhost:3000] [--once] [--concurrency 4]
import { parseArgs } from 'node:util';
import { createRuntime } from '@agentry/client/runtime';

const { values } = parseArgs({
  options: {
    key: { type: 'string' },
    url: { type: 'string', default: process.env.AGENTRY_URL ?? 'http://localhost:3000' },
    once: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '1' },
  },
});
if (!values.key) {
  process.stderr.write('usage: npm run runtime:example -- --key pk_live_… [--url http://localhost:3000] [--once] [--concurrency 4]\n');
  process.exit(2);
}

const runtime = createRuntime({
  baseUrl: values.url,
  key: values.key,
  concurrency: Number(values.concurrency),
  log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  handler: async ({ run, action }) => {
    await action(`Read the input of run ${run.id}.`, { inputType: typeof run.input });
    if (values.once) void runtime.stop();
    return { echo: run.input };
  },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void runtime.stop());
await runtime.done;
