import {
  exampleBandwidth,
  exampleEmotion,
  exampleSpeechEnd,
  exampleSpeechStart,
  exampleStreamInfo,
  exampleSummary,
} from '@emostream/shared/protocol/examples';
import type { EmotionEvent } from '@emostream/shared/protocol/messages';
import { SummaryBuilder } from '@emostream/shared/protocol/summary';
import { describe, expect, it } from 'vitest';
import { type AlertSettings, NOISY_SNR_DB, StreamModel, snrText } from './stream-model.ts';

const classes = exampleStreamInfo.model.classes;

/** A hop window ending at `endMs` with `label` at `confidence` (the rest spread evenly). */
function win(
  seq: number,
  endMs: number,
  label: string,
  confidence: number,
  startMs = endMs - 3000,
): EmotionEvent {
  const rest = (1 - confidence) / (classes.length - 1);
  const scores = Object.fromEntries(classes.map((c) => [c, c === label ? confidence : rest]));
  return { ...exampleEmotion, seq, startMs, endMs, label, confidence, scores, uncertain: confidence < 0.55 };
}

const settings: AlertSettings = { threshold: 0.6, seconds: 5 };

describe('StreamModel', () => {
  it('takes the band found from the audio, from the live event and from a timeline', () => {
    const bridged = {
      ...exampleStreamInfo,
      streamId: exampleBandwidth.streamId,
      bandwidth: 'wideband' as const,
    };
    const live = new StreamModel(bridged.streamId);
    live.start(bridged);
    const before = live.view(settings, 0);
    expect(before.narrowbandDetectedMs).toBeNull();
    live.add(exampleBandwidth);
    const after = live.view(settings, 0);
    expect(after.rev).not.toBe(before.rev);
    expect(after.info?.bandwidth).toBe('narrowband');
    expect(after.narrowbandDetectedMs).toBe(exampleBandwidth.detectedMs);
    // A timeline replays it; a wideband decision leaves the stream as it was.
    const replayed = new StreamModel(bridged.streamId);
    replayed.replace(bridged, true, [exampleBandwidth], false);
    expect(replayed.view(settings, 0).narrowbandDetectedMs).toBe(exampleBandwidth.detectedMs);
    const wide = new StreamModel(bridged.streamId);
    wide.replace(bridged, true, [{ ...exampleBandwidth, bandwidth: 'wideband', upperBandDb: -21 }], false);
    expect(wide.view(settings, 0)).toMatchObject({
      narrowbandDetectedMs: null,
      info: { bandwidth: 'wideband' },
    });
    // A stream found wideband that turns narrowband later (a caller bridged in): the second event wins.
    wide.add({ ...exampleBandwidth, detectedMs: 9000 });
    expect(wide.view(settings, 0)).toMatchObject({
      narrowbandDetectedMs: 9000,
      info: { bandwidth: 'narrowband' },
    });
  });

  it('credits overlapping windows like the summary does, so they tile the time axis', () => {
    const m = new StreamModel('call-7f3a');
    m.start(exampleStreamInfo);
    const events = [win(0, 4000, 'angry', 0.7), win(1, 5000, 'angry', 0.8), win(2, 6000, 'neutral', 0.6)];
    const builder = new SummaryBuilder(classes);
    for (const e of events) {
      m.add(e);
      builder.add(e);
    }
    expect(m.windows.map((w) => [w.fromMs, w.endMs])).toEqual([
      [1000, 4000],
      [4000, 5000],
      [5000, 6000],
    ]);
    const view = m.view(settings, 0);
    const expected = builder.build({
      streamId: 'call-7f3a',
      durationMs: 6000,
      endReason: 'live',
      emittedAt: 0,
    });
    expect(view.totals.emotions).toEqual(expected.emotions);
    expect(view.totals.dominant).toBe('angry');
    expect(view.windows[0]!.scores).toHaveLength(classes.length);
  });

  it('shows an early window as current but credits no time to it, like the summary', () => {
    const m = new StreamModel('s');
    m.start(exampleStreamInfo);
    const early = { ...win(0, 2500, 'happy', 0.5, 0), kind: 'early' as const };
    m.add(early);
    expect(m.view(settings, 0).current).toMatchObject({ kind: 'early', label: 'happy' });
    expect(m.view(settings, 0).totals.windows).toBe(0);
    // The segment's first full window covers the same audio: it gets its whole length.
    m.add(win(1, 4000, 'angry', 0.9, 1000));
    m.add(win(2, 5000, 'angry', 0.9));
    expect(m.windows.map((w) => [w.kind, w.fromMs, w.endMs])).toEqual([
      ['early', 0, 2500],
      ['hop', 1000, 4000],
      ['hop', 4000, 5000],
    ]);
    expect(m.view(settings, 0).totals).toMatchObject({ windows: 2, analysedMs: 4000 });
    // A negative early window between negative full windows neither counts nor breaks the run.
    m.add({ ...win(3, 5500, 'angry', 0.95, 3000), kind: 'early' });
    expect(m.negativeRun(settings)).toMatchObject({ ms: 4000, windows: 2 });
  });

  it("keeps each window's SNR estimate and says when the line is noisy", () => {
    const m = new StreamModel('s');
    m.start(exampleStreamInfo);
    m.add(win(0, 4000, 'happy', 0.9));
    expect(m.view(settings, 0).current?.snrDb).toBe(exampleEmotion.snrDb);
    m.add({ ...win(1, 5000, 'sad', 0.7), snrDb: 13.6 });
    expect(m.view(settings, 0).current?.snrDb).toBe(13.6);
    const { snrDb: _drop, ...older } = win(2, 6000, 'sad', 0.7);
    m.add(older);
    expect(m.view(settings, 0).current).not.toHaveProperty('snrDb');
    expect(snrText(41.3)).toBe('SNR 41 dB');
    expect(snrText(13.6)).toBe('SNR 14 dB, noisy line: less accurate');
    expect(snrText(NOISY_SNR_DB)).toBe(`SNR ${NOISY_SNR_DB} dB`);
    expect(snrText(undefined)).toBe('');
  });

  it('ignores an emotion it already has (same seq after a reconnect)', () => {
    const m = new StreamModel('s');
    m.start(exampleStreamInfo);
    m.add(win(0, 4000, 'happy', 0.9));
    m.add(win(0, 4000, 'happy', 0.9));
    expect(m.windows).toHaveLength(1);
  });

  it('knows whether someone is speaking from the open segment', () => {
    const m = new StreamModel('s');
    m.start(exampleStreamInfo);
    m.add(exampleSpeechStart);
    expect(m.view(settings, 0).speaking).toBe(true);
    m.add(exampleSpeechEnd);
    const view = m.view(settings, 0);
    expect(view.speaking).toBe(false);
    expect(view.speech).toEqual([
      { segment: 0, startMs: exampleSpeechStart.startMs, endMs: exampleSpeechEnd.endMs },
    ]);
    expect(view.latestMs).toBe(exampleSpeechEnd.detectedMs);
  });

  it('alerts when confident negative windows add up to the configured seconds of speech', () => {
    const m = new StreamModel('s');
    m.start(exampleStreamInfo);
    m.add(win(0, 4000, 'angry', 0.7)); // 3 s
    expect(m.view(settings, 100).alertSince).toBeNull();
    expect(m.negativeRun(settings)).toMatchObject({ ms: 3000, windows: 1, label: 'angry', alerting: false });
    m.add(win(1, 5000, 'sad', 0.65)); // +1 s
    m.add(win(2, 6000, 'angry', 0.9)); // +1 s = 5 s
    const view = m.view(settings, 200);
    expect(view.negative).toMatchObject({ ms: 5000, windows: 3, label: 'angry', peak: 0.9, alerting: true });
    expect(view.alertSince).toBe(200);
    // Still alerting later: the alert keeps the time it was raised.
    m.add(win(3, 7000, 'disgust', 0.61));
    expect(m.view(settings, 300).alertSince).toBe(200);
    // A negative window below the threshold ends the run.
    m.add(win(4, 8000, 'angry', 0.5));
    const after = m.view(settings, 400);
    expect(after.negative).toBeNull();
    expect(after.alertSince).toBeNull();
  });

  it('does not count positive or neutral windows, and does not alert on an ended stream', () => {
    const m = new StreamModel('s');
    m.start(exampleStreamInfo);
    m.add(win(0, 4000, 'angry', 0.9));
    m.add(win(1, 5000, 'happy', 0.9));
    m.add(win(2, 6000, 'angry', 0.9));
    expect(m.negativeRun(settings)).toMatchObject({ ms: 1000, windows: 1 });
    m.add(win(3, 12000, 'fearful', 0.9, 8000)); // credited 4 s: 5 s of negative speech in all
    expect(m.view(settings, 0).alertSince).not.toBeNull();
    m.end(exampleSummary, 1);
    const ended = m.view(settings, 0);
    expect(ended.alertSince).toBeNull();
    expect(ended.final).toBe(exampleSummary);
    expect(ended.totals).toBe(exampleSummary);
  });

  it('replaces its state with a timeline, and keeps the view object until something changes', () => {
    const m = new StreamModel('s');
    m.start(exampleStreamInfo);
    m.add(win(0, 4000, 'angry', 0.9));
    m.replace(exampleStreamInfo, true, [exampleSpeechStart, win(5, 9000, 'happy', 0.8)], true);
    const v1 = m.view(settings, 0);
    expect(v1.windows.map((w) => w.seq)).toEqual([5]);
    expect(v1.truncated).toBe(true);
    expect(m.view(settings, 0)).toBe(v1);
    m.add(win(6, 10000, 'happy', 0.8));
    const v2 = m.view(settings, 0);
    expect(v2).not.toBe(v1);
    expect(v2.rev).toBeGreaterThan(v1.rev);
  });
});
