import { readFileSync } from 'node:fs';
import { packageRoot } from './package-root.js';

export const VERSION: string = (() => {
  const parsed: unknown = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8'));
  return typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string' ? parsed.version : '0.0.0';
})();
