/** Kept apart from the drivers so that config parsing does not load them. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/resetpw.sqlite';

/** `sqlite:<path>` (relative to the working directory; `sqlite::memory:` for tests) or `postgres://…`. */
export function parseDatabaseUrl(
  url: string,
): { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string } | undefined {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return path ? { engine: 'sqlite', path } : undefined;
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { engine: 'postgres', url };
  return undefined;
}
