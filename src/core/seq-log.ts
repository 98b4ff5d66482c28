// Rows kept in seq order, as a table clustered by (session_id, seq) keeps them: one session's
// events or queued inputs in the in-memory store. Appending (seqs grow, so nearly always) is
// cheap; finding a seq is a binary search.

export class SeqLog<T extends { readonly seq: number }> {
  private readonly rows: T[] = [];

  /** The row with the highest seq. */
  get last(): T | undefined {
    return this.rows.at(-1);
  }

  has(seq: number): boolean {
    return this.rows[this.firstFrom(seq, false)]?.seq === seq;
  }

  /** Adds `row`; the caller has made sure its seq is not taken. */
  insert(row: T): void {
    const last = this.rows.at(-1);
    if (last === undefined || last.seq < row.seq) this.rows.push(row);
    else this.rows.splice(this.firstFrom(row.seq, false), 0, row);
  }

  /** The rows after `seq`, in order: at most `limit`, or all of them when `limit` is negative
   * (as SQL reads `LIMIT -1`). */
  after(seq: number, limit: number): T[] {
    const from = this.firstFrom(seq, true);
    return limit < 0 ? this.rows.slice(from) : this.rows.slice(from, from + limit);
  }

  /** The index of the first row whose seq is at least `seq` (`after`: greater than it). */
  private firstFrom(seq: number, after: boolean): number {
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const at = this.rows[mid]!.seq;
      if (at < seq || (after && at === seq)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
