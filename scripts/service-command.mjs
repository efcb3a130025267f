// The service as deployed: `npm run start:prod` is the one place its node flags (the heap budget) are
// written; the Dockerfile repeats them (a unit test keeps the two equal) and the benchmarks start the
// service with them, so what is measured is what production runs.
import { readFileSync } from 'node:fs';

/** The node arguments that start the built service, e.g. ['--max-old-space-size=512', …, 'dist/main.js']. */
export function serviceArgs() {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const [node, ...args] = scripts['start:prod'].trim().split(/\s+/);
  if (node !== 'node' || args.at(-1) !== 'dist/main.js') throw new Error(`start:prod is not "node [flags] dist/main.js": ${scripts['start:prod']}`);
  return args;
}
