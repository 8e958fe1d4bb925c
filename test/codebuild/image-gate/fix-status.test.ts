import { Finding } from '../../../src/codebuild/image-gate/finding';
import { withTrivyFixStatus } from '../../../src/codebuild/image-gate/fix-status';

const ecr = (id: string, fix: Finding['fix'] = 'unknown'): Finding => ({ source: 'ecr', kind: 'vulnerability', id, aliases: [], severity: 'HIGH', fix, pkg: 'perl' });
const trivy = (id: string, fixedVersion?: string): Finding =>
  ({ source: 'trivy', kind: 'vulnerability', id, aliases: [], severity: 'HIGH', fix: fixedVersion ? 'yes' : 'no', fixedVersion, pkg: 'perl-base' });

describe('withTrivyFixStatus', () => {
  test('an unknown ECR fix status takes Trivy\'s answer for the same id', () => {
    const [noFix, fix, unseen] = withTrivyFixStatus([ecr('CVE-1'), ecr('CVE-2'), ecr('CVE-3')], [trivy('CVE-1'), trivy('CVE-2', '1.2.3')]);
    expect([noFix.fix, fix.fix, fix.fixedVersion, unseen.fix]).toEqual(['no', 'yes', '1.2.3', 'unknown']);
    expect(noFix.title).toMatch(/fix status from Trivy/);
  });

  test('a fix for any package of the id makes it fixable', () => {
    expect(withTrivyFixStatus([ecr('CVE-1')], [trivy('CVE-1'), trivy('CVE-1', '2.0')])[0].fix).toBe('yes');
    expect(withTrivyFixStatus([ecr('CVE-1')], [trivy('CVE-1', '2.0'), trivy('CVE-1')])[0].fix).toBe('yes');
  });

  test('known ECR statuses (enhanced scanning) and non-vulnerability Trivy findings are left alone', () => {
    expect(withTrivyFixStatus([ecr('CVE-1', 'yes')], [trivy('CVE-1')])[0].fix).toBe('yes');
    expect(withTrivyFixStatus([ecr('private-key')], [{ ...trivy('private-key'), kind: 'secret' }])[0].fix).toBe('unknown');
  });
});
