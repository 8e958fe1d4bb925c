import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../shared/cli/errors';

/**
 * The cloud assembly a terminal command reads (guard, policy, pipeline report): the absolute
 * path of `given` (default cdk.out), or {@link InputError} when `npx projen synth` has not
 * written one there.
 */
export function cloudAssemblyDir(given: string | undefined): string {
  const dir = path.resolve(given ?? 'cdk.out');
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) throw new InputError(`no cloud assembly at ${dir}: run \`npx projen synth\` first`);
  return dir;
}
