/**
 * Options of the incremental feature engine. One object configures training, evaluation and
 * serving, so the three always compute the same numbers.
 */

/** Per-frame features, in the canonical order in which they appear in a frame vector. */
export const FEATURE_NAMES = [
  'logmel',
  'mfcc',
  'delta',
  'delta2',
  'chroma',
  'contrast',
  'centroid',
  'bandwidth',
  'rolloff',
  'zcr',
  'rms',
  'pitch',
] as const;

/** One kind of per-frame feature. `delta`/`delta2` are the MFCC's first and second derivatives. */
export type FeatureName = (typeof FEATURE_NAMES)[number];

export interface FeatureOptions {
  /** Input sample rate in Hz. The service resamples everything to 16 kHz first. */
  sampleRate: number;
  /** Analysis window length in samples (25 ms at 16 kHz). */
  winLength: number;
  /** Hop between frames in samples (10 ms at 16 kHz). */
  hopLength: number;
  /** FFT size; the window is zero-padded to it. Power of two, >= `winLength`. */
  nFft: number;
  /** Analysis window shape (periodic, as `scipy.signal.get_window(..., fftbins=True)`). */
  window: 'hann' | 'hamming';
  /** Number of mel bands. */
  nMels: number;
  /** Lowest mel filter edge in Hz. */
  fMinHz: number;
  /** Highest mel filter edge in Hz; `null` means Nyquist. */
  fMaxHz: number | null;
  /** Number of MFCCs (the first coefficients of an orthonormal DCT-II of the log-mel vector). */
  nMfcc: number;
  /**
   * Half-width N of the regression used for deltas: `d_t = sum_n n (c_{t+n} - c_{t-n}) / (2 sum_n n^2)`.
   * Streaming look-ahead is N frames for `delta` and 2N frames for `delta2`.
   */
  deltaWidth: number;
  /** Floor applied to powers before taking logarithms (as librosa's `amin`). */
  amin: number;
  /**
   * Relative floor of the log-mel bands, in dB below the frame's loudest band, or `null` for none:
   * each band's power gets `max band power * 10^(-melFloorDb / 10)` added before the logarithm (the
   * MFCCs follow). Bands far below the frame's peak then read as the floor whether the recording
   * was silent there (a studio), band-limited (a phone line) or noisy, instead of swinging by tens
   * of dB with the channel; what is above the floor, the spectral shape that carries the voice, is
   * unchanged. Level-invariant (relative to the frame itself) and stateless, so streaming is exact.
   */
  melFloorDb: number | null;
  /** Fraction of spectral magnitude below the roll-off frequency. */
  rolloffPercent: number;
  /** Pitch search range and analysis window (samples), centred on each frame's centre. */
  pitchFMinHz: number;
  pitchFMaxHz: number;
  pitchFrameLength: number;
  /**
   * History in ms over which the pitch tracker follows the noise floor for its voicing decision, or
   * `null` (the default) for a fixed threshold. Noise lifts YIN's aperiodicity at the true period by
   * about the frame's noise-to-power ratio, so in noise voiced frames fail a fixed threshold; with a
   * history the tracker subtracts that share (see `PitchOptions.noiseHistory`). Studio recordings,
   * whose pauses are silent, are unchanged. Causal and per stream, so streaming stays exact.
   */
  pitchNoiseFloorMs: number | null;
  /**
   * Spectral octave check of the pitch tracker (`PitchOptions.octaveCheck` at its default ratio): a
   * voiced frame whose spectrum has clear peaks at the half-integer multiples of the estimate is the
   * second harmonic of a voice whose fundamental is missing (a phone line cuts below 300 Hz), and its
   * period is doubled. Default false. Stateless, so streaming stays exact.
   */
  pitchOctaveCheck: boolean;
  /** Which features each frame vector holds; always laid out in {@link FEATURE_NAMES} order. */
  features: readonly FeatureName[];
}

/** Defaults: 16 kHz, 25 ms Hann window, 10 ms hop, FFT 512, 64 Slaney mel bands, 40 MFCCs. */
export const defaultFeatureOptions: FeatureOptions = Object.freeze({
  sampleRate: 16000,
  winLength: 400,
  hopLength: 160,
  nFft: 512,
  window: 'hann',
  nMels: 64,
  fMinHz: 0,
  fMaxHz: null,
  nMfcc: 40,
  deltaWidth: 2,
  amin: 1e-10,
  melFloorDb: null,
  rolloffPercent: 0.85,
  pitchFMinHz: 60,
  pitchFMaxHz: 500,
  pitchFrameLength: 1024,
  pitchNoiseFloorMs: null,
  pitchOctaveCheck: false,
  features: Object.freeze(['logmel', 'mfcc'] as FeatureName[]),
});

/** Number of chroma classes and spectral-contrast values. */
export const N_CHROMA = 12;
/** Octave band edges of spectral contrast, in Hz; the last band runs to Nyquist. */
export const CONTRAST_EDGES_HZ = [0, 200, 400, 800, 1600, 3200, 6400] as const;

/** Where each feature sits in a frame vector. */
export type FeatureLayout = Partial<Record<FeatureName, { offset: number; size: number }>>;

/** Size of one feature in a frame vector. */
export function featureSize(name: FeatureName, o: FeatureOptions): number {
  switch (name) {
    case 'logmel':
      return o.nMels;
    case 'mfcc':
    case 'delta':
    case 'delta2':
      return o.nMfcc;
    case 'chroma':
      return N_CHROMA;
    case 'contrast':
      return CONTRAST_EDGES_HZ.length;
    case 'pitch':
      return 2;
    default:
      return 1;
  }
}

/** Layout and total dimension of the frame vector for these options. */
export function featureLayout(o: FeatureOptions): { layout: FeatureLayout; dim: number } {
  const layout: FeatureLayout = {};
  let dim = 0;
  for (const name of FEATURE_NAMES) {
    if (!o.features.includes(name)) continue;
    const size = featureSize(name, o);
    layout[name] = { offset: dim, size };
    dim += size;
  }
  return { layout, dim };
}

/** Merges `partial` over the defaults and throws a `TypeError` on contradictory values. */
export function resolveFeatureOptions(partial: Partial<FeatureOptions> = {}): FeatureOptions {
  const o: FeatureOptions = { ...defaultFeatureOptions, ...partial };
  const fail = (msg: string): never => {
    throw new TypeError(`Invalid feature options: ${msg}`);
  };
  const posInt = (v: number, name: string) => {
    if (!Number.isInteger(v) || v <= 0) fail(`${name} must be a positive integer (got ${v})`);
  };
  posInt(o.sampleRate, 'sampleRate');
  posInt(o.winLength, 'winLength');
  posInt(o.hopLength, 'hopLength');
  posInt(o.nFft, 'nFft');
  posInt(o.nMels, 'nMels');
  posInt(o.nMfcc, 'nMfcc');
  posInt(o.deltaWidth, 'deltaWidth');
  posInt(o.pitchFrameLength, 'pitchFrameLength');
  if ((o.nFft & (o.nFft - 1)) !== 0) fail(`nFft must be a power of two (got ${o.nFft})`);
  if (o.winLength > o.nFft) fail(`winLength ${o.winLength} exceeds nFft ${o.nFft}`);
  if (o.nMfcc > o.nMels) fail(`nMfcc ${o.nMfcc} exceeds nMels ${o.nMels}`);
  const nyquist = o.sampleRate / 2;
  const fMax = o.fMaxHz ?? nyquist;
  if (!(o.fMinHz >= 0 && o.fMinHz < fMax)) fail(`need 0 <= fMinHz < fMaxHz (got ${o.fMinHz}, ${fMax})`);
  if (fMax > nyquist) fail(`fMaxHz ${fMax} is above Nyquist ${nyquist}`);
  if (!(o.amin > 0)) fail('amin must be > 0');
  if (o.melFloorDb !== null && !(o.melFloorDb > 0))
    fail(`melFloorDb must be > 0 dB or null (got ${o.melFloorDb})`);
  if (o.pitchNoiseFloorMs !== null && !(o.pitchNoiseFloorMs >= o.hopLength * (1000 / o.sampleRate)))
    fail(`pitchNoiseFloorMs must be at least one hop or null (got ${o.pitchNoiseFloorMs})`);
  if (typeof o.pitchOctaveCheck !== 'boolean')
    fail(`pitchOctaveCheck must be a boolean (got ${o.pitchOctaveCheck})`);
  if (!(o.rolloffPercent > 0 && o.rolloffPercent < 1)) fail('rolloffPercent must be in (0, 1)');
  if (o.window !== 'hann' && o.window !== 'hamming') fail(`unknown window ${String(o.window)}`);
  if (o.features.length === 0) fail('features must not be empty');
  for (const f of o.features) if (!FEATURE_NAMES.includes(f)) fail(`unknown feature '${f}'`);
  if ((o.features.includes('delta') || o.features.includes('delta2')) && !o.features.includes('mfcc')) {
    fail("'delta' and 'delta2' are derivatives of 'mfcc': include 'mfcc' too");
  }
  return { ...o, features: FEATURE_NAMES.filter((f) => o.features.includes(f)) };
}
