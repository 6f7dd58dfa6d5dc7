// Shared by the fuzz tests: a recorded packet with some bytes flipped, cut, or spliced with random bytes.
import fc from 'fast-check';

/** A recorded reply with some bytes flipped, cut, or spliced with random bytes. */
export const mutated = (corpus: Buffer[]) =>
  fc.tuple(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert')), { maxLength: 8 })).map(([seed, edits]) => {
    let bytes = Buffer.from(seed);
    for (const [position, value, kind] of edits) {
      const at = bytes.length === 0 ? 0 : position % bytes.length;
      if (kind === 'flip' && bytes.length > 0) bytes[at] = value;
      else if (kind === 'cut') bytes = bytes.subarray(0, at);
      else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([value]), bytes.subarray(at)]);
    }
    return bytes;
  });
