// Summarises a V8 .cpuprofile (node --cpu-prof) into the top costs: self time by package (or our
// own code by file) and by function, plus inclusive time of chosen frames. Used to find what the hot
// paths spend their CPU on (README, "Benchmark").
// Usage: node bench/profile-top.mjs <file.cpuprofile> [--top 25] [--callers <function>]
// --callers: for the samples spent in that function, the nearest caller outside Node's internals.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, callers: { type: 'string' } } });
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const TOP = Number(values.top);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

// Self time per node from the samples and their time deltas.
const selfUs = new Map();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id).callFrame.functionName)).reduce((a, [, us]) => a + us, 0);
const busy = total - idle;

const where = ({ url, functionName }) => {
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  if (url.includes('/dist/')) return `app:${url.split('/dist/')[1]}`;
  if (url.startsWith('node:')) return url;
  return url === '' ? `(${functionName || 'native'})` : url;
};

const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
const byPlace = new Map();
const byFunction = new Map();
for (const [id, us] of selfUs) {
  const frame = byId.get(id).callFrame;
  if (['(idle)', '(program)'].includes(frame.functionName)) continue;
  add(byPlace, where(frame), us);
  add(byFunction, `${frame.functionName || '(anonymous)'} ${where(frame)}:${frame.lineNumber + 1}`, us);
}

// Inclusive time: a sample counts once for every distinct package on its stack.
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    const frame = byId.get(at).callFrame;
    if (['(idle)', '(program)', '(root)'].includes(frame.functionName)) continue;
    seen.add(where(frame));
  }
  for (const key of seen) add(inclusive, key, us);
}

const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
const show = (title, map) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(us)}  ${key}`);
};
console.log(`${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s profiled (percentages are of busy time)`);
show('self time by package / file', byPlace);
show('inclusive time by package / file (on the stack)', inclusive);
show('self time by function', byFunction);

if (values.callers) {
  const callers = new Map();
  for (const [id, us] of selfUs) {
    if (byId.get(id).callFrame.functionName !== values.callers) continue;
    let at = parentOf.get(id);
    while (at !== undefined && /^node:|^$/.test(byId.get(at).callFrame.url)) at = parentOf.get(at);
    const frame = at === undefined ? { url: '', functionName: '(root)', lineNumber: -1 } : byId.get(at).callFrame;
    add(callers, `${frame.functionName || '(anonymous)'} ${where(frame)}:${frame.lineNumber + 1}`, us);
  }
  show(`callers of ${values.callers}`, callers);
}
