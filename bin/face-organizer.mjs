#!/usr/bin/env node
// Installed entry point: runs the TypeScript CLI through tsx so a checkout needs no build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const { main } = await import(fileURLToPath(new URL('../src-main/cli/main.ts', import.meta.url)));
process.exit(await main(process.argv.slice(2)));
