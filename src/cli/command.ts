import { parseArgs } from 'node:util';
import { CamauditError } from '../errors.js';

// Every command is one declaration: its name, operands, options and run function. The same declaration drives the
// parser (node:util parseArgs), the checks of each value (numbers, choices), the CAMAUDIT_* fallbacks, `camaudit
// COMMAND --help` and the overview `camaudit --help` (which README "Usage" repeats word for word; a unit test holds
// them together).
//
// Adding a command: write src/cli/commands/NAME.ts exporting `defineCommand({ name, operands, summary, options,
// run })`, add its loader to COMMANDS in src/cli/main.ts, run `node dist/src/cli/main.js --help` and paste the
// output into README "Usage". Adding an option: one entry in the command's `options`; `run` receives it typed.

interface OptionBase {
  /** One line (wrapped when printed). */
  description: string;
  /** A CAMAUDIT_* variable read when the flag is absent (flags win over variables, variables over defaults). */
  env?: string;
  /** Older spellings still accepted (shown in help). */
  aliases?: readonly string[];
}

export interface BooleanOption extends OptionBase {
  type: 'boolean';
}

export interface StringOption extends OptionBase {
  type: 'string';
  /** Placeholder in help: FILE, RANGE, NAME. */
  value: string;
  /** Repeatable: the values arrive as an array (empty when absent). */
  multiple?: boolean;
  default?: string;
}

export interface NumberOption extends OptionBase {
  type: 'number';
  value: string;
  default?: number;
}

export interface ChoiceOption extends OptionBase {
  type: 'choice';
  choices: readonly string[];
  default?: string;
}

export type OptionSpec = BooleanOption | StringOption | NumberOption | ChoiceOption;
export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<O extends OptionSpec> = O extends BooleanOption
  ? boolean
  : O extends NumberOption
    ? number
    : O extends { type: 'choice'; choices: readonly (infer C)[] }
      ? C
      : O extends { multiple: true }
        ? string[]
        : string;

/** The parsed values: repeatable options are always arrays; options with a default are always set. */
export type OptionValues<Os extends OptionSpecs> = {
  [K in keyof Os]: Os[K] extends { multiple: true } ? string[] : Os[K] extends { default: unknown } ? ValueOf<Os[K]> : ValueOf<Os[K]> | undefined;
};

export interface CommandSpec<Os extends OptionSpecs> {
  name: string;
  /** Positional arguments as shown in the synopsis, e.g. `ID` or `[FILE|-]`. */
  operands?: string;
  /** One line for the overview. */
  summary: string;
  /** Paragraphs printed by `camaudit NAME --help` after the synopsis. */
  details?: string;
  options: Os;
  /** Returns the process exit code. */
  run(args: { values: OptionValues<Os>; operands: string[] }): Promise<number>;
}

export interface Command {
  name: string;
  summary: string;
  /** `camaudit NAME [--flag VALUE] ...`, every option, wrapped. */
  synopsis(): string;
  /** The synopsis, details and one line per option. */
  help(): string;
  run(argv: string[]): Promise<number>;
}

/** Width of generated help text (README code blocks hold it unwrapped). */
export const HELP_WIDTH = 116;

function flagSyntax(name: string, option: OptionSpec): string {
  switch (option.type) {
    case 'boolean':
      return `--${name}`;
    case 'choice':
      return `--${name} ${option.choices.join('|')}`;
    case 'number':
      return `--${name} ${option.value}`;
    case 'string':
      return `--${name} ${option.value}${option.multiple ? '...' : ''}`;
  }
}

/** Words laid out in lines of at most `width`; `first` starts the first line, `indent` the others. */
export function wrapWords(words: string[], first: string, indent: string, width = HELP_WIDTH): string {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    const candidate = empty ? `${line}${word}` : `${line} ${word}`;
    if (!empty && candidate.length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

function optionLine(name: string, option: OptionSpec, column: number): string {
  const notes: string[] = [];
  if ('default' in option && option.default !== undefined) notes.push(`default ${String(option.default)}`);
  if (option.env !== undefined) notes.push(`or ${option.env}`);
  if (option.type === 'string' && option.multiple) notes.push('repeatable');
  if (option.aliases) notes.push(`also ${option.aliases.map((alias) => `--${alias}`).join(', ')}`);
  const text = `${option.description}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
  const head = `  ${flagSyntax(name, option)}`.padEnd(column);
  return wrapWords(text.split(' '), head.length > column ? `${head} ` : head, ' '.repeat(column));
}

function convert(option: OptionSpec, raw: string | boolean | string[], from: string): unknown {
  if (option.type === 'number') {
    const value = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `${from} needs a non-negative number, got "${String(raw)}"`);
    }
    return value;
  }
  if (option.type === 'choice' && !option.choices.includes(raw as string)) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', `${from} must be one of ${option.choices.join(', ')}`);
  }
  if (option.type === 'boolean' && typeof raw === 'string') return raw === '1' || raw.toLowerCase() === 'true';
  return raw;
}

/** argv → typed values: unknown flags, bad numbers and bad choices are bad usage (exit 2). */
export function parseOptions<Os extends OptionSpecs>(argv: string[], options: Os, env: NodeJS.ProcessEnv = process.env): { values: OptionValues<Os>; operands: string[] } {
  const config = Object.fromEntries(
    Object.entries(options).flatMap(([name, option]) => {
      const parser = option.type === 'boolean' ? { type: 'boolean' as const } : { type: 'string' as const, multiple: option.type === 'string' && option.multiple === true };
      return [name, ...(option.aliases ?? [])].map((spelling) => [spelling, parser] as const);
    }),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CamauditError('CAMAUDIT_ERR_BAD_USAGE', error instanceof Error ? error.message : String(error));
  }
  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(options)) {
    const spelling = [name, ...(option.aliases ?? [])].find((candidate) => parsed.values[candidate] !== undefined) ?? name;
    const given = parsed.values[spelling] as string | boolean | string[] | undefined;
    const fromEnv = option.env !== undefined && env[option.env] !== undefined && env[option.env] !== '' ? env[option.env] : undefined;
    if (given !== undefined) values[name] = convert(option, given, `--${spelling}`);
    else if (fromEnv !== undefined) values[name] = convert(option, option.type === 'string' && option.multiple ? fromEnv.split(',') : fromEnv, option.env!);
    else if (option.type === 'string' && option.multiple) values[name] = [];
    else if ('default' in option && option.default !== undefined) values[name] = option.default;
  }
  return { values: values as OptionValues<Os>, operands: parsed.positionals };
}

/** The one way to declare a command; see the note at the top of this file. */
export function defineCommand<const Os extends OptionSpecs>(spec: CommandSpec<Os>): Command {
  const synopsis = (): string => {
    const words = [...(spec.operands ? spec.operands.split(' ') : []), ...Object.entries(spec.options).map(([name, option]) => `[${flagSyntax(name, option)}]`)];
    // A flag and its value stay on one line.
    const first = `camaudit ${spec.name} `;
    return wrapWords(
      words.map((word) => word.replaceAll(' ', '\u00a0')),
      first,
      ' '.repeat(first.length),
    ).replaceAll('\u00a0', ' ');
  };
  return {
    name: spec.name,
    summary: spec.summary,
    synopsis,
    help() {
      const entries = Object.entries(spec.options);
      const column = Math.min(28, Math.max(...entries.map(([name, option]) => flagSyntax(name, option).length + 4), 0));
      const parts = [synopsis(), '', spec.summary];
      if (spec.details) parts.push('', spec.details);
      if (entries.length > 0) parts.push('', 'Options:', ...entries.map(([name, option]) => optionLine(name, option, column)));
      return parts.join('\n');
    },
    async run(argv) {
      return spec.run(parseOptions(argv, spec.options));
    },
  };
}
