import { AppError, asAppError, ErrorCode } from '../errors.js';
import type { AdminDirectory } from '../ports/index.js';

/**
 * Why `userId` may not proceed, or undefined if they may. A check that cannot be made is itself a refusal:
 * fail closed.
 */
export async function adminRefusal(
  directory: AdminDirectory,
  userId: string,
  options: { fresh?: boolean } = {},
): Promise<AppError | undefined> {
  try {
    if (await directory.isAdmin(userId, options)) return undefined;
    return new AppError(ErrorCode.NotAdmin, 'Caller is not an admin');
  } catch (err) {
    return asAppError(err);
  }
}
