/**
 * The dashboard's state, kept outside React: protocol events mutate per-stream models as they arrive,
 * and subscribers (React, through `useSyncExternalStore`) are notified at most once per animation
 * frame with a new immutable snapshot. With 50 streams each sending a few events a second, React
 * renders once per frame and only the rows whose stream changed.
 *
 * @example
 * ```ts
 * const store = new DashboardStore();
 * sub.on('emotion', (e) => store.add(e));
 * const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
 * ```
 */
import type {
  StreamEndEvent,
  StreamInfo,
  TimelineEntry,
  TimelineEvent,
} from '@emostream/shared/protocol/messages';
import { type AlertSettings, defaultAlertSettings, StreamModel, type StreamView } from './stream-model.ts';

/** State of the connection to the server. */
export interface ConnectionState {
  status: 'idle' | 'connecting' | 'live' | 'reconnecting' | 'failed';
  /** The last error, with the server's code when it sent one. */
  error: { code: string; message: string } | null;
}

/** One stretch of time during which a stream was in negative-emotion alert. */
export interface AlertEpisode {
  key: string;
  streamId: string;
  /** The run's most frequent label. */
  label: string;
  /** Local wall clock when raised and when cleared (null while active). */
  since: number;
  until: number | null;
  /** Negative speech in the run so far, ms; highest confidence. */
  ms: number;
  peak: number;
}

/** What React renders. A new object whenever anything changed. */
export interface DashboardSnapshot {
  version: number;
  /** Every known stream, in the order they were first seen. */
  streams: readonly StreamView[];
  connection: ConnectionState;
  /** Active alerts first, then recent cleared ones, newest first. */
  alerts: readonly AlertEpisode[];
  settings: AlertSettings;
  /** Local clock minus server clock (upper bound, includes the smallest network delay), ms. */
  clockOffsetMs: number;
}

/** Options of {@link DashboardStore}. */
export interface DashboardStoreOptions {
  /** Runs the flush later; default `requestAnimationFrame` (or a 16 ms timer where there is none). */
  schedule: (flush: () => void) => void;
  /** Local wall clock, ms since the epoch. */
  now: () => number;
  /** Ended streams are forgotten this long after they ended, ms. */
  keepEndedMs: number;
  /** Cleared alerts kept in the list. */
  maxAlertHistory: number;
}

function defaultSchedule(flush: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => flush());
  else setTimeout(flush, 16);
}

export const defaultDashboardStoreOptions: Readonly<DashboardStoreOptions> = Object.freeze({
  schedule: defaultSchedule,
  now: () => Date.now(),
  keepEndedMs: 30 * 60_000,
  maxAlertHistory: 30,
});

/** Per-stream models plus a frame-batched, immutable snapshot of them. */
export class DashboardStore {
  private readonly options: DashboardStoreOptions;
  private readonly models = new Map<string, StreamModel>();
  private readonly listeners = new Set<() => void>();
  private readonly openAlerts = new Map<string, AlertEpisode>();
  private history: AlertEpisode[] = [];
  private connection: ConnectionState = { status: 'idle', error: null };
  private settings: AlertSettings = { ...defaultAlertSettings };
  private clockOffsetMs = Number.POSITIVE_INFINITY;
  private scheduled = false;
  private snapshot: DashboardSnapshot;

  constructor(options: Partial<DashboardStoreOptions> = {}) {
    this.options = { ...defaultDashboardStoreOptions, ...options };
    this.snapshot = this.build(0);
  }

  /** For `useSyncExternalStore`. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** For `useSyncExternalStore`: the same object until the next flush. */
  readonly getSnapshot = (): DashboardSnapshot => this.snapshot;

  private model(id: string): StreamModel {
    let m = this.models.get(id);
    if (!m) this.models.set(id, (m = new StreamModel(id)));
    return m;
  }

  private observe(emittedAt: number | undefined): void {
    if (emittedAt === undefined) return;
    this.clockOffsetMs = Math.min(this.clockOffsetMs, this.options.now() - emittedAt);
  }

  /** A stream started or resumed (`stream.start`, or a client's own `ready`). */
  start(info: StreamInfo): void {
    this.model(info.streamId).start(info);
    this.observe(info.startedAt);
    this.changed();
  }

  /** A stream's recent past; replaces what was known about it. */
  timeline(t: TimelineEvent): void {
    const m = this.model(t.streamId);
    m.replace(t.stream, t.active, t.events, t.truncated);
    if (!t.active) m.end(t.summary, t.summary?.emittedAt ?? this.options.now());
    this.changed();
  }

  /** A live speech, emotion or overloaded event. */
  add(event: TimelineEntry): void {
    this.model(event.streamId).add(event);
    this.observe(event.emittedAt);
    this.changed();
  }

  /** A stream ended (`stream.end`, or a client's own summary). */
  end(event: Pick<StreamEndEvent, 'streamId' | 'endedAt' | 'summary'>): void {
    this.model(event.streamId).end(event.summary, event.endedAt);
    this.observe(event.endedAt);
    this.changed();
  }

  /** Forgets every stream (e.g. before a new try-it session). */
  clear(): void {
    this.models.clear();
    this.openAlerts.clear();
    this.history = [];
    this.changed();
  }

  setConnection(connection: ConnectionState): void {
    this.connection = connection;
    this.changed();
  }

  setSettings(settings: AlertSettings): void {
    this.settings = { ...settings };
    for (const m of this.models.values()) m.touch();
    this.changed();
  }

  /**
   * Changes some settings and returns the whole of them. The patch is applied to the settings as they
   * are now, not as the last snapshot showed them: two edits before the next frame (a fast user,
   * autofill) both stay.
   */
  updateSettings(patch: Partial<AlertSettings>): AlertSettings {
    this.setSettings({ ...this.settings, ...patch });
    return { ...this.settings };
  }

  /** Schedules a flush (one per frame however many events arrive). */
  private changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.options.schedule(() => this.flush());
  }

  /** Builds the new snapshot and notifies listeners; normally called by the scheduler. */
  flush(): void {
    this.scheduled = false;
    this.snapshot = this.build(this.snapshot.version + 1);
    for (const listener of [...this.listeners]) listener();
  }

  private build(version: number): DashboardSnapshot {
    const now = this.options.now();
    const offset = Number.isFinite(this.clockOffsetMs) ? this.clockOffsetMs : 0;
    const streams: StreamView[] = [];
    for (const [id, m] of this.models) {
      if (!m.active && m.endedAt !== null && now - offset - m.endedAt > this.options.keepEndedMs) {
        this.models.delete(id);
        continue;
      }
      const view = m.view(this.settings, now);
      streams.push(view);
      this.trackAlert(view, now);
    }
    for (const [id, episode] of this.openAlerts) {
      if (!this.models.has(id)) this.closeAlert(id, episode, now);
    }
    const alerts = [
      ...[...this.openAlerts.values()].sort((a, b) => b.since - a.since),
      ...this.history.slice().reverse(),
    ];
    return {
      version,
      streams,
      connection: this.connection,
      alerts,
      settings: this.settings,
      clockOffsetMs: offset,
    };
  }

  private trackAlert(view: StreamView, now: number): void {
    const open = this.openAlerts.get(view.id);
    if (view.alertSince !== null && view.negative) {
      const episode: AlertEpisode = open
        ? {
            ...open,
            label: view.negative.label,
            ms: view.negative.ms,
            peak: Math.max(open.peak, view.negative.peak),
          }
        : {
            key: `${view.id}@${view.alertSince}`,
            streamId: view.id,
            label: view.negative.label,
            since: view.alertSince,
            until: null,
            ms: view.negative.ms,
            peak: view.negative.peak,
          };
      this.openAlerts.set(view.id, episode);
    } else if (open) {
      this.closeAlert(view.id, open, now);
    }
  }

  private closeAlert(id: string, episode: AlertEpisode, now: number): void {
    this.openAlerts.delete(id);
    this.history.push({ ...episode, until: now });
    if (this.history.length > this.options.maxAlertHistory) this.history.shift();
  }
}
