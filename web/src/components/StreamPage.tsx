'use client';
/**
 * Stream view (`/stream?id=...`): one stream's live timeline, current emotion and running summary, then
 * its final summary once it ends. The id travels in the query string because the dashboard is a static
 * export (no dynamic route segments).
 */
import { useEffect, useState } from 'react';
import { useSnapshot, useStore, useSubscription } from '../lib/use-dashboard.ts';
import { bandText, ConnectionPill, metadataText, SiteHeader } from './bits.tsx';
import { CurrentEmotion, RecentWindows, SummaryPanel, Timeline } from './StreamDetail.tsx';

function readId(): string | null {
  const id = new URLSearchParams(window.location.search).get('id');
  return id && id.length > 0 ? id : null;
}

export default function StreamPage() {
  const [id, setId] = useState<string | null | undefined>(undefined);
  useEffect(() => setId(readId()), []);
  const store = useStore();
  useSubscription(store, id ? { streams: [id] } : null);
  const snap = useSnapshot(store);
  const view = id ? snap.streams.find((v) => v.id === id) : undefined;

  useEffect(() => {
    if (id) document.title = `${id} · emostream`;
  }, [id]);

  return (
    <>
      <SiteHeader current="/stream" />
      <main
        className="stream-page"
        data-testid="stream-page"
        data-stream-id={id ?? ''}
        data-active={view?.active ?? ''}
      >
        <p className="breadcrumb">
          <a href="/">← All streams</a>
        </p>
        {id === null && (
          <div className="empty">
            <h1>No stream selected</h1>
            <p>
              Open a stream from the <a href="/">overview</a>, or add <code>?id=STREAM_ID</code> to this
              address.
            </p>
          </div>
        )}
        {id && (
          <>
            <div className="page-head">
              <h1 className="stream-title">{id}</h1>
              {view ? (
                <span className={view.active ? 'pill pill-live' : 'pill pill-ended'}>
                  {view.active ? 'Live' : `Ended (${view.final?.endReason ?? 'unknown'})`}
                </span>
              ) : null}
              <ConnectionPill connection={snap.connection} />
            </div>
            {view?.info && (
              <p className="stream-info muted">
                {metadataText(view.info.metadata) || 'no metadata'} · session {view.info.sessionId} · model{' '}
                {view.info.model.id} · {view.info.input.encoding} {view.info.input.sampleRate} Hz ×{' '}
                {view.info.input.channels}
                {bandText(view) && ` · ${bandText(view)}`} · started{' '}
                {new Date(view.info.startedAt).toLocaleTimeString()}
              </p>
            )}
            {!view && snap.connection.status === 'live' && (
              <p className="empty" data-testid="waiting">
                Waiting for stream <strong>{id}</strong> to start… (it is not active and did not end recently)
              </p>
            )}
            {view && (
              <div className="detail-grid">
                <div className="detail-main">
                  <CurrentEmotion view={view} />
                  <Timeline view={view} height={260} />
                  <RecentWindows view={view} />
                </div>
                <div className="detail-side">
                  <SummaryPanel view={view} />
                </div>
              </div>
            )}
          </>
        )}
      </main>
    </>
  );
}
