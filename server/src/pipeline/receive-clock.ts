/**
 * Maps a 16 kHz stream position to the wall-clock arrival of the message that made that sample
 * available, so an event about a window can say when its last audio arrived (`receivedAt`).
 * Lookups come in non-decreasing order of position (windows are cut in order of their end), so
 * entries behind the last lookup are discarded; the table is also capped, keeping only recent audio.
 */
export class ReceiveClock {
  private ends: number[] = [];
  private stamps: number[] = [];
  private head = 0;

  constructor(private readonly cap = 4096) {}

  /** Records that samples up to `endSample` (exclusive) arrived at `receivedAt`. */
  add(endSample: number, receivedAt: number): void {
    this.ends.push(endSample);
    this.stamps.push(receivedAt);
    if (this.ends.length - this.head > this.cap) this.head++;
    if (this.head > 1024 && this.head * 2 > this.ends.length) {
      this.ends = this.ends.slice(this.head);
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }

  /** Arrival time of sample `sample - 1` (the last sample before `sample`); the latest known if beyond. */
  lookup(sample: number): number {
    const n = this.ends.length;
    if (n === this.head) return Date.now();
    let lo = this.head;
    let hi = n - 1;
    if (this.ends[hi]! < sample) return this.stamps[hi]!;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! >= sample) hi = mid;
      else lo = mid + 1;
    }
    this.head = lo;
    return this.stamps[lo]!;
  }
}
