#!/usr/bin/env node
// The published entry point is plain JavaScript so that `npx observatory` and `node bin/…` work
// without a build step; tsx's ESM hooks then let the CLI (and everything it imports) stay .ts.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
