// The observation JSON Lines that `camaudit identify` reads (README "The data model"), imported as they are.
import { parseObservationLine } from '../match/parse-line.js';
import { type ImportContext, type ImportItem, type LineImporter, NONE } from './types.js';

export function createJsonLinesImporter(context: ImportContext): LineImporter {
  // An import files every observation under its own site, with the id hashed from what was seen.
  const lineContext = { site: context.site, agent: context.agent, keepGivenId: false };
  return {
    format: 'jsonl',
    line(text, number): ImportItem[] {
      if (text.trim() === '') return NONE;
      const parsed = parseObservationLine(text, lineContext);
      if (!parsed.ok) return [{ ok: false, line: number, reason: parsed.reason }];
      const { observation } = parsed;
      if (observation.site !== context.site) return [{ ok: false, line: number, reason: `site "${observation.site.slice(0, 80)}" is not the import's site "${context.site}"` }];
      if (context.scanId) observation.scanId = context.scanId;
      return [{ ok: true, line: number, observation: parsed.observation }];
    },
    end: () => NONE,
  };
}
