// The result every pure parser in src/discovery returns: foreign bytes are normal input, so a parser
// reports why it could not read them instead of throwing.

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parsed<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function rejected<T = never>(reason: string): ParseResult<T> {
  return { ok: false, reason };
}
