#!/usr/bin/env node
// `npx create-service <name> ...` is `portico create <name> ...`.
import { main } from '../dist/cli/cli.js';

process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(['create', ...process.argv.slice(2)], { programName: 'create-service' }).then((code) => {
  process.exitCode = code;
});
