import type { EnvironmentConfig } from './schema';

/**
 * VPC address ranges per region. Two regions of one environment must not overlap, or their VPCs
 * can never be peered or joined by a transit gateway (which a global database's operators and a
 * future private replication path need). Defaults are derived so that they never overlap.
 */

/** Smallest VPC the subnet layout fits: 3 AZs x (public /24 + app /22 + data /24), aligned, needs a /19. */
export const VPC_MAX_PREFIX = 19;
/** Largest VPC AWS allows. */
export const VPC_MIN_PREFIX = 16;

/** A parsed IPv4 CIDR: the network address as an unsigned 32-bit number and the prefix length. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** `a.b.c.d` of a 32-bit address. */
function dotted(address: number): string {
  return [3, 2, 1, 0].map((octet) => Math.floor(address / 256 ** octet) % 256).join('.');
}

/**
 * What is wrong with a VPC CIDR string (a sentence naming the fix), or its parsed form.
 * Accepted: an IPv4 network address (host bits zero) with a prefix from /16 to /19.
 */
export function parseVpcCidr(value: string): Cidr | string {
  const m = CIDR.exec(value);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) {
    return `${JSON.stringify(value)} is not an IPv4 CIDR; write it as "a.b.c.d/prefix", e.g. "10.1.0.0/16"`;
  }
  const prefix = Number(m[5]);
  if (prefix < VPC_MIN_PREFIX || prefix > VPC_MAX_PREFIX) {
    return `${JSON.stringify(value)} has prefix /${prefix}; use /${VPC_MIN_PREFIX} to /${VPC_MAX_PREFIX} (AWS allows at most a /16, and 3 availability zones of public /24, app /22 and data /24 subnets need a /19), e.g. "10.1.0.0/16"`;
  }
  const address = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - prefix);
  const base = address - (address % size);
  if (base !== address) {
    return `${JSON.stringify(value)} is not a network address (its host bits are not zero); use "${dotted(base)}/${prefix}"`;
  }
  return { base, prefix };
}

/** Whether two CIDRs share an address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + 2 ** (32 - a.prefix);
  const bEnd = b.base + 2 ** (32 - b.prefix);
  return a.base < bEnd && b.base < aEnd;
}

/**
 * The default CIDR of the region at `position` in an environment whose account already holds
 * `offset` regions of environments listed before it: `10.<offset + position>.0.0/16`. So the
 * first region of an environment with its own account keeps today's 10.0.0.0/16 (no VPC is
 * replaced when this default appeared), its second region gets 10.1.0.0/16, and environments
 * sharing an account get distinct ranges too.
 */
export function defaultVpcCidr(offset: number, position: number): string {
  return `10.${(offset + position) % 256}.0.0/16`;
}

/**
 * The complete `vpcCidrs` of every environment: the configured value of a region, else its
 * default. parseConfig stores the result in each environment, so the stages read one value.
 */
export function resolveVpcCidrs(environments: readonly Pick<EnvironmentConfig, 'account' | 'regions' | 'vpcCidrs'>[]): Record<string, string>[] {
  const used = new Map<string, number>();
  return environments.map((env) => {
    const offset = used.get(env.account) ?? 0;
    used.set(env.account, offset + env.regions.length);
    return Object.fromEntries(env.regions.map((region, position) => [region, env.vpcCidrs?.[region] ?? defaultVpcCidr(offset, position)]));
  });
}

/** The VPC CIDR of one region of an environment (as parseConfig resolved it; else the positional default). */
export function vpcCidrOf(environment: Pick<EnvironmentConfig, 'regions' | 'vpcCidrs'>, region: string): string {
  return environment.vpcCidrs?.[region] ?? defaultVpcCidr(0, Math.max(0, environment.regions.indexOf(region)));
}
