import { EcrScanPage, ecrPageFindings, parseEcrScanPage, rawSeverityCounts } from './ecr-findings';
import { Finding } from './finding';
import { EcrScanClient } from './image-gate-clients';
import { DeadlinePollOptions } from '../../shared/polling';

/** Statuses after which findings are final (basic: COMPLETE; enhanced: ACTIVE). */
const DONE = new Set(['COMPLETE', 'ACTIVE']);
/** Statuses worth waiting on. */
const WAITING = new Set(['IN_PROGRESS', 'PENDING']);

/** Options of {@link waitForEcrScan}. */
export interface WaitForEcrScanOptions extends DeadlinePollOptions {
  readonly client: EcrScanClient;
  readonly repositoryName: string;
  /** `sha256:...` of the pushed image: the gate judges these exact bytes. */
  readonly imageDigest: string;
  readonly registryId?: string;
}

/** The scan finished and its findings are complete and consistent. */
export interface EcrScanDone {
  readonly ok: true;
  readonly status: string;
  readonly findings: Finding[];
  /** findingSeverityCounts as ECR reported them (raw ECR severity names). */
  readonly severityCounts: Record<string, number>;
  /** Number of reads (each read = all pages). */
  readonly reads: number;
}

/** The scan cannot be trusted to pass: failed, unsupported image, or timed out. Fail closed. */
export interface EcrScanNotDone {
  readonly ok: false;
  readonly reason: string;
  readonly reads: number;
}

interface Read {
  readonly status: string;
  readonly description?: string;
  readonly hasFindings: boolean;
  readonly pages: EcrScanPage[];
  readonly counts: Record<string, number>;
  readonly findings: Finding[];
}

async function readAll(opts: WaitForEcrScanOptions): Promise<Read> {
  const pages: EcrScanPage[] = [];
  let nextToken: string | undefined;
  do {
    let raw: unknown;
    try {
      raw = await opts.client.describeImageScanFindings({
        repositoryName: opts.repositoryName,
        imageId: { imageDigest: opts.imageDigest },
        ...(opts.registryId ? { registryId: opts.registryId } : {}),
        ...(nextToken ? { nextToken } : {}),
      });
    } catch (e) {
      if ((e as { name?: unknown }).name === 'ScanNotFoundException') {
        return { status: 'SCAN_NOT_FOUND', description: 'scan not started yet', hasFindings: false, pages: [], counts: {}, findings: [] };
      }
      throw e;
    }
    const page = parseEcrScanPage(raw);
    pages.push(page);
    nextToken = page.nextToken;
  } while (nextToken);
  const first = pages[0];
  const counts = Object.fromEntries(Object.entries(first.imageScanFindings?.findingSeverityCounts ?? {}).filter(([, n]) => n > 0));
  return {
    status: first.imageScanStatus?.status ?? 'MISSING',
    description: first.imageScanStatus?.description,
    hasFindings: first.imageScanFindings !== undefined,
    pages,
    counts,
    findings: pages.flatMap(ecrPageFindings),
  };
}

function found(read: Read): Record<string, number> {
  const total: Record<string, number> = {};
  for (const p of read.pages) for (const [s, n] of Object.entries(rawSeverityCounts(p))) total[s] = (total[s] ?? 0) + n;
  return total;
}

/** `15 minutes`, `30 seconds`. */
function duration(ms: number): string {
  return ms >= 60_000 ? `${Number((ms / 60_000).toFixed(2))} minute(s)` : `${Number((ms / 1000).toFixed(3))} second(s)`;
}

/** Fingerprint of a read's findings, to recognise two identical consecutive reads. */
function fingerprint(read: Read): string {
  return JSON.stringify({ counts: Object.entries(read.counts).sort(), findings: read.findings.map((f) => `${f.severity} ${f.id} ${f.pkg ?? ''}`).sort() });
}

/**
 * Wait for ECR's scan of `imageDigest` and return its complete findings.
 *
 * - `ScanNotFoundException`, IN_PROGRESS and PENDING: keep waiting.
 * - FAILED, UNSUPPORTED_IMAGE and every other status: fail closed at once, naming it.
 * - COMPLETE (or ACTIVE, enhanced scanning) is trusted only when `imageScanFindings` is
 *   present, the findings read over all pages (nextToken) are at least as many, per severity,
 *   as `findingSeverityCounts` says, and either the counts match the findings exactly and are
 *   non-empty, or a second COMPLETE read returns the same findings. This covers the race
 *   where ECR reports COMPLETE before the findings are populated.
 * - No usable result within `timeoutMs`: fail closed with a message naming the timeout.
 *
 * Errors other than ScanNotFoundException (access denied, image not found, throttling after
 * the SDK's retries) are rethrown, as are malformed responses (InputError).
 */
export async function waitForEcrScan(opts: WaitForEcrScanOptions): Promise<EcrScanDone | EcrScanNotDone> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = opts.log ?? (() => undefined);
  const image = `${opts.repositoryName}@${opts.imageDigest}`;
  const deadline = now() + opts.timeoutMs;
  let previous: string | undefined;
  let reads = 0;
  let last = 'no read yet';
  let logged: string | undefined;
  for (;;) {
    const read = await readAll(opts);
    reads++;
    last = read.description ? `${read.status} (${read.description})` : read.status;
    if (DONE.has(read.status)) {
      const have = found(read);
      const missing = Object.entries(read.counts).filter(([s, n]) => (have[s] ?? 0) < n);
      const exact = Object.keys(read.counts).length > 0 && missing.length === 0
        && Object.entries(have).every(([s, n]) => read.counts[s] === n);
      const key = fingerprint(read);
      if (read.hasFindings && missing.length === 0 && (exact || key === previous)) {
        log(`ECR scan of ${image}: ${read.status}, ${read.findings.length} finding(s) after ${reads} read(s).`);
        return { ok: true, status: read.status, findings: read.findings, severityCounts: read.counts, reads };
      }
      previous = read.hasFindings && missing.length === 0 ? key : undefined;
      last = !read.hasFindings ? `${read.status} but findings not populated yet`
        : missing.length > 0 ? `${read.status} but findings incomplete (${missing.map(([s, n]) => `${s} ${have[s] ?? 0}/${n}`).join(', ')})`
          : `${read.status}, confirming with a second read`;
    } else if (WAITING.has(read.status) || read.status === 'SCAN_NOT_FOUND') {
      previous = undefined;
    } else {
      return { ok: false, reads, reason: `ECR scan of ${image} ended with status ${last}; failing closed. The image cannot be promoted without a completed scan.` };
    }
    if (last !== logged) log(`ECR scan of ${image}: ${last}; waiting (every ${opts.pollMs / 1000} s).`);
    logged = last;
    const remaining = deadline - now();
    if (remaining <= 0) {
      return { ok: false, reads, reason: `ECR scan of ${image} timed out: no usable result within the ${duration(opts.timeoutMs)} timeout (last state: ${last}); failing closed. Re-run the action, or raise gates.ecrScanTimeoutMinutes if scans are routinely slower.` };
    }
    await sleep(Math.min(opts.pollMs, remaining));
  }
}
