import { setFlagsFromString } from 'node:v8';

// While the modules load, nearly everything allocated survives, so V8 doubles the young
// generation at each scavenge, up to 2 x 16 MB, and an idle server keeps it (~10 MB of its RSS
// at start). Its growth is held off until the server listens (serve.ts sets V8's default, 2,
// back): load after that grows it as before. docs/operations.md, "Memory".
setFlagsFromString('--semi-space-growth-factor=1');
await import('./serve.ts');
