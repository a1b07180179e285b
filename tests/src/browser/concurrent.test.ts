/**
 * The overview with several concurrent live calls (real speech from eight RAVDESS actors, streamed
 * in real time from the Node SDK): every call is listed with its metadata and analysed windows,
 * sorting and the emotion filter work on live data, and a screenshot at laptop size is saved for
 * people to look at (`tests/artifacts/overview-concurrent.png`).
 */
import type { RunningServer } from '@emostream/server/app';
import { hasData } from '@emostream/shared/testing/corpus';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  artifact,
  call,
  hasChromium,
  launchChromium,
  type SdkStream,
  startDashboardServer,
  streamFromSdk,
  until,
} from './browser-harness.ts';

/** Actor, utterances (RAVDESS stems without the actor) and metadata of each call. */
const CALLS: [number, string[], Record<string, string>][] = [
  [
    1,
    ['03-01-05-02-01-01', '03-01-05-02-02-01', '03-01-05-02-01-02', '03-01-05-02-02-02', '03-01-05-01-01-01'],
    { agent: 'A-12', queue: 'billing' },
  ],
  [
    2,
    ['03-01-01-01-01-01', '03-01-01-01-02-01', '03-01-02-01-01-01', '03-01-02-02-02-01', '03-01-01-01-01-02'],
    { agent: 'A-07', queue: 'support' },
  ],
  [
    3,
    ['03-01-03-02-01-01', '03-01-03-02-02-01', '03-01-03-01-01-02', '03-01-08-02-01-01', '03-01-03-02-01-02'],
    { agent: 'A-03', queue: 'sales' },
  ],
  [
    4,
    ['03-01-04-02-01-01', '03-01-04-02-02-01', '03-01-04-01-01-01', '03-01-04-01-02-02', '03-01-04-02-01-02'],
    { agent: 'A-21', queue: 'support' },
  ],
  [
    5,
    ['03-01-06-02-01-01', '03-01-06-02-02-01', '03-01-06-01-01-01', '03-01-06-02-01-02', '03-01-06-02-02-02'],
    { agent: 'A-09', queue: 'claims' },
  ],
  [
    6,
    ['03-01-07-02-01-01', '03-01-07-02-02-01', '03-01-07-01-01-02', '03-01-01-01-01-02', '03-01-07-02-01-02'],
    { agent: 'A-15', queue: 'billing' },
  ],
  [
    7,
    ['03-01-01-01-01-01', '03-01-03-01-01-01', '03-01-01-01-02-02', '03-01-02-01-02-01', '03-01-01-01-02-01'],
    { agent: 'A-04', queue: 'sales' },
  ],
  [
    9,
    ['03-01-05-01-01-01', '03-01-05-02-01-02', '03-01-05-02-02-01', '03-01-05-02-02-02', '03-01-05-01-02-01'],
    { agent: 'A-18', queue: 'claims' },
  ],
];

describe.runIf(hasData && hasChromium)('overview with concurrent calls', () => {
  let srv: RunningServer;
  let browser: Browser;
  const streams: SdkStream[] = [];

  beforeAll(async () => {
    srv = await startDashboardServer();
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await Promise.all(streams.map((s) => s.client.close().catch(() => undefined)));
    await browser?.close();
    await srv?.close();
  });

  it('lists every live call with its emotion, speech state and last minute; sorts and filters', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${srv.url}/`);
    await page.waitForSelector('[data-connection="live"]');
    // An agent makes alerts more sensitive; the settings are kept in localStorage.
    await page.getByLabel('Min. confidence').fill('0.35');
    await page.getByLabel('For (s of speech)').fill('4');
    await page.getByLabel('For (s of speech)').blur();
    // The settings re-render asynchronously: under load the first read can still show the old text.
    const alertsText = async () => (await page.getByTestId('alerts').textContent()) ?? '';
    await until('the alert settings to show the new threshold and duration', async () => {
      const text = await alertsText();
      return text.includes('confidence ≥ 0.35') && text.includes('for at least 4 s of speech');
    });

    const audio = await Promise.all(CALLS.map(([actor, stems]) => call(actor, stems, 500)));
    for (const [i, [, , metadata]] of CALLS.entries()) {
      streams.push(
        await streamFromSdk(srv.url, audio[i]!, {
          streamId: `call-${4101 + i * 17}`,
          metadata: { ...metadata, customer: `C-${90210 + i * 311}` },
          speed: 1,
        }),
      );
    }

    const rows = page.locator('tbody tr[data-stream-id]');
    await until(
      'every call listed with four analysed windows',
      async () => {
        const windows = await rows.evaluateAll((els) =>
          els.map((e) => Number(e.getAttribute('data-windows'))),
        );
        return windows.length === CALLS.length && windows.every((n) => n >= 4);
      },
      30_000,
    );
    await expect(page.getByTestId('overview').getAttribute('data-live')).resolves.toBe(String(CALLS.length));
    for (const [, , metadata] of CALLS) {
      await expect(page.locator('tbody').textContent()).resolves.toContain(`agent: ${metadata.agent}`);
    }
    await page.screenshot({ path: artifact('overview-concurrent.png') });

    // Sort by stream id, descending, with the column header button.
    const header = page.getByRole('button', { name: /^Stream/ });
    await header.click();
    await header.click();
    const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-stream-id')));
    expect(ids).toEqual([...ids].sort().reverse());
    await expect(page.locator('th[aria-sort="descending"]').textContent()).resolves.toContain('Stream');

    // Filter by the current emotion of the first row: only rows with that emotion remain.
    const label = (await rows.first().getAttribute('data-emotion'))!;
    await page.getByLabel('Emotion', { exact: true }).selectOption(label);
    const shown = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-emotion')));
    expect(shown.length).toBeGreaterThanOrEqual(1);
    expect(new Set(shown)).toEqual(new Set([label]));
    await page.getByLabel('Emotion', { exact: true }).selectOption('');

    // Alert settings survive a reload.
    await page.reload();
    await page.waitForSelector('[data-connection="live"]');
    await expect(page.getByLabel('Min. confidence').inputValue()).resolves.toBe('0.35');
    await expect(page.getByLabel('For (s of speech)').inputValue()).resolves.toBe('4');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
