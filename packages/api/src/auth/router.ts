import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { rest } from '../shared/rest.ts';
import { authResultSchema, clientString, nonBlankString } from '../shared/schemas.ts';
import { publicProcedure } from '../trpc.ts';
import { login, logout, refresh, register } from './accounts.ts';
import { requestOtp, verifyOtp } from './otp.ts';

const email = z.email().max(254);
const password = clientString().min(8).max(256);
const refreshToken = clientString().min(1).max(512);

export const authRouter = {
  register: publicProcedure
    .meta(
      rest('POST', '/auth/register', 'Create an account with a password', {
        description: 'At most REGISTER_RATE_LIMIT new accounts per client address per window.',
        errors: { 409: 'This email cannot be registered' },
      }),
    )
    .input(z.strictObject({ email, password, displayName: nonBlankString(64) }))
    .output(authResultSchema)
    .mutation(({ ctx, input }) => register(ctx.deps, input, ctx.ip)),

  login: publicProcedure
    .meta(
      rest('POST', '/auth/login', 'Log in with email and password', {
        errors: { 401: 'Invalid email or password' },
      }),
    )
    .input(z.strictObject({ email, password: clientString().min(1).max(256) }))
    .output(authResultSchema)
    .mutation(({ ctx, input }) => login(ctx.deps, input, ctx.ip)),

  refresh: publicProcedure
    .meta(
      rest('POST', '/auth/refresh', 'Rotate a refresh token for new tokens', {
        errors: { 401: 'Invalid, expired or reused refresh token' },
      }),
    )
    .input(z.strictObject({ refreshToken }))
    .output(authResultSchema)
    .mutation(({ ctx, input }) => refresh(ctx.deps, input.refreshToken)),

  logout: publicProcedure
    .meta(rest('POST', '/auth/logout', 'End the login a refresh token belongs to'))
    .input(z.strictObject({ refreshToken }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await logout(ctx.deps, input.refreshToken);
      return { ok: true as const };
    }),

  /** Emails a sign-in code. Same answer whether or not the address has an account. */
  requestOtp: publicProcedure
    .meta(
      rest('POST', '/auth/otp', 'Email a one-time sign-in code', {
        description: 'The same answer whether or not the address has an account.',
        errors: {
          412: 'Sign-in by email code is not available on this server',
          500: 'The code could not be sent',
        },
      }),
    )
    .input(z.strictObject({ email }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx, input }) => requestOtp(ctx.deps, input, ctx.ip)),

  /** Signs in with the code; an address without an account gets one (`displayName` or derived). */
  verifyOtp: publicProcedure
    .meta(
      rest('POST', '/auth/otp/verify', 'Sign in, or sign up, with an emailed code', {
        errors: { 401: 'Invalid or expired code' },
      }),
    )
    .input(
      z.strictObject({
        email,
        code: clientString().regex(/^\d{6}$/, 'must be 6 digits'),
        displayName: nonBlankString(64).optional(),
      }),
    )
    .output(authResultSchema)
    .mutation(({ ctx, input }) => verifyOtp(ctx.deps, input, ctx.ip)),
} satisfies TRPCRouterRecord;
