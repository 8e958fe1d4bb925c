import { FixAvailable, Finding } from './finding';

/**
 * ECR basic scanning says nothing about fixes, so every basic finding is `unknown` and a
 * failOnFixableSeverities severity would always block. Trivy scanned the same digest and knows,
 * per vulnerability id, whether a fixed version exists. This fills `unknown` fix statuses from
 * Trivy's findings with the same id: `yes` if Trivy saw a fix for any package, `no` if Trivy saw
 * the id and no fix anywhere. Ids Trivy did not report stay `unknown` (treated as fixable).
 * Package names are not compared: ECR reports source packages (zlib), Trivy binary ones (zlib1g).
 */
export function withTrivyFixStatus(ecrFindings: readonly Finding[], trivyFindings: readonly Finding[]): Finding[] {
  const known = new Map<string, FixAvailable>();
  for (const t of trivyFindings) {
    if (t.kind !== 'vulnerability') continue;
    known.set(t.id, known.get(t.id) === 'yes' || t.fix === 'yes' ? 'yes' : 'no');
  }
  return ecrFindings.map((f) => {
    const fix = f.fix === 'unknown' && f.kind === 'vulnerability' ? known.get(f.id) : undefined;
    if (fix === undefined) return f;
    const fixedVersion = fix === 'yes' ? trivyFindings.find((t) => t.id === f.id && t.fixedVersion)?.fixedVersion : undefined;
    return { ...f, fix, fixedVersion, title: `${f.title ?? f.id} [fix status from Trivy]` };
  });
}
