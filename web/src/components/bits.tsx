'use client';
/**
 * Small presentational pieces shared by the pages: the site header, emotion tags, the legend,
 * connection and speech pills.
 */
import { emotionColor, emotionName } from '../lib/emotions.ts';
import type { ConnectionState } from '../lib/store.ts';
import type { StreamView } from '../lib/stream-model.ts';

const LINKS = [
  { href: '/', label: 'Live streams' },
  { href: '/try', label: 'Try it' },
] as const;

export function SiteHeader({ current }: { current: '/' | '/try' | '/stream' }) {
  return (
    <header className="site-header">
      <a className="brand" href="/">
        emostream
      </a>
      <nav aria-label="Main">
        <ul>
          {LINKS.map((l) => (
            <li key={l.href}>
              <a href={l.href} aria-current={current === l.href ? 'page' : undefined}>
                {l.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </header>
  );
}

export function Swatch({
  label,
  classes,
  uncertain,
}: {
  label: string;
  classes: readonly string[];
  uncertain?: boolean;
}) {
  return (
    <span
      className={uncertain ? 'swatch swatch-uncertain' : 'swatch'}
      style={{ backgroundColor: emotionColor(label, classes) }}
      aria-hidden="true"
    />
  );
}

/** Colour swatch, name and (optionally) confidence of an emotion; uncertain ones say so in words. */
export function EmotionTag({
  label,
  classes,
  confidence,
  uncertain,
  large,
}: {
  label: string;
  classes: readonly string[];
  confidence?: number;
  uncertain?: boolean;
  large?: boolean;
}) {
  return (
    <span className={`emotion${large ? ' emotion-large' : ''}${uncertain ? ' emotion-uncertain' : ''}`}>
      <Swatch label={label} classes={classes} uncertain={uncertain} />
      <span className="emotion-name">{emotionName(label)}</span>
      {confidence !== undefined && <span className="emotion-confidence">{confidence.toFixed(2)}</span>}
      {uncertain && <span className="emotion-flag">uncertain</span>}
    </span>
  );
}

export function Legend({ classes }: { classes: readonly string[] }) {
  return (
    <ul className="legend" aria-label="Legend">
      {classes.map((c) => (
        <li key={c}>
          <Swatch label={c} classes={classes} /> {emotionName(c)}
        </li>
      ))}
      <li>
        <span className="swatch swatch-uncertain" style={{ backgroundColor: '#8c8c8c' }} aria-hidden="true" />{' '}
        uncertain (hatched)
      </li>
      <li>
        <span className="swatch" style={{ backgroundColor: '#4b5563', height: '0.5em' }} aria-hidden="true" />{' '}
        speech
      </li>
      <li>
        <span className="swatch" style={{ backgroundColor: '#b42318', height: '0.3em' }} aria-hidden="true" />{' '}
        shed (overload)
      </li>
    </ul>
  );
}

const CONNECTION_TEXT: Record<ConnectionState['status'], string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  live: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Connection failed',
};

export function ConnectionPill({ connection }: { connection: ConnectionState }) {
  return (
    <span className={`pill pill-${connection.status}`} data-connection={connection.status}>
      <span className="dot" aria-hidden="true" />
      {CONNECTION_TEXT[connection.status]}
      {connection.error && connection.status !== 'live' && (
        <span className="pill-detail">
          {' '}
          ({connection.error.code}: {connection.error.message})
        </span>
      )}
    </span>
  );
}

export function SpeechPill({ speaking, active }: { speaking: boolean; active: boolean }) {
  if (!active) return <span className="pill pill-ended">Ended</span>;
  return speaking ? (
    <span className="pill pill-speaking">
      <span className="dot" aria-hidden="true" />
      Speaking
    </span>
  ) : (
    <span className="pill pill-silent">Silent</span>
  );
}

/** "1 h 02 min", "3 min 05 s", "12 s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Metadata as short "key: value" text. */
export function metadataText(metadata: Record<string, unknown> | undefined): string {
  if (!metadata) return '';
  return Object.entries(metadata)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

/** How a stream's band shows ('' unless telephone audio): and when the server found it, if it did. */
export function bandText(view: Pick<StreamView, 'info' | 'narrowbandDetectedMs'>): string {
  if (view.info?.bandwidth !== 'narrowband') return '';
  const at = view.narrowbandDetectedMs;
  return at === null
    ? 'telephone audio (narrowband VAD)'
    : `telephone audio, detected at ${(at / 1000).toFixed(1)} s (narrowband VAD)`;
}
