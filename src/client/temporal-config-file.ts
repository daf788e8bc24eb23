/**
 * Finds and reads the Temporal CLI's config file (temporal.toml), so that a profile written for
 * `temporal` works for us too. Read here rather than by `@temporalio/envconfig` so that a file that
 * cannot be read is a problem naming the file, never its contents.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TemporalConfigFile {
  path: string;
  /** Named by `TEMPORAL_CONFIG_FILE` (must exist), or the CLI's default path (may be absent). */
  named: boolean;
  /** False only for a default file that does not exist. */
  exists: boolean;
  /** The file's text; empty when it does not exist. */
  text: string;
}

/**
 * The CLI's default path (`temporal config --help`): `$CONFIG_PATH/temporalio/temporal.toml`, as Go's
 * `os.UserConfigDir` and the SDK compute it. Undefined when the environment names no such directory.
 */
export function defaultConfigFilePath(env: Record<string, string>, platform: NodeJS.Platform = os.platform()): string | undefined {
  const dir = userConfigDir(env, platform);
  return dir === undefined ? undefined : path.join(dir, 'temporalio', 'temporal.toml');
}

function userConfigDir(env: Record<string, string>, platform: NodeJS.Platform): string | undefined {
  if (platform === 'win32') return env.APPDATA;
  if (platform === 'darwin') return env.HOME && path.join(env.HOME, 'Library', 'Application Support');
  if (env.XDG_CONFIG_HOME) return path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
  return env.HOME && path.join(env.HOME, '.config');
}

/** The file to read, its text, or the one problem line that names it. Undefined: no file is in play. */
export function readTemporalConfigFile(env: Record<string, string>): TemporalConfigFile | { problem: string } | undefined {
  const named = env.TEMPORAL_CONFIG_FILE;
  const file = named ?? defaultConfigFilePath(env);
  if (file === undefined) return undefined;
  try {
    return { path: file, named: named !== undefined, exists: true, text: readFileSync(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    // The default file is optional, as for the CLI; a file named on purpose is not (a typo would
    // silently fall back to localhost).
    if (code === 'ENOENT' && named === undefined) return { path: file, named: false, exists: false, text: '' };
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : `cannot be read (${code})`;
    return { problem: `${named !== undefined ? 'TEMPORAL_CONFIG_FILE' : 'the Temporal CLI config file'} ${file}: ${why}` };
  }
}
