/**
 * Browser audio sources for the try-it page, both delivering 16 kHz mono: the microphone (an
 * AudioWorklet resamples and converts to Int16 in 20 ms chunks) and an uploaded file (decoded by the
 * browser, resampled with an OfflineAudioContext).
 */

/** The rate every browser source delivers, matching the model's, so the server need not resample. */
export const CAPTURE_RATE = 16000;
/** URL of the worklet module (a static file in `public/`). */
export const WORKLET_URL = '/pcm-capture-worklet.js';

/** A running microphone capture. */
export interface MicrophoneCapture {
  /** The device's context rate the worklet resamples from, Hz. */
  inputRate: number;
  /** Label of the input device, when the browser tells. */
  deviceLabel: string;
  stop(): Promise<void>;
}

/**
 * Opens the microphone and calls `onChunk` with 20 ms of 16 kHz Int16 audio and its RMS level (0..1).
 *
 * @throws DOMException `NotAllowedError` when permission is refused, `NotFoundError` without a device.
 */
export async function startMicrophone(
  onChunk: (pcm: Int16Array, rms: number) => void,
): Promise<MicrophoneCapture> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('This browser cannot capture audio here (microphone access needs HTTPS or localhost).');
  }
  const media = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const ctx = new AudioContext();
  try {
    await ctx.audioWorklet.addModule(WORKLET_URL);
    const source = ctx.createMediaStreamSource(media);
    const node = new AudioWorkletNode(ctx, 'pcm-capture', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      channelCount: 1,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
      processorOptions: { targetRate: CAPTURE_RATE, chunkSamples: CAPTURE_RATE / 50 },
    });
    node.port.onmessage = (e: MessageEvent<{ pcm: ArrayBuffer; rms: number }>) =>
      onChunk(new Int16Array(e.data.pcm), e.data.rms);
    // A silent path to the destination keeps the graph pulling the worklet on every browser.
    const mute = new GainNode(ctx, { gain: 0 });
    source.connect(node).connect(mute).connect(ctx.destination);
    if (ctx.state === 'suspended') await ctx.resume();
    return {
      inputRate: ctx.sampleRate,
      deviceLabel: media.getAudioTracks()[0]?.label ?? '',
      stop: async () => {
        node.port.postMessage('stop');
        node.port.onmessage = null;
        source.disconnect();
        node.disconnect();
        for (const track of media.getTracks()) track.stop();
        await ctx.close();
      },
    };
  } catch (error) {
    for (const track of media.getTracks()) track.stop();
    await ctx.close();
    throw error;
  }
}

/** Decodes an audio file and resamples it to 16 kHz mono (channels are mixed down). */
export async function decodeFile(file: Blob): Promise<Float32Array> {
  const bytes = await file.arrayBuffer();
  const ctx = new AudioContext();
  let decoded: AudioBuffer;
  try {
    decoded = await ctx.decodeAudioData(bytes);
  } finally {
    await ctx.close();
  }
  const frames = Math.max(1, Math.ceil(decoded.duration * CAPTURE_RATE));
  const offline = new OfflineAudioContext(1, frames, CAPTURE_RATE);
  const source = offline.createBufferSource();
  source.buffer = decoded;
  source.connect(offline.destination);
  source.start();
  const rendered = await offline.startRendering();
  return rendered.getChannelData(0).slice();
}
