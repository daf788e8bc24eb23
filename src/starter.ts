#!/usr/bin/env node
/**
 * The CLI: `npm start -- …` and the package's `cpp-offer-cancel` command (`--help` lists every
 * option). Code starts cancellations through the package's API instead (src/index.ts).
 */
import { runCli } from './cli/main';

runCli(process.argv);
