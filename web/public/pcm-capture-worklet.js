/**
 * AudioWorklet processor `pcm-capture`: takes the first input channel at the context's sample rate,
 * low-pass filters and resamples it to `targetRate` (16 kHz) with a windowed-sinc interpolator, and
 * posts `{ pcm: ArrayBuffer (Int16, little-endian on every browser platform), rms: number }` every
 * `chunkSamples` output samples (20 ms by default). Served as a static file because worklet modules
 * are loaded by URL.
 */
const PHASES = 256;

class PcmCaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions || {};
    this.targetRate = o.targetRate || 16000;
    this.chunkSamples = o.chunkSamples || 320;
    this.inRate = sampleRate;
    this.ratio = this.inRate / this.targetRate;
    // Cut-off a little below the output Nyquist, in cycles per input sample.
    this.cutoff = (0.45 * this.targetRate) / this.inRate;
    this.half = this.ratio === 1 ? 0 : Math.ceil(8 * this.ratio);
    // Kernel values at PHASES fractional offsets: taps[phase * width + j] for input index floor(t) - half + 1 + j.
    this.width = 2 * this.half;
    this.taps = new Float32Array(PHASES * this.width);
    for (let p = 0; p < PHASES; p++) {
      const frac = p / PHASES;
      for (let j = 0; j < this.width; j++)
        this.taps[p * this.width + j] = this.kernel(frac + this.half - 1 - j);
    }
    this.buffer = new Float32Array(4096);
    this.length = 0;
    this.base = 0; // absolute input index of buffer[0]
    this.produced = 0; // output samples produced so far
    this.out = new Int16Array(this.chunkSamples);
    this.outLength = 0;
    this.sumSquares = 0;
    this.running = true;
    this.port.onmessage = (e) => {
      if (e.data === 'stop') this.running = false;
    };
  }

  append(samples) {
    if (this.length + samples.length > this.buffer.length) {
      const grown = new Float32Array(Math.max(this.buffer.length * 2, this.length + samples.length));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(samples, this.length);
    this.length += samples.length;
  }

  kernel(x) {
    if (Math.abs(x) >= this.half) return 0;
    if (x === 0) return 2 * this.cutoff;
    const a = Math.PI * x;
    const sinc = Math.sin(2 * this.cutoff * a) / a;
    const w = 0.42 + 0.5 * Math.cos(a / this.half) + 0.08 * Math.cos((2 * a) / this.half); // Blackman
    return sinc * w;
  }

  emit(value) {
    const v = value > 1 ? 1 : value < -1 ? -1 : value;
    this.sumSquares += v * v;
    this.out[this.outLength++] = v < 0 ? Math.round(v * 32768) : Math.round(v * 32767);
    if (this.outLength === this.chunkSamples) {
      const rms = Math.sqrt(this.sumSquares / this.chunkSamples);
      const pcm = this.out.buffer;
      this.port.postMessage({ pcm, rms }, [pcm]);
      this.out = new Int16Array(this.chunkSamples);
      this.outLength = 0;
      this.sumSquares = 0;
    }
  }

  process(inputs) {
    if (!this.running) return false;
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    if (this.ratio === 1) {
      for (let i = 0; i < channel.length; i++) this.emit(channel[i]);
      return true;
    }
    this.append(channel);
    const end = this.base + this.length;
    for (;;) {
      const t = this.produced * this.ratio;
      const whole = Math.floor(t);
      const first = whole - this.half + 1;
      if (first + this.width > end) break;
      const phase = Math.min(PHASES - 1, Math.round((t - whole) * PHASES));
      const row = phase * this.width;
      let acc = 0;
      for (let j = 0; j < this.width; j++) {
        const k = first + j;
        if (k >= this.base) acc += this.buffer[k - this.base] * this.taps[row + j];
      }
      this.emit(acc);
      this.produced++;
    }
    // Drop input no future output needs.
    const keepFrom = Math.max(this.base, Math.floor(this.produced * this.ratio) - this.half - 1);
    const drop = keepFrom - this.base;
    if (drop > 0) {
      this.buffer.copyWithin(0, drop, this.length);
      this.length -= drop;
      this.base = keepFrom;
    }
    return true;
  }
}

registerProcessor('pcm-capture', PcmCaptureProcessor);
