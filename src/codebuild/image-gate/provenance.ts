import { z } from 'zod';
import { issuePath } from './issue-path';
import { InputError } from '../../shared/cli/errors';

export { PROVENANCE_PREFIX, provenanceKey } from '../../shared/image-provenance';

/**
 * Image provenance: which digest the image gate itself built, scanned and promoted to a commit
 * tag. The gate writes the record (to the change-report bucket, under a prefix only its role may
 * write: src/synth/pipeline/report-bucket.ts) just BEFORE it gives the digest the commit tag, and
 * a later run for the same commit reuses the tag only when the tag still names that digest. A tag
 * that another principal pushed first, or one pushed before the repository policy reserved pushes
 * to the gate, has no record or another digest, and the gate refuses it (RUNBOOKS.md, "The image
 * gate refuses an existing tag").
 */

/** The RUNBOOKS.md section an operator follows when the gate refuses a tag. */
export const PROVENANCE_RUNBOOK = 'RUNBOOKS.md "The image gate refuses an existing tag"';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{40}$/;

/** Version 1 of the record, as `gate-cli record` writes it. */
export const provenanceRecordSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1 (this gate reads provenance records of version 1)' }),
  repository: z.string().min(1),
  commit: z.string().regex(COMMIT, { error: 'must be a 40-hex commit id' }),
  digest: z.string().regex(DIGEST, { error: 'must be sha256:<64 hex>' }),
  /** The CodeBuild build that promoted it (CODEBUILD_BUILD_ID), for CloudTrail and the build log. */
  build: z.string().min(1),
  /** When the gate wrote it (ISO 8601, UTC). */
  recordedAt: z.iso.datetime(),
});

/** A validated provenance record. */
export type ProvenanceRecord = z.infer<typeof provenanceRecordSchema>;

/** What the gate is about to reuse: this commit's tag in this repository, naming this digest. */
export interface TagUnderCheck {
  readonly repository: string;
  readonly commit: string;
  readonly digest: string;
}

/** The record the gate writes before it promotes `digest` to the commit tag. */
export function provenanceRecord(tag: TagUnderCheck, build: string, now: Date = new Date()): ProvenanceRecord {
  return provenanceRecordSchema.parse({ version: 1, ...tag, build, recordedAt: now.toISOString() });
}

/** Parse a record; InputError (the gate fails closed) for anything but a valid version-1 record. */
export function parseProvenanceRecord(text: string, source: string): ProvenanceRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${source}: not JSON (${(e as Error).message}); the tag's provenance cannot be checked`);
  }
  const parsed = provenanceRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`);
    throw new InputError(`${source}: not a provenance record (${problems.join('; ')}); the tag's provenance cannot be checked`);
  }
  return parsed.data;
}

/** The verdict on reusing a tag. */
export type ProvenanceVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether the gate may reuse `tag`: only when the record is of the same repository and commit
 * and names the very digest the tag names now.
 */
export function checkProvenance(record: ProvenanceRecord, tag: TagUnderCheck): ProvenanceVerdict {
  const mismatches = (['repository', 'commit', 'digest'] as const)
    .filter((field) => record[field] !== tag[field])
    .map((field) => `${field} ${record[field]} in the record, ${tag[field]} on the tag`);
  if (mismatches.length === 0) return { ok: true };
  return {
    ok: false,
    reason: `${tag.repository}:${tag.commit} names ${tag.digest}, which is not what the image gate promoted `
      + `(build ${record.build}, ${record.recordedAt}): ${mismatches.join('; ')}. Another principal may have pushed this tag; `
      + `refusing to reuse it. See ${PROVENANCE_RUNBOOK}.`,
  };
}
