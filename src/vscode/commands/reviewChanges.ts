/**
 * "Review Sandbox Changes" and the Source Control actions of a review (apply, discard, refresh,
 * close): thin handlers over SandboxReviews (src/vscode/review/sandboxReviews.ts). The review
 * command returns the changes listed; apply and discard return one outcome per file.
 */
import type { ChangeOutcome, FileChange } from '../../core/types';
import type { CommandContext } from './commandContext';
import { requireRunning, resolveSandbox } from './pickSandbox';

export async function reviewChanges(context: CommandContext, sandboxArg?: unknown): Promise<FileChange[] | undefined> {
  const sandbox = await resolveSandbox(context, sandboxArg, { title: 'Review Sandbox Changes' });
  if (!sandbox) return undefined;
  await requireRunning(sandbox, 'review changes');
  return context.reviews.open(sandbox);
}

export function applyReviewChanges(context: CommandContext, ...args: unknown[]): Promise<ChangeOutcome[]> {
  return context.reviews.apply(args);
}

export function discardReviewChanges(context: CommandContext, ...args: unknown[]): Promise<ChangeOutcome[]> {
  return context.reviews.discard(args);
}

export async function refreshReview(context: CommandContext, arg?: unknown): Promise<void> {
  await context.reviews.refresh(arg);
}

export async function closeReview(context: CommandContext, arg?: unknown): Promise<void> {
  context.reviews.close(arg);
}
