/** `npm run bench -- automation`: not written yet. */
export async function run(_argv: string[]): Promise<void> {
  throw new Error('bench automation: not written yet');
}
