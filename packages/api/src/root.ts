import { authRouter } from './routers/auth.ts';
import { broadcastsRouter } from './routers/broadcasts.ts';
import { conversationsRouter } from './routers/conversations.ts';
import { eventsRouter } from './routers/events.ts';
import { filesRouter } from './routers/files.ts';
import { groupsRouter } from './routers/groups.ts';
import { messagesRouter } from './routers/messages.ts';
import { notificationsRouter } from './routers/notifications.ts';
import { presenceRouter } from './routers/presence.ts';
import { typingRouter } from './routers/typing.ts';
import { usersRouter } from './routers/users.ts';
import { createTRPCRouter } from './trpc.ts';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  users: usersRouter,
  conversations: conversationsRouter,
  messages: messagesRouter,
  events: eventsRouter,
  files: filesRouter,
  typing: typingRouter,
  presence: presenceRouter,
  groups: groupsRouter,
  broadcasts: broadcastsRouter,
  notifications: notificationsRouter,
});

export type AppRouter = typeof appRouter;
