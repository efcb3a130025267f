// Loaded into the service by bench/allocations.mjs: on SIGUSR2, a marker line in stdout, where
// --trace-gc-nvp writes, so the trace can be cut into one window per measured operation.
const { writeSync } = require('node:fs');
process.on('SIGUSR2', () => writeSync(1, `GC-MARK ${Date.now()}\n`));
