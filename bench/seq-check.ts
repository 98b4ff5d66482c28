// Checks that one stream delivers every seq exactly once and in order.
export class SeqCheck {
  received = 0;
  duplicates = 0;
  /** Arrivals with a seq below one already seen (and not a duplicate). */
  reordered = 0;
  max = 0;
  private seen = new Uint8Array(1024);

  add(seq: number): void {
    this.received++;
    if (seq >= this.seen.length) {
      const grown = new Uint8Array(Math.max(seq + 1, this.seen.length * 2));
      grown.set(this.seen);
      this.seen = grown;
    }
    if (this.seen[seq]) {
      this.duplicates++;
      return;
    }
    this.seen[seq] = 1;
    if (seq < this.max) this.reordered++;
    else this.max = seq;
  }

  /** How many of seqs `from`..`to` never arrived. */
  missing(from: number, to: number): number {
    let n = 0;
    for (let seq = from; seq <= to; seq++) if (!this.seen[seq]) n++;
    return n;
  }
}
