export { type Config, ConfigError, loadConfig } from './config.ts';
export { type ParleyServer, type StartOptions, startServer } from './server.ts';
