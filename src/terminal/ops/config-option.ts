import * as path from 'path';
import { SAMPLE_CONFIG_PATH } from '../../config/load-config';

/**
 * The `--config` option of the ops commands (bootstrap, doctor, failover). The config file
 * follows the convention of src/main.ts: `--config path` (or `--config=path`), else
 * $DELIVERY_CONFIG, else the sample config.
 */
export const CONFIG_OPTION = { config: { type: 'string', hint: 'path/to/delivery.json' } } as const;

/** Absolute path of the delivery config to read. */
export function configPathOf(given: string | undefined, env: NodeJS.ProcessEnv): string {
  const chosen = given ?? env.DELIVERY_CONFIG;
  return chosen ? path.resolve(chosen) : SAMPLE_CONFIG_PATH;
}
