/** What every part of one server instance shares: configuration, model, batchers, registries. */
import type { ModelInfo } from '@emostream/shared/protocol/messages';
import type { Logger } from 'pino';
import type { Authenticator } from './auth.ts';
import type { MicroBatcher } from './batcher/micro-batcher.ts';
import type { ServerConfig } from './config.ts';
import type { ModelPackage } from './engine/model-package.ts';
import type { LoadMonitor } from './load-monitor.ts';
import type { ServerMetrics, Stage } from './metrics.ts';
import type { ChunkResampler } from './pipeline/resample.ts';
import type { StreamRegistry } from './stream/registry.ts';
import type { StreamSession } from './stream/session.ts';
import type { SubscriberHub } from './subscribers/hub.ts';
import type { VadBatcher } from './vad/vad-batcher.ts';

export interface ServerContext {
  config: ServerConfig;
  pkg: ModelPackage;
  modelInfo: ModelInfo;
  batcher: MicroBatcher;
  vads: VadBatcher;
  registry: StreamRegistry;
  hub: SubscriberHub;
  auth: Authenticator;
  metrics: ServerMetrics;
  log: Logger;
  /** Open connections on `/v1/stream`. */
  sessions: Set<StreamSession>;
  /** Active streams per API key name. */
  perKeyStreams: Map<string, number>;
  /** True once shutdown began: new streams are refused. */
  draining: boolean;
  /** Event-loop lag watch used to refuse new streams under overload. */
  load: LoadMonitor;
  /** A streaming resampler to 16 kHz for a stream's input rate (null for 16 kHz input). */
  createResampler: (inputRate: number) => Promise<ChunkResampler | null>;
  stageTimer: (stage: Stage, ms: number) => void;
  /** `performance.now()` at start. */
  startedAt: number;
}
