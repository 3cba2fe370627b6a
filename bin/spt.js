#!/usr/bin/env node
// The `spt` command: a shim over the bundled CLI (dist/cli.js, built by `npm run build`).

const fs = require('node:fs');
const path = require('node:path');

const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(
    `spt: ${path.relative(process.cwd(), cli) || cli} is missing: run \`npm run build\` first\n`,
  );
  process.exit(2);
}
require(cli);
