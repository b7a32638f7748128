import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { authResultSchema } from '../schemas.ts';
import { login, logout, refresh, register } from '../services/auth.ts';
import { publicProcedure } from '../trpc.ts';

const email = z.email().max(254);
const password = z.string().min(8).max(256);
const refreshToken = z.string().min(1).max(512);

export const authRouter = {
  register: publicProcedure
    .input(z.object({ email, password, displayName: z.string().trim().min(1).max(64) }))
    .output(authResultSchema)
    .mutation(({ ctx, input }) => register(ctx.deps, input)),

  login: publicProcedure
    .input(z.object({ email, password: z.string().min(1).max(256) }))
    .output(authResultSchema)
    .mutation(({ ctx, input }) => login(ctx.deps, input, ctx.ip)),

  refresh: publicProcedure
    .input(z.object({ refreshToken }))
    .output(authResultSchema)
    .mutation(({ ctx, input }) => refresh(ctx.deps, input.refreshToken)),

  logout: publicProcedure
    .input(z.object({ refreshToken }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await logout(ctx.deps, input.refreshToken);
      return { ok: true as const };
    }),
} satisfies TRPCRouterRecord;
