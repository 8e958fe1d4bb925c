import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { removeUntouchedFor, writeFileAtomically } from '../../src/shared/cache-files';

const DAY_MS = 24 * 60 * 60 * 1000;

test('writeFileAtomically leaves the file and nothing beside it, replacing what was there', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-files-'));
  const file = path.join(dir, 'entry.json');
  writeFileAtomically(file, '[1]');
  writeFileAtomically(file, '[2]');
  expect(fs.readFileSync(file, 'utf8')).toBe('[2]');
  expect(fs.readdirSync(dir)).toEqual(['entry.json']);
});

test('removeUntouchedFor removes old files and directories, keeps fresh ones and those named or given by path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-files-'));
  const twoDaysAgo = new Date(Date.now() - 2 * DAY_MS);
  for (const name of ['old.json', 'kept-by-name.json', 'fresh.json']) fs.writeFileSync(path.join(dir, name), '{}');
  for (const name of ['old-build', 'kept-build']) fs.mkdirSync(path.join(dir, name, 'inside'), { recursive: true });
  for (const name of ['old.json', 'kept-by-name.json', 'old-build', 'kept-build']) fs.utimesSync(path.join(dir, name), twoDaysAgo, twoDaysAgo);
  removeUntouchedFor(dir, DAY_MS, ['kept-by-name.json', path.join(dir, 'kept-build')]);
  expect(fs.readdirSync(dir).sort()).toEqual(['fresh.json', 'kept-build', 'kept-by-name.json']);
});
