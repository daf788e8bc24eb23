/** Resolves (and if needed installs) the Temporal CLI, printing where it is. Used by .ci/run and users. */
import { resolveTemporalCli } from '../temporal-cli/resolve';

async function main(): Promise<void> {
  const cli = await resolveTemporalCli({ log: (line) => console.error(line) });
  if (cli.kind === 'path') console.log(`Temporal CLI: ${cli.path} (${cli.version.split('\n')[0]}, via ${cli.source})`);
  else console.log('Temporal CLI: none on this machine; @temporalio/testing will download one at first use (needs internet)');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
