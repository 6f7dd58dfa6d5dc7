// The chunked line reader behind identify and import: lines split across chunks, CRLF, a last line without a
// newline, multi-byte characters cut by a chunk boundary, and an over-long line cut and flagged without being held.
import { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createBatchedOutput, isAsciiBytes, peekHead, readLineBatches } from '../../src/cli/line-stream.js';

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

  it('reads any text, cut into chunks anywhere (inside a character too), as decoding it whole does, ASCII chunks and others alike', async () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }));
    await fc.assert(
      fc.asyncProperty(fc.array(text, { maxLength: 8 }), fc.array(fc.nat({ max: 200 }), { maxLength: 6 }), fc.nat({ max: 7 }), async (parts, cuts, offset) => {
        // Bytes at an odd offset in their buffer, as a pooled chunk may be: the four-byte ASCII check reads around it.
        const bytes = Buffer.concat([Buffer.alloc(offset), Buffer.from(parts.join('\n'))]).subarray(offset);
        const chunks: Buffer[] = [];
        let start = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          if (cut > start && cut < bytes.length) {
            chunks.push(bytes.subarray(start, cut));
            start = cut;
          }
        }
        chunks.push(bytes.subarray(start));
        const expected = bytes.toString('utf8').split('\n');
        if (expected[expected.length - 1] === '') expected.pop();
        expect((await lines(chunks, 10_000)).map(([, line]) => line)).toEqual(expected.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)));
      }),
      { numRuns: 400 },
    );
  });

  it('reads large chunks whose characters straddle the parts it checks for ASCII', async () => {
    // Multi-byte characters at and around every 8 KiB boundary inside 64 KiB chunks, and chunk cuts inside them.
    const line = (shift: number): string => `${'a'.repeat(8190 + shift)}é€😀${'b'.repeat(8180 - shift)}\u2028x${'c'.repeat(9000)}`;
    const text = [0, 1, 2, 3, 5, -3].map(line).join('\n');
    const bytes = Buffer.from(text);
    for (const size of [64 * 1024, 8191, 8193, 70_000]) {
      const chunks: Buffer[] = [];
      for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, start + size));
      expect((await lines(chunks, 100_000)).map(([, read]) => read)).toEqual(text.split('\n'));
    }
  });

  it('reads invalid UTF-8 (a character cut short, then ASCII) as the Node decoder does', async () => {
    const byte = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constantFrom(0x0a, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0xff));
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 40 }), fc.array(fc.nat({ max: 40 }), { maxLength: 5 }), async (raw, cuts) => {
        const bytes = Buffer.from(raw);
        const chunks: Buffer[] = [];
        let start = 0;
        for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
          if (cut > start && cut < bytes.length) {
            chunks.push(bytes.subarray(start, cut));
            start = cut;
          }
        }
        chunks.push(bytes.subarray(start));
        const decoder = new StringDecoder('utf8');
        const expected = (chunks.map((chunk) => decoder.write(chunk)).join('') + decoder.end()).split('\n');
        if (expected[expected.length - 1] === '') expected.pop();
        expect((await lines(chunks, 10_000)).map(([, line]) => line)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('tells ASCII bytes from others at any offset and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 7 }), (raw, offset) => {
        const bytes = Buffer.concat([Buffer.alloc(offset), raw]).subarray(offset);
        expect(isAsciiBytes(bytes)).toBe(raw.every((byte) => byte < 0x80));
      }),
      { numRuns: 2000 },
    );
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

/** A stream that takes each chunk only after a turn of the event loop, as a full pipe does, and keeps copies. */
function slowSink(highWaterMark: number): { stream: Writable; bytes: () => Buffer; peakQueued: () => number } {
  const received: Buffer[] = [];
  let peak = 0;
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      peak = Math.max(peak, stream.writableLength);
      // Read the chunk late: a buffer handed over and then filled again before this point would show here.
      setImmediate(() => {
        received.push(Buffer.from(chunk));
        done();
      });
    },
  });
  return { stream, bytes: () => Buffer.concat(received), peakQueued: () => peak };
}

describe('createBatchedOutput', () => {
  // Multi-byte text (3-byte CJK, 4-byte emoji as surrogate pairs), texts that straddle a buffer's end, and texts
  // larger than a whole buffer.
  const texts = Array.from({ length: 6000 }, (_, index) =>
    index % 997 === 0 ? `${'x'.repeat(300_000)}\n` : `{"line":${index},"name":"カメラ ${index} 📷","pad":"${'é'.repeat(index % 300)}"}\n`,
  );
  const expected = Buffer.from(texts.join(''), 'utf8');

  it('writes the exact UTF-8 of every text, in order, through a slow stream, waiting when asked', async () => {
    const sink = slowSink(64 * 1024);
    const output = createBatchedOutput(sink.stream);
    let waits = 0;
    for (const text of texts) {
      const pending = output.push(text);
      if (pending) {
        waits += 1;
        await pending;
      }
    }
    await output.flush();
    await new Promise<void>((resolve) => sink.stream.end(resolve));
    expect(sink.bytes().equals(expected)).toBe(true);
    expect(waits).toBeGreaterThan(10);
    // Waiting when asked keeps what the stream holds near one buffer and one over-long text, whatever the input size.
    expect(sink.peakQueued()).toBeLessThan(1024 * 1024 + 300_000);
  });

  it('writes the exact UTF-8 of every text through a stream that takes everything at once', async () => {
    const received: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        received.push(Buffer.from(chunk));
        done();
      },
    });
    const output = createBatchedOutput(stream);
    for (const text of texts) await output.push(text);
    await output.flush();
    expect(Buffer.concat(received).equals(expected)).toBe(true);
  });
});
