import { accountRouter } from './account/router.ts';
import { adminRouter } from './admin/router.ts';
import { authRouter } from './auth/router.ts';
import { blocksRouter } from './blocks/router.ts';
import { broadcastsRouter } from './broadcasts/router.ts';
import { conversationsRouter } from './conversations/router.ts';
import { filesRouter } from './files/router.ts';
import { groupsRouter } from './groups/router.ts';
import { eventsRouter } from './live/router.ts';
import { messagesRouter } from './messages/router.ts';
import { notificationsRouter } from './notifications/router.ts';
import { presenceRouter } from './presence/router.ts';
import { typingRouter } from './presence/typing-router.ts';
import { privacyRouter } from './privacy/router.ts';
import { reportsRouter } from './reports/router.ts';
import { createTRPCRouter } from './trpc.ts';
import { usersRouter } from './users/router.ts';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  // One `users` namespace (REST paths under /users), built by several feature folders.
  users: { ...usersRouter, ...blocksRouter, ...privacyRouter, ...accountRouter },
  conversations: conversationsRouter,
  messages: messagesRouter,
  events: eventsRouter,
  files: filesRouter,
  typing: typingRouter,
  presence: presenceRouter,
  groups: groupsRouter,
  broadcasts: broadcastsRouter,
  notifications: notificationsRouter,
  reports: reportsRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
