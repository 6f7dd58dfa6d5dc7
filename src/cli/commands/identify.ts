import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { identify, loadKnowledgeBase, parseObservationLine } from '../../match/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `camaudit identify [FILE|-] [--site NAME] [--agent NAME]

The matcher offline: reads observations as JSON Lines (the format in README "Observation"), one per line,
and writes one identification per line as JSON to stdout. A bad line is reported on stderr with its line
number and the other lines are still processed; the exit code is 1 when any line was bad.`;

async function write(output: Writable, text: string): Promise<void> {
  // Respect backpressure so a million-line input streams in flat memory.
  if (!output.write(text)) await once(output, 'drain');
}

export const identifyCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      site: { type: 'string', default: 'default' },
      agent: { type: 'string', default: 'identify' },
    });
    const file = positionals[0] ?? '-';
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
        process.stderr.write(`camaudit identify: line ${lineNumber}: ${parsed.reason}\n`);
        continue;
      }
      const { observation } = parsed;
      const identification = identify([observation], knowledgeBase);
      await write(process.stdout, `${JSON.stringify({ line: lineNumber, ip: observation.ip, observationId: observation.id, ...identification })}\n`);
    }
    return badLines > 0 ? 1 : 0;
  },
};
