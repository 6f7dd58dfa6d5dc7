// The CLI's help and parser come from one declaration per command; README "Usage" must say what `camaudit --help`
// says, and the parser must hold every flag to its declared type.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineCommand, parseOptions } from '../../src/cli/command.js';
import { COMMANDS, overviewHelp } from '../../src/cli/commands/index.js';
import { DEVICE_FILTER_OPTIONS, filterOfOptions } from '../../src/cli/filter-options.js';
import { CamauditError } from '../../src/errors.js';

function readmeUsageBlock(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const match = /^## Usage\n\n```\n([\s\S]*?)```\n/m.exec(readme);
  if (!match) throw new Error('README has no "## Usage" code block');
  return match[1]!;
}

describe('camaudit --help', () => {
  it('is word for word the README "Usage" block', async () => {
    expect(readmeUsageBlock()).toBe(`${await overviewHelp()}\n`);
  });

  it('lists every option of every command, in the overview and in the command help', async () => {
    const overview = await overviewHelp();
    const devices = await COMMANDS.devices!();
    for (const flag of ['--vendor', '--brand', '--covered', '--status', '--site', '--seen-since', '--search', '--alert', '--json', '--db']) {
      expect(devices.synopsis()).toContain(`[${flag}`);
      expect(devices.help()).toMatch(new RegExp(`^  ${flag}\\b`, 'm'));
    }
    expect(overview).toContain(devices.synopsis());
    for (const load of Object.values(COMMANDS)) expect(overview).toContain((await load()).synopsis());
  });

  it('keeps every generated line within the width of a README code block', async () => {
    for (const load of Object.values(COMMANDS)) {
      for (const line of (await load()).help().split('\n')) expect(line.length, line).toBeLessThanOrEqual(116);
    }
  });
});

describe('parseOptions', () => {
  const options = {
    count: { type: 'number', value: 'N', default: 5, env: 'TEST_COUNT', description: 'a number' },
    mode: { type: 'choice', choices: ['a', 'b'], description: 'a choice' },
    name: { type: 'string', value: 'NAME', multiple: true, description: 'repeatable' },
    alert: { type: 'boolean', aliases: ['alerts'], description: 'a flag' },
  } as const;

  const usageError = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      if (error instanceof CamauditError && error.code === 'CAMAUDIT_ERR_BAD_USAGE') return error.message;
      throw error;
    }
    throw new Error('no usage error');
  };

  it('types each value: numbers, choices, repeatable strings, defaults', () => {
    expect(parseOptions(['--count', '7', '--mode', 'b', '--name', 'x', '--name', 'y', 'rest'], options, {})).toEqual({
      values: { count: 7, mode: 'b', name: ['x', 'y'] },
      operands: ['rest'],
    });
    expect(parseOptions([], options, {}).values).toEqual({ count: 5, name: [] });
  });

  it('refuses unknown flags, non-numbers and values outside the choices as bad usage', () => {
    expect(usageError(() => parseOptions(['--nope'], options, {}))).toMatch(/nope/);
    expect(usageError(() => parseOptions(['--count', 'ten'], options, {}))).toMatch(/--count needs a non-negative number/);
    expect(usageError(() => parseOptions(['--count=-1'], options, {}))).toMatch(/non-negative/);
    expect(usageError(() => parseOptions(['--mode', 'c'], options, {}))).toMatch(/--mode must be one of a, b/);
  });

  it('falls back to the declared variable, and a flag wins over it', () => {
    expect(parseOptions([], options, { TEST_COUNT: '9' }).values.count).toBe(9);
    expect(parseOptions(['--count', '3'], options, { TEST_COUNT: '9' }).values.count).toBe(3);
    expect(usageError(() => parseOptions([], options, { TEST_COUNT: 'x' }))).toMatch(/TEST_COUNT/);
  });

  it('accepts an older spelling and names it in help', () => {
    expect(parseOptions(['--alerts'], options, {}).values.alert).toBe(true);
    const command = defineCommand({ name: 'probe', summary: 's', options, run: () => Promise.resolve(0) });
    expect(command.help()).toMatch(/--alert .*also --alerts/);
  });
});

describe('the device filter flags', () => {
  it('are the filter fields in kebab case and give the inventory filter back', () => {
    expect(Object.keys(DEVICE_FILTER_OPTIONS)).toEqual(['vendor', 'brand', 'covered', 'status', 'site', 'seen-since', 'search', 'alert', 'via', 'cloud', 'advisory']);
    const { values } = parseOptions(['--vendor', 'Hikvision', '--seen-since', '2026-01-01', '--search', 'ds-2cd', '--alerts', '--status', 'planned', '--via', 'nvr-1', '--cloud', 'enabled'], DEVICE_FILTER_OPTIONS, {});
    expect(filterOfOptions(values)).toEqual({ vendor: 'Hikvision', seenSince: '2026-01-01', search: 'ds-2cd', alert: true, status: 'planned', via: 'nvr-1', cloud: 'enabled' });
    expect(() => parseOptions(['--cloud', 'maybe'], DEVICE_FILTER_OPTIONS, {})).toThrow(/--cloud must be one of enabled, disabled, unknown/);
    expect(() => parseOptions(['--status', 'lost'], DEVICE_FILTER_OPTIONS, {})).toThrow(/--status must be one of found, planned/);
  });
});
