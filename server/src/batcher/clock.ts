/**
 * The clock a time-driven component reads and schedules on, injected so that tests can drive time
 * (a scripted clock, or vitest fake timers through {@link realClock}) and durations come from a
 * monotonic source rather than the wall clock.
 *
 * @example
 * const batcher = new MicroBatcher(engine, { clock: realClock });
 */

/** An opaque timer handle: whatever `setTimeout` returned, given back to `clearTimeout`. */
export type TimerHandle = unknown;

export interface Clock {
  /** Monotonic milliseconds (arbitrary origin). */
  now(): number;
  /** Calls `fn` once, `ms` milliseconds from now. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * `performance.now()` and the global timers. Each call looks the globals up afresh, so fake timers
 * installed after a component was built (`vi.useFakeTimers()`) still drive it.
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
