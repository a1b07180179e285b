/**
 * Errors raised by the audio and DSP core. Each carries a stable `code` so that the server can map it to
 * a wire error without parsing messages.
 */
export type AudioErrorCode =
  | 'EMPTY_INPUT'
  | 'ODD_BYTE_COUNT'
  | 'NON_FINITE_SAMPLE'
  | 'UNSUPPORTED_ENCODING'
  | 'UNSUPPORTED_SAMPLE_RATE'
  | 'BAD_CHANNEL_COUNT'
  | 'DECODE_FAILED'
  | 'UNSUPPORTED_FORMAT'
  | 'BAD_OPTIONS';

/** An error in audio input or options, with a stable machine-readable code. */
export class AudioError extends Error {
  readonly code: AudioErrorCode;
  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AudioError';
    this.code = code;
  }
}
