// Disjoint sets over 0..size-1, for grouping a scan's observations into devices (merge.ts) and into parts
// (merge-parts.ts). Parents in a typed array: a large import's scan has hundreds of thousands of observations.

export class UnionFind {
  private readonly parent: Int32Array;

  constructor(size: number) {
    this.parent = new Int32Array(size);
    for (let index = 0; index < size; index += 1) this.parent[index] = index;
  }

  /** The root of `index`'s set, halving the path on the way (each node skips to its grandparent). */
  find(index: number): number {
    let node = index;
    while (this.parent[node] !== node) {
      this.parent[node] = this.parent[this.parent[node]!]!;
      node = this.parent[node]!;
    }
    return node;
  }

  /** Joins the sets of `a` and `b` under `a`'s root; returns `b`'s former root, or -1 when they were one set already. */
  union(a: number, b: number): number {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA === rootB) return -1;
    this.parent[rootB] = rootA;
    return rootB;
  }
}
