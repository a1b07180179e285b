/**
 * Static export: the streaming server serves `out/` itself (`/stream` from `stream.html`), so there is
 * no Node server behind the pages and no dynamic route segment (stream ids go in the query string).
 *
 * @type {import('next').NextConfig}
 */
const config = {
  output: 'export',
  trailingSlash: false,
  // The shared package is TypeScript source with `.ts` import extensions.
  transpilePackages: ['@emostream/shared'],
};

export default config;
