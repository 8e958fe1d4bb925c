/** Stops the server started by global-setup.ts and deletes its data. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEST_POSTGRES__?.stop();
}
