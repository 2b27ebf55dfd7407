import { defineConfig } from 'vite';

// Static files for the API to serve under /console: no CDN, no runtime besides Preact.
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist/web', emptyOutDir: true, target: 'es2022', sourcemap: false },
});
