// What the built CLI writes for a person: a reader that goes away (`| head`) ends the command quietly, and a
// refusal reason quoting hostile input reaches stderr without its control characters.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, observation, scanWith, tempInventory, type TempInventory } from './inventory-helpers.js';

const CLI = resolve('dist/src/cli/main.js');
let temp: TempInventory;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  temp = await tempInventory('sqlite', 'camaudit-cli-output-');
  const observations = Array.from({ length: 600 }, (_, index) => observation(http(`10.0.${index >> 8}.${index & 255}`, `camera ${index} ${'x'.repeat(200)}`)));
  await scanWith(temp.inventory, observations);
  await temp.inventory.close();
});
afterAll(async () => temp.cleanup());

/** Runs the CLI and closes its stdout after the first chunk, as `head -c1` would. */
function runAndCloseEarly(args: string[], input?: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('error', reject);
    // The child may exit before it has read all its input: that is the point, not a fault.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolveRun({ code, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

describe('a closed stdout', () => {
  it('ends `devices --json | head` quietly, without an EPIPE stack trace', async () => {
    const { code, stderr } = await runAndCloseEarly(['devices', '--json', '--db', temp.path]);
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });

  it('ends a long `identify` stream quietly', async () => {
    const line = JSON.stringify({ source: 'http', ip: '10.0.0.5', port: 80, 'http.headers': { server: 'DNVRS-Webs' } });
    const { code, stderr } = await runAndCloseEarly(['identify', '-'], `${Array.from({ length: 20_000 }, () => line).join('\n')}\n`);
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });
});

describe('identify refusal reasons on stderr', () => {
  it('carry no control, bidi or zero-width character from the input', () => {
    // JSON.parse quotes the start of a line it cannot read: the escape sequence would reach the terminal raw.
    const hostile = '{"a":\u001b[2J\u202e\u200b}';
    const result = spawnSync(process.execPath, [CLI, 'identify', '-'], { input: `${hostile}\n`, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/line 1: not JSON/);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point of this test.
    expect(result.stderr.replace(/\n$/, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
  });
});
