/**
 * Admission control: the server is overloaded when its event loop lags. Streams already accepted
 * keep running (their windows are shed explicitly by the batcher if inference falls behind), but a
 * new stream is refused with `OVERLOADED` (close 1013, retry with backoff) while the loop's longest
 * delay in the last completed second exceeds the limit: a stall that long makes every call's events
 * that late, and taking more calls would only make it worse.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

export class LoadMonitor {
  private readonly h: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  /** Longest event-loop delay of the last completed interval, in ms. */
  lagMaxMs = 0;

  constructor(
    private readonly maxLagMs: number,
    intervalMs = 1000,
  ) {
    this.h = monitorEventLoopDelay({ resolution: 10 });
    this.h.enable();
    this.timer = setInterval(() => {
      this.lagMaxMs = this.h.max / 1e6;
      this.h.reset();
    }, intervalMs);
    this.timer.unref();
  }

  /** True while new streams should be refused. */
  get overloaded(): boolean {
    return this.maxLagMs > 0 && this.lagMaxMs > this.maxLagMs;
  }

  close(): void {
    clearInterval(this.timer);
    this.h.disable();
  }
}
