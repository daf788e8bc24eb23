/**
 * `npm run temporal -- <args>`: the Temporal CLI this project resolves (TEMPORAL_CLI_PATH, `temporal`
 * on PATH, or the project's own copy under .tools/, installed there on first use; see
 * temporal-cli/resolve.ts), run with `args`. So every `temporal …` command printed by
 * `npm run dev` or written in the README runs on a fresh clone, where `temporal` is not on PATH.
 *
 * The CLI reads TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE itself; its default address is
 * 127.0.0.1:7233. Without TEMPORAL_ADDRESS or a temporal.toml profile naming an address, a `npm run dev`
 * running in this checkout on other ports is used instead (as the project's other commands do).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { loadTemporalConfig } from '../src/client/temporal-config';
import { resolveTemporalCli } from '../temporal-cli/resolve';

/** The running `npm run dev`'s address, when neither TEMPORAL_ADDRESS nor a temporal.toml profile names one (the CLI reads those itself). */
function devStackAddress(): string | undefined {
  try {
    const config = loadTemporalConfig(process.env, { devStack: true });
    return config.addressSource.startsWith('the running npm run dev') ? config.address : undefined;
  } catch {
    // A bad setting is the CLI's to report, in its own words.
    return undefined;
  }
}

async function main(args: string[]): Promise<number> {
  // No SDK download here: it gives the dev server, not a CLI this script can run.
  const cli = await resolveTemporalCli({ allowSdkDownload: false, log: (line) => console.error(line) });
  if (cli.kind !== 'path') throw new Error('no Temporal CLI found: run `npm run temporal:resolve` to see why');
  const devStack = devStackAddress();
  const env = devStack ? { ...process.env, TEMPORAL_ADDRESS: devStack } : process.env;
  const child = spawn(cli.path, args, { stdio: 'inherit', env });
  // Ctrl-C reaches the CLI through the terminal's process group; a SIGTERM sent to this process only is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
