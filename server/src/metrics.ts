/**
 * Prometheus metrics of one server instance (its own registry, so several servers can live in one
 * process, as in tests). Names are part of protocol v1 (docs/protocol.md section 8); the
 * `emostream_stage_seconds_total` counter is the CPU time spent in each pipeline stage, which the
 * capacity benchmark divides by audio seconds for its per-stage breakdown.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Pipeline stages whose time is accounted separately. */
export const STAGES = ['decode', 'resample', 'vad', 'features', 'inference', 'fanout'] as const;
export type Stage = (typeof STAGES)[number];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly streamsActive: Gauge;
  readonly subscribers: Gauge;
  readonly audioSeconds: Counter;
  readonly messages: Counter<'kind'>;
  readonly windows: Counter;
  readonly shed: Counter<'reason'>;
  readonly bandDetected: Counter<'bandwidth'>;
  readonly errors: Counter<'code'>;
  readonly eventLatency: Histogram;
  readonly windowSnr: Histogram;
  readonly streamLag: Histogram;
  readonly batchSize: Histogram;
  readonly queueDepth: Gauge;
  readonly inferenceSeconds: Histogram;
  readonly vadBatchSize: Histogram;
  readonly stageSeconds: Counter<'stage'>;
  readonly subscriberDropped: Counter;
  /** Seconds per stage accumulated since start, readable in-process without scraping. */
  readonly stageTotals: Record<Stage, number> = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<
    Stage,
    number
  >;

  constructor(defaultMetrics = true) {
    const registers = [this.registry];
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'emostream_process_' });
    this.streamsActive = new Gauge({
      name: 'emostream_streams_active',
      help: 'Active audio streams.',
      registers,
    });
    this.subscribers = new Gauge({
      name: 'emostream_subscribers',
      help: 'Connected socket.io subscribers.',
      registers,
    });
    this.audioSeconds = new Counter({
      name: 'emostream_audio_seconds_total',
      help: 'Audio received, in seconds of stream time.',
      registers,
    });
    this.messages = new Counter({
      name: 'emostream_messages_total',
      help: 'WebSocket messages received.',
      labelNames: ['kind'],
      registers,
    });
    this.windows = new Counter({ name: 'emostream_windows_total', help: 'Windows analysed.', registers });
    this.shed = new Counter({
      name: 'emostream_windows_shed_total',
      help: 'Windows shed under overload.',
      labelNames: ['reason'],
      registers,
    });
    this.bandDetected = new Counter({
      name: 'emostream_bandwidth_detected_total',
      help: 'Streams whose band was found from their audio, by the band found (narrowband: telephone audio).',
      labelNames: ['bandwidth'],
      registers,
    });
    this.errors = new Counter({
      name: 'emostream_errors_total',
      help: 'Error events sent, by code.',
      labelNames: ['code'],
      registers,
    });
    this.eventLatency = new Histogram({
      name: 'emostream_event_latency_seconds',
      help: 'Emotion event latency: emittedAt - receivedAt.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.windowSnr = new Histogram({
      name: 'emostream_window_snr_db',
      help: "Analysed windows' estimated signal-to-noise ratio (emotion events' snrDb), dB; under 20: a noisy line.",
      buckets: [5, 10, 15, 20, 25, 30, 40, 50, 60],
      registers,
    });
    this.streamLag = new Histogram({
      name: 'emostream_stream_lag_seconds',
      help: 'Analysis lag behind received audio, sampled per message.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'emostream_batch_size',
      help: 'Windows per inference batch.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'emostream_inference_queue_depth',
      help: 'Windows waiting for an inference batch.',
      registers,
    });
    this.inferenceSeconds = new Histogram({
      name: 'emostream_inference_seconds',
      help: 'Duration of one inference batch.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    });
    this.vadBatchSize = new Histogram({
      name: 'emostream_vad_batch_size',
      help: 'VAD frames per Silero call (all streams).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    });
    this.stageSeconds = new Counter({
      name: 'emostream_stage_seconds_total',
      help: 'Time spent in each pipeline stage (CPU time of the event loop).',
      labelNames: ['stage'],
      registers,
      // Accumulated in a plain object on the hot path and published at scrape time.
      collect: () => {
        this.stageSeconds.reset();
        for (const s of STAGES) this.stageSeconds.inc({ stage: s }, this.stageTotals[s]);
      },
    });
    this.subscriberDropped = new Counter({
      name: 'emostream_subscriber_dropped_total',
      help: 'Events dropped for slow subscribers (drop-oldest).',
      registers,
    });
  }

  /** Adds `ms` of work to a stage. */
  stage(stage: Stage, ms: number): void {
    this.stageTotals[stage] += ms / 1000;
  }
}
