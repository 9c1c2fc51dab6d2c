// Bundles the peer candidates exactly the way the shipped handler is bundled (.projenrc.ts `bundle` task):
// esbuild, platform node, target node20, CommonJS, minified, no legal comments, no source map, nothing external.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

export function bundleCandidate(entry, outfile) {
  mkdirSync(join(outfile, '..'), { recursive: true });
  const esbuild = require('esbuild');
  esbuild.buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'error',
  });
  return outfile;
}
