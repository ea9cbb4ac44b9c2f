import { expect } from "vitest";

/** Assert that `p` rejects with a KernelError-shaped error carrying `code` (and `path`, if given). */
export async function rejectsWith(p: Promise<unknown>, code: string, path?: string): Promise<Error & { code: string }> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected a rejection with ${code}`).toBeInstanceOf(Error);
  const e = err as Error & { code: string; path?: string };
  expect(e.code).toBe(code);
  expect(e.message).toContain(code);
  if (path !== undefined) {
    expect(e.path).toBe(path);
    expect(e.message).toContain(path);
  }
  return e;
}

export const text = (b: Uint8Array) => new TextDecoder().decode(b);
