import {
  exampleEmotion,
  exampleStreamEnd,
  exampleStreamInfo,
  exampleTimeline,
} from '@emostream/shared/protocol/examples';
import { describe, expect, it } from 'vitest';
import { emotionColor, textOn } from './emotions.ts';
import { sanitizeAlertSettings } from './settings.ts';
import { DashboardStore } from './store.ts';

/** A store whose flushes run when the test says so, with a settable clock. */
function manualStore() {
  const pending: (() => void)[] = [];
  let now = 1_000_000;
  const store = new DashboardStore({ schedule: (f) => pending.push(f), now: () => now });
  return {
    store,
    flush: () => {
      for (const f of pending.splice(0)) f();
    },
    scheduled: () => pending.length,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const info = (streamId: string) => ({ ...exampleStreamInfo, streamId });
const emotion = (streamId: string, seq: number, label = 'angry', confidence = 0.9) => ({
  ...exampleEmotion,
  streamId,
  seq,
  startMs: seq * 1000,
  endMs: seq * 1000 + 3000,
  label,
  confidence,
});

describe('DashboardStore', () => {
  it('batches any number of events into one notification per frame', () => {
    const { store, flush, scheduled } = manualStore();
    let notified = 0;
    store.subscribe(() => notified++);
    const before = store.getSnapshot();
    for (let i = 0; i < 50; i++) store.start(info(`s-${i}`));
    for (let i = 0; i < 50; i++) store.add(emotion(`s-${i}`, 0));
    expect(scheduled()).toBe(1);
    expect(store.getSnapshot()).toBe(before);
    flush();
    expect(notified).toBe(1);
    const after = store.getSnapshot();
    expect(after.streams).toHaveLength(50);
    expect(after.streams.every((v) => v.current?.label === 'angry')).toBe(true);
  });

  it('keeps the view of a stream that did not change, so its row need not re-render', () => {
    const { store, flush } = manualStore();
    store.start(info('a'));
    store.start(info('b'));
    flush();
    const [a1, b1] = store.getSnapshot().streams;
    store.add(emotion('b', 0));
    flush();
    const [a2, b2] = store.getSnapshot().streams;
    expect(a2).toBe(a1);
    expect(b2).not.toBe(b1);
  });

  it('opens an alert episode, then closes it into the history when the stream ends', () => {
    const { store, flush, advance } = manualStore();
    store.setSettings({ threshold: 0.6, seconds: 4 });
    store.start(info('angry-call'));
    store.add(emotion('angry-call', 0));
    store.add(emotion('angry-call', 1));
    flush();
    const open = store.getSnapshot().alerts;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ streamId: 'angry-call', label: 'angry', until: null, ms: 4000 });
    advance(5000);
    store.end({ ...exampleStreamEnd, streamId: 'angry-call' });
    flush();
    const closed = store.getSnapshot().alerts;
    expect(closed).toHaveLength(1);
    expect(closed[0]!.until).toBe(closed[0]!.since + 5000);
  });

  it('re-evaluates alerts when the settings change', () => {
    const { store, flush } = manualStore();
    store.start(info('x'));
    store.add(emotion('x', 0, 'sad', 0.5));
    flush();
    expect(store.getSnapshot().alerts).toHaveLength(0);
    store.setSettings({ threshold: 0.4, seconds: 3 });
    flush();
    expect(store.getSnapshot().alerts.map((a) => a.streamId)).toEqual(['x']);
  });

  it('keeps two settings edits made before the next frame', () => {
    const { store, flush } = manualStore();
    store.setSettings({ threshold: 0.6, seconds: 4 });
    flush();
    // Both edits start from the snapshot's settings, as two inputs of one form do between frames.
    store.updateSettings({ threshold: 0.35 });
    const both = store.updateSettings({ seconds: 2 });
    expect(both).toEqual({ threshold: 0.35, seconds: 2 });
    flush();
    expect(store.getSnapshot().settings).toEqual({ threshold: 0.35, seconds: 2 });
  });

  it('takes a timeline as the whole state of its stream and marks ended ones', () => {
    const { store, flush } = manualStore();
    store.timeline({ ...exampleTimeline, active: false, summary: exampleStreamEnd.summary });
    flush();
    const [view] = store.getSnapshot().streams;
    expect(view).toMatchObject({
      id: exampleTimeline.streamId,
      active: false,
      final: exampleStreamEnd.summary,
    });
  });
});

describe('alert settings', () => {
  it('fall back to defaults or clamp when stored values are missing or out of range', () => {
    expect(sanitizeAlertSettings(null)).toEqual({ threshold: 0.5, seconds: 6 });
    expect(sanitizeAlertSettings({ threshold: 2, seconds: -1 })).toEqual({ threshold: 0.95, seconds: 1 });
    expect(sanitizeAlertSettings({ threshold: '0.7', seconds: 12 })).toEqual({ threshold: 0.5, seconds: 12 });
  });
});

describe('emotion colours', () => {
  it('gives each class of the model its own colour, stable for unknown classes too', () => {
    const classes = [...exampleStreamInfo.model.classes, 'bored', 'excited'];
    const colours = classes.map((c) => emotionColor(c, classes));
    expect(new Set(colours).size).toBe(classes.length);
    expect(emotionColor('bored', classes)).toBe(colours[classes.indexOf('bored')]);
  });

  it('picks readable text on each colour', () => {
    expect(textOn('#f0e442')).toBe('#111111');
    expect(textOn('#0072b2')).toBe('#ffffff');
  });
});
