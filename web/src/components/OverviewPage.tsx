'use client';
/**
 * Overview (`/`): every live stream with its current emotion, confidence, speech activity, duration and
 * the last minute as a sparkline; sortable and filterable; negative-emotion alerts marked on the rows
 * and listed beside them, with their threshold and duration set here and kept in localStorage.
 */
import { memo, useEffect, useId, useMemo, useState } from 'react';
import { drawSparkline } from '../lib/draw.ts';
import { emotionName, NEGATIVE_EMOTIONS } from '../lib/emotions.ts';
import { ALERT_BOUNDS, loadAlertSettings, saveAlertSettings } from '../lib/settings.ts';
import type { AlertEpisode } from '../lib/store.ts';
import { type AlertSettings, NOISY_SNR_DB, type StreamView, snrText } from '../lib/stream-model.ts';
import { useNow, useSnapshot, useStore, useSubscription } from '../lib/use-dashboard.ts';
import { AutoCanvas } from './AutoCanvas.tsx';
import {
  ConnectionPill,
  EmotionTag,
  formatDuration,
  metadataText,
  SiteHeader,
  SpeechPill,
  Swatch,
} from './bits.tsx';

const SPARK_MS = 60_000;
/** Ended streams stay listed (greyed) this long under "Live and recently ended". */
const RECENT_MS = 5 * 60_000;

type SortKey = 'attention' | 'id' | 'emotion' | 'confidence' | 'speech' | 'duration';
type StatusFilter = 'recent' | 'live' | 'ended' | 'all';

const SORTS: { key: SortKey; label: string }[] = [
  { key: 'attention', label: 'Needs attention' },
  { key: 'id', label: 'Stream' },
  { key: 'emotion', label: 'Emotion' },
  { key: 'confidence', label: 'Confidence' },
  { key: 'speech', label: 'Speech' },
  { key: 'duration', label: 'Duration' },
];

function durationOf(v: StreamView, now: number, offset: number): number {
  if (!v.active) return v.final?.durationMs ?? v.latestMs;
  return v.info ? Math.max(0, now - offset - v.info.startedAt) : v.latestMs;
}

function searchText(v: StreamView): string {
  return `${v.id} ${v.info?.sessionId ?? ''} ${metadataText(v.info?.metadata)}`.toLowerCase();
}

function compare(a: StreamView, b: StreamView, key: SortKey, now: number, offset: number): number {
  switch (key) {
    case 'attention': {
      const rank = (v: StreamView) => (v.alertSince !== null ? 0 : v.active ? 1 : 2);
      return rank(a) - rank(b) || (a.alertSince ?? 0) - (b.alertSince ?? 0) || a.id.localeCompare(b.id);
    }
    case 'id':
      return a.id.localeCompare(b.id);
    case 'emotion':
      return (a.current?.label ?? '~').localeCompare(b.current?.label ?? '~') || a.id.localeCompare(b.id);
    case 'confidence':
      return (b.current?.confidence ?? -1) - (a.current?.confidence ?? -1);
    case 'speech':
      return (
        Number(b.speaking) - Number(a.speaking) ||
        Number(b.active) - Number(a.active) ||
        a.id.localeCompare(b.id)
      );
    case 'duration':
      return durationOf(b, now, offset) - durationOf(a, now, offset);
  }
}

function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export default function OverviewPage() {
  const ids = useId();
  const store = useStore();
  useSubscription(store, { all: true });
  const snap = useSnapshot(store);
  const now = useNow(1000);
  const [text, setText] = useState('');
  const [emotion, setEmotion] = useState('');
  const [status, setStatus] = useState<StatusFilter>('recent');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({
    key: 'attention',
    descending: false,
  });

  useEffect(() => store.setSettings(loadAlertSettings()), [store]);
  const updateSettings = (patch: Partial<AlertSettings>) => saveAlertSettings(store.updateSettings(patch));

  const offset = snap.clockOffsetMs;
  const classes = useMemo(() => {
    const seen: string[] = [];
    for (const v of snap.streams) for (const c of v.classes) if (!seen.includes(c)) seen.push(c);
    return seen;
  }, [snap.streams]);

  const rows = useMemo(() => {
    const needle = text.trim().toLowerCase();
    const visible = snap.streams.filter((v) => {
      if (status === 'live' && !v.active) return false;
      if (status === 'ended' && v.active) return false;
      if (status === 'recent' && !v.active && v.endedAt !== null && now - offset - v.endedAt > RECENT_MS)
        return false;
      if (emotion && v.current?.label !== emotion) return false;
      return needle === '' || searchText(v).includes(needle);
    });
    visible.sort((a, b) => compare(a, b, sort.key, now, offset) * (sort.descending ? -1 : 1));
    return visible;
  }, [snap.streams, text, emotion, status, sort, now, offset]);

  const live = snap.streams.filter((v) => v.active);
  const speaking = live.filter((v) => v.speaking).length;
  const activeAlerts = snap.alerts.filter((a) => a.until === null);
  const byEmotion = new Map<string, number>();
  for (const v of live)
    if (v.current) byEmotion.set(v.current.label, (byEmotion.get(v.current.label) ?? 0) + 1);

  const sortBy = (key: SortKey) =>
    setSort((s) => ({
      key,
      descending: s.key === key ? !s.descending : key === 'confidence' || key === 'duration',
    }));

  return (
    <>
      <SiteHeader current="/" />
      <main
        className="overview"
        data-testid="overview"
        data-streams={snap.streams.length}
        data-live={live.length}
      >
        <div className="page-head">
          <h1>Live streams</h1>
          <ConnectionPill connection={snap.connection} />
          <p className="counts">
            <strong>{live.length}</strong> live · <strong>{speaking}</strong> speaking ·{' '}
            <strong className={activeAlerts.length > 0 ? 'alert-text' : undefined}>
              {activeAlerts.length}
            </strong>{' '}
            in alert
          </p>
          {byEmotion.size > 0 && (
            <ul className="chips" aria-label="Current emotion of live streams">
              {[...byEmotion.entries()]
                .sort((a, b) => b[1] - a[1])
                .map(([label, n]) => (
                  <li key={label}>
                    <Swatch label={label} classes={classes} /> {emotionName(label)} {n}
                  </li>
                ))}
            </ul>
          )}
        </div>
        <p className="visually-hidden" aria-live="polite" data-testid="alert-announcer">
          {activeAlerts.length === 0
            ? 'No stream in alert.'
            : `In alert: ${activeAlerts.map((a) => `${a.streamId}, ${emotionName(a.label)}`).join('; ')}.`}
        </p>
        <div className="overview-grid">
          <div className="overview-main">
            <form
              className="filters"
              onSubmit={(e) => e.preventDefault()}
              aria-label="Filter and sort streams"
            >
              <div className="field">
                <label htmlFor={`${ids}-search`}>Search</label>
                <input
                  id={`${ids}-search`}
                  type="search"
                  value={text}
                  placeholder="id, session or metadata"
                  onChange={(e) => setText(e.currentTarget.value)}
                />
              </div>
              <div className="field">
                <label htmlFor={`${ids}-emotion`}>Emotion</label>
                <select
                  id={`${ids}-emotion`}
                  value={emotion}
                  onChange={(e) => setEmotion(e.currentTarget.value)}
                >
                  <option value="">Any</option>
                  {classes.map((c) => (
                    <option key={c} value={c}>
                      {emotionName(c)}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={`${ids}-status`}>Show</label>
                <select
                  id={`${ids}-status`}
                  value={status}
                  onChange={(e) => setStatus(e.currentTarget.value as StatusFilter)}
                >
                  <option value="recent">Live and recently ended</option>
                  <option value="live">Live only</option>
                  <option value="ended">Ended only</option>
                  <option value="all">All</option>
                </select>
              </div>
              <div className="field">
                <label htmlFor={`${ids}-sort`}>Sort by</label>
                <select
                  id={`${ids}-sort`}
                  value={sort.key}
                  onChange={(e) => setSort({ key: e.currentTarget.value as SortKey, descending: false })}
                >
                  {SORTS.map((s) => (
                    <option key={s.key} value={s.key}>
                      {s.label}
                    </option>
                  ))}
                </select>
              </div>
              <button
                type="button"
                className="button-secondary"
                onClick={() => setSort((s) => ({ ...s, descending: !s.descending }))}
                aria-label={sort.descending ? 'Sort ascending' : 'Sort descending'}
              >
                {sort.descending ? '↓ Descending' : '↑ Ascending'}
              </button>
            </form>
            <StreamTable
              rows={rows}
              now={now}
              offset={offset}
              threshold={snap.settings.threshold}
              sort={sort}
              onSort={sortBy}
              total={snap.streams.length}
            />
          </div>
          <aside className="overview-side" aria-label="Alerts">
            <AlertPanel alerts={snap.alerts} settings={snap.settings} onChange={updateSettings} />
          </aside>
        </div>
      </main>
    </>
  );
}

function SortHeader({
  label,
  k,
  sort,
  onSort,
  className,
}: {
  label: string;
  k: SortKey;
  sort: { key: SortKey; descending: boolean };
  onSort: (k: SortKey) => void;
  className?: string;
}) {
  const active = sort.key === k;
  return (
    <th
      scope="col"
      className={className}
      aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}
    >
      <button type="button" className="sort-button" onClick={() => onSort(k)}>
        {label}
        <span aria-hidden="true">{active ? (sort.descending ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
}

function StreamTable({
  rows,
  now,
  offset,
  threshold,
  sort,
  onSort,
  total,
}: {
  rows: StreamView[];
  now: number;
  offset: number;
  threshold: number;
  sort: { key: SortKey; descending: boolean };
  onSort: (k: SortKey) => void;
  total: number;
}) {
  if (rows.length === 0) {
    return (
      <div className="empty" data-testid="no-streams">
        {total === 0 ? (
          <p>
            No streams yet. Start one from <a href="/try">Try it</a> or with the SDK; it appears here as soon
            as it starts.
          </p>
        ) : (
          <p>No stream matches the filters.</p>
        )}
      </div>
    );
  }
  return (
    <table className="streams" data-testid="streams-table">
      <caption className="visually-hidden">Streams, {rows.length} shown</caption>
      <thead>
        <tr>
          <SortHeader label="Stream" k="id" sort={sort} onSort={onSort} className="col-stream" />
          <SortHeader label="Emotion" k="emotion" sort={sort} onSort={onSort} className="col-emotion" />
          <SortHeader label="Confidence" k="confidence" sort={sort} onSort={onSort} className="col-conf" />
          <SortHeader label="Speech" k="speech" sort={sort} onSort={onSort} className="col-speech" />
          <th scope="col" className="col-spark">
            Last minute
          </th>
          <SortHeader label="Duration" k="duration" sort={sort} onSort={onSort} className="col-duration" />
          <SortHeader label="Alert" k="attention" sort={sort} onSort={onSort} className="col-alert" />
        </tr>
      </thead>
      <tbody>
        {rows.map((v) => (
          <StreamRow key={v.id} view={v} duration={durationOf(v, now, offset)} threshold={threshold} />
        ))}
      </tbody>
    </table>
  );
}

const StreamRow = memo(function StreamRow({
  view,
  duration,
  threshold,
}: {
  view: StreamView;
  duration: number;
  threshold: number;
}) {
  const c = view.current;
  const alerting = view.alertSince !== null;
  const stale = c !== null && view.latestMs - c.endMs > 10_000;
  const meta = metadataText(view.info?.metadata);
  return (
    <tr
      className={`${alerting ? 'row-alert' : ''}${view.active ? '' : ' row-ended'}`}
      data-stream-id={view.id}
      data-alert={alerting}
      data-emotion={c?.label ?? ''}
      data-windows={view.windows.length}
    >
      <td className="col-stream">
        <a href={`/stream?id=${encodeURIComponent(view.id)}`} className="stream-link">
          {view.id}
        </a>
        {meta && (
          <div className="meta" title={meta}>
            {meta}
          </div>
        )}
      </td>
      <td className="col-emotion">
        {c ? (
          <span className={stale ? 'stale' : undefined}>
            <EmotionTag label={c.label} classes={view.classes} uncertain={c.uncertain} />
            {stale && (
              <span className="muted small"> {Math.round((view.latestMs - c.endMs) / 1000)} s ago</span>
            )}
            {c.snrDb !== undefined && c.snrDb < NOISY_SNR_DB && (
              <span className="small snr-noisy" data-testid="noisy-line" title={snrText(c.snrDb)}>
                {' '}
                noisy line
              </span>
            )}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="col-conf">
        {c ? (
          <span className="confidence">
            <span className="num">{c.confidence.toFixed(2)}</span>
            <span className="meter" aria-hidden="true">
              <span
                style={{ width: `${Math.round(c.confidence * 100)}%` }}
                className={
                  NEGATIVE_EMOTIONS.has(c.label) && c.confidence >= threshold ? 'meter-negative' : ''
                }
              />
            </span>
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="col-speech">
        <SpeechPill speaking={view.speaking} active={view.active} />
      </td>
      <td className="col-spark">
        <AutoCanvas
          height={34}
          redrawKey={`${view.rev}:${threshold}`}
          draw={(ctx, w, h) => drawSparkline(ctx, view, SPARK_MS, w, h, threshold)}
          label={`Last minute of ${view.id}: ${view.windows.length} windows`}
        />
      </td>
      <td className="col-duration num">{formatDuration(duration)}</td>
      <td className="col-alert">
        {alerting && view.negative ? (
          <span className="alert-badge">
            <span aria-hidden="true">⚠ </span>
            {emotionName(view.negative.label)} {formatDuration(view.negative.ms)}
          </span>
        ) : view.negative && view.active ? (
          <span className="muted small">
            {emotionName(view.negative.label)} {formatDuration(view.negative.ms)}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
});

function AlertPanel({
  alerts,
  settings,
  onChange,
}: {
  alerts: readonly AlertEpisode[];
  settings: AlertSettings;
  /** Called with the one setting that changed (the others may have changed since this render). */
  onChange: (patch: Partial<AlertSettings>) => void;
}) {
  const ids = useId();
  const active = alerts.filter((a) => a.until === null);
  return (
    <section className="card alerts" aria-labelledby="alerts-heading" data-testid="alerts">
      <h2 id="alerts-heading">
        Alerts{' '}
        <span className={active.length > 0 ? 'count count-alert' : 'count'} data-testid="alert-count">
          {active.length}
        </span>
      </h2>
      <p className="small muted">
        A stream is in alert while angry, fearful, sad or disgust windows with confidence ≥{' '}
        {settings.threshold.toFixed(2)} follow each other for at least {settings.seconds} s of speech.
      </p>
      <form className="alert-settings" onSubmit={(e) => e.preventDefault()} aria-label="Alert settings">
        <div className="field">
          <label htmlFor={`${ids}-threshold`}>Min. confidence</label>
          <input
            id={`${ids}-threshold`}
            type="number"
            min={ALERT_BOUNDS.threshold.min}
            max={ALERT_BOUNDS.threshold.max}
            step={ALERT_BOUNDS.threshold.step}
            value={settings.threshold}
            onChange={(e) => {
              const v = e.currentTarget.valueAsNumber;
              if (Number.isFinite(v)) onChange({ threshold: v });
            }}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-seconds`}>For (s of speech)</label>
          <input
            id={`${ids}-seconds`}
            type="number"
            min={ALERT_BOUNDS.seconds.min}
            max={ALERT_BOUNDS.seconds.max}
            step={ALERT_BOUNDS.seconds.step}
            value={settings.seconds}
            onChange={(e) => {
              const v = e.currentTarget.valueAsNumber;
              if (Number.isFinite(v)) onChange({ seconds: v });
            }}
          />
        </div>
      </form>
      {alerts.length === 0 ? (
        <p className="muted">No alerts.</p>
      ) : (
        <ul className="alert-list">
          {alerts.map((a) => (
            <li key={a.key} className={a.until === null ? 'alert-item alert-active' : 'alert-item'}>
              <a href={`/stream?id=${encodeURIComponent(a.streamId)}`}>{a.streamId}</a>
              <span>
                {a.until === null ? <strong>⚠ {emotionName(a.label)}</strong> : emotionName(a.label)}{' '}
                {formatDuration(a.ms)}, peak {a.peak.toFixed(2)}
              </span>
              <span className="small muted">
                {a.until === null
                  ? `since ${clockTime(a.since)}`
                  : `${clockTime(a.since)}–${clockTime(a.until)}`}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
