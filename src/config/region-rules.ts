/**
 * Cross-field rules of an environment's regions: the writer region, the resilience mode and the
 * VPC ranges. They read the raw input tolerantly (the schema's defaults applied by hand) so they
 * are reported in the same run as per-field problems.
 */
import { resilienceOf } from './resilience';
import { KNOWN_REGIONS } from './schema';
import { Cidr, defaultVpcCidr, overlaps, parseVpcCidr } from './vpc-cidrs';

/** One problem: the field path and what to do about it (as RelationProblem). */
export interface RegionProblem {
  readonly field: string;
  readonly message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * - `primaryRegion` is one of `regions`;
 * - `resilience: "global"` has at least two regions and a sequential rollout (a parallel one
 *   would create the secondary cluster while its global cluster does not exist yet);
 * - every `vpcCidrs` key is one of `regions`, and no two ranges of the environment overlap.
 */
export function regionProblems(rawEnvs: readonly unknown[]): RegionProblem[] {
  const problems: RegionProblem[] = [];
  const used = new Map<unknown, number>();
  rawEnvs.forEach((raw, i) => {
    if (!isObject(raw)) return;
    const at = (field: string) => `environments[${i}].${field}`;
    const name = JSON.stringify(raw.name);
    const regions = Array.isArray(raw.regions) ? raw.regions.filter((r): r is string => typeof r === 'string') : undefined;
    // An unknown region code is the field rule's to report (one line per problem).
    if (regions && typeof raw.primaryRegion === 'string' && KNOWN_REGIONS.has(raw.primaryRegion) && !regions.includes(raw.primaryRegion)) {
      problems.push({
        field: at('primaryRegion'),
        message: `${JSON.stringify(raw.primaryRegion)} is not one of the regions of ${name} (${regions.map((r) => JSON.stringify(r)).join(', ')}); use one of them, or add it to "regions"`,
      });
    }
    const resilience = raw.resilience === 'global' || raw.resilience === 'independent' ? raw.resilience : undefined;
    if (regions && (raw.resilience === undefined || resilience)) {
      const mode = resilienceOf({ regions, production: raw.production === true, resilience });
      const implicit = resilience === undefined ? ' (the default for a production environment with two or more regions)' : '';
      if (mode === 'global' && regions.length < 2) {
        problems.push({
          field: at('resilience'),
          message: `"global" needs at least two regions, but ${name} has ${regions.length}; add a second region to "regions", or use "independent"`,
        });
      }
      const rollout = raw.rollout ?? 'parallel';
      if (mode === 'global' && regions.length >= 2 && rollout === 'parallel') {
        problems.push({
          field: at('rollout'),
          message: `is "parallel", but ${name} is "global"${implicit}: its secondary regions attach to the global cluster the primary region creates, so the primary must deploy first; set "rollout": "sequential" (or "resilience": "independent" to keep one database per region)`,
        });
      }
    }
    const offset = used.get(raw.account) ?? 0;
    used.set(raw.account, offset + (regions?.length ?? 0));
    problems.push(...cidrProblems(raw.vpcCidrs, regions, offset, at));
  });
  return problems;
}

/** Keys outside `regions`, and overlaps among the configured ranges and the defaults of the regions left out. */
function cidrProblems(vpcCidrs: unknown, regions: readonly string[] | undefined, offset: number, at: (field: string) => string): RegionProblem[] {
  if (!isObject(vpcCidrs)) return [];
  const problems: RegionProblem[] = [];
  // Defaults first: a configured range that meets a default is reported on the configured key.
  const parsed: [string, string, Cidr][] = [];
  (regions ?? []).forEach((region, position) => {
    if (region in vpcCidrs) return;
    const value = defaultVpcCidr(offset, position);
    parsed.push([region, `the default "${value}"`, parseVpcCidr(value) as Cidr]);
  });
  for (const [region, value] of Object.entries(vpcCidrs)) {
    if (regions && !regions.includes(region)) {
      problems.push({
        field: at(`vpcCidrs.${region}`),
        message: `${JSON.stringify(region)} is not one of the environment's regions (${regions.map((r) => JSON.stringify(r)).join(', ')}); remove it or fix the region code`,
      });
    }
    const cidr = typeof value === 'string' ? parseVpcCidr(value) : undefined;
    if (cidr && typeof cidr !== 'string') parsed.push([region, JSON.stringify(value), cidr]);
  }
  for (let a = 0; a < parsed.length; a++) {
    for (let b = a + 1; b < parsed.length; b++) {
      if (overlaps(parsed[a][2], parsed[b][2])) {
        problems.push({
          field: at(`vpcCidrs.${parsed[b][0]}`),
          message: `${parsed[b][1]} overlaps ${parsed[a][1]} of ${parsed[a][0]}; give each region its own range (e.g. "10.0.0.0/16" and "10.1.0.0/16"), or its VPCs can never be peered`,
        });
      }
    }
  }
  return problems;
}
