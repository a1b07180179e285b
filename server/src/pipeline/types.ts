/**
 * The items that flow between the pipeline stages of one stream. Every item carries its timing:
 * stream positions are sample counts (input rate before `resample`, 16 kHz after), and wall-clock
 * stamps travel with the audio that produced them so that event latency can be measured end to end.
 */
import type { VadEvent } from '@emostream/shared/analysis/vad';
import type { FeatureWindow } from '@emostream/shared/analysis/windower';
import type { ShedReason } from '../batcher/micro-batcher.ts';
import type { BandDecision } from '../core/stream-analyzer.ts';

/** One binary WebSocket message as received. */
export interface IngestMessage {
  bytes: Uint8Array;
  /** Server wall clock when it arrived (ms since the epoch). */
  receivedAt: number;
}

/** Mono float audio at some rate, with the stream position just after its last sample. */
export interface AudioChunk {
  samples: Float32Array;
  sampleRate: number;
  /** Samples of this rate received so far, this chunk included. */
  endSample: number;
  receivedAt: number;
}

/** A model window ready for inference, stamped with when its last audio arrived. */
export interface WindowItem {
  kind: 'window';
  window: FeatureWindow;
  receivedAt: number;
}

/** What the analysis reports besides windows, passed through the later stages as it is. */
export type NoticeItem = { kind: 'vad'; event: VadEvent } | { kind: 'band'; decision: BandDecision };

export type AnalysisItem = NoticeItem | WindowItem;

/** A window's logits, or why it has none. */
export type InferenceItem =
  | NoticeItem
  | { kind: 'logits'; item: WindowItem; logits: Float32Array }
  | { kind: 'shed'; item: WindowItem; reason: ShedReason }
  | { kind: 'failed'; item: WindowItem; message: string };

/** A window with calibrated (and possibly smoothed) probabilities in model class order. */
export interface ScoredWindow {
  kind: 'scored';
  item: WindowItem;
  probs: number[];
}

export type ScoredItem = Exclude<InferenceItem, { kind: 'logits' }> | ScoredWindow;

/** A scored window with its decision. */
export interface DecidedWindow {
  kind: 'decided';
  item: WindowItem;
  probs: number[];
  label: string;
  confidence: number;
  uncertain: boolean;
}

export type DecidedItem = Exclude<ScoredItem, ScoredWindow> | DecidedWindow;

/** Wall-clock milliseconds spent in a stage, reported to metrics. */
export type StageTimer = (stage: 'decode' | 'resample' | 'features' | 'fanout', ms: number) => void;
