// Where the API token comes from. A file (`--token-file`, CAMAUDIT_API_TOKEN_FILE) is preferred: a token given
// as `--token` is in the command line that `ps` shows every user of the host.
import { CamauditError } from '../errors.js';
import { readPrivateFile, readableSecretsAllowed } from '../private-file.js';

const MAX_TOKEN_FILE_BYTES = 4096;

export interface TokenSources {
  flag?: string | undefined;
  file?: string | undefined;
  allowReadable?: boolean | undefined;
  env?: NodeJS.ProcessEnv;
}

/** The token: --token-file, then --token, then CAMAUDIT_API_TOKEN_FILE, then CAMAUDIT_API_TOKEN; flags win over variables. */
export function readApiToken(sources: TokenSources): string | undefined {
  const env = sources.env ?? process.env;
  if (sources.file !== undefined && sources.flag !== undefined) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', 'give --token-file or --token, not both');
  const file = sources.file ?? (sources.flag === undefined ? env.CAMAUDIT_API_TOKEN_FILE || undefined : undefined);
  if (file === undefined) return sources.flag ?? (env.CAMAUDIT_API_TOKEN || undefined);
  const text = readPrivateFile(file, { what: 'token file', code: 'CAMAUDIT_ERR_BAD_USAGE', maxBytes: MAX_TOKEN_FILE_BYTES, allowReadable: readableSecretsAllowed(sources.allowReadable) });
  // One line; the newline an editor or `echo` adds is not part of the token.
  const token = text.replace(/\r?\n$/, '');
  if (token === '' || /[\s]/.test(token)) throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `token file ${file}: expected one line holding the token, without spaces`);
  return token;
}
