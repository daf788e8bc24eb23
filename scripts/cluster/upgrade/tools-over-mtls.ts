/**
 * The project's own tools against the mTLS frontend, as a user runs them: `npm run setup` with our
 * TLS variable names, and the starter CLI (`npm start -- … --wait`) and the operator's Temporal CLI
 * commands through one temporal.toml profile — the file both read (docs/operations.md). Each must
 * exit 0; the drill fails otherwise.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../temporal-cli/resolve';
import { runCommand } from '../processes';
import { log, NAMESPACE } from '../run-context';
import type { ClusterTls } from '../tls';

const CLUSTER_PROFILE = 'cluster';

/** Writes the `cluster` profile (address, namespace, the client certificate) and returns the variables that select it. */
export function writeClusterProfile(dir: string, address: string, tls: ClusterTls): Record<string, string> {
  const file = path.join(dir, 'temporal.toml');
  writeFileSync(
    file,
    [
      `[profile.${CLUSTER_PROFILE}]`,
      `address = "${address}"`,
      `namespace = "${NAMESPACE}"`,
      `[profile.${CLUSTER_PROFILE}.tls]`,
      `client_cert_path = "${tls.client.certPath}"`,
      `client_key_path = "${tls.client.keyPath}"`,
      `server_ca_cert_path = "${tls.caPath}"`,
      `server_name = "${tls.serverName}"`,
      '',
    ].join('\n'),
  );
  return { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: CLUSTER_PROFILE };
}

const baseEnv = () => ({ PATH: process.env.PATH, HOME: process.env.HOME });

/** `npm run setup` with TEMPORAL_ADDRESS and our TEMPORAL_TLS_* names: idempotent, so it finds everything present. */
export async function setupOverMtls(address: string, tls: ClusterTls): Promise<string> {
  const out = await runCommand(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'setup-search-attributes.ts')], {
    env: { ...baseEnv(), TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: NAMESPACE, ...tls.workerEnv() },
    cwd: PROJECT_ROOT,
    timeoutMs: 120_000,
  });
  log(`npm run setup over mTLS (TEMPORAL_TLS_CERT_PATH, …): ${out.trim().split('\n').join(' / ')}`);
  return out;
}

/** `npm start -- --publisher … --offer … --email … --wait` through the profile alone: exits 0 once the cancellation succeeded. */
export async function starterOverMtls(profile: Record<string, string>, publisherId: string, offerId: string): Promise<string> {
  const out = await runCommand(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'starter.ts'), '--publisher', publisherId, '--offer', offerId, '--email', 'ops@contoso.com', '--wait'], {
    env: { ...baseEnv(), ...profile },
    cwd: PROJECT_ROOT,
    timeoutMs: 180_000,
  });
  const lines = out.trim().split('\n');
  log(`npm start -- --publisher ${publisherId} --offer ${offerId} … --wait, with TEMPORAL_PROFILE=${CLUSTER_PROFILE}: exit 0; ${(lines.find((l) => /succeeded|outcome/.test(l)) ?? lines[0] ?? '').trim()}`);
  return out;
}
