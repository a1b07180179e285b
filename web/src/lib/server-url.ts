/**
 * Where the streaming server is. In production the server serves this dashboard itself, so it is the
 * page's own origin; during `next dev` set `NEXT_PUBLIC_SERVER_URL` (e.g. `http://127.0.0.1:8080`).
 */
export function serverUrl(): string {
  const configured = process.env.NEXT_PUBLIC_SERVER_URL;
  if (configured) return configured.replace(/\/+$/, '');
  return window.location.origin;
}
