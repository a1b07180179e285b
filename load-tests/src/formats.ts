/**
 * The audio formats the load tools send (no Node imports: the k6 script uses this too). `wideband`
 * is 16 kHz `pcm_s16le`, as a browser or an app sends; `telephone` is 8 kHz G.711 mu-law, as a call
 * platform's media stream brings (the server analyses it as narrowband audio, with the VAD in
 * Silero's 8 kHz mode). Both in 20 ms frames.
 */
export interface LoadFormat {
  name: 'wideband' | 'telephone';
  sampleRate: 16000 | 8000;
  encoding: 'pcm_s16le' | 'mulaw';
  /** Bytes per sample. */
  bytesPerSample: 2 | 1;
  /** Bytes of one 20 ms frame. */
  frameBytes: number;
  /** Where `make-audio.ts` writes this format by default. */
  defaultPath: string;
}

export const WIDEBAND: LoadFormat = Object.freeze({
  name: 'wideband',
  sampleRate: 16000,
  encoding: 'pcm_s16le',
  bytesPerSample: 2,
  frameBytes: 640,
  defaultPath: '/tmp/emostream-speech.s16le',
});

export const TELEPHONE: LoadFormat = Object.freeze({
  name: 'telephone',
  sampleRate: 8000,
  encoding: 'mulaw',
  bytesPerSample: 1,
  frameBytes: 160,
  defaultPath: '/tmp/emostream-speech.mulaw8k',
});

/** Samples in one 20 ms frame of the format. */
export const frameSamples = (f: LoadFormat): number => f.frameBytes / f.bytesPerSample;
