/**
 * The pipeline of one stream, assembled from the stage operators:
 * decode -> resample -> analyse (VAD, features, windows; the VAD in Silero's 8 kHz mode for
 * narrowband audio) -> infer (shared micro-batcher) -> calibrate -> smooth -> decide, and the
 * translation of its items into protocol events with stream-time stamps (offset by where a resumed
 * stream's previous connection ended).
 */
import type { NormalizerState } from '@emostream/shared/analysis/normalizer';
import { vadModeFor } from '@emostream/shared/analysis/vad';
import type {
  BandwidthEvent,
  EmotionEvent,
  OverloadedEvent,
  ResolvedStreamOptions,
  SpeechEvent,
} from '@emostream/shared/protocol/messages';
import { Subject } from 'rxjs';
import type { MicroBatcher } from '../batcher/micro-batcher.ts';
import { bandSwitch, StreamAnalyzer, type VadFunction } from '../core/stream-analyzer.ts';
import { type ModelPackage, modelInput } from '../engine/model-package.ts';
import { analyzeStream } from '../pipeline/analyze.ts';
import { calibrate } from '../pipeline/calibrate.ts';
import { decideLabels } from '../pipeline/decide.ts';
import { type DecodeFormat, decodeAudio } from '../pipeline/decode.ts';
import { inferWindows } from '../pipeline/infer.ts';
import { type ChunkResampler, resampleTo16k } from '../pipeline/resample.ts';
import { smoothScores } from '../pipeline/smooth.ts';
import type { DecidedItem, IngestMessage, StageTimer } from '../pipeline/types.ts';
import type { VadRate } from '../vad/silero.ts';

export type PipelineEvent = SpeechEvent | EmotionEvent | OverloadedEvent | BandwidthEvent;

export interface PipelineParams {
  streamId: string;
  modelId: string;
  pkg: ModelPackage;
  batcher: MicroBatcher;
  /** The stream's VAD in Silero's `rate` mode (chosen here from `options.bandwidth`, see `vadModeFor`). */
  vad: (rate: VadRate) => VadFunction;
  resampler: ChunkResampler | null;
  format: DecodeFormat;
  options: ResolvedStreamOptions;
  /** Where this connection starts in the stream (non-zero when resumed). */
  offset: { samples: number; seq: number; segment: number };
  normalizer?: NormalizerState;
  timer?: StageTimer;
  /** Every event, in emission order. */
  emit: (event: PipelineEvent) => void;
  /** A message that breaks the declared format; the session ends the stream. */
  onFault: (code: string, message: string) => void;
  /** A batch failed in the engine: its windows get no event; the stream goes on. */
  onInferenceError: (message: string) => void;
  onProgress?: (analysedSamples16k: number) => void;
}

export class StreamPipeline {
  readonly analyzer: StreamAnalyzer;
  /** Resolves when the last event of the stream has been emitted. */
  readonly done: Promise<void>;
  private readonly input = new Subject<IngestMessage>();
  private seq: number;
  private segments: number;
  private closed = false;

  constructor(private readonly p: PipelineParams) {
    const { pkg, options } = p;
    this.seq = p.offset.seq;
    this.segments = p.offset.segment;
    const vadMode = vadModeFor(options.bandwidth, pkg.analyzer.vad);
    const analyzerConfig = {
      ...pkg.analyzer,
      vad: vadMode.options,
      window: {
        ...pkg.analyzer.window,
        hopFrames: Math.round(options.hopMs / 10),
        earlyFrames: Math.round(options.earlyMs / 10),
      },
    };
    this.analyzer = new StreamAnalyzer(analyzerConfig, p.vad(vadMode.rate), {
      session: p.normalizer,
      ...(options.bandwidthDetection ? { bandSwitch: bandSwitch(pkg.analyzer.vad, p.vad) } : {}),
    });
    const { config, engine } = pkg;
    this.done = new Promise<void>((resolve, reject) => {
      this.input
        .pipe(
          decodeAudio(p.format, { onFault: p.onFault, timer: p.timer }),
          resampleTo16k(p.resampler, p.timer),
          analyzeStream(this.analyzer, { timer: p.timer, onProgress: p.onProgress }),
          inferWindows(p.batcher, (w, out, o) => modelInput(config, w, out, o), engine.inputSize, p.streamId),
          calibrate(config),
          smoothScores(options.smoothing),
          decideLabels(config.classes, options.uncertainThreshold),
        )
        .subscribe({ next: (i) => this.onItem(i), error: reject, complete: resolve });
    });
  }

  /** Next `seq` and segment index, for a later resumption. */
  get next(): { seq: number; segment: number } {
    return { seq: this.seq, segment: this.segments };
  }

  push(message: IngestMessage): void {
    if (!this.closed) this.input.next(message);
  }

  /** No more audio: flush everything (the open segment ends, tail windows are analysed). */
  end(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.input.complete();
    }
    return this.done;
  }

  private ms(samples16k: number): number {
    return ((this.p.offset.samples + samples16k) * 1000) / 16000;
  }

  private onItem(i: DecidedItem): void {
    const p = this.p;
    const now = Date.now();
    switch (i.kind) {
      case 'vad': {
        const e = i.event;
        if (e.type === 'speechStart') {
          p.emit({
            type: 'speech',
            event: 'start',
            streamId: p.streamId,
            segment: this.segments++,
            startMs: this.ms(e.startSample),
            detectedMs: this.ms(e.detectedSample),
            emittedAt: now,
          });
        } else {
          p.emit({
            type: 'speech',
            event: 'end',
            streamId: p.streamId,
            segment: this.segments - 1,
            startMs: this.ms(e.startSample),
            endMs: this.ms(e.endSample),
            detectedMs: this.ms(e.detectedSample),
            emittedAt: now,
          });
        }
        return;
      }
      case 'decided': {
        const w = i.item.window;
        const classes = p.pkg.config.classes;
        const scores: Record<string, number> = {};
        for (let j = 0; j < classes.length; j++) scores[classes[j]!] = i.probs[j]!;
        p.emit({
          type: 'emotion',
          streamId: p.streamId,
          seq: this.seq++,
          segment: p.offset.segment + w.segment,
          kind: w.kind,
          startMs: this.ms(w.startSample),
          endMs: this.ms(w.endSample),
          label: i.label,
          confidence: i.confidence,
          scores,
          uncertain: i.uncertain,
          ...(w.snrDb !== undefined ? { snrDb: Math.round(w.snrDb * 10) / 10 } : {}),
          modelId: p.modelId,
          receivedAt: i.item.receivedAt,
          emittedAt: now,
        });
        return;
      }
      case 'band':
        p.emit({
          type: 'bandwidth',
          streamId: p.streamId,
          bandwidth: i.decision.bandwidth,
          detectedMs: this.ms(i.decision.atSample),
          upperBandDb: Math.round(i.decision.upperBandDb * 10) / 10,
          upsampledDb: Math.round(i.decision.upsampledDb * 10) / 10,
          emittedAt: now,
        });
        return;
      case 'shed': {
        const w = i.item.window;
        p.emit({
          type: 'overloaded',
          streamId: p.streamId,
          shed: 1,
          reason: i.reason === 'deadline' ? 'deadline' : 'queue_full',
          startMs: this.ms(w.startSample),
          endMs: this.ms(w.endSample),
          emittedAt: now,
        });
        return;
      }
      case 'failed':
        p.onInferenceError(i.message);
        return;
    }
  }
}
