// The observation JSON Lines that `camaudit identify` reads (README "The data model"), imported as they are.
import { MATCH_LIMITS } from '../config.js';
import { parseObservationLine } from '../match/parse-line.js';
import { observationId } from '../observation.js';
import { sectionsOf } from '../inventory/index.js';
import { type ImportContext, type ImportItem, type LineImporter, NONE } from './types.js';

export function createJsonLinesImporter(context: ImportContext): LineImporter {
  const lineContext = { site: context.site, agent: context.agent };
  return {
    format: 'jsonl',
    line(text, number): ImportItem[] {
      if (text.trim() === '') return NONE;
      if (text.length > MATCH_LIMITS.maxObservationLineChars) return [{ ok: false, line: number, reason: `line longer than ${MATCH_LIMITS.maxObservationLineChars} characters` }];
      const parsed = parseObservationLine(text, lineContext);
      if (!parsed.ok) return [{ ok: false, line: number, reason: parsed.reason }];
      // An import files every observation under its own site, and its id is recomputed from what was seen.
      const { observation } = parsed;
      if (observation.site !== context.site) return [{ ok: false, line: number, reason: `site "${observation.site.slice(0, 80)}" is not the import's site "${context.site}"` }];
      // The parser hashed the id from the content already, unless the line gave an id of its own: a member named
      // "id" is written either as the literal "id" or with a JSON escape (a backslash), so a line holding neither
      // cannot have given one, and its id is not hashed twice.
      if (text.includes('"id"') || text.includes('\\')) observation.id = observationId(context.site, sectionsOf(observation));
      if (context.scanId) observation.scanId = context.scanId;
      return [{ ok: true, line: number, observation: parsed.observation }];
    },
    end: () => NONE,
  };
}
