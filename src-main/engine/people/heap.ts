/** A binary max-heap of numeric keys with an attached payload index (parallel typed arrays, growable). */
export class MaxHeap {
  private keys = new Float64Array(1024);
  private vals = new Int32Array(1024);
  private n = 0;

  get size(): number {
    return this.n;
  }

  push(key: number, val: number): void {
    if (this.n === this.keys.length) {
      const k = new Float64Array(this.n * 2);
      k.set(this.keys);
      this.keys = k;
      const v = new Int32Array(this.n * 2);
      v.set(this.vals);
      this.vals = v;
    }
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! >= key) break;
      this.keys[i] = this.keys[p]!;
      this.vals[i] = this.vals[p]!;
      i = p;
    }
    this.keys[i] = key;
    this.vals[i] = val;
  }

  peekKey(): number {
    return this.n > 0 ? this.keys[0]! : -Infinity;
  }

  /** Removes the top and returns its payload (-1 when empty). */
  pop(): number {
    if (this.n === 0) return -1;
    const top = this.vals[0]!;
    const key = this.keys[--this.n]!;
    const val = this.vals[this.n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.n) break;
      if (c + 1 < this.n && this.keys[c + 1]! > this.keys[c]!) c++;
      if (this.keys[c]! <= key) break;
      this.keys[i] = this.keys[c]!;
      this.vals[i] = this.vals[c]!;
      i = c;
    }
    this.keys[i] = key;
    this.vals[i] = val;
    return top;
  }
}
