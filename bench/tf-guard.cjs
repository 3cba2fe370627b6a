/**
 * Preloaded (`node --require bench/tf-guard.cjs dist/cli.js ...`) to tell whether a command loaded
 * TensorFlow.js: tfjs-core creates its engine (`globalThis._tfengine`) when its module runs. On exit it
 * writes `TF_LOADED yes|no` to the file named by SPT_TF_GUARD_OUT (stderr when unset).
 */
const fs = require('node:fs');

process.on('exit', () => {
  const line = `TF_LOADED ${globalThis._tfengine ? 'yes' : 'no'}\n`;
  if (process.env.SPT_TF_GUARD_OUT) fs.writeFileSync(process.env.SPT_TF_GUARD_OUT, line);
  else process.stderr.write(line);
});
