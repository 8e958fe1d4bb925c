import * as path from 'path';

/** The repository root, for tests that read committed files (docs, fixtures, sources). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
