/**
 * The connection settings as the Temporal CLI finds them, through `@temporalio/envconfig`: a profile
 * of temporal.toml (`TEMPORAL_PROFILE`, else `default`), with the `TEMPORAL_*` variables over it.
 * Problems are lines naming the file or the profile, never a value from it.
 */
import { loadClientConfig, loadClientConfigProfile, type ClientConfigProfile } from '@temporalio/envconfig';
import { readTemporalConfigFile, type TemporalConfigFile } from './temporal-config-file';

export interface TemporalProfile {
  /** The profile's settings with the variables applied over them: the variables win. */
  settings: ClientConfigProfile;
  /** The profile's own settings, to tell where a value came from; empty without a profile. */
  fromProfile: ClientConfigProfile;
  /** `profile "staging" in /path/temporal.toml`, when a profile was read. */
  source?: string;
}

const DEFAULT_PROFILE = 'default';

/** `variables`: the SDK's names (see temporal-variables.ts); `env`: where the file is found (`TEMPORAL_CONFIG_FILE`, `HOME`, …). */
export function loadTemporalProfile(variables: Record<string, string>, env: Record<string, string>): TemporalProfile | { problems: string[] } {
  const file = readTemporalConfigFile(env);
  if (file !== undefined && 'problem' in file) return { problems: [file.problem] };
  const read = profilesIn(file);
  if ('problem' in read) return { problems: [read.problem] };
  const { profiles } = read;

  const requested = variables.TEMPORAL_PROFILE;
  const name = requested ?? DEFAULT_PROFILE;
  const fromProfile = Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  if (requested !== undefined && fromProfile === undefined) return { problems: [`TEMPORAL_PROFILE: no profile "${requested}" ${whereProfilesAre(file, profiles)}`] };
  const source = fromProfile && file ? `profile "${name}" in ${file.path}` : undefined;
  try {
    const settings = loadClientConfigProfile({
      // Without the profile, the file is left out: the SDK cannot read one that has no profiles.
      ...(fromProfile && file ? { configSource: { data: file.text } } : { disableFile: true }),
      overrideEnvVars: variables,
    });
    return { settings, fromProfile: fromProfile ?? {}, source };
  } catch (error) {
    // A file given as a path by one and as data by the other (the SDK's message names the key).
    return { problems: [`the TEMPORAL_TLS_* variables${source ? ` over ${source}` : ''}: ${messageOf(error)}`] };
  }
}

/** The file's profiles by name, or the problem line that names the file. */
function profilesIn(file: TemporalConfigFile | undefined): { profiles: Record<string, ClientConfigProfile> } | { problem: string } {
  if (file === undefined || file.text.trim() === '') return { profiles: {} };
  const label = `${file.named ? 'TEMPORAL_CONFIG_FILE ' : ''}${file.path}`;
  try {
    return { profiles: loadClientConfig({ configSource: { data: file.text } }).profiles };
  } catch (error) {
    if (isTomlError(error)) return { problem: `${label}: not valid TOML at line ${error.line}, column ${error.column}: ${tomlReason(error)}` };
    // SDK 1.24 fails this way on valid TOML without any [profile.…] table: a file with no profiles.
    if (error instanceof TypeError) return { profiles: {} };
    return { problem: `${label}: ${messageOf(error)}` };
  }
}

function whereProfilesAre(file: TemporalConfigFile | undefined, profiles: Record<string, ClientConfigProfile>): string {
  if (file === undefined) return 'and no config file: set TEMPORAL_CONFIG_FILE (the default path needs HOME)';
  if (!file.exists) return `in ${file.path}: no such file (TEMPORAL_CONFIG_FILE can name another)`;
  const names = Object.keys(profiles);
  return `in ${file.path} (${names.length > 0 ? `it has ${names.map((n) => `"${n}"`).join(', ')}` : 'it has none'})`;
}

interface TomlError extends Error {
  line: number;
  column: number;
}

function isTomlError(error: unknown): error is TomlError {
  // smol-toml's TomlError (its `name` is plain `Error`): a position in the file.
  return error instanceof Error && typeof (error as TomlError).line === 'number' && typeof (error as TomlError).column === 'number';
}

/** smol-toml's reason alone: the rest of its message quotes the file's lines, which may hold a key. */
function tomlReason(error: TomlError): string {
  return (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
