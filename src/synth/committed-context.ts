import * as fs from 'fs';
import * as path from 'path';

/** Context the CDK CLI would pass: the committed lookups (cdk.context.json). */
export function committedContext(projectDir: string): Record<string, unknown> {
  const file = path.join(projectDir, 'cdk.context.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
}
