/** `npm run bench -- patch`: not written yet. */
export async function run(_argv: string[]): Promise<void> {
  throw new Error('bench patch: not written yet');
}
