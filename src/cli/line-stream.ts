// Line input and output for the commands that stream millions of records (identify, import): input read in large
// chunks and split by hand (readline's per-line events cost more than the matcher), output gathered into large
// writes that respect backpressure, so memory stays flat and a closed pipe (`| head`) ends the run quietly.
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface InputLine {
  /** 1-based line number in the input. */
  number: number;
  text: string;
  /** True when the line was longer than the limit: `text` is then its first `maxChars` characters only. */
  tooLong: boolean;
}

/**
 * A command's input: standard input for `-`, else the file, read in 64 KiB chunks, as a pipe gives them. A decoded
 * chunk of more than about 128 KiB is a string in V8's large-object space, freed only by a full collection, so
 * larger reads leave the heap (and RSS) tens of MB higher.
 */
export function openInput(file: string): Readable {
  return file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 64 * 1024 });
}

/**
 * True when no byte of `bytes` has its high bit set. Four bytes at a time: a 64 KiB chunk in about 10 µs, where
 * node:buffer's isAscii took about 120 µs on this project's bench machine (Node 20).
 */
export function isAsciiBytes(bytes: Uint8Array): boolean {
  const start = bytes.byteOffset;
  const end = start + bytes.length;
  const wordsStart = (start + 3) & ~3;
  const wordsEnd = end & ~3;
  let high = 0;
  if (wordsEnd <= wordsStart) {
    for (let index = 0; index < bytes.length; index += 1) high |= bytes[index]!;
    return (high & 0x80) === 0;
  }
  for (let index = 0; index < wordsStart - start; index += 1) high |= bytes[index]!;
  const words = new Uint32Array(bytes.buffer, wordsStart, (wordsEnd - wordsStart) >> 2);
  for (let index = 0; index < words.length; index += 1) high |= words[index]!;
  for (let index = wordsEnd - start; index < bytes.length; index += 1) high |= bytes[index]!;
  return (high & 0x80808080) === 0;
}

/** Bytes told ASCII or not at a time: one line that is not (a name with an accent) sends only its own part to the decoder. */
const ASCII_PIECE_BYTES = 8 * 1024;

/**
 * Chunks of UTF-8 as text. Node's UTF-8 decoder takes ten times as long as a Latin-1 copy, and for ASCII the two
 * are the same: an ASCII piece is copied, unless the decoder may still hold the first bytes of a character from the
 * piece before (the last piece it decoded did not end in ASCII).
 */
function utf8ChunkDecoder(): { write(chunk: Buffer): string; end(): string } {
  const decoder = new StringDecoder('utf8');
  let decoderMayHoldBytes = false;
  const piece = (bytes: Buffer): string => {
    if (!decoderMayHoldBytes && isAsciiBytes(bytes)) return bytes.toString('latin1');
    decoderMayHoldBytes = bytes[bytes.length - 1]! >= 0x80;
    return decoder.write(bytes);
  };
  return {
    write(chunk) {
      if (chunk.length <= ASCII_PIECE_BYTES) return chunk.length === 0 ? '' : piece(chunk);
      let text = '';
      for (let start = 0; start < chunk.length; start += ASCII_PIECE_BYTES) text += piece(chunk.subarray(start, start + ASCII_PIECE_BYTES));
      return text;
    },
    end: () => decoder.end(),
  };
}

/**
 * The lines of `input`, in batches (one per chunk read), without their `\n` or `\r\n`. A line longer than
 * `maxChars` is cut there and flagged, and the rest of it is skipped without being held in memory.
 */
export async function* readLineBatches(input: Readable | AsyncIterable<Buffer | string>, maxChars: number): AsyncGenerator<InputLine[]> {
  const decoder = utf8ChunkDecoder();
  let carry = '';
  let skipping = false;
  let number = 0;
  const take = (text: string, batch: InputLine[], tooLong: boolean): void => {
    number += 1;
    const end = text.endsWith('\r') ? text.length - 1 : text.length;
    batch.push({ number, text: end === text.length ? text : text.slice(0, end), tooLong });
  };
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const batch: InputLine[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      if (skipping) skipping = false;
      else if (carry.length > 0) take(carry + text.slice(start, newline), batch, false);
      else take(text.slice(start, newline), batch, false);
      carry = '';
      start = newline + 1;
    }
    if (!skipping) {
      carry += text.slice(start);
      if (carry.length > maxChars) {
        take(carry.slice(0, maxChars), batch, true);
        carry = '';
        skipping = true;
      }
    }
    if (batch.length > 0) yield batch;
  }
  carry += decoder.end();
  if (!skipping && carry.length > 0) yield [{ number: number + 1, text: carry.endsWith('\r') ? carry.slice(0, -1) : carry, tooLong: false }];
}

/** Bytes gathered before one write: large enough that the per-write cost vanishes, small enough to stay flat. */
const OUTPUT_BUFFER_BYTES = 256 * 1024;
/** A UTF-16 code unit becomes at most 3 bytes of UTF-8 (a surrogate pair, two units, becomes 4). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

export interface BatchedOutput {
  /** Queues text; returns a promise only when a write was due and the stream wants draining first. */
  push(text: string): Promise<void> | undefined;
  /** Writes what is queued and waits until the stream has taken it. */
  flush(): Promise<void>;
  /** True once the reader went away (EPIPE): stop producing. */
  readonly closed: boolean;
}

/** Resolves when the stream wants more, or has ended for good (closed, or failed: the error is handled by its listener). */
function drained(output: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      output.off('drain', done);
      output.off('close', done);
      output.off('error', done);
      resolve();
    };
    output.on('drain', done);
    output.on('close', done);
    output.on('error', done);
  });
}

// Each text is encoded straight into a large buffer as it comes, and the buffer is written when full: joining the
// texts into one string first and encoding that cost more than the matcher (a million identifications are ~1 GB).
export function createBatchedOutput(output: Writable): BatchedOutput {
  // Buffers the stream has finished with are used again: a fresh one per write would leave a gigabyte of output to
  // the garbage collector, and the process's memory would grow with it.
  const spare: Buffer[] = [];
  const nextBuffer = (): Buffer => spare.pop() ?? Buffer.allocUnsafeSlow(OUTPUT_BUFFER_BYTES);
  let buffer = nextBuffer();
  let used = 0;
  let closed = false;
  output.on('error', (error: NodeJS.ErrnoException) => {
    // The reader closed the pipe (`camaudit identify big.jsonl | head`): not a failure of ours.
    if (error.code === 'EPIPE') closed = true;
    else throw error;
  });
  /** Hands `chunk` to the stream; a promise only when the stream asks to be drained. */
  const write = (chunk: Buffer | string, written?: () => void): Promise<void> | undefined => (closed || output.write(chunk, written) ? undefined : drained(output));
  const writeBuffered = (): Promise<void> | undefined => {
    if (used === 0) return undefined;
    const full = buffer;
    let reclaimed = false;
    const reclaim = (): void => {
      if (reclaimed) return;
      reclaimed = true;
      if (spare.length < 2) spare.push(full);
    };
    // The stream keeps the chunk until the system has taken it: the next texts go into another buffer meanwhile.
    const waiting = write(full.subarray(0, used), reclaim);
    // Most writes (a file, a pipe with room) complete at once, though the stream calls back only later: nothing
    // queued means the system has the bytes, and the buffer can take the next texts now.
    if (output.writableLength === 0) reclaim();
    buffer = nextBuffer();
    used = 0;
    return waiting;
  };
  return {
    push(text) {
      if (closed) return undefined;
      const mostBytes = text.length * MAX_UTF8_BYTES_PER_UNIT;
      if (used + mostBytes <= buffer.length) {
        used += buffer.write(text, used);
        return undefined;
      }
      const waiting = writeBuffered();
      if (mostBytes > buffer.length) {
        // Larger than a whole buffer: written as it is, behind what was queued.
        const alsoWaiting = write(text);
        return waiting ?? alsoWaiting;
      }
      used = buffer.write(text, 0);
      return waiting;
    },
    async flush() {
      await writeBuffered();
    },
    get closed() {
      return closed;
    },
  };
}

/**
 * The first `chars` characters of `input` (to tell its format by), and the whole input again from its start, without
 * reading it twice: the chunks read for the head are kept and handed out first.
 */
export async function peekHead(input: Readable | AsyncIterable<Buffer | string>, chars: number, encoding: BufferEncoding = 'utf8'): Promise<{ head: string; all: AsyncIterable<Buffer | string> }> {
  const iterator = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const taken: (Buffer | string)[] = [];
  let size = 0;
  let done = false;
  while (size < chars) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    taken.push(next.value);
    size += next.value.length;
  }
  const head = taken.map((chunk) => (typeof chunk === 'string' ? chunk : chunk.toString(encoding))).join('').slice(0, chars);
  async function* all(): AsyncGenerator<Buffer | string> {
    yield* taken;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head, all: all() };
}
