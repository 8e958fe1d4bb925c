/**
 * Where the image gate keeps its provenance records (src/codebuild/image-gate/provenance.ts):
 * one object per gated repository and commit in the change-report bucket, under a prefix whose
 * writes the bucket policy reserves to the image gate's role (src/synth/pipeline/report-bucket.ts).
 * Shared by the gate (which writes and reads the records) and the synth (which grants and
 * reserves the prefix), so both name the same objects.
 */

/** Key prefix of every record. */
export const PROVENANCE_PREFIX = 'image-provenance/';

/** The object key of the record of `commit` in `repository`: `image-provenance/<repository>/<commit>.json`. */
export function provenanceKey(repository: string, commit: string): string {
  return `${PROVENANCE_PREFIX}${repository}/${commit}.json`;
}

/** The prefix of every record of `repository` (what its gate may read and write). */
export function provenancePrefixOf(repository: string): string {
  return `${PROVENANCE_PREFIX}${repository}/`;
}
