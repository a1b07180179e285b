/**
 * Progress with ETA for long jobs (feature caching, training, evaluation, bulk analysis). A bar on a
 * terminal; on a pipe or in CI, a line every few seconds so logs stay readable.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Advances by `n` and updates the extra fields shown after the bar. */
  tick(n?: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

function fmtEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Starts a progress display for `total` steps labelled `label`. Silent when `quiet`. */
export function progress(label: string, total: number, opts: { quiet?: boolean } = {}): Progress {
  if (opts.quiet) return { tick() {}, stop() {} };
  const started = Date.now();
  let done = 0;
  let extra: Record<string, string | number> = {};
  const fieldText = () =>
    Object.entries(extra)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
      .join('  ');
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% {value}/{total} ETA {eta_formatted} {fields}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { fields: '' });
    return {
      tick(n = 1, fields) {
        done += n;
        if (fields) extra = { ...extra, ...fields };
        bar.update(done, { fields: fieldText() });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let lastPrint = 0;
  const print = () => {
    const elapsed = (Date.now() - started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
    const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '100';
    process.stderr.write(
      `${label}: ${done}/${total} (${pct}%) elapsed ${fmtEta(elapsed)} ETA ${fmtEta(eta)} ${fieldText()}\n`,
    );
  };
  return {
    tick(n = 1, fields) {
      done += n;
      if (fields) extra = { ...extra, ...fields };
      const now = Date.now();
      if (now - lastPrint > 5000 || done >= total) {
        lastPrint = now;
        print();
      }
    },
    stop() {
      if (done < total) print();
    },
  };
}
