import { expect } from 'vitest';
import { AppError } from '../../src/errors.js';

/** The AppError `work` rejects with (failing the test if it resolves, or rejects with anything else). */
export async function appErrorOf(work: Promise<unknown>): Promise<AppError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}
