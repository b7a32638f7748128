import { defineConfig } from 'vite';

export default defineConfig({
  server: {
    proxy: {
      '/trpc': { target: 'http://localhost:3000', ws: true },
      '/health': 'http://localhost:3000',
    },
  },
});
