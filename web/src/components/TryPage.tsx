'use client';
/**
 * Try it (`/try`): stream the microphone, or replay an audio file at real-time pace, to `/v1/stream`
 * with the SDK, and watch this stream's own events live with the same timeline as the stream view.
 * Stop shows the summary; server errors are shown with their code, close code and what to do.
 */
import type { ErrorEvent, ReadyEvent } from '@emostream/shared/protocol/messages';
import { EmotionStreamClient } from '@emostream/shared/sdk/client';
import { useEffect, useRef, useState } from 'react';
import { CAPTURE_RATE, decodeFile, type MicrophoneCapture, startMicrophone } from '../lib/capture.ts';
import { serverUrl } from '../lib/server-url.ts';
import { useSnapshot, useStore } from '../lib/use-dashboard.ts';
import { bandText, formatDuration, SiteHeader } from './bits.tsx';
import { CurrentEmotion, RecentWindows, SummaryPanel, Timeline } from './StreamDetail.tsx';

type Phase = 'idle' | 'preparing' | 'connecting' | 'microphone' | 'file' | 'stopping' | 'done' | 'failed';

interface Problem {
  code: string;
  message: string;
  closeCode?: number | null;
}

/** `options.earlyMs` when the early estimate is on: the first emotion of a stretch of speech after 1.5 s of it. */
const EARLY_MS = 1500;

const HINTS: Record<string, string> = {
  UNAUTHORIZED: 'The server needs an API key: enter a valid one above.',
  FORBIDDEN: 'This API key may not use that stream id.',
  OVERLOADED: 'The server is at capacity. Try again in a little while.',
  TOO_MANY_STREAMS: 'This API key already has its maximum of concurrent streams.',
  RATE_LIMITED: 'Audio arrived faster than the server allows.',
  STREAM_ID_IN_USE: 'Another connection is streaming with this id: choose another or leave it empty.',
  BAD_START: 'The start options were rejected; check the stream id (letters, digits, . _ : -).',
  IDLE_TIMEOUT: 'No audio reached the server for too long.',
  CONNECT_FAILED: 'Could not reach the server. Is it running?',
  CONNECT_TIMEOUT: 'The server did not answer in time.',
  NotAllowedError: 'Microphone permission was refused. Allow it in the browser and try again.',
  NotFoundError: 'No microphone was found.',
  EncodingError: 'The browser could not decode this file. Try WAV, MP3, OGG or FLAC.',
};

function problemOf(error: unknown): Problem {
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; name?: unknown; message?: unknown; closeCode?: unknown };
    const code = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'ERROR';
    return {
      code,
      message: typeof e.message === 'string' ? e.message : String(error),
      closeCode: typeof e.closeCode === 'number' ? e.closeCode : null,
    };
  }
  return { code: 'ERROR', message: String(error) };
}

function infoFromReady(ready: ReadyEvent, metadata: Record<string, unknown>) {
  return {
    streamId: ready.streamId,
    sessionId: ready.sessionId,
    metadata,
    startedAt: ready.emittedAt,
    model: ready.model,
    input: ready.input,
    bandwidth: ready.options.bandwidth,
    resumed: ready.resumed,
    startMs: ready.startMs,
  };
}

export default function TryPage() {
  const store = useStore();
  const snap = useSnapshot(store);
  const view = snap.streams[snap.streams.length - 1];
  const [phase, setPhase] = useState<Phase>('idle');
  const [apiKey, setApiKey] = useState('');
  const [streamId, setStreamId] = useState('');
  // An early, provisional emotion 1.5 s into each stretch of speech, before its first full window.
  const [early, setEarly] = useState(true);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [warnings, setWarnings] = useState<ErrorEvent[]>([]);
  const [level, setLevel] = useState(0);
  const [progress, setProgress] = useState<{ sentMs: number; totalMs: number } | null>(null);
  const [source, setSource] = useState('');
  // How long after the first speech began the first emotion arrived, in stream time: the audio sent
  // when the event arrived minus the VAD's start of speech (for the microphone, sent = now, less
  // the capture buffer).
  const [firstResult, setFirstResult] = useState<{ speechMs?: number; delayMs?: number }>({});
  const client = useRef<EmotionStreamClient | null>(null);
  const mic = useRef<MicrophoneCapture | null>(null);
  const paced = useRef<AbortController | null>(null);
  const levelRef = useRef(0);
  const fileInput = useRef<HTMLInputElement | null>(null);

  const busy = phase === 'preparing' || phase === 'connecting' || phase === 'microphone' || phase === 'file';

  useEffect(() => {
    if (phase !== 'microphone' && phase !== 'file') return;
    const timer = setInterval(() => {
      setLevel(levelRef.current);
      const c = client.current;
      if (c && phase === 'file') setProgress((p) => (p ? { ...p, sentMs: c.sentMs } : p));
    }, 150);
    return () => clearInterval(timer);
  }, [phase]);

  useEffect(
    () => () => {
      paced.current?.abort();
      void mic.current?.stop();
      void client.current?.close();
    },
    [],
  );

  async function open(metadata: Record<string, unknown>): Promise<EmotionStreamClient> {
    setPhase('connecting');
    const c = await EmotionStreamClient.connect(serverUrl(), {
      sampleRate: CAPTURE_RATE,
      encoding: 'pcm_s16le',
      channels: 1,
      metadata,
      ...(apiKey.trim() ? { apiKey: apiKey.trim() } : {}),
      ...(streamId.trim() ? { streamId: streamId.trim() } : {}),
      ...(early ? { options: { earlyMs: EARLY_MS } } : {}),
    });
    client.current = c;
    store.start(infoFromReady(c.ready, metadata));
    setFirstResult({});
    c.on('speech', (e) => {
      store.add(e);
      if (e.event === 'start')
        setFirstResult((f) => (f.speechMs === undefined ? { speechMs: e.startMs } : f));
    });
    c.on('emotion', (e) => {
      store.add(e);
      const sent = c.sentMs;
      setFirstResult((f) =>
        f.delayMs === undefined && f.speechMs !== undefined
          ? { ...f, delayMs: Math.max(0, sent - f.speechMs) }
          : f,
      );
    });
    c.on('overloaded', (e) => store.add(e));
    c.on('bandwidth', (e) => store.add(e));
    c.on('summary', (s) => store.end({ streamId: s.streamId, endedAt: s.emittedAt, summary: s }));
    c.on('error', (e) => {
      if (e.fatal) setProblem({ code: e.code, message: e.message });
      else setWarnings((w) => [...w.slice(-4), e]);
    });
    c.on('close', (info) => {
      void teardownSources();
      if (info.error) {
        setProblem({ code: info.error.code, message: info.error.message, closeCode: info.code });
        setPhase('failed');
      } else if (info.code !== 1000) {
        setProblem({
          code: 'CLOSED',
          message: `connection closed (${info.reason || 'no reason'})`,
          closeCode: info.code,
        });
        setPhase('failed');
      }
    });
    return c;
  }

  async function teardownSources(): Promise<void> {
    paced.current?.abort();
    paced.current = null;
    const m = mic.current;
    mic.current = null;
    levelRef.current = 0;
    if (m) await m.stop();
  }

  function reset(): void {
    store.clear();
    setProblem(null);
    setWarnings([]);
    setProgress(null);
    setLevel(0);
  }

  async function startMic(): Promise<void> {
    reset();
    setPhase('preparing');
    const pending: Int16Array[] = [];
    try {
      const capture = await startMicrophone((pcm, rms) => {
        // Level in dB from -60 (empty meter) to 0 dBFS (full).
        levelRef.current = Math.max(0, Math.min(1, (20 * Math.log10(rms + 1e-9) + 60) / 60));
        const c = client.current;
        if (c && c.state === 'open') {
          for (const p of pending.splice(0)) c.sendAudio(p);
          c.sendAudio(pcm);
        } else if (!c && pending.length < 500) pending.push(pcm);
      });
      mic.current = capture;
      setSource(
        `Microphone${capture.deviceLabel ? ` (${capture.deviceLabel})` : ''}, ${capture.inputRate} Hz → 16 kHz`,
      );
      await open({ source: 'try-it', input: 'microphone' });
      setPhase('microphone');
    } catch (error) {
      await teardownSources();
      setProblem(problemOf(error));
      setPhase('failed');
    }
  }

  async function startFile(file: File): Promise<void> {
    reset();
    setPhase('preparing');
    try {
      setSource(`${file.name}: decoding…`);
      const samples = await decodeFile(file);
      const totalMs = (samples.length * 1000) / CAPTURE_RATE;
      setSource(`${file.name} (${formatDuration(totalMs)}), replayed in real time`);
      const c = await open({ source: 'try-it', input: 'file', file: file.name.slice(0, 200) });
      setProgress({ sentMs: 0, totalMs });
      setPhase('file');
      const abort = new AbortController();
      paced.current = abort;
      await c.sendPaced(samples, { speed: 1, signal: abort.signal });
      if (!abort.signal.aborted) await stop();
    } catch (error) {
      if (paced.current?.signal.aborted || client.current?.state === 'stopping') return;
      await teardownSources();
      setProblem(problemOf(error));
      setPhase('failed');
    }
  }

  async function stop(): Promise<void> {
    setPhase('stopping');
    await teardownSources();
    const c = client.current;
    if (!c) {
      setPhase('idle');
      return;
    }
    try {
      await c.stop();
      setPhase('done');
    } catch (error) {
      setProblem(problemOf(error));
      setPhase('failed');
    }
  }

  const windows = view?.windows.length ?? 0;
  const earlyWindows = view?.windows.filter((w) => w.kind === 'early').length ?? 0;
  return (
    <>
      <SiteHeader current="/try" />
      <main
        className="try-page"
        data-testid="try-page"
        data-phase={phase}
        data-emotions={windows}
        data-early={earlyWindows}
      >
        <div className="page-head">
          <h1>Try it</h1>
          <p className="muted">
            Stream your microphone, or replay an audio file in real time, and watch the analysis as it
            happens.
          </p>
        </div>
        <section className="card try-controls" aria-labelledby="try-source">
          <h2 id="try-source" className="visually-hidden">
            Source
          </h2>
          <form className="try-fields" onSubmit={(e) => e.preventDefault()} aria-label="Stream options">
            <label>
              API key <span className="muted small">(optional)</span>
              <input
                type="password"
                autoComplete="off"
                value={apiKey}
                disabled={busy}
                onChange={(e) => setApiKey(e.currentTarget.value)}
              />
            </label>
            <label>
              Stream id <span className="muted small">(optional)</span>
              <input
                type="text"
                value={streamId}
                placeholder="generated"
                spellCheck={false}
                disabled={busy}
                onChange={(e) => setStreamId(e.currentTarget.value)}
              />
            </label>
            <label className="try-check">
              <input
                type="checkbox"
                checked={early}
                disabled={busy}
                onChange={(e) => setEarly(e.currentTarget.checked)}
              />
              Early estimate after {EARLY_MS / 1000} s of speech{' '}
              <span className="muted small">(before the first full 3 s window; less accurate)</span>
            </label>
          </form>
          <div className="try-buttons">
            <button type="button" className="button-primary" disabled={busy} onClick={() => void startMic()}>
              Start microphone
            </button>
            <button type="button" disabled={busy} onClick={() => fileInput.current?.click()}>
              Replay an audio file…
            </button>
            <input
              ref={fileInput}
              type="file"
              accept="audio/*,.wav,.flac,.mp3,.ogg,.m4a,.webm"
              className="visually-hidden"
              aria-label="Audio file to replay"
              tabIndex={-1}
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                e.currentTarget.value = '';
                if (file) void startFile(file);
              }}
            />
            <button
              type="button"
              className="button-stop"
              disabled={phase !== 'microphone' && phase !== 'file' && phase !== 'connecting'}
              onClick={() => void stop()}
            >
              ■ Stop
            </button>
          </div>
          <output className="try-status" data-testid="try-status">
            {phase === 'idle' && 'Ready.'}
            {phase === 'preparing' && 'Preparing the audio source…'}
            {phase === 'connecting' && 'Connecting to the server…'}
            {(phase === 'microphone' || phase === 'file') && `Streaming ${view ? view.id : ''} — ${source}`}
            {phase === 'stopping' && 'Stopping: waiting for the final events and summary…'}
            {phase === 'done' && `Stopped ${view ? view.id : ''}. ${source}`}
            {phase === 'failed' && 'Stopped with an error.'}
          </output>
          {view && bandText(view) && (
            <p className="muted" data-testid="try-band">
              Heard as {bandText(view)}: the speech detector listens in its telephone mode.
            </p>
          )}
          {(phase === 'microphone' || phase === 'file') && (
            <div className="try-meters">
              <label>
                Input level <meter min={0} max={1} low={0.25} high={0.9} optimum={0.6} value={level} />
              </label>
              {firstResult.delayMs !== undefined && (
                <span data-testid="first-result" data-ms={Math.round(firstResult.delayMs)}>
                  First emotion {(firstResult.delayMs / 1000).toFixed(1)} s after speech began
                </span>
              )}
              {progress && (
                <label>
                  Replay {formatDuration(progress.sentMs)} of {formatDuration(progress.totalMs)}{' '}
                  <progress max={progress.totalMs} value={progress.sentMs} />
                </label>
              )}
            </div>
          )}
          {problem && (
            <div className="error-box" role="alert" data-testid="error" data-code={problem.code}>
              <p>
                <strong>{problem.code}</strong>: {problem.message}
                {problem.closeCode ? <span className="muted"> (close code {problem.closeCode})</span> : null}
              </p>
              {HINTS[problem.code] && <p>{HINTS[problem.code]}</p>}
            </div>
          )}
          {warnings.length > 0 && (
            <ul className="warning-list" aria-label="Server warnings">
              {warnings.map((w) => (
                <li key={`${w.emittedAt}-${w.code}`}>
                  <strong>{w.code}</strong>: {w.message}
                </li>
              ))}
            </ul>
          )}
        </section>
        {view && (
          <div className="detail-grid">
            <div className="detail-main">
              <CurrentEmotion view={view} />
              <Timeline view={view} height={220} />
              <RecentWindows view={view} count={6} />
            </div>
            <div className="detail-side">
              <SummaryPanel view={view} />
            </div>
          </div>
        )}
      </main>
    </>
  );
}
