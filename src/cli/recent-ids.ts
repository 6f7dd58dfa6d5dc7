// The observation ids an import has lately sent, so that a repeated sighting (a lease log, a repeated scan) is not
// sent again. An id is 32 hex characters (a hash: src/observation.ts); held as a string in a Set it took about 125
// bytes, 12 MB at 100,000 ids, most of what a first import held beside its part of the merge. Here each is its 16
// bytes in one open-addressed table (linear probing, at most half full): 4 MB at 100,000. Any other id (an
// agent's own, or the all-zero one, which would read as an empty slot) goes to a plain Set.

const HEX_ID_LENGTH = 32;

/** The value of one hex digit's character code, or -1. */
function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

export class RecentIds {
  private readonly words: Uint32Array;
  private readonly mask: number;
  private readonly capacity: number;
  private size = 0;
  private readonly others = new Set<string>();
  /** The id being looked up, as four 32-bit words (reused: no allocation per id). */
  private readonly probe = new Uint32Array(4);

  /** Remembers up to `capacity` ids; when full, it forgets them all (a repeat then is sent again, and stored once). */
  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
    let slots = 2;
    while (slots < this.capacity * 2) slots *= 2;
    this.words = new Uint32Array(slots * 4);
    this.mask = slots - 1;
  }

  /** How many ids it holds. */
  get count(): number {
    return this.size + this.others.size;
  }

  /** Adds `id`; false when it was already held. */
  add(id: string): boolean {
    if (!this.readHex(id)) return this.addOther(id);
    const a = this.probe[0]!;
    const b = this.probe[1]!;
    const c = this.probe[2]!;
    const d = this.probe[3]!;
    if ((a | b | c | d) === 0) return this.addOther(id);
    let slot = this.find(a, b, c, d);
    if (slot < 0) return false;
    if (this.count >= this.capacity) {
      this.clear();
      slot = this.find(a, b, c, d);
    }
    const at = slot * 4;
    this.words[at] = a;
    this.words[at + 1] = b;
    this.words[at + 2] = c;
    this.words[at + 3] = d;
    this.size += 1;
    return true;
  }

  /** The empty slot the id would take, or -1 when the table holds it. */
  private find(a: number, b: number, c: number, d: number): number {
    const w = this.words;
    // The id is a hash: its first word is as good a slot number as any.
    for (let slot = a & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * 4;
      if ((w[at]! | w[at + 1]! | w[at + 2]! | w[at + 3]!) === 0) return slot;
      if (w[at] === a && w[at + 1] === b && w[at + 2] === c && w[at + 3] === d) return -1;
    }
  }

  clear(): void {
    this.words.fill(0);
    this.size = 0;
    this.others.clear();
  }

  private addOther(id: string): boolean {
    if (this.others.has(id)) return false;
    if (this.count >= this.capacity) this.clear();
    this.others.add(id);
    return true;
  }

  /** Reads a 32-hex-digit id (lower case, as ids are made) into `probe`; false for any other string. */
  private readHex(id: string): boolean {
    if (id.length !== HEX_ID_LENGTH) return false;
    for (let word = 0; word < 4; word += 1) {
      let value = 0;
      for (let index = word * 8; index < word * 8 + 8; index += 1) {
        const digit = nibble(id.charCodeAt(index));
        if (digit < 0) return false;
        value = value * 16 + digit;
      }
      this.probe[word] = value;
    }
    return true;
  }
}
