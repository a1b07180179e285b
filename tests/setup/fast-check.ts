import fc from 'fast-check';

// Property tests run with a fixed seed so that a test run is reproducible and CI is not red by
// chance. Explore new cases with FC_SEED=random (or a number); a failure prints its seed and path.
const requested = process.env.FC_SEED;
if (requested !== 'random') {
  const seed = requested === undefined ? 20261124 : Number(requested);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got ${requested}`);
  fc.configureGlobal({ seed });
}
