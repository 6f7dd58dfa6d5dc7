// The chunked line reader behind identify and import: lines split across chunks, CRLF, a last line without a
// newline, multi-byte characters cut by a chunk boundary, and an over-long line cut and flagged without being held.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { peekHead, readLineBatches } from '../../src/cli/line-stream.js';

async function lines(chunks: (string | Buffer)[], maxChars = 100): Promise<[number, string, boolean][]> {
  const result: [number, string, boolean][] = [];
  for await (const batch of readLineBatches(Readable.from(chunks), maxChars)) for (const line of batch) result.push([line.number, line.text, line.tooLong]);
  return result;
}

describe('readLineBatches', () => {
  it('joins lines across chunks, strips CRLF and keeps a last line without a newline', async () => {
    expect(await lines(['ab', 'c\r\nde', 'f\n\n', 'g'])).toEqual([
      [1, 'abc', false],
      [2, 'def', false],
      [3, '', false],
      [4, 'g', false],
    ]);
  });

  it('decodes a UTF-8 character split between two chunks', async () => {
    const bytes = Buffer.from('é\n');
    expect(await lines([bytes.subarray(0, 1), bytes.subarray(1)])).toEqual([[1, 'é', false]]);
  });

  it('cuts an over-long line at the limit, flags it, and goes on with the next line', async () => {
    expect(await lines(['x'.repeat(30), 'y'.repeat(30), '\nok\n'], 40)).toEqual([
      [1, 'x'.repeat(30) + 'y'.repeat(10), true],
      [2, 'ok', false],
    ]);
  });
});

describe('peekHead', () => {
  it('gives the head and then the whole input again, read once', async () => {
    const { head, all } = await peekHead(Readable.from(['abc', 'def', 'ghi']), 4);
    expect(head).toBe('abcd');
    const again: string[] = [];
    for await (const chunk of all) again.push(String(chunk));
    expect(again.join('')).toBe('abcdefghi');
  });
});
