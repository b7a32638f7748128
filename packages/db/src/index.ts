export {
  createDb,
  type DbDialect,
  type DbHandle,
  type DbOptions,
  preparedPerConnection,
  type SqliteConnection,
} from './create-db.ts';
export type { Database, Db, DbOrTx } from './database.ts';
export { dialectOf, pingDb } from './dialect.ts';
export { newId, nextIds, pooledRandom } from './ids.ts';
export { migrateTo, migrateToLatest, migrationNames } from './migrate.ts';
export {
  type AppendEvent,
  allocateEventIds,
  appendEvents,
  insertEvents,
  isDeadlock,
  latestEventId,
  lockEventLog,
  serializeWriters,
} from './queries/events.ts';
export {
  catchUpSearchIndex,
  type MessageSearch,
  searchMessages,
  searchQuery,
  searchTerms,
} from './queries/search.ts';
export {
  attachOffThreadReader,
  createOffThreadReader,
  type OffThreadReader,
  offThreadReaderOf,
  readOffMainThread,
} from './reader.ts';
export * from './tables/administration.ts';
export * from './tables/broadcasts.ts';
export * from './tables/conversations.ts';
export * from './tables/email-codes.ts';
export * from './tables/events.ts';
export * from './tables/files.ts';
export * from './tables/messages.ts';
export * from './tables/notifications.ts';
export * from './tables/refresh-tokens.ts';
export * from './tables/users.ts';
export * from './tables/webhooks.ts';
