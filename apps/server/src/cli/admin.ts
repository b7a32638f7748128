import { migrateToLatest, newId } from '@parley/db';
import { databaseFrom } from '../adapters/select.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import type { Command } from './main.ts';

// `pnpm parley admin grant <email>` / `pnpm parley admin revoke <email>`: the operator's way to
// name admins, against the database the server's configuration points at (DATABASE_URL, or the
// SQLite file in DATA_DIR). Every change is written to the audit log with no actor.

const USAGE = 'usage: parley admin grant <email> | parley admin revoke <email>';

async function setRole(email: string, role: 'admin' | 'user'): Promise<number> {
  const config = loadConfig();
  const handle = databaseFrom(config, createLogger('silent'));
  try {
    await migrateToLatest(handle.db);
    const normalized = email.trim().toLowerCase();
    return await handle.db.transaction().execute(async (trx) => {
      const user = await trx
        .selectFrom('users')
        .select(['id', 'kind'])
        .where('email', '=', normalized)
        .executeTakeFirst();
      if (!user || user.kind === 'bot') {
        console.error(`No account with the email ${normalized}`);
        return 1;
      }
      await trx.updateTable('users').set({ role }).where('id', '=', user.id).execute();
      await trx
        .insertInto('audit_log')
        .values({
          id: newId(),
          actor_id: null,
          action: 'user.role_changed',
          target_type: 'user',
          target_id: user.id,
          details: JSON.stringify({ role, via: 'cli' }),
          created_at: new Date().toISOString(),
        })
        .execute();
      const note =
        role === 'user' && config.ADMIN_EMAILS.includes(normalized)
          ? ' (still an admin while listed in ADMIN_EMAILS)'
          : '';
      console.log(`${normalized} is now ${role === 'admin' ? 'an admin' : 'a user'}${note}`);
      return 0;
    });
  } finally {
    // SQLite: close the connection and let process.exit end the checkpoint worker (stopping it
    // gracefully waits on a worker a one-shot command barely started).
    if (handle.sqlite) handle.sqlite.close();
    else await handle.destroy();
  }
}

export const command: Command = {
  summary: 'name or remove server admins: admin grant <email> | admin revoke <email>',
  usage: USAGE,
  async run(args) {
    const [action, email, ...rest] = args;
    if ((action !== 'grant' && action !== 'revoke') || !email || rest.length) {
      console.error(USAGE);
      return 64; // EX_USAGE
    }
    return setRole(email, action === 'grant' ? 'admin' : 'user');
  },
};
