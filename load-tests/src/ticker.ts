/**
 * One drift-free timer driving every stream of a load run: tick k fires at `t0 + k * periodMs`
 * (absolute schedule, so late ticks do not push later ones back), and each subscriber is told the
 * current time and works out itself what is due (e.g. every 20 ms frame whose time has come). One
 * timer instead of one `setInterval` per stream keeps the generator's own overhead flat as streams
 * are added, and sends every stream's frames in one burst per tick, which is how a real media
 * gateway forwards calls. Lateness is recorded, so a report can tell when the load generator, not
 * the server, was the bottleneck.
 *
 * @example
 * const ticker = new Ticker(20);
 * const off = ticker.add((nowMs) => session.onTick(nowMs));
 * ticker.start();
 * // ... off(); ticker.stop();
 */
import { LatencyHistogram } from './histogram.ts';

export type TickListener = (nowMs: number) => void;

export class Ticker {
  /** How late each tick fired, in ms. */
  readonly lateness = new LatencyHistogram();
  /** Ticks skipped because the previous one ran past them (their work is folded into the next). */
  skipped = 0;
  /** Listener exceptions (counted, never thrown: one broken stream must not stop the others). */
  listenerErrors = 0;
  private readonly listeners = new Set<TickListener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private t0 = 0;
  private k = 0;

  constructor(
    readonly periodMs = 20,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(periodMs > 0)) throw new RangeError(`ticker period must be > 0, got ${periodMs}`);
  }

  /** Subscribes; returns the unsubscribe function. */
  add(listener: TickListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.t0 = this.now();
    this.k = 0;
    this.schedule();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const due = this.t0 + this.k * this.periodMs;
    this.timer = setTimeout(this.fire, Math.max(0, due - this.now()));
  }

  private readonly fire = (): void => {
    const due = this.t0 + this.k * this.periodMs;
    const now = this.now();
    this.lateness.add(now - due);
    for (const listener of this.listeners) {
      try {
        listener(now);
      } catch {
        this.listenerErrors++;
      }
    }
    // Next tick after now; ticks that already passed are skipped, their work is done by the next one.
    const next = Math.max(this.k + 1, Math.floor((this.now() - this.t0) / this.periodMs) + 1);
    this.skipped += next - this.k - 1;
    this.k = next;
    if (this.timer !== undefined) this.schedule();
  };
}
