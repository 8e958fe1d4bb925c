import * as fs from 'fs';
import { ConfigError, parseConfig, SAMPLE_CONFIG_PATH } from '../../src/config/load-config';

/** The sample config file as raw JSON, to edit in a test. */
export const sample = (): any => JSON.parse(fs.readFileSync(SAMPLE_CONFIG_PATH, 'utf8'));

/** The problems reported for the sample config changed by `edit` (fails when it is accepted). */
export function problemsOf(edit: (c: any) => void): string[] {
  const c = sample();
  edit(c);
  try {
    parseConfig(c, 'edited.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected the config to be rejected');
}
