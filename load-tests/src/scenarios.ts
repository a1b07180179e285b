/**
 * The load shapes, shared by the k6 script and the Node runner so that both run the same test:
 * the number of concurrent streams over time, as k6 `ramping-vus` stages (linear ramps from the
 * previous target). Pure (no Node APIs), so k6 can import it.
 *
 * - `constant`: `streams` from the first second to the end.
 * - `ramp`: 0 to `streams` over 40% of the time, hold 40%, back to 0 over the last 20%.
 * - `spike`: a baseline of a tenth of `streams` (at least 1), a jump to `streams` within 5% of the
 *   time, held for 20%, then back to the baseline: shows shedding and recovery.
 * - `soak`: ramp to `streams` over at most a minute, then hold for a long time (default 30 min):
 *   shows leaks and backlogs that grow slowly.
 *
 * @example
 * const plan = scenarioPlan('spike', 40, 120);
 * targetAt(plan, 50); // streams wanted 50 s into the test
 */

export const SCENARIOS = ['ramp', 'constant', 'spike', 'soak'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Default length of each scenario, in seconds. */
export const DEFAULT_DURATION_S: Readonly<Record<ScenarioName, number>> = Object.freeze({
  ramp: 120,
  constant: 60,
  spike: 120,
  soak: 1800,
});

/** A linear ramp from the previous stage's target to `target` over `durationS`. */
export interface Stage {
  durationS: number;
  target: number;
}

export interface ScenarioPlan {
  name: ScenarioName;
  /** Peak concurrent streams. */
  streams: number;
  durationS: number;
  /** Streams at time 0. */
  startStreams: number;
  stages: Stage[];
}

/** True for a known scenario name. */
export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

/**
 * The stages of a scenario.
 *
 * @throws {RangeError} for an unknown name, a stream count below 1 or a non-positive duration.
 */
export function scenarioPlan(name: string, streams: number, durationS?: number): ScenarioPlan {
  if (!isScenarioName(name))
    throw new RangeError(`unknown scenario '${name}' (one of: ${SCENARIOS.join(', ')})`);
  if (!(Number.isInteger(streams) && streams >= 1))
    throw new RangeError(`streams must be an integer >= 1, got ${streams}`);
  const d = durationS ?? DEFAULT_DURATION_S[name];
  if (!(d > 0)) throw new RangeError(`duration must be > 0, got ${d}`);
  const n = streams;
  switch (name) {
    case 'constant':
      return { name, streams: n, durationS: d, startStreams: n, stages: [{ durationS: d, target: n }] };
    case 'ramp':
      return {
        name,
        streams: n,
        durationS: d,
        startStreams: 0,
        stages: [
          { durationS: 0.4 * d, target: n },
          { durationS: 0.4 * d, target: n },
          { durationS: 0.2 * d, target: 0 },
        ],
      };
    case 'spike': {
      const base = Math.max(1, Math.round(n / 10));
      return {
        name,
        streams: n,
        durationS: d,
        startStreams: 0,
        stages: [
          { durationS: 0.1 * d, target: base },
          { durationS: 0.3 * d, target: base },
          { durationS: 0.05 * d, target: n },
          { durationS: 0.2 * d, target: n },
          { durationS: 0.05 * d, target: base },
          { durationS: 0.3 * d, target: base },
        ],
      };
    }
    case 'soak': {
      const up = Math.min(60, 0.05 * d);
      return {
        name,
        streams: n,
        durationS: d,
        startStreams: 0,
        stages: [
          { durationS: up, target: n },
          { durationS: d - up, target: n },
        ],
      };
    }
  }
}

/** Streams wanted `tS` seconds into the test (rounded like k6's VU count); 0 after the end. */
export function targetAt(plan: ScenarioPlan, tS: number): number {
  if (tS < 0) return plan.startStreams;
  let from = plan.startStreams;
  let t = tS;
  for (const s of plan.stages) {
    if (t < s.durationS) return Math.round(from + ((s.target - from) * t) / s.durationS);
    t -= s.durationS;
    from = s.target;
  }
  return 0;
}

/** Whether `tS` falls in a stage that holds the peak (`streams`) steady: the part a capacity verdict reads. */
export function atPeak(plan: ScenarioPlan, tS: number): boolean {
  let from = plan.startStreams;
  let t = tS;
  for (const s of plan.stages) {
    if (t < s.durationS) return from === plan.streams && s.target === plan.streams;
    t -= s.durationS;
    from = s.target;
  }
  return false;
}

/**
 * Where in the shared audio the `session`-th stream of virtual user `user` starts, in 20 ms frames:
 * spread by the golden ratio so that concurrent streams say different things at any moment (their
 * windows do not all fall due together), yet every run is the same.
 */
export function audioOffsetFrames(user: number, session: number, totalFrames: number): number {
  const x = (user * 0.6180339887 + session * 0.4142135624) % 1;
  return Math.floor(x * totalFrames) % totalFrames;
}
