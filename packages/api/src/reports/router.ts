import type { TRPCRouterRecord } from '@trpc/server';
import { rest } from '../shared/rest.ts';
import { authedProcedure } from '../trpc.ts';
import { createReport } from './reports.ts';
import { createReportInput, reportReasons, reportReceiptSchema } from './schemas.ts';

export const reportsRouter = {
  create: authedProcedure
    .meta(
      rest('POST', '/reports', 'Report a message or a person to the moderators', {
        description: `Reasons: ${reportReasons.join(', ')}. Only a message or person you can see can be reported.`,
      }),
    )
    .input(createReportInput)
    .output(reportReceiptSchema)
    .mutation(({ ctx, input }) => createReport(ctx.deps, ctx.userId, input)),
} satisfies TRPCRouterRecord;
