/**
 * The incremental feature engine: push any number of samples, receive the frames that are complete.
 *
 * Framing is causal and uncentred: frame `t` covers samples `[t * hop, t * hop + winLength)`, so a clip
 * of N samples has `floor((N - winLength) / hop) + 1` frames (0 when N < winLength), and frame `t`'s
 * centre is at stream time `(t * hop + winLength / 2) / sampleRate`. Every frame is computed once from
 * the samples it covers, so feeding a clip whole or in any chunking gives bit-identical features.
 *
 * Look-ahead: `delta` needs N = `deltaWidth` future frames and `delta2` 2N, so with deltas a frame is
 * emitted N (or 2N) hops after its window is complete; `pitch` analyses a longer window centred on the
 * frame centre and waits for its right half. `flush()` ends the stream, edge-replicating the last frame
 * for the deltas exactly as offline processing of the whole clip does.
 *
 * @example
 * const fx = new FeatureExtractor({ features: ['logmel', 'mfcc'] });
 * for (const chunk of chunks) consume(fx.push(chunk)); // FeatureBlock: frames x dim, row-major
 * consume(fx.flush());
 */
import { dctOrthoMatrix } from './dct.ts';
import { melFilterbank, type SparseFilterbank, toSparse } from './mel.ts';
import { type FeatureLayout, type FeatureOptions, featureLayout, resolveFeatureOptions } from './options.ts';
import { DEFAULT_OCTAVE_CHECK, PitchAnalyzer } from './pitch.ts';
import { periodicWindow, RealPowerSpectrum } from './rfft.ts';
import { ChromaTable, ContrastTable, spectralShape } from './spectral.ts';

const DB_PER_NEPER = 10 / Math.LN10;

/** A run of consecutive feature frames, row-major `frames x dim`. */
export interface FeatureBlock {
  /** Index of the first frame in the stream. */
  readonly startFrame: number;
  readonly frames: number;
  readonly dim: number;
  readonly data: Float32Array;
}

const off = (layout: FeatureLayout, name: keyof FeatureLayout): number => layout[name]?.offset ?? -1;

/** Incremental, chunking-invariant feature extractor. See the module comment for the framing. */
export class FeatureExtractor {
  readonly options: FeatureOptions;
  readonly layout: FeatureLayout;
  readonly dim: number;
  /** Frames of delay between a frame's window completing and its emission (deltas). */
  readonly delayFrames: number;

  private readonly win: number;
  private readonly hop: number;
  private readonly window: Float64Array;
  private readonly spectrum: RealPowerSpectrum;
  private readonly power: Float64Array;
  private readonly mag: Float64Array;
  private readonly scratch: Float64Array;
  private readonly melBank: SparseFilterbank;
  private readonly dct: Float64Array;
  private readonly logmelTmp: Float64Array;
  private readonly dctSum: Float64Array;
  private readonly logmelOff: number;
  private readonly mfccOff: number;
  private readonly dctDiff: Float64Array;
  private readonly chroma: ChromaTable | null;
  private readonly contrast: ContrastTable | null;
  private readonly pitch: PitchAnalyzer | null;
  private readonly needSpectrum: boolean;
  private readonly needMag: boolean;
  private readonly needMel: boolean;
  private readonly pitchLeft: number;
  private readonly leftPad: number;
  private readonly rightReach: number;

  private readonly ringCap: number;
  private readonly needDelta2: boolean;
  private readonly deltaNorm: number;
  private readonly ring: Float32Array;
  private readonly deltaRing: Float32Array;

  private buf: Float32Array;
  private bufStart = 0;
  private bufLen = 0;
  private totalIn = 0;
  private nextBase = 0;
  private nextDelta = 0;
  private nextDelta2 = 0;
  private nextOut = 0;
  private ended = false;

  constructor(options: Partial<FeatureOptions> = {}) {
    const o = resolveFeatureOptions(options);
    this.options = o;
    const { layout, dim } = featureLayout(o);
    this.layout = layout;
    this.dim = dim;
    this.win = o.winLength;
    this.hop = o.hopLength;
    const has = (f: keyof FeatureLayout) => layout[f] !== undefined;
    const n = o.deltaWidth;
    const wantDelta = has('delta') || has('delta2');
    this.delayFrames = has('delta2') ? 2 * n : wantDelta ? n : 0;

    this.needMel = has('logmel') || has('mfcc');
    this.needMag = has('contrast') || has('centroid') || has('bandwidth') || has('rolloff');
    this.needSpectrum = this.needMel || this.needMag || has('chroma');
    this.window = periodicWindow(o.window, o.winLength);
    this.spectrum = new RealPowerSpectrum(o.nFft);
    const nBins = (o.nFft >> 1) + 1;
    this.power = new Float64Array(nBins);
    this.mag = new Float64Array(nBins);
    this.scratch = new Float64Array(nBins);
    const fMax = o.fMaxHz ?? o.sampleRate / 2;
    this.melBank = toSparse(melFilterbank(o.sampleRate, o.nFft, o.nMels, o.fMinHz, fMax), o.nMels, nBins);
    this.dct = dctOrthoMatrix(o.nMels, o.nMfcc);
    this.logmelTmp = new Float64Array(o.nMels);
    this.dctSum = new Float64Array(o.nMels >> 1);
    this.logmelOff = off(layout, 'logmel');
    this.mfccOff = off(layout, 'mfcc');
    this.dctDiff = new Float64Array(o.nMels >> 1);
    this.chroma = has('chroma') ? new ChromaTable(o.sampleRate, o.nFft) : null;
    this.contrast = has('contrast') ? new ContrastTable(o.sampleRate, o.nFft) : null;
    this.pitch = has('pitch')
      ? new PitchAnalyzer({
          sampleRate: o.sampleRate,
          fMinHz: o.pitchFMinHz,
          fMaxHz: o.pitchFMaxHz,
          frameLength: o.pitchFrameLength,
          noiseHistory:
            o.pitchNoiseFloorMs === null
              ? 0
              : Math.max(1, Math.round((o.pitchNoiseFloorMs * o.sampleRate) / 1000 / o.hopLength)),
          octaveCheck: o.pitchOctaveCheck ? DEFAULT_OCTAVE_CHECK : 0,
        })
      : null;
    // The pitch window [centre - L/2, centre + L/2) may start before the stream (zeros there) and end
    // after the frame window; `rightReach` is how far past t*hop frame t reads.
    const centre = this.win >> 1;
    const half = o.pitchFrameLength >> 1;
    this.pitchLeft = centre - half;
    this.leftPad = this.pitch ? Math.max(0, half - centre) : 0;
    this.rightReach = this.pitch ? Math.max(this.win, centre + (o.pitchFrameLength - half)) : this.win;

    this.needDelta2 = has('delta2');
    let norm = 0;
    for (let i = 1; i <= n; i++) norm += 2 * i * i;
    this.deltaNorm = norm;
    // Frames t-2n..t are read by the deltas; one more slot than that is never overwritten too early.
    this.ringCap = 4 * n + 2;
    this.ring = new Float32Array(this.ringCap * dim);
    this.deltaRing = new Float32Array(wantDelta ? this.ringCap * o.nMfcc : 0);
    this.buf = new Float32Array(Math.max(4096, 2 * (this.rightReach + this.leftPad)));
    this.reset();
  }

  /** Frames in a clip of `samples` samples. */
  frameCount(samples: number): number {
    return samples >= this.win ? Math.floor((samples - this.win) / this.hop) + 1 : 0;
  }

  /** Forgets the stream; the next push starts a new one at sample 0. */
  reset(): void {
    this.bufStart = -this.leftPad;
    this.bufLen = this.leftPad;
    this.buf.fill(0, 0, this.leftPad);
    this.totalIn = 0;
    this.nextBase = 0;
    this.nextDelta = 0;
    this.nextDelta2 = 0;
    this.nextOut = 0;
    this.ended = false;
    this.pitch?.reset();
  }

  /** Feeds samples (mono, at `options.sampleRate`) and returns the frames completed by them. */
  push(samples: Float32Array): FeatureBlock {
    if (this.ended)
      throw new Error('FeatureExtractor: push() after flush(); call reset() to start a new stream');
    this.append(samples);
    this.totalIn += samples.length;
    const baseAfter =
      this.totalIn >= this.rightReach ? Math.floor((this.totalIn - this.rightReach) / this.hop) + 1 : 0;
    return this.run(
      Math.max(baseAfter, this.nextBase),
      Math.max(this.nextOut, baseAfter - this.delayFrames),
      false,
    );
  }

  /** Ends the stream: computes the remaining frames (zero-padding look-ahead) and emits everything. */
  flush(): FeatureBlock {
    if (this.ended) return { startFrame: this.nextOut, frames: 0, dim: this.dim, data: new Float32Array(0) };
    this.ended = true;
    const total = Math.max(this.frameCount(this.totalIn), this.nextBase);
    if (total > this.nextBase) {
      const pad = (total - 1) * this.hop + this.rightReach - (this.bufStart + this.bufLen);
      if (pad > 0) this.append(new Float32Array(pad));
    }
    return this.run(total, total, true);
  }

  /**
   * Computes base frames up to `baseEnd` and emits frames up to `outEnd`, interleaving the two so the
   * ring only ever holds the few frames the deltas look at.
   */
  private run(baseEnd: number, outEnd: number, final: boolean): FeatureBlock {
    const first = this.nextOut;
    const data = new Float32Array((outEnd - first) * this.dim);
    const dim = this.dim;
    while (this.nextBase < baseEnd) {
      this.computeBase(this.nextBase++);
      if (this.delayFrames > 0) this.advanceDeltas(false);
      this.emitReady(data, first, outEnd);
      this.compact();
    }
    if (final && this.delayFrames > 0) {
      // The last frames' look-ahead is clamped to the final frame, as offline processing does.
      this.advanceDeltas(true);
    }
    this.emitReady(data, first, outEnd);
    if (this.nextOut !== outEnd)
      throw new Error(`FeatureExtractor: internal error, emitted ${this.nextOut} of ${outEnd}`);
    return { startFrame: first, frames: outEnd - first, dim, data };
  }

  private emitReady(data: Float32Array, first: number, outEnd: number): void {
    const ready = Math.min(outEnd, this.readyFrames());
    const dim = this.dim;
    const ring = this.ring;
    while (this.nextOut < ready) {
      const t = this.nextOut++;
      const slot = (t % this.ringCap) * dim;
      const dst = (t - first) * dim;
      for (let i = 0; i < dim; i++) data[dst + i] = ring[slot + i]!;
    }
  }

  /** Frames whose every feature is final. */
  private readyFrames(): number {
    if (this.delayFrames === 0) return this.nextBase;
    return this.needDelta2 ? this.nextDelta2 : this.nextDelta;
  }

  private append(samples: Float32Array): void {
    const need = this.bufLen + samples.length;
    if (need > this.buf.length) {
      const next = new Float32Array(Math.max(need, 2 * this.buf.length));
      next.set(this.buf.subarray(0, this.bufLen));
      this.buf = next;
    }
    this.buf.set(samples, this.bufLen);
    this.bufLen += samples.length;
  }

  /** Drops samples that no future frame reads. */
  private compact(): void {
    const keepFrom = this.nextBase * this.hop + (this.pitch ? Math.min(0, this.pitchLeft) : 0);
    const drop = keepFrom - this.bufStart;
    if (drop <= 0 || drop < this.buf.length >> 2) return;
    this.buf.copyWithin(0, drop, this.bufLen);
    this.bufLen -= drop;
    this.bufStart += drop;
  }

  private computeBase(t: number): void {
    const o = this.options;
    const L = this.layout;
    const slot = (t % this.ringCap) * this.dim;
    const v = this.ring;
    const start = t * this.hop - this.bufStart;
    const x = this.buf;
    if (this.needSpectrum) {
      this.spectrum.power(x, start, this.window, this.win, this.power);
      if (this.needMag) for (let k = 0; k < this.power.length; k++) this.mag[k] = Math.sqrt(this.power[k]!);
    }
    if (this.needMel) this.computeMel(v, slot);
    if (this.chroma) this.chroma.compute(this.power, o.amin, v, slot + off(L, 'chroma'), this.scratch);
    if (this.contrast) this.contrast.compute(this.mag, o.amin, v, slot + off(L, 'contrast'), this.scratch);
    if (this.needMag && (L.centroid || L.bandwidth || L.rolloff)) {
      const c = off(L, 'centroid');
      const b = off(L, 'bandwidth');
      const r = off(L, 'rolloff');
      spectralShape(
        this.mag,
        o.sampleRate / o.nFft,
        o.rolloffPercent,
        v,
        c < 0 ? -1 : slot + c,
        b < 0 ? -1 : slot + b,
        r < 0 ? -1 : slot + r,
      );
    }
    if (L.zcr || L.rms) {
      let crossings = 0;
      let energy = 0;
      let prevPos = x[start]! >= 0;
      for (let i = 0; i < this.win; i++) {
        const s = x[start + i]!;
        energy += s * s;
        const pos = s >= 0;
        if (pos !== prevPos) crossings++;
        prevPos = pos;
      }
      if (L.zcr) v[slot + L.zcr.offset] = crossings / this.win;
      if (L.rms) v[slot + L.rms.offset] = Math.sqrt(energy / this.win);
    }
    if (this.pitch && L.pitch) this.pitch.analyze(x, start + this.pitchLeft, v, slot + L.pitch.offset);
  }

  private computeMel(v: Float32Array, slot: number): void {
    const o = this.options;
    const fb = this.melBank;
    const lm = this.logmelTmp;
    const p = this.power;
    const amin = o.amin;
    const logmelOff = this.logmelOff;
    const weights = fb.weights;
    const starts = fb.start;
    const lengths = fb.length;
    const offsets = fb.offset;
    const floorDb = o.melFloorDb;
    let peak = 0;
    for (let m = 0; m < fb.nBands; m++) {
      const s = starts[m]!;
      const len = lengths[m]!;
      const wo = offsets[m]!;
      let e = 0;
      for (let i = 0; i < len; i++) e += weights[wo + i]! * p[s + i]!;
      if (floorDb !== null) {
        lm[m] = e;
        if (e > peak) peak = e;
        continue;
      }
      // 10 log10(x) as a natural log times a constant: one fewer library call per band.
      const db = DB_PER_NEPER * Math.log(e > amin ? e : amin);
      lm[m] = db;
      if (logmelOff >= 0) v[slot + logmelOff + m] = db;
    }
    if (floorDb !== null) {
      const floor = peak * 10 ** (-floorDb / 10);
      for (let m = 0; m < fb.nBands; m++) {
        const e = lm[m]! + floor;
        const db = DB_PER_NEPER * Math.log(e > amin ? e : amin);
        lm[m] = db;
        if (logmelOff >= 0) v[slot + logmelOff + m] = db;
      }
    }
    const mfccOff = this.mfccOff;
    if (mfccOff < 0) return;
    // DCT-II rows are symmetric (even k) or antisymmetric (odd k) about the middle, so fold the input
    // into sums and differences once and halve the multiply-adds.
    const nIn = o.nMels;
    const h = nIn >> 1;
    const sum = this.dctSum;
    const diff = this.dctDiff;
    for (let n = 0; n < h; n++) {
      const a = lm[n]!;
      const b = lm[nIn - 1 - n]!;
      sum[n] = a + b;
      diff[n] = a - b;
    }
    const mid = nIn & 1 ? lm[h]! : 0;
    const d = this.dct;
    for (let k = 0; k < o.nMfcc; k++) {
      const row = k * nIn;
      const src = k & 1 ? diff : sum;
      let acc = k & 1 ? 0 : mid * d[row + h]!;
      for (let n = 0; n < h; n++) acc += d[row + n]! * src[n]!;
      v[slot + mfccOff + k] = acc;
    }
  }

  /** Computes delta and delta2 for every frame whose look-ahead is available (all of them at the end). */
  private advanceDeltas(final: boolean): void {
    const n = this.options.deltaWidth;
    const last = this.nextBase - 1;
    const deltaEnd = final ? last : last - n;
    while (this.nextDelta <= deltaEnd) this.computeDelta(this.nextDelta++, last);
    if (!this.needDelta2) return;
    const lastDelta = this.nextDelta - 1;
    const delta2End = final ? lastDelta : lastDelta - n;
    while (this.nextDelta2 <= delta2End) this.computeDelta2(this.nextDelta2++, lastDelta);
  }

  /** Regression delta over the ring of `src` vectors (stride `stride`, offset `srcOff`) into `dst`. */
  private regress(
    t: number,
    last: number,
    src: Float32Array,
    stride: number,
    srcOff: number,
    dst: Float32Array,
    dstOff: number,
  ): void {
    const n = this.options.deltaWidth;
    const nc = this.options.nMfcc;
    const cap = this.ringCap;
    for (let c = 0; c < nc; c++) {
      let acc = 0;
      for (let i = 1; i <= n; i++) {
        const ahead = (Math.min(t + i, last) % cap) * stride + srcOff + c;
        const behind = (Math.max(t - i, 0) % cap) * stride + srcOff + c;
        acc += i * (src[ahead]! - src[behind]!);
      }
      dst[dstOff + c] = acc / this.deltaNorm;
    }
  }

  private computeDelta(t: number, last: number): void {
    const nc = this.options.nMfcc;
    const dSlot = (t % this.ringCap) * nc;
    this.regress(t, last, this.ring, this.dim, this.layout.mfcc!.offset, this.deltaRing, dSlot);
    const dOff = this.layout.delta?.offset;
    if (dOff !== undefined)
      this.ring.set(this.deltaRing.subarray(dSlot, dSlot + nc), (t % this.ringCap) * this.dim + dOff);
  }

  private computeDelta2(t: number, lastDelta: number): void {
    const dst = (t % this.ringCap) * this.dim + this.layout.delta2!.offset;
    this.regress(t, lastDelta, this.deltaRing, this.options.nMfcc, 0, this.ring, dst);
  }
}

/** Features of a whole clip: one push and a flush, concatenated. */
export function extractFeatures(samples: Float32Array, options: Partial<FeatureOptions> = {}): FeatureBlock {
  const fx = new FeatureExtractor(options);
  const a = fx.push(samples);
  const b = fx.flush();
  const data = new Float32Array(a.data.length + b.data.length);
  data.set(a.data);
  data.set(b.data, a.data.length);
  return { startFrame: 0, frames: a.frames + b.frames, dim: fx.dim, data };
}
