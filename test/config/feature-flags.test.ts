import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FeatureFlagsError, KILL_SWITCH_FLAG, loadFeatureFlags, parseFeatureFlags } from '../../src/config/feature-flags';
import { REPO_ROOT } from '../support/repo-root';

describe('config/feature-flags.json', () => {
  const doc = () => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'config', 'feature-flags.json'), 'utf8'));

  test('the repository\'s file is a valid AppConfig feature-flag document whose kill switch is off (the safe default)', () => {
    const flags = loadFeatureFlags(REPO_ROOT);
    expect(flags.version).toBe('1');
    expect(flags.values[KILL_SWITCH_FLAG]).toEqual({ enabled: false, retry_after_seconds: 60 });
  });

  test.each([
    ['no kill switch', (d: any) => { delete d.flags[KILL_SWITCH_FLAG]; delete d.values[KILL_SWITCH_FLAG]; }, /^flags\.transactions_kill_switch: is missing: the service reads this flag/],
    ['a flag without value', (d: any) => { d.flags.new_checkout = { name: 'New checkout' }; }, /^values\.new_checkout: is missing: every flag needs its value/],
    ['a value without flag', (d: any) => { d.values.ghost = { enabled: true }; }, /^values\.ghost: has no definition in "flags"/],
    ['a bad key', (d: any) => { d.flags['New-Checkout'] = { name: 'x' }; d.values['New-Checkout'] = { enabled: true }; }, /is not an AppConfig flag key: start with a lowercase letter/],
    ['enabled as a string', (d: any) => { d.values[KILL_SWITCH_FLAG].enabled = 'false'; }, /^values\.transactions_kill_switch\.enabled: must be true or false \(without quotes\)/],
    ['Retry-After out of range', (d: any) => { d.values[KILL_SWITCH_FLAG].retry_after_seconds = 0; }, /^values\.transactions_kill_switch\.retry_after_seconds: must be a whole number of seconds from 1 to 3600/],
    ['another version', (d: any) => { d.version = '2'; }, /^version: must be "1"/],
    ['an unknown top-level key', (d: any) => { d.flag = {}; }, /^\(root\): unknown key\(s\) "flag": AppConfig's feature-flag document has only "version", "flags" and "values"/],
  ])('%s is refused, naming the field and the fix', (_name, edit, message) => {
    const d = doc();
    edit(d);
    expect(() => parseFeatureFlags(d, 'edited.json')).toThrow(FeatureFlagsError);
    try {
      parseFeatureFlags(d, 'edited.json');
    } catch (e) {
      expect((e as FeatureFlagsError).problems).toContainEqual(expect.stringMatching(message));
      expect((e as Error).message).toMatch(/^Invalid feature flags edited\.json:/);
    }
  });

  test('a missing or broken file says which and how to fix it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flags-'));
    expect(() => loadFeatureFlags(dir)).toThrow(/cannot be read .*restore config\/feature-flags\.json from git/);
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config', 'feature-flags.json'), '{ "version": ');
    expect(() => loadFeatureFlags(dir)).toThrow(/is not valid JSON/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
