'use client';
/**
 * The detailed view of one stream, shared by the stream page and the try-it page: the current emotion
 * (announced politely to screen readers), the timeline canvas, the running or final summary and the
 * latest windows as a table.
 */
import { useState } from 'react';
import { drawTimeline, formatClock, type TimeRange } from '../lib/draw.ts';
import { emotionName } from '../lib/emotions.ts';
import { NOISY_SNR_DB, type StreamView, snrText } from '../lib/stream-model.ts';
import { AutoCanvas } from './AutoCanvas.tsx';
import { EmotionTag, formatDuration, Legend, SpeechPill, Swatch } from './bits.tsx';

const RANGES = [
  { id: 'auto', label: 'Live (up to 2 min)', ms: -1 },
  { id: '30s', label: 'Last 30 s', ms: 30_000 },
  { id: '2min', label: 'Last 2 min', ms: 120_000 },
  { id: '10min', label: 'Last 10 min', ms: 600_000 },
  { id: 'all', label: 'Whole stream', ms: 0 },
] as const;
type RangeId = (typeof RANGES)[number]['id'];

function rangeFor(view: StreamView, id: RangeId): TimeRange {
  const spec = RANGES.find((r) => r.id === id) ?? RANGES[0];
  if (spec.ms < 0) {
    // Grows with the stream until it is 2 min long, then scrolls: short streams fill the width.
    const fromMs = Math.max(0, view.latestMs - 120_000);
    return { fromMs, toMs: Math.max(fromMs + 20_000, view.latestMs) };
  }
  if (spec.ms === 0) {
    const first = Math.min(
      view.windows[0]?.fromMs ?? view.latestMs,
      view.speech[0]?.startMs ?? view.latestMs,
    );
    const fromMs = Math.max(0, Math.min(first, view.info?.startMs ?? 0));
    return { fromMs, toMs: Math.max(fromMs + 10_000, view.latestMs) };
  }
  const toMs = Math.max(spec.ms, Math.ceil(view.latestMs / 1000) * 1000);
  return { fromMs: toMs - spec.ms, toMs };
}

/** Current emotion, announced by screen readers as it changes. */
export function CurrentEmotion({ view }: { view: StreamView }) {
  const c = view.current;
  return (
    <div className="current" data-testid="current-emotion" data-label={c?.label ?? ''}>
      <div className="current-main" aria-live="polite" aria-atomic="true">
        <span className="visually-hidden">Current emotion: </span>
        {c ? (
          <EmotionTag
            label={c.label}
            classes={view.classes}
            confidence={c.confidence}
            uncertain={c.uncertain}
            large
          />
        ) : (
          <span className="muted">No emotion yet</span>
        )}
      </div>
      <div className="current-meta">
        <SpeechPill speaking={view.speaking} active={view.active} />
        {c && (
          <span className="muted" data-kind={c.kind}>
            {c.kind === 'early' ? 'early estimate' : 'window'} {formatClock(c.startMs)}–{formatClock(c.endMs)}{' '}
            · latency {Math.max(0, c.emittedAt - c.receivedAt)} ms
          </span>
        )}
        {c && snrText(c.snrDb) && (
          <span
            className={c.snrDb! < NOISY_SNR_DB ? 'snr snr-noisy' : 'snr muted'}
            data-testid="current-snr"
            data-snr={c.snrDb}
          >
            {snrText(c.snrDb)}
          </span>
        )}
      </div>
      {view.negative && (
        <p className={view.alertSince !== null ? 'negative negative-alert' : 'negative'}>
          {view.alertSince !== null ? '⚠ Alert: ' : ''}
          negative ({emotionName(view.negative.label)}) for {formatDuration(view.negative.ms)} of speech, peak{' '}
          {view.negative.peak.toFixed(2)}
        </p>
      )}
    </div>
  );
}

export function Timeline({ view, height = 240 }: { view: StreamView; height?: number }) {
  const [rangeId, setRangeId] = useState<RangeId>('auto');
  const range = rangeFor(view, rangeId);
  const drawnInRange = view.windows.filter((w) => w.endMs >= range.fromMs && w.fromMs <= range.toMs).length;
  return (
    <section className="card" aria-labelledby="timeline-heading">
      <div className="card-head">
        <h2 id="timeline-heading">Timeline</h2>
        <label className="inline-field">
          Show{' '}
          <select value={rangeId} onChange={(e) => setRangeId(e.currentTarget.value as RangeId)}>
            {RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <AutoCanvas
        height={height}
        redrawKey={`${view.rev}:${range.fromMs}:${range.toMs}`}
        draw={(ctx, w, h) => drawTimeline(ctx, view, range, w, h)}
        label={`Emotion timeline of ${view.id}: ${view.windows.length} analysed windows, ${view.speech.length} speech segments`}
        className="timeline-canvas"
        data={{
          'data-testid': 'timeline',
          'data-windows': view.windows.length,
          'data-windows-in-range': drawnInRange,
          'data-segments': view.speech.length,
          'data-shed': view.shed.reduce((n, s) => n + s.shed, 0),
        }}
      />
      <Legend classes={view.classes} />
    </section>
  );
}

export function SummaryPanel({ view }: { view: StreamView }) {
  const s = view.totals;
  const final = view.final !== null;
  const entries = Object.entries(s.emotions).sort((a, b) => b[1].ms - a[1].ms);
  const maxMs = Math.max(1, ...entries.map(([, t]) => t.ms));
  return (
    <section
      className="card"
      aria-labelledby="summary-heading"
      data-testid="summary"
      data-final={final}
      data-duration-ms={s.durationMs}
      data-windows={s.windows}
    >
      <div className="card-head">
        <h2 id="summary-heading">{final ? 'Final summary' : 'Summary so far'}</h2>
        {final && <span className="pill pill-ended">ended: {s.endReason}</span>}
      </div>
      {view.truncated && !final && (
        <p className="muted small">
          Older events were not in the server's timeline; totals cover the recent part.
        </p>
      )}
      <dl className="stats">
        <div>
          <dt>Dominant</dt>
          <dd data-testid="dominant">
            {s.dominant ? (
              <EmotionTag label={s.dominant} classes={view.classes} />
            ) : (
              <span className="muted">—</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(s.durationMs)}</dd>
        </div>
        <div>
          <dt>Speech</dt>
          <dd>
            {formatDuration(s.speechMs)} in {s.segments} segment{s.segments === 1 ? '' : 's'}
          </dd>
        </div>
        <div>
          <dt>Windows</dt>
          <dd data-testid="window-count">
            {s.windows} ({s.uncertainWindows} uncertain
            {s.noisyWindows ? `, ${s.noisyWindows} on a noisy line` : ''})
          </dd>
        </div>
        {(s.counts.shed > 0 || final) && (
          <div>
            <dt>Shed</dt>
            <dd>{s.counts.shed}</dd>
          </div>
        )}
      </dl>
      {entries.length > 0 && (
        <table className="per-emotion">
          <caption className="visually-hidden">Time per emotion</caption>
          <thead>
            <tr>
              <th scope="col">Emotion</th>
              <th scope="col" className="num">
                Time
              </th>
              <th scope="col" className="num">
                Windows
              </th>
              <th scope="col">
                <span className="visually-hidden">Share</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([label, t]) => (
              <tr key={label}>
                <th scope="row">
                  <span className="emotion">
                    <Swatch label={label} classes={view.classes} />
                    <span className="emotion-name">{emotionName(label)}</span>
                  </span>
                </th>
                <td className="num">{(t.ms / 1000).toFixed(1)} s</td>
                <td className="num">{t.windows}</td>
                <td className="bar-cell">
                  <span className="bar" style={{ width: `${(100 * t.ms) / maxMs}%` }} aria-hidden="true" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function RecentWindows({ view, count = 8 }: { view: StreamView; count?: number }) {
  const recent = view.windows.slice(-count).reverse();
  return (
    <section className="card" aria-labelledby="recent-heading">
      <h2 id="recent-heading">Latest windows</h2>
      {recent.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <table className="recent" data-testid="recent-windows">
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col" className="num">
                Audio
              </th>
              <th scope="col">Emotion</th>
              <th scope="col">Kind</th>
              <th scope="col" className="num" title="Estimated signal-to-noise ratio of the window's audio">
                SNR
              </th>
              <th scope="col" className="num">
                Latency
              </th>
            </tr>
          </thead>
          <tbody>
            {recent.map((w) => (
              <tr key={w.seq} data-seq={w.seq}>
                <td className="num">{w.seq}</td>
                <td className="num">
                  {formatClock(w.startMs)}–{formatClock(w.endMs)}
                </td>
                <td>
                  <EmotionTag
                    label={w.label}
                    classes={view.classes}
                    confidence={w.confidence}
                    uncertain={w.uncertain}
                  />
                </td>
                <td>{w.kind}</td>
                <td className={w.snrDb !== undefined && w.snrDb < NOISY_SNR_DB ? 'num snr-noisy' : 'num'}>
                  {w.snrDb === undefined ? '–' : `${Math.round(w.snrDb)} dB`}
                </td>
                <td className="num">{Math.max(0, w.emittedAt - w.receivedAt)} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
