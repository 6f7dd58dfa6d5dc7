import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { CamauditError, type ErrorCode } from '../errors.js';

// Error code → HTTP status. A code missing here is a server fault (500): add it when adding a code.
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  CAMAUDIT_ERR_BAD_USAGE: 400,
  CAMAUDIT_ERR_BAD_REQUEST: 400,
  CAMAUDIT_ERR_BAD_CIDR: 400,
  CAMAUDIT_ERR_BAD_OBSERVATION: 400,
  CAMAUDIT_ERR_UNAUTHORIZED: 401,
  CAMAUDIT_ERR_OUT_OF_SCOPE: 403,
  CAMAUDIT_ERR_FORBIDDEN: 403,
  CAMAUDIT_ERR_FOREIGN_HOST: 403,
  CAMAUDIT_ERR_TOO_MANY_FAILURES: 429,
  CAMAUDIT_ERR_SCANNING_DISABLED: 403,
  CAMAUDIT_ERR_NOT_FOUND: 404,
  CAMAUDIT_ERR_SCAN_RUNNING: 409,
  CAMAUDIT_ERR_SCOPE_TOO_LARGE: 422,
  CAMAUDIT_ERR_INTERFACE: 422,
  CAMAUDIT_ERR_TOKEN_REQUIRED: 500,
  CAMAUDIT_ERR_BAD_FINGERPRINT: 500,
  CAMAUDIT_ERR_DB: 500,
  CAMAUDIT_ERR_INTERNAL: 500,
  CAMAUDIT_ERR_TIMEOUT: 504,
  CAMAUDIT_ERR_PUSH: 502,
};

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
}

export function errorBody(error: unknown): ErrorBody {
  if (error instanceof CamauditError) {
    return { statusCode: HTTP_STATUS[error.code] ?? 500, code: error.code, message: error.message };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return { statusCode: 400, code: 'CAMAUDIT_ERR_BAD_REQUEST', message: fastifyError.message ?? 'invalid request' };
  }
  // Fastify's own client errors (bad JSON, wrong content type, body too large) keep their status and code.
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { statusCode: fastifyError.statusCode, code: fastifyError.code ?? 'CAMAUDIT_ERR_BAD_REQUEST', message: fastifyError.message ?? 'bad request' };
  }
  return { statusCode: 500, code: 'CAMAUDIT_ERR_INTERNAL', message: 'internal error' };
}

export function createErrorHandler(log: Logger) {
  return function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const body = errorBody(error);
    if (body.statusCode >= 500) log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    else log.info({ code: body.code, method: request.method, url: request.url }, 'request refused');
    void reply.code(body.statusCode).send(body);
  };
}
