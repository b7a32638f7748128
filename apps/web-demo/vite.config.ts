import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `pnpm --filter @parley/web-demo dev` serves the demo with hot reload against a server on :3000.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/trpc': { target: 'http://localhost:3000', ws: true },
      '/api': 'http://localhost:3000',
      '/dev': 'http://localhost:3000',
    },
  },
});
