import { identify, identificationJson, loadKnowledgeBase, parseObservationLine } from '../../match/index.js';
import { MATCH_LIMITS } from '../../config.js';
import { defineCommand } from '../command.js';
import { createBatchedOutput, openInput, readLineBatches } from '../line-stream.js';
import { terminalSafe } from '../text.js';
import { jsonContent } from '../../json-string.js';

export const identifyCommand = defineCommand({
  name: 'identify',
  operands: '[FILE|-]',
  summary: 'The matcher offline: observations (JSON Lines) in, identifications out.',
  details: `Reads observations as JSON Lines (the format in README "The data model"), one per line, and writes one
identification per line as JSON to stdout. The source may be any tool or protocol (arp, nmap, dhcp, lldp, ...): it
is kept as given, and the observation is identified from its fields. A bad line is reported on stderr with its line
number and the other lines are still processed; the exit code is 1 when any line was bad.`,
  options: {
    site: { type: 'string', value: 'NAME', default: 'default', description: 'site of observations that name none' },
    agent: { type: 'string', value: 'NAME', default: 'identify', description: 'agent of observations that name none' },
  },
  async run({ values, operands }) {
    const file = operands[0] ?? '-';
    const input = openInput(file);
    const knowledgeBase = loadKnowledgeBase();
    const context = { site: values.site, agent: values.agent };
    const output = createBatchedOutput(process.stdout);
    const errors = createBatchedOutput(process.stderr);
    let badLines = 0;
    for await (const batch of readLineBatches(input, MATCH_LIMITS.maxObservationLineChars)) {
      // Lines that name no time were read now: one stamp per batch read, not one clock reading per line.
      const batchContext = { ...context, observedAt: new Date().toISOString() };
      for (const line of batch) {
        if (line.text.trim() === '') continue;
        const parsed = line.tooLong ? { ok: false as const, reason: `line longer than ${MATCH_LIMITS.maxObservationLineChars} characters` } : parseObservationLine(line.text, batchContext);
        if (!parsed.ok) {
          badLines += 1;
          void errors.push(`camaudit identify: line ${line.number}: ${terminalSafe(parsed.reason, 400)}\n`);
          continue;
        }
        const { observation } = parsed;
        const identification = identify([observation], knowledgeBase);
        // The three leading members go in front of the identification's own: the same line as spreading them into
        // one object and JSON.stringify of that, without building either a million times.
        const leading = `"line":${line.number},"ip":"${jsonContent(observation.ip)}","observationId":"${jsonContent(observation.id)}",`;
        const pending = output.push(`${identificationJson(identification, leading)}\n`);
        if (pending) await pending;
      }
      if (output.closed) break;
    }
    await output.flush();
    await errors.flush();
    return badLines > 0 ? 1 : 0;
  },
});
