// Bundles src/main.jsx (GraphiQL, React, graphql-ws) into dist/graphiql.js
// and dist/graphiql.css: minified, no source maps, no code split, so that
// the binary embeds exactly two files. Run by `make playground-assets`.
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: { graphiql: 'src/main.jsx' },
  outdir: 'dist',
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['es2020'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'eof',
  logLevel: 'info',
});
