import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { identify, loadKnowledgeBase, parseObservationLine } from '../../match/index.js';
import { defineCommand } from '../command.js';
import { terminalSafe } from '../text.js';

async function write(output: Writable, text: string): Promise<void> {
  // Respect backpressure so a million-line input streams in flat memory.
  if (!output.write(text)) await once(output, 'drain');
}

export const identifyCommand = defineCommand({
  name: 'identify',
  operands: '[FILE|-]',
  summary: 'The matcher offline: observations (JSON Lines) in, identifications out.',
  details: `Reads observations as JSON Lines (the format in README "The data model"), one per line, and writes one
identification per line as JSON to stdout. A bad line is reported on stderr with its line number and the other
lines are still processed; the exit code is 1 when any line was bad.`,
  options: {
    site: { type: 'string', value: 'NAME', default: 'default', description: 'site of observations that name none' },
    agent: { type: 'string', value: 'NAME', default: 'identify', description: 'agent of observations that name none' },
  },
  async run({ values, operands }) {
    const file = operands[0] ?? '-';
    const input = file === '-' ? process.stdin : createReadStream(file);
    const knowledgeBase = loadKnowledgeBase();
    const lines = createInterface({ input, crlfDelay: Infinity });
    const context = { site: values.site, agent: values.agent };
    let lineNumber = 0;
    let badLines = 0;
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      const parsed = parseObservationLine(line, context);
      if (!parsed.ok) {
        badLines += 1;
        process.stderr.write(`camaudit identify: line ${lineNumber}: ${terminalSafe(parsed.reason, 400)}\n`);
        continue;
      }
      const { observation } = parsed;
      const identification = identify([observation], knowledgeBase);
      await write(process.stdout, `${JSON.stringify({ line: lineNumber, ip: observation.ip, observationId: observation.id, ...identification })}\n`);
    }
    return badLines > 0 ? 1 : 0;
  },
});
