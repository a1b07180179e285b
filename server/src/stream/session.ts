/**
 * One connection on `/v1/stream`: the protocol state machine (docs/protocol.md sections 2-6).
 * `awaiting` a start -> `streaming` -> `ending` (flushing the pipeline, summary) -> `closed`.
 * Bad input is answered with a typed error and, when fatal, ends only this stream: audio accepted
 * before it is still analysed and summarised. Limits: message sizes, control-message and audio
 * rates (token buckets), stream duration, start and idle timeouts, analysis lag.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { detectsBandwidth, resolveBandwidth } from '@emostream/shared/analysis/vad';
import { bytesPerSample } from '@emostream/shared/audio/pcm';
import { ERROR_CODES, type ErrorCode, isErrorCode } from '@emostream/shared/protocol/codes';
import type {
  EndReason,
  ReadyEvent,
  ResolvedStreamOptions,
  ServerEvent,
  StartMessage,
  StreamInfo,
} from '@emostream/shared/protocol/messages';
import { PROTOCOL_VERSION } from '@emostream/shared/protocol/messages';
import { SummaryBuilder } from '@emostream/shared/protocol/summary';
import { parseClientMessage } from '@emostream/shared/protocol/validate';
import type { WebSocket } from 'ws';
import { keyFromHeaders, type Principal } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import { type PipelineEvent, StreamPipeline } from './pipeline.ts';
import type { StreamRecord } from './registry.ts';
import { TokenBucket } from './token-bucket.ts';

type State = 'awaiting' | 'starting' | 'streaming' | 'ending' | 'closed';

export class StreamSession {
  private state: State = 'awaiting';
  private streamId: string | null = null;
  private principal: Principal | null = null;
  private record: StreamRecord | null = null;
  private pipeline: StreamPipeline | null = null;
  private summary: SummaryBuilder | null = null;
  private pending: Array<{ data: Buffer; isBinary: boolean; receivedAt: number }> = [];
  private starting: Promise<void> | null = null;
  private finishing = false;
  private endReason: EndReason | null = null;
  /** Audio messages received after the stream began to end. */
  private discarded = 0;
  private format: { sampleRate: number; bytesPerFrame: number } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly control: TokenBucket;
  private audio: TokenBucket | null = null;
  /** 16 kHz samples of this stream before this connection (resume). */
  private offsetSamples = 0;
  /** Input-rate samples accepted on this connection. */
  private inputSamples = 0;
  private analysedSamples = 0;
  private lagging = false;
  private sessionId = '';
  private endPromise: Promise<void> | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly req: IncomingMessage,
    private readonly ctx: ServerContext,
  ) {
    const l = ctx.config.limits;
    this.control = new TokenBucket(l.maxControlMessagesPerSecond, l.maxControlMessagesPerSecond);
    this.armIdle(l.startTimeoutMs);
    ws.on('message', (data, isBinary) => {
      try {
        this.onMessage(data as Buffer, isBinary);
      } catch (e) {
        this.ctx.log.error({ err: e, streamId: this.streamId }, 'session message handler failed');
        void this.finish('INTERNAL', { code: 'INTERNAL', message: 'internal error' });
      }
    });
    ws.on('close', () => {
      if (this.state !== 'ending' && this.state !== 'closed') void this.finish('disconnect');
      else if (this.state === 'closed') this.clearIdle();
    });
    ws.on('error', (e) => this.ctx.log.debug({ err: e, streamId: this.streamId }, 'socket error'));
  }

  get id(): string | null {
    return this.streamId;
  }

  // ------------------------------------------------------------------------------------------------
  // Incoming

  private onMessage(data: Buffer, isBinary: boolean, receivedAtOverride?: number): void {
    if (this.state === 'closed') return;
    const l = this.ctx.config.limits;
    const receivedAt = receivedAtOverride ?? Date.now();
    if (this.state === 'starting') {
      if (this.finishing) return;
      // The client may pipeline audio (and even stop) right after start: keep their order.
      this.pending.push({ data: Buffer.from(data), isBinary, receivedAt });
      return;
    }
    this.ctx.metrics.messages.inc({ kind: isBinary ? 'audio' : 'text' });
    if (this.state !== 'awaiting' && !this.finishing) this.armIdle(l.idleTimeoutMs);
    if (!isBinary) {
      if (data.length > l.maxTextMessageBytes) {
        this.fail(
          'MESSAGE_TOO_LARGE',
          `text message of ${data.length} bytes exceeds ${l.maxTextMessageBytes}`,
        );
        return;
      }
      if (!this.control.take(1, performance.now())) {
        this.fail('RATE_LIMITED', `more than ${l.maxControlMessagesPerSecond} text messages per second`);
        return;
      }
      this.onText(data.toString('utf8'));
      return;
    }
    if (data.length > l.maxMessageBytes) {
      this.fail('MESSAGE_TOO_LARGE', `binary message of ${data.length} bytes exceeds ${l.maxMessageBytes}`);
      return;
    }
    if (this.finishing) {
      this.discarded++;
      // Said once: a client still pacing audio out after stop needs one error, not one per message.
      if (this.discarded === 1 && this.endReason === 'stop')
        this.fail('ALREADY_STOPPED', 'audio after stop is discarded');
      return;
    }
    switch (this.state) {
      case 'awaiting':
        this.fail('NOT_STARTED', 'audio before a valid start message');
        return;
      case 'streaming':
        this.onAudio(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), receivedAt);
        return;
      default:
        return;
    }
  }

  private onText(text: string): void {
    const r = parseClientMessage(text);
    if (!r.ok) {
      this.fail(r.error.code, r.error.message);
      return;
    }
    const m = r.message;
    switch (m.type) {
      case 'ping':
        this.send({ type: 'pong', streamId: this.streamId, id: m.id ?? null, emittedAt: Date.now() });
        return;
      case 'stop':
        if (this.state === 'awaiting') this.fail('NOT_STARTED', 'stop before a valid start message');
        else if (this.finishing) {
          if (this.endReason === 'stop') this.fail('ALREADY_STOPPED', 'the stream is already stopping');
        } else void this.finish('stop');
        return;
      case 'start':
        if (this.state !== 'awaiting') this.fail('ALREADY_STARTED', 'the stream has already started');
        else this.onStart(m);
        return;
    }
  }

  private onAudio(bytes: Uint8Array, receivedAt: number): void {
    const f = this.format!;
    if (bytes.length === 0) return;
    if (bytes.length % f.bytesPerFrame !== 0) {
      // Decoding would reject it too; checking here keeps the rate accounting exact.
      this.fail(
        'ODD_BYTE_COUNT',
        `binary message of ${bytes.length} bytes is not a whole number of ${f.bytesPerFrame}-byte frames`,
      );
      return;
    }
    let frames = bytes.length / f.bytesPerFrame;
    const l = this.ctx.config.limits;
    if (!this.audio!.take(frames / f.sampleRate, performance.now())) {
      this.fail(
        'RATE_LIMITED',
        `audio arrives faster than ${l.maxRealtimeFactor}x real time beyond a ${l.rateBurstSeconds} s burst`,
      );
      return;
    }
    // Stream duration limit: audio up to the limit is analysed, then the stream ends.
    const maxTotal = l.maxStreamSeconds;
    const soFarS = this.offsetSamples / 16000 + this.inputSamples / f.sampleRate;
    const roomFrames = Math.max(0, Math.floor((maxTotal - soFarS) * f.sampleRate));
    let tooLong = false;
    if (frames > roomFrames) {
      frames = roomFrames;
      bytes = bytes.subarray(0, frames * f.bytesPerFrame);
      tooLong = true;
    }
    if (frames > 0) {
      this.inputSamples += frames;
      this.summary!.addMessage(bytes.length);
      this.ctx.metrics.audioSeconds.inc(frames / f.sampleRate);
      this.record!.receivedSamples =
        this.offsetSamples + Math.round((this.inputSamples * 16000) / f.sampleRate);
      this.pipeline!.push({ bytes, receivedAt });
      this.checkLag();
    }
    if (tooLong) this.fail('STREAM_TOO_LONG', `the stream reached ${maxTotal} s of audio`);
  }

  private checkLag(): void {
    const f = this.format!;
    const lagMs = ((this.inputSamples * 16000) / f.sampleRate - this.analysedSamples) / 16;
    this.ctx.metrics.streamLag.observe(Math.max(0, lagMs) / 1000);
    const max = this.ctx.config.limits.maxLagMs;
    if (!this.lagging && lagMs > max) {
      this.lagging = true;
      this.send({
        type: 'error',
        streamId: this.streamId,
        code: 'LAGGING',
        message: `analysis is ${Math.round(lagMs)} ms behind the audio received`,
        fatal: false,
        emittedAt: Date.now(),
      });
      this.ctx.metrics.errors.inc({ code: 'LAGGING' });
    } else if (this.lagging && lagMs < max / 2) this.lagging = false;
  }

  // ------------------------------------------------------------------------------------------------
  // Start

  private onStart(m: StartMessage): void {
    const { ctx } = this;
    const { config } = ctx;
    if (ctx.draining) {
      this.fail('SHUTTING_DOWN', 'the server is shutting down');
      return;
    }
    const key = keyFromHeaders(this.req.headers) ?? m.apiKey;
    const principal = ctx.auth.authenticate(key);
    if (!principal) {
      this.fail('UNAUTHORIZED', key ? 'invalid API key' : 'missing API key');
      return;
    }
    if (!principal.ingest) {
      this.fail('FORBIDDEN', 'this API key may not open streams');
      return;
    }
    if (ctx.registry.activeCount >= config.maxStreams) {
      this.fail('OVERLOADED', `the server is at its limit of ${config.maxStreams} streams`);
      return;
    }
    if (ctx.load.overloaded) {
      this.fail(
        'OVERLOADED',
        `the server is overloaded (event loop stalled ${Math.round(ctx.load.lagMaxMs)} ms); retry with backoff`,
      );
      return;
    }
    if (principal.maxStreams > 0 && (ctx.perKeyStreams.get(principal.name) ?? 0) >= principal.maxStreams) {
      this.fail('TOO_MANY_STREAMS', `this API key already has ${principal.maxStreams} active streams`);
      return;
    }
    const streamId = m.streamId ?? randomUUID();
    const prev = ctx.registry.get(streamId);
    if (prev?.active) {
      this.fail('STREAM_ID_IN_USE', `stream ${streamId} is active on another connection`);
      return;
    }
    if (prev && prev.tenant !== principal.tenant) {
      this.fail('FORBIDDEN', `stream ${streamId} belongs to another tenant`);
      return;
    }
    const resume = prev?.resume ?? null;
    const pkg = ctx.pkg;
    const options: ResolvedStreamOptions = {
      uncertainThreshold: m.options?.uncertainThreshold ?? pkg.config.uncertainThreshold,
      smoothing:
        m.options?.smoothing?.method === 'ema'
          ? { method: 'ema', alpha: m.options.smoothing.alpha ?? 0.5 }
          : { method: 'none' },
      hopMs: m.options?.hopMs ?? pkg.config.window.hopFrames * 10,
      earlyMs: m.options?.earlyMs ?? 0,
      bandwidth: resolveBandwidth(m.options?.bandwidth, m.sampleRate),
      bandwidthDetection: detectsBandwidth(m.options?.bandwidth, m.sampleRate),
    };
    const windowMs = pkg.config.window.windowFrames * 10;
    if (options.earlyMs >= windowMs) {
      this.fail(
        'BAD_START',
        `options.earlyMs (${options.earlyMs}) must be shorter than the model's window (${windowMs} ms)`,
      );
      return;
    }
    this.sessionId = m.sessionId ?? streamId;
    this.streamId = streamId;
    this.principal = principal;
    this.offsetSamples = resume?.positionSamples ?? 0;
    const info: StreamInfo = {
      streamId,
      sessionId: this.sessionId,
      metadata: m.metadata ?? {},
      startedAt: Date.now(),
      model: ctx.modelInfo,
      input: { sampleRate: m.sampleRate, encoding: m.encoding, channels: m.channels },
      bandwidth: options.bandwidth,
      resumed: resume !== null,
      startMs: this.offsetSamples / 16,
    };
    this.state = 'starting';
    this.record = ctx.registry.open(info, principal.tenant);
    ctx.perKeyStreams.set(principal.name, (ctx.perKeyStreams.get(principal.name) ?? 0) + 1);
    ctx.metrics.streamsActive.set(ctx.registry.activeCount);
    this.summary = new SummaryBuilder(pkg.config.classes, resume?.summary);
    this.summary.addConnection();
    this.format = {
      sampleRate: m.sampleRate,
      bytesPerFrame: bytesPerSample(m.encoding) * m.channels,
    };
    const l = config.limits;
    this.audio = new TokenBucket(l.rateBurstSeconds, l.maxRealtimeFactor);
    const tenantLog = { streamId, key: principal.name, tenant: principal.tenant };
    this.starting = ctx
      .createResampler(m.sampleRate)
      .then((resampler) => {
        if (this.state !== 'starting') return;
        this.pipeline = new StreamPipeline({
          streamId,
          modelId: ctx.modelInfo.id,
          pkg,
          batcher: ctx.batcher,
          vad: (rate) => ctx.vads.forStream(rate),
          resampler,
          format: { encoding: m.encoding, channels: m.channels, sampleRate: m.sampleRate },
          options,
          offset: {
            samples: this.offsetSamples,
            seq: resume?.seq ?? 0,
            segment: resume?.segment ?? 0,
          },
          normalizer: ctx.registry.sessionState(this.sessionId),
          timer: ctx.stageTimer,
          emit: (e) => this.onEvent(e),
          onFault: (code, message) => this.fail(isErrorCode(code) ? code : 'INTERNAL', message),
          onInferenceError: (message) => this.onInferenceError(message),
          onProgress: (n) => {
            this.analysedSamples = n;
          },
        });
        const ready: ReadyEvent = {
          type: 'ready',
          streamId,
          sessionId: this.sessionId,
          protocolVersion: PROTOCOL_VERSION,
          model: ctx.modelInfo,
          input: info.input,
          options,
          limits: l,
          resumed: info.resumed,
          startMs: info.startMs,
          emittedAt: Date.now(),
        };
        this.state = 'streaming';
        this.send(ready);
        ctx.log.info({ ...tenantLog, input: info.input, resumed: info.resumed }, 'stream started');
        ctx.hub.publish(this.record!, { type: 'stream.start', ...info });
        const queued = this.pending;
        this.pending = [];
        const wasFinishing = this.finishing;
        this.finishing = false;
        for (const q of queued) {
          // Messages queued behind a stop or a fatal error are handled as if they had arrived after
          // it (answered, audio discarded) rather than dropped unanswered.
          if ((this.state as State) === 'closed') break;
          this.onMessage(q.data, q.isBinary, q.receivedAt);
        }
        this.finishing = this.finishing || wasFinishing;
      })
      .catch((e: unknown) => {
        ctx.log.error({ err: e, streamId }, 'stream setup failed');
        void this.finish('INTERNAL', { code: 'INTERNAL', message: 'stream setup failed' });
      });
  }

  // ------------------------------------------------------------------------------------------------
  // Outgoing

  private onEvent(e: PipelineEvent): void {
    const t0 = performance.now();
    const { ctx } = this;
    const r = this.record!;
    this.summary!.add(e);
    ctx.registry.append(r, e);
    if (e.type === 'emotion') {
      ctx.metrics.windows.inc();
      ctx.metrics.eventLatency.observe(Math.max(0, e.emittedAt - e.receivedAt) / 1000);
      if (e.snrDb !== undefined) ctx.metrics.windowSnr.observe(e.snrDb);
    } else if (e.type === 'overloaded') ctx.metrics.shed.inc({ reason: e.reason }, e.shed);
    else if (e.type === 'bandwidth') {
      // Subscribers and the HTTP API see the band the stream is now analysed as.
      r.info = { ...r.info, bandwidth: e.bandwidth };
      ctx.metrics.bandDetected.inc({ bandwidth: e.bandwidth });
      ctx.log.info(
        {
          streamId: e.streamId,
          bandwidth: e.bandwidth,
          upperBandDb: e.upperBandDb,
          upsampledDb: e.upsampledDb,
        },
        'band detected',
      );
    }
    this.send(e);
    ctx.hub.publish(r, e);
    ctx.stageTimer('fanout', performance.now() - t0);
  }

  private onInferenceError(message: string): void {
    this.ctx.log.warn({ streamId: this.streamId, message }, 'inference batch failed');
    this.send({
      type: 'error',
      streamId: this.streamId,
      code: 'INFERENCE_FAILED',
      message: `a window could not be analysed: ${message}`,
      fatal: false,
      emittedAt: Date.now(),
    });
    this.ctx.metrics.errors.inc({ code: 'INFERENCE_FAILED' });
  }

  private send(e: ServerEvent): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(e));
  }

  /** Reports an error; a fatal one ends the stream (flushed and summarised if it had started). */
  private fail(code: ErrorCode, message: string): void {
    const info = ERROR_CODES[code];
    // Once the stream is ending (after stop or a fatal error), an error about a later message cannot
    // end it again and changes nothing, so by the rule for `fatal` it is reported as non-fatal;
    // finish() would otherwise swallow it and the message would go unanswered.
    if (!info.fatal || this.endPromise) {
      this.ctx.metrics.errors.inc({ code });
      this.send({
        type: 'error',
        streamId: this.streamId,
        code,
        message,
        fatal: false,
        emittedAt: Date.now(),
      });
      return;
    }
    void this.finish(code, { code, message });
  }

  /**
   * Ends the stream: no more input; the pipeline flushes; final events, the summary (when the stream
   * had started), then the error if any; then the close code.
   */
  finish(reason: EndReason, error?: { code: ErrorCode; message: string }): Promise<void> {
    if (this.endPromise) return this.endPromise;
    this.endPromise = this.doFinish(reason, error);
    return this.endPromise;
  }

  private async doFinish(reason: EndReason, error?: { code: ErrorCode; message: string }): Promise<void> {
    const { ctx } = this;
    this.finishing = true;
    this.endReason = reason;
    // Audio pipelined behind the start is analysed before the stream ends.
    if (this.state === 'starting' && this.starting) await this.starting;
    const wasStarted = this.record !== null;
    this.state = 'ending';
    this.clearIdle();
    this.pending = [];
    if (error) ctx.metrics.errors.inc({ code: error.code });
    try {
      if (wasStarted) {
        if (this.pipeline) {
          try {
            await this.pipeline.end();
          } catch (e) {
            ctx.log.error({ err: e, streamId: this.streamId }, 'pipeline failed while flushing');
          }
        }
        const r = this.record!;
        const durationSamples = this.offsetSamples + (this.pipeline?.analyzer.position ?? 0);
        r.receivedSamples = durationSamples;
        const summary = this.summary!.build({
          streamId: this.streamId!,
          durationMs: durationSamples / 16,
          endReason: reason,
          emittedAt: Date.now(),
        });
        const next = this.pipeline?.next ?? { seq: 0, segment: 0 };
        ctx.registry.end(r, summary, {
          summary: this.summary!.state,
          seq: next.seq,
          segment: next.segment,
          positionSamples: durationSamples,
        });
        const norm = this.pipeline?.analyzer.normalizer?.snapshot();
        if (norm && norm.frames > 0) ctx.registry.saveSession(this.sessionId, norm);
        const name = this.principal!.name;
        ctx.perKeyStreams.set(name, Math.max(0, (ctx.perKeyStreams.get(name) ?? 1) - 1));
        ctx.metrics.streamsActive.set(ctx.registry.activeCount);
        this.send(summary);
        ctx.hub.publish(r, { type: 'stream.end', streamId: r.info.streamId, endedAt: Date.now(), summary });
        ctx.log.info(
          { streamId: this.streamId, reason, durationMs: summary.durationMs, windows: summary.windows },
          'stream ended',
        );
      }
      if (error) {
        this.send({
          type: 'error',
          streamId: this.streamId,
          code: error.code,
          message: error.message,
          fatal: true,
          emittedAt: Date.now(),
        });
      }
    } finally {
      this.state = 'closed';
      ctx.sessions.delete(this);
      const code = error ? (ERROR_CODES[error.code].closeCode ?? 1011) : 1000;
      if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, error ? error.code : 'stream ended');
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Timers

  private armIdle(ms: number): void {
    this.clearIdle();
    this.idleTimer = setTimeout(() => {
      const before = this.state === 'awaiting';
      this.fail(
        'IDLE_TIMEOUT',
        before ? `no start message within ${ms} ms of connecting` : `no message for ${ms} ms`,
      );
    }, ms);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
