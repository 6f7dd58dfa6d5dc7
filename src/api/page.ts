import { CamauditError } from '../errors.js';
import { MAX_PAGE_OFFSET } from './schemas.js';

/**
 * The page of a list request, checked once more after the schema: the query coercion lets `offset=1e309` through
 * as Infinity, which SQLite cannot bind (a 500, found by test/fuzz/api-fuzz.test.ts). Refused as a bad request.
 */
export function checkedPage(query: { limit: number; offset: number }): { limit: number; offset: number } {
  const { limit, offset } = query;
  if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || offset < 0 || offset > MAX_PAGE_OFFSET) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_REQUEST', `limit and offset must be whole numbers (offset at most ${MAX_PAGE_OFFSET})`);
  }
  return { limit, offset };
}
