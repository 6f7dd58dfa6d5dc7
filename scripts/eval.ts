// `npm run eval`: runs the matcher over the labelled corpus in test/fixtures/corpus/*.jsonl and prints
// precision and recall per vendor and recall per channel, then checks the two targets. Exit code 1 when a
// target fails (CI runs this). A line's label gives the true maker; `decidable: false` marks lines whose
// strings cannot prove the maker (a brand alone), where the right answer is "unknown".
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { identify, loadKnowledgeBase, parseObservationLine } from '../src/match/index.js';
import type { Identification, Observation } from '../src/model.js';

interface Label {
  vendor: string | null;
  brand: string | null;
  covered: boolean;
  decidable?: boolean;
}
interface Case {
  file: string;
  lineNumber: number;
  label: Label;
  source: string;
  channel: string;
  observations: Observation[];
}
interface Outcome extends Case {
  expected: string | null;
  result: Identification;
}

const HIKVISION = 'Hikvision';
const RECALL_TARGET = 0.99;
const corpusDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'corpus');

function readCorpus(): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(corpusDirectory).filter((name) => name.endsWith('.jsonl')).sort()) {
    const lines = readFileSync(join(corpusDirectory, file), 'utf8').split('\n');
    lines.forEach((text, index) => {
      if (text.trim() === '') return;
      const where = `${file}:${index + 1}`;
      const parsed = JSON.parse(text) as { label: Label; source: string; observation?: unknown; observations?: unknown[] };
      const raw = parsed.observations ?? [parsed.observation];
      const observations = raw.map((item) => {
        const result = parseObservationLine(JSON.stringify(item), { site: 'eval', agent: 'eval' });
        if (!result.ok) throw new Error(`${where}: ${result.reason}`);
        return result.observation;
      });
      const channels = [...new Set(observations.map((observation) => observation.source))];
      cases.push({ file, lineNumber: index + 1, label: parsed.label, source: parsed.source, channel: channels.length === 1 ? channels[0]! : channels.sort().join('+'), observations });
    });
  }
  return cases;
}

const percent = (numerator: number, denominator: number): string => (denominator === 0 ? '    -' : `${((100 * numerator) / denominator).toFixed(1).padStart(5)}%`);
const pad = (text: string | number, width: number): string => String(text).padEnd(width);
const padLeft = (text: string | number, width: number): string => String(text).padStart(width);

function main(): number {
  const knowledgeBase = loadKnowledgeBase();
  const started = performance.now();
  const outcomes: Outcome[] = readCorpus().map((item) => ({
    ...item,
    expected: item.label.decidable === false ? null : item.label.vendor,
    result: identify(item.observations, knowledgeBase),
  }));
  const elapsedMs = performance.now() - started;
  const files = new Set(outcomes.map((item) => item.file)).size;
  const ruleCount = knowledgeBase.rules.length + knowledgeBase.modelRules.length + knowledgeBase.firmwareRules.length;
  console.log(`camaudit eval: ${outcomes.length} labelled lines from ${files} files in test/fixtures/corpus (${ruleCount} rules, OUI from ${knowledgeBase.ouiSource.package} ${knowledgeBase.ouiSource.version}), ${elapsedMs.toFixed(0)} ms\n`);

  const vendors = [...new Set(outcomes.flatMap((item) => [item.expected, item.result.vendor]).filter((value): value is string => value !== null))].sort();
  console.log(`${pad('vendor', 18)}${padLeft('support', 8)}${padLeft('predicted', 10)}${padLeft('correct', 8)}${padLeft('precision', 11)}${padLeft('recall', 9)}`);
  for (const vendor of [...vendors, null]) {
    const support = outcomes.filter((item) => item.expected === vendor).length;
    const predicted = outcomes.filter((item) => item.result.vendor === vendor).length;
    const correct = outcomes.filter((item) => item.expected === vendor && item.result.vendor === vendor).length;
    console.log(`${pad(vendor ?? '(unknown)', 18)}${padLeft(support, 8)}${padLeft(predicted, 10)}${padLeft(correct, 8)}${padLeft(percent(correct, predicted), 11)}${padLeft(percent(correct, support), 9)}`);
  }

  console.log(`\n${pad('channel (source)', 22)}${padLeft('support', 8)}${padLeft('correct', 8)}${padLeft('recall', 9)}   (lines whose maker the strings prove)`);
  const decided = outcomes.filter((item) => item.expected !== null);
  for (const channel of [...new Set(decided.map((item) => item.channel))].sort()) {
    const inChannel = decided.filter((item) => item.channel === channel);
    const correct = inChannel.filter((item) => item.result.vendor === item.expected).length;
    console.log(`${pad(channel, 22)}${padLeft(inChannel.length, 8)}${padLeft(correct, 8)}${padLeft(percent(correct, inChannel.length), 9)}`);
  }

  const hikvisionCases = decided.filter((item) => item.label.vendor === HIKVISION);
  const hikvisionCorrect = hikvisionCases.filter((item) => item.result.vendor === HIKVISION).length;
  const recall = hikvisionCases.length === 0 ? 0 : hikvisionCorrect / hikvisionCases.length;
  const nonCovered = outcomes.filter((item) => !item.label.covered);
  const wronglyCovered = nonCovered.filter((item) => item.result.covered);
  const brandOnly = outcomes.filter((item) => item.label.decidable === false);
  const brandOnlyUnknown = brandOnly.filter((item) => item.result.vendor === null).length;
  // A brand is scored only where the label names one; null is "cannot tell", another brand is an error.
  const branded = outcomes.filter((item) => item.label.brand !== null && item.label.brand !== undefined);
  const brandRight = branded.filter((item) => item.result.brand === item.label.brand).length;
  const wronglyBranded = branded.filter((item) => item.result.brand !== null && item.result.brand !== item.label.brand);
  const recallPass = recall >= RECALL_TARGET;
  const coveredPass = wronglyCovered.length === 0;
  const brandPass = wronglyBranded.length === 0;
  console.log('\ntargets');
  console.log(`  recall on Hikvision and Hikvision-OEM examples >= ${RECALL_TARGET * 100}%: ${percent(hikvisionCorrect, hikvisionCases.length).trim()} (${hikvisionCorrect}/${hikvisionCases.length})  ${recallPass ? 'PASS' : 'FAIL'}`);
  console.log(`  no non-covered example called covered: ${wronglyCovered.length} of ${nonCovered.length}  ${coveredPass ? 'PASS' : 'FAIL'}`);
  console.log(`  no labelled brand answered with another brand: ${wronglyBranded.length} of ${branded.length}  ${brandPass ? 'PASS' : 'FAIL'}`);
  console.log(`  (info) lines whose strings cannot prove the maker answered "unknown": ${brandOnlyUnknown} of ${brandOnly.length}`);
  console.log(`  (info) brand as labelled, on lines whose label names one: ${brandRight} of ${branded.length} (the rest answered "unknown")`);

  const misses = outcomes.filter((item) => item.result.vendor !== item.expected || (item.result.covered && !item.label.covered));
  if (misses.length > 0) {
    console.log(`\nmisses (${misses.length})`);
    for (const item of misses.slice(0, 30)) {
      console.log(`  ${item.file}:${item.lineNumber} expected ${item.expected ?? 'unknown'}, got ${item.result.vendor ?? 'unknown'} (${item.result.confidence}) — ${item.source}`);
    }
  }
  if (wronglyBranded.length > 0) {
    console.log(`\nwrong brands (${wronglyBranded.length})`);
    for (const item of wronglyBranded.slice(0, 30)) console.log(`  ${item.file}:${item.lineNumber} expected brand ${item.label.brand}, got ${item.result.brand} — ${item.source}`);
  }
  return recallPass && coveredPass && brandPass ? 0 : 1;
}

process.exitCode = main();
