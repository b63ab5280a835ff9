/** `npm run bench -- windows`: not written yet. */
export async function run(_argv: string[]): Promise<void> {
  throw new Error('bench windows: not written yet');
}
