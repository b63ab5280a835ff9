/** `npm run bench -- inventory`: not written yet. */
export async function run(_argv: string[]): Promise<void> {
  throw new Error('bench inventory: not written yet');
}
