#!/usr/bin/env node
// An example agent runtime: it uses only Agentry's public HTTP API with a `runtime` API key. It claims
// runs (long poll), reports `started`, one `action_taken`, then an `outcome` echoing the run's input.
// Usage: npm run runtime:example -- --key pk_live_… [--url http://localhost:3000] [--once]
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    key: { type: 'string' },
    url: { type: 'string', default: process.env.AGENTRY_URL ?? 'http://localhost:3000' },
    once: { type: 'boolean', default: false },
    wait: { type: 'string', default: '20' },
  },
});
if (!values.key) {
  process.stderr.write('usage: npm run runtime:example -- --key pk_live_… [--url http://localhost:3000] [--once]\n');
  process.exit(2);
}

// `traceparent`: a run's reports continue the trace of the request that created it (the claim's `traceparent`).
const api = async (method, path, body, traceparent) => {
  const response = await fetch(`${values.url}/api/v1${path}`, {
    method,
    headers: { 'x-api-key': values.key, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(traceparent ? { traceparent } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

let stopping = false;
process.once('SIGINT', () => (stopping = true));
process.once('SIGTERM', () => (stopping = true));

const log = (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
log(`runtime polling ${values.url} for runs (Ctrl-C to stop)`);

while (!stopping) {
  const claim = await api('POST', '/runtime/claim', { waitSeconds: Number(values.wait) });
  if (claim.status === 204) continue;
  if (claim.status !== 200) {
    log(`claim failed: ${claim.status} ${JSON.stringify(claim.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    continue;
  }
  const { run, agent, variation } = claim.body;
  log(`claimed run ${run.id} of "${agent.name}" (version ${variation.version}, attempt ${run.attempt})`);
  // A 409 on any report means the run was cancelled or its claim lapsed: drop it and claim the next.
  const steps = [
    { type: 'started' },
    { type: 'action_taken', message: `Read the input of run ${run.id}.`, data: { inputType: typeof run.input } },
    { type: 'outcome', output: { echo: run.input } },
  ];
  for (const step of steps) {
    const reported = await api('POST', `/runs/${run.id}/events`, step, claim.body.traceparent);
    if (reported.status !== 200) {
      log(`  ${step.type}: ${reported.status} ${reported.body?.detail ?? ''}; dropping the run`);
      break;
    }
    log(`  ${step.type} → ${reported.body.status}`);
  }
  if (values.once) break;
}
