/**
 * The Temporal connection variables under the names `@temporalio/envconfig` and the Temporal CLI
 * read. Our first names for the TLS files stay aliases of theirs: either spelling works, both set
 * to different files is a mistake (a line naming both, never the values).
 */

/** Our names → the SDK's and CLI's names for the same setting. */
const TLS_FILE_ALIASES = {
  TEMPORAL_TLS_CERT_PATH: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY_PATH: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA_PATH: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
} as const;

type Alias = keyof typeof TLS_FILE_ALIASES;

/** Each TLS file is given by a path or inline as PEM data. */
const PATH_OR_DATA = [
  ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'],
  ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'],
  ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'],
] as const;

/** Handed to the SDK as they are (already trimmed and checked by the schema). */
const SDK_TEXT_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_SERVER_NAME',
  ...PATH_OR_DATA.flat(),
  'TEMPORAL_PROFILE',
] as const;

/** The parsed variables this module reads: text, and `TEMPORAL_TLS` as a boolean. */
export type ConnectionVariables = { [K in (typeof SDK_TEXT_VARIABLES)[number] | Alias]?: string } & { TEMPORAL_TLS?: boolean };

/**
 * The variables as the SDK reads them, aliases resolved, plus the `TEMPORAL_GRPC_META_*` headers
 * from `env`; and a problem line per conflict.
 */
export function envconfigVariablesOf(parsed: ConnectionVariables, env: Record<string, string>): { variables: Record<string, string>; problems: string[] } {
  const variables: Record<string, string> = {};
  for (const name of SDK_TEXT_VARIABLES) {
    const value = parsed[name];
    if (value !== undefined) variables[name] = value;
  }
  // The SDK takes only `true`/`1` as true; the schema took any case, and refused anything else.
  if (parsed.TEMPORAL_TLS !== undefined) variables.TEMPORAL_TLS = String(parsed.TEMPORAL_TLS);
  for (const [name, value] of Object.entries(env)) if (name.startsWith('TEMPORAL_GRPC_META_')) variables[name] = value;

  const problems: string[] = [];
  /** The name a value came in by, for problem lines: the alias when only the alias is set. */
  const givenAs: Record<string, string> = {};
  for (const [alias, name] of Object.entries(TLS_FILE_ALIASES) as [Alias, string][]) {
    const value = parsed[alias];
    if (value === undefined) continue;
    if (variables[name] === undefined) {
      variables[name] = value;
      givenAs[name] = alias;
    } else if (variables[name] !== value) {
      problems.push(`${alias} and ${name}: both set, to different files; they are the same setting, set one`);
    }
  }
  for (const [pathName, dataName] of PATH_OR_DATA) {
    if (variables[pathName] !== undefined && variables[dataName] !== undefined) {
      problems.push(`${givenAs[pathName] ?? pathName} and ${dataName}: set the file's path or its contents, not both`);
      // Said once, here: the SDK would refuse the pair again in its own words.
      delete variables[dataName];
    }
  }
  return { variables, problems };
}
