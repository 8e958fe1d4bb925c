import { compareEngineVersions, olderThan, upgradeCommand } from '../../../src/terminal/ops/engine-versions';

describe('engine versions of a global database\'s clusters', () => {
  test.each([
    ['16.8', '16.8', 'same'],
    ['16.8', '16.8.1', 'patch'],
    ['16.6', '16.8', 'minor'],
    ['15.10', '16.8', 'major'],
    ['8.0.mysql_aurora.3.05.2', '8.0.mysql_aurora.3.05.1', 'patch'],
    ['8.0.mysql_aurora.3.04.1', '8.0.mysql_aurora.3.05.1', 'minor'],
  ])('%s vs %s: %s', (a, b, difference) => {
    expect(compareEngineVersions(a, b)).toBe(difference);
    expect(compareEngineVersions(b, a)).toBe(difference);
  });

  test('older is numeric, part by part (16.10 is newer than 16.9)', () => {
    expect(olderThan('16.9', '16.10')).toBe(true);
    expect(olderThan('16.10', '16.9')).toBe(false);
    expect(olderThan('16.8', '16.8.1')).toBe(true);
    expect(olderThan('16.8', '16.8')).toBe(false);
  });

  test('the upgrade command names the cluster, the version and its own region', () => {
    expect(upgradeCommand('transactions-prod-us-east-2', 'us-east-2', '16.8'))
      .toBe('aws rds modify-db-cluster --db-cluster-identifier transactions-prod-us-east-2 --engine-version 16.8 --apply-immediately --region us-east-2');
  });
});
