// Bundles the peer candidates exactly the way the shipped handler is bundled (.projenrc.ts `bundle` task):
// esbuild, platform node, target node20, CommonJS, minified, no legal comments, no source map, nothing external.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** The esbuild options of the shipped bundle (minus entry and output); bench/profile.mjs uses them too. */
export const ESBUILD_OPTIONS = Object.freeze({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'error',
});

export function bundleCandidate(entry, outfile) {
  mkdirSync(join(outfile, '..'), { recursive: true });
  require('esbuild').buildSync({ ...ESBUILD_OPTIONS, entryPoints: [entry], outfile });
  return outfile;
}
