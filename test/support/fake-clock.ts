/**
 * A fake clock for the polling steps (ECR scan wait, replication wait, bake): `sleep` advances
 * time at once and records each pause, `log` collects the lines. Spread `options` into the call.
 */
export function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  const log: string[] = [];
  return {
    sleeps,
    log,
    elapsed: () => t,
    options: {
      now: () => t,
      sleep: async (ms: number) => { sleeps.push(ms); t += ms; },
      log: (line: string) => { log.push(line); },
    },
  };
}
