/**
 * The commit-message marker that lets a prod change report with a stateful replacement through
 * (config `changeReport.overrideMarker` defaults to it; the report CLI falls back to it). It
 * lives in its own file without imports, so the CodeBuild bundle of the report CLI stays small.
 */
export const DEFAULT_OVERRIDE_MARKER = '[allow-stateful-replacement]';
