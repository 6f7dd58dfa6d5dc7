// Stable error codes: each is listed in the README and never reused once retired.
export const ERROR_CODES = {
  CAMAUDIT_ERR_BAD_USAGE: 'bad command-line usage',
  CAMAUDIT_ERR_BAD_CIDR: 'an address range could not be parsed',
  CAMAUDIT_ERR_SCOPE_TOO_LARGE: 'an address range is larger than the configured maximum',
  CAMAUDIT_ERR_OUT_OF_SCOPE: 'a target lies outside the ranges the server may scan',
  CAMAUDIT_ERR_BAD_OBSERVATION: 'an observation line is not valid',
  CAMAUDIT_ERR_BAD_FINGERPRINT: 'a fingerprint file is not valid',
  CAMAUDIT_ERR_TOKEN_REQUIRED: 'the API is bound to a non-loopback address without a token',
  CAMAUDIT_ERR_UNAUTHORIZED: 'the API token is missing or wrong',
  CAMAUDIT_ERR_NOT_FOUND: 'no such record',
  CAMAUDIT_ERR_SCAN_RUNNING: 'a scan is already running',
  CAMAUDIT_ERR_DB: 'the inventory database could not be opened or written',
  CAMAUDIT_ERR_INTERFACE: 'a network interface was not found or has no IPv4 address',
  CAMAUDIT_ERR_BAD_REQUEST: 'a request to the API or the inventory is not valid',
  CAMAUDIT_ERR_SCANNING_DISABLED: 'this server was started without ranges it may scan',
  CAMAUDIT_ERR_INTERNAL: 'an unexpected fault inside camaudit (a bug; the log has the details)',
  CAMAUDIT_ERR_TIMEOUT: 'a network exchange did not finish within its time bound',
  CAMAUDIT_ERR_CREDENTIALS: 'the credentials file could not be read or is not valid',
  CAMAUDIT_ERR_FORBIDDEN: 'the token is valid but may not do this (an agent token writes its own site only)',
  CAMAUDIT_ERR_PUSH: 'observations could not be sent to the central server (they stay spooled)',
  CAMAUDIT_ERR_FOREIGN_HOST: 'a request to the token-less API named a host other than loopback (DNS rebinding)',
  CAMAUDIT_ERR_WEAK_TOKEN: 'the API token is shorter than 32 characters',
  CAMAUDIT_ERR_TOO_MANY_FAILURES: 'too many wrong tokens from one address: wait before trying again',
  CAMAUDIT_ERR_NO_INVENTORY: 'a read-only command was given an inventory file that does not exist',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class CamauditError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
