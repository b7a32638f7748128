export { createDb, type DbDialect, type DbHandle, type DbOptions } from './create-db.ts';
export type { Database, Db, DbOrTx } from './database.ts';
export { dialectOf, pingDb } from './dialect.ts';
export { migrateToLatest } from './migrate.ts';
export {
  type AppendEvent,
  appendEvents,
  lastEventId,
  lockEventLog,
} from './queries/events.ts';
export * from './tables/broadcasts.ts';
export * from './tables/conversations.ts';
export * from './tables/events.ts';
export * from './tables/messages.ts';
export * from './tables/refresh-tokens.ts';
export * from './tables/users.ts';
