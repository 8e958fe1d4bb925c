import { ecrCalls } from './fixtures';
import { ecrPageFindings, ecrSeverity, parseEcrScanPage } from '../../../src/codebuild/image-gate/ecr-findings';
import { InputError } from '../../../src/shared/cli/errors';

const page = (name: string, i: number) => parseEcrScanPage((ecrCalls(name)[i] as { response: unknown }).response);

describe('ECR DescribeImageScanFindings parsing', () => {
  test('basic findings: CVE id, package attributes, fix status unknown (basic scanning has no fix data)', () => {
    expect(ecrPageFindings(page('scan-in-progress-then-complete', 2))).toEqual([
      expect.objectContaining({ source: 'ecr', kind: 'vulnerability', id: 'CVE-2023-31484', severity: 'HIGH', fix: 'unknown', pkg: 'perl', installedVersion: '5.36.0-7+deb12u1' }),
    ]);
  });

  test('enhanced findings: vulnerabilityId, fixAvailable YES/NO, fixed versions and packages', () => {
    expect(ecrPageFindings(page('scan-enhanced', 0)).map((f) => [f.id, f.severity, f.fix, f.fixedVersion, f.pkg])).toEqual([
      ['CVE-2023-31484', 'HIGH', 'no', undefined, 'perl'],
      ['CVE-2024-21538', 'HIGH', 'yes', '7.0.5', 'cross-spawn'],
      ['CVE-2024-4067', 'MEDIUM', 'yes', '4.0.8', 'micromatch'],
    ]);
  });

  test('enhanced PARTIAL is partial; CLOSED findings are skipped; SUPPRESSED ones still count', () => {
    const base = { severity: 'HIGH', packageVulnerabilityDetails: { vulnerabilityId: 'CVE-1' } };
    const p = parseEcrScanPage({
      imageScanStatus: { status: 'ACTIVE' },
      imageScanFindings: {
        enhancedFindings: [
          { ...base, fixAvailable: 'PARTIAL', status: 'ACTIVE' },
          { ...base, fixAvailable: 'YES', status: 'CLOSED' },
          { ...base, status: 'SUPPRESSED' },
        ],
      },
    });
    expect(ecrPageFindings(p).map((f) => f.fix)).toEqual(['partial', 'unknown']);
  });

  test('severities: ECR names map to ours, UNDEFINED/UNTRIAGED/missing become UNKNOWN', () => {
    expect(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED', 'UNTRIAGED', undefined].map(ecrSeverity))
      .toEqual(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
  });

  test('SDK-shaped responses (Date timestamps, $metadata) are accepted', () => {
    const p = parseEcrScanPage({ $metadata: { httpStatusCode: 200 }, imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { imageScanCompletedAt: new Date(), findings: [] } });
    expect(ecrPageFindings(p)).toEqual([]);
  });

  test('a malformed response fails closed naming the field', () => {
    const raw = (ecrCalls('scan-malformed')[0] as { response: unknown }).response;
    expect(() => parseEcrScanPage(raw)).toThrow(InputError);
    expect(() => parseEcrScanPage(raw)).toThrow(/imageScanFindings\.findings/);
  });
});
