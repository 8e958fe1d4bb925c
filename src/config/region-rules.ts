/**
 * Cross-field rules of an environment's regions: the writer region, the resilience mode and the
 * VPC ranges. They read the raw input tolerantly (the schema's defaults applied by hand, a field
 * that fails its own rule skipped: valid-input.ts) so they are reported in the same run as
 * per-field problems.
 */
import { resilienceOf } from './resilience';
import { KNOWN_REGIONS } from './schema';
import { flag, isObject } from './valid-input';
import { Cidr, defaultVpcCidr, overlaps, parseVpcCidr } from './vpc-cidrs';

/** One problem: the field path and what to do about it (as RelationProblem). */
export interface RegionProblem {
  readonly field: string;
  readonly message: string;
}

/** The regions of an environment when every one is a known region code, else undefined (their own rule reports them). */
function validRegions(raw: unknown): string[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  return raw.every((r) => typeof r === 'string' && KNOWN_REGIONS.has(r)) ? raw as string[] : undefined;
}

/**
 * - `primaryRegion` is one of `regions`;
 * - `resilience: "global"` has at least two regions and is not rolled out `parallel` (a parallel
 *   rollout would create the secondary cluster while its global cluster does not exist yet;
 *   without `rollout` a global environment rolls out sequentially: defaultRolloutOf);
 * - a `global` environment with a domain has at most two regions (Route 53 failover routing:
 *   one PRIMARY and one SECONDARY record per name, see src/synth/workload/service-dns.ts);
 * - every `vpcCidrs` key is one of `regions`, and no two ranges of the environment overlap.
 */
export function regionProblems(rawEnvs: readonly unknown[]): RegionProblem[] {
  const problems: RegionProblem[] = [];
  const used = new Map<unknown, number>();
  rawEnvs.forEach((raw, i) => {
    if (!isObject(raw)) return;
    const at = (field: string) => `environments[${i}].${field}`;
    const name = JSON.stringify(raw.name);
    const regions = validRegions(raw.regions);
    // An unknown region code is the field rule's to report (one line per problem).
    if (regions && typeof raw.primaryRegion === 'string' && KNOWN_REGIONS.has(raw.primaryRegion) && !regions.includes(raw.primaryRegion)) {
      problems.push({
        field: at('primaryRegion'),
        message: `${JSON.stringify(raw.primaryRegion)} is not one of the regions of ${name} (${regions.map((r) => JSON.stringify(r)).join(', ')}); use one of them, or add it to "regions"`,
      });
    }
    problems.push(...resilienceProblems(raw, regions, at));
    const offset = used.get(raw.account) ?? 0;
    used.set(raw.account, offset + (regions?.length ?? 0));
    problems.push(...cidrProblems(raw.vpcCidrs, regions, offset, at));
  });
  return problems;
}

/** The rules of `resilience` (given or defaulted) against the regions, the rollout and the domain. */
function resilienceProblems(raw: Record<string, unknown>, regions: readonly string[] | undefined, at: (field: string) => string): RegionProblem[] {
  const resilience = raw.resilience === 'global' || raw.resilience === 'independent' ? raw.resilience : undefined;
  const production = flag(raw.production);
  // Skipped when an input failed its own rule: a wrong resilience value, a bad region list, or
  // (for the default) a production flag that is not a boolean.
  if (!regions || (raw.resilience !== undefined && !resilience) || (resilience === undefined && production === undefined)) return [];
  const name = JSON.stringify(raw.name);
  const mode = resilienceOf({ regions, production: production === true, resilience });
  if (mode !== 'global') return [];
  const implicit = resilience === undefined ? ' (the default for a production environment with two or more regions)' : '';
  const problems: RegionProblem[] = [];
  if (regions.length < 2) {
    problems.push({
      field: at('resilience'),
      message: `"global" needs at least two regions, but ${name} has ${regions.length}; add a second region to "regions", or use "independent"`,
    });
  }
  if (regions.length >= 2 && raw.rollout === 'parallel') {
    problems.push({
      field: at('rollout'),
      message: `is "parallel", but ${name} is "global"${implicit}: its secondary regions attach to the global cluster the primary region creates, so the primary must deploy first; set "rollout": "sequential" (or "resilience": "independent" to keep one database per region)`,
    });
  }
  if (regions.length > 2 && raw.domain !== undefined) {
    problems.push({
      field: at('regions'),
      message: `lists ${regions.length} regions, but ${name} is "global"${implicit} with a domain, and Route 53 failover routing has exactly one PRIMARY and one SECONDARY record per name; keep two regions, or set "resilience": "independent" (latency records, a database per region)`,
    });
  }
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
