import { z } from 'zod';
import { FixAvailable, Finding, Severity, isSeverity } from './finding';
import { issuePath } from './issue-path';
import { InputError } from '../../shared/cli/errors';

/**
 * One page of an ECR DescribeImageScanFindings response, as the SDK returns it or as
 * `aws ecr describe-image-scan-findings` prints it. Timestamps may be Date or string.
 *
 * Basic scanning fills `findings[]` (no fix information: each finding's fix status is
 * `unknown`, which the decision treats as fixable). Enhanced scanning (Amazon Inspector)
 * fills `enhancedFindings[]` with `fixAvailable` YES | NO | PARTIAL.
 */
const attribute = z.looseObject({ key: z.string(), value: z.string().optional() });

const basicFinding = z.looseObject({
  name: z.string().min(1),
  severity: z.string().optional(),
  description: z.string().optional(),
  attributes: z.array(attribute).optional(),
});

const vulnerablePackage = z.looseObject({
  name: z.string().optional(),
  version: z.string().optional(),
  fixedInVersion: z.string().optional(),
  filePath: z.string().optional(),
});

const enhancedFinding = z.looseObject({
  severity: z.string().optional(),
  status: z.string().optional(),
  title: z.string().optional(),
  fixAvailable: z.string().optional(),
  packageVulnerabilityDetails: z.looseObject({
    vulnerabilityId: z.string().min(1),
    vulnerablePackages: z.array(vulnerablePackage).optional(),
  }),
});

/** Schema of one DescribeImageScanFindings response page (the fields the gate reads). */
export const ecrScanPageSchema = z.looseObject({
  imageScanStatus: z.looseObject({ status: z.string().optional(), description: z.string().optional() }).optional(),
  imageScanFindings: z.looseObject({
    findingSeverityCounts: z.record(z.string(), z.number().int().min(0)).optional(),
    findings: z.array(basicFinding).optional(),
    enhancedFindings: z.array(enhancedFinding).optional(),
  }).optional(),
  nextToken: z.string().optional(),
});

/** A validated response page. */
export type EcrScanPage = z.infer<typeof ecrScanPageSchema>;

/** Validate one response page; throws InputError naming the field. */
export function parseEcrScanPage(raw: unknown, source = 'DescribeImageScanFindings response'): EcrScanPage {
  const parsed = ecrScanPageSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InputError(`${source} is malformed:\n${parsed.error.issues.slice(0, 10).map((i) => `  - ${issuePath(i.path)}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}

/** ECR severities are ours, except UNDEFINED/UNTRIAGED (and anything new) which become UNKNOWN. */
export function ecrSeverity(value: string | undefined): Severity {
  return value !== undefined && isSeverity(value) ? value : 'UNKNOWN';
}

function enhancedFix(value: string | undefined): FixAvailable {
  switch (value) {
    case 'YES': return 'yes';
    case 'NO': return 'no';
    case 'PARTIAL': return 'partial';
    default: return 'unknown';
  }
}

/**
 * Findings of one page. Enhanced findings with status CLOSED (remediated) are skipped;
 * ACTIVE and SUPPRESSED ones count, because exceptions belong in the allowlist, where they
 * carry a statement and an expiry, not in an Inspector suppression rule.
 */
export function ecrPageFindings(page: EcrScanPage): Finding[] {
  const basic = (page.imageScanFindings?.findings ?? []).map((f): Finding => {
    const attr = (key: string) => f.attributes?.find((a) => a.key === key)?.value;
    return {
      source: 'ecr',
      kind: 'vulnerability',
      id: f.name,
      aliases: [],
      severity: ecrSeverity(f.severity),
      fix: 'unknown',
      pkg: attr('package_name'),
      installedVersion: attr('package_version'),
      title: f.description?.split('\n')[0],
    };
  });
  const enhanced = (page.imageScanFindings?.enhancedFindings ?? []).filter((f) => f.status !== 'CLOSED').map((f): Finding => {
    const pkgs = f.packageVulnerabilityDetails.vulnerablePackages ?? [];
    const fixed = pkgs.map((p) => p.fixedInVersion).filter((v): v is string => !!v && v !== 'NotAvailable');
    return {
      source: 'ecr',
      kind: 'vulnerability',
      id: f.packageVulnerabilityDetails.vulnerabilityId,
      aliases: [],
      severity: ecrSeverity(f.severity),
      fix: enhancedFix(f.fixAvailable),
      fixedVersion: fixed.length ? fixed.join(', ') : undefined,
      pkg: pkgs.map((p) => p.name).filter(Boolean).join(', ') || undefined,
      installedVersion: pkgs.map((p) => p.version).filter(Boolean).join(', ') || undefined,
      path: pkgs.find((p) => p.filePath)?.filePath,
      title: f.title,
    };
  });
  return [...basic, ...enhanced];
}

/** Raw ECR severity counts of the findings (for comparison with findingSeverityCounts). */
export function rawSeverityCounts(page: EcrScanPage): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of page.imageScanFindings?.findings ?? []) counts[f.severity ?? 'UNDEFINED'] = (counts[f.severity ?? 'UNDEFINED'] ?? 0) + 1;
  for (const f of page.imageScanFindings?.enhancedFindings ?? []) counts[f.severity ?? 'UNDEFINED'] = (counts[f.severity ?? 'UNDEFINED'] ?? 0) + 1;
  return counts;
}
