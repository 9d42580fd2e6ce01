import type { NextConfig } from 'next';

const config: NextConfig = {
  // `npm run check` runs tsc over the whole project; a second, partial check during the build
  // would only slow it down and disagree about files Next.js does not bundle.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
  poweredByHeader: false,
  // Native and driver packages stay plain Node requires in server bundles, never bundled.
  serverExternalPackages: [
    'better-sqlite3',
    'pg',
    '@prisma/adapter-better-sqlite3',
    '@prisma/adapter-pg',
  ],
  turbopack: { root: import.meta.dirname },
};

export default config;
