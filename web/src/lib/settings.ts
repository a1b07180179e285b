/**
 * Alert settings persisted in localStorage, validated on read (a stale or edited value falls back to
 * the default instead of breaking the page).
 */
import { type AlertSettings, defaultAlertSettings } from './stream-model.ts';

const KEY = 'emostream.alertSettings.v1';

/** Bounds of the settings the UI offers. */
export const ALERT_BOUNDS = Object.freeze({
  threshold: { min: 0.3, max: 0.95, step: 0.05 },
  seconds: { min: 1, max: 120, step: 1 },
});

function clamp(value: unknown, bounds: { min: number; max: number }, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value)
    ? Math.min(bounds.max, Math.max(bounds.min, value))
    : fallback;
}

/** Normalises any value into valid settings. */
export function sanitizeAlertSettings(value: unknown): AlertSettings {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return {
    threshold: clamp(v.threshold, ALERT_BOUNDS.threshold, defaultAlertSettings.threshold),
    seconds: clamp(v.seconds, ALERT_BOUNDS.seconds, defaultAlertSettings.seconds),
  };
}

export function loadAlertSettings(): AlertSettings {
  try {
    const raw = window.localStorage.getItem(KEY);
    return sanitizeAlertSettings(raw === null ? null : JSON.parse(raw));
  } catch {
    return { ...defaultAlertSettings };
  }
}

export function saveAlertSettings(settings: AlertSettings): void {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(sanitizeAlertSettings(settings)));
  } catch {
    // Storage may be disabled (private mode, quota): the settings then last for this page only.
  }
}
