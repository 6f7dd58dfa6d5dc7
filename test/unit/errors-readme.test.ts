// The README's error table is the user's reference for exit messages: it must list every code, with its meaning.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';

describe('README error table', () => {
  it('lists every error code with the meaning src/errors.ts gives it, and no retired code', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = new Map([...readme.matchAll(/^\| `(CAMAUDIT_ERR_[A-Z_]+)` \| (.+?) \|$/gm)].map((match) => [match[1], match[2]]));
    expect(Object.fromEntries(rows)).toEqual(ERROR_CODES);
  });
});
