import type { RelationProblem } from './relations';
import { FARGATE_MEMORY, sizingSchema } from './schema';
import { isObject, valid } from './valid-input';

/** `8192 to 30720 in steps of 1024` or the list when it is short. */
function memoryChoices(cpu: number): string {
  const m = FARGATE_MEMORY[cpu];
  return m.length > 7 ? `${m[0]} to ${m[m.length - 1]} in steps of ${m[1] - m[0]}` : m.join(', ');
}

/**
 * The rules between the knobs of one environment's `sizing` (at `environments[i].sizing`):
 * memory fits the Fargate cpu size, at most one NAT gateway per AZ, minCapacity <= desiredCount
 * <= maxCapacity, dbMinCapacity <= dbMaxCapacity. Each rule reads the knobs it compares with
 * their defaults applied, and is skipped when one of them fails its own rule (which says so).
 */
export function sizingProblems(rawSizing: unknown, at: string): RelationProblem[] {
  if (rawSizing !== undefined && !isObject(rawSizing)) return [];
  const raw = rawSizing ?? {};
  const knob = <K extends keyof typeof sizingSchema.shape>(key: K) => valid(sizingSchema.shape[key], raw[key]);
  const [cpu, memoryMiB, natGateways, maxAzs] = [knob('cpu'), knob('memoryMiB'), knob('natGateways'), knob('maxAzs')];
  const [desiredCount, minCapacity, maxCapacity] = [knob('desiredCount'), knob('minCapacity'), knob('maxCapacity')];
  const [dbMinCapacity, dbMaxCapacity] = [knob('dbMinCapacity'), knob('dbMaxCapacity')];
  const problems: RelationProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field: `${at}.${field}`, message });

  if (cpu !== undefined && memoryMiB !== undefined && !FARGATE_MEMORY[cpu].includes(memoryMiB)) {
    add('memoryMiB', `${memoryMiB} does not fit cpu ${cpu}; use ${memoryChoices(cpu)} (AWS's Fargate task sizes)`);
  }
  if (natGateways !== undefined && maxAzs !== undefined && natGateways > maxAzs) {
    add('natGateways', `(${natGateways}) is more than maxAzs (${maxAzs}): a VPC has at most one NAT gateway per availability zone; lower natGateways or raise maxAzs`);
  }
  if (minCapacity !== undefined && maxCapacity !== undefined) {
    if (minCapacity > maxCapacity) {
      add('minCapacity', `(${minCapacity}) is above maxCapacity (${maxCapacity}); lower it or raise maxCapacity`);
    }
    if (desiredCount !== undefined && (desiredCount < minCapacity || desiredCount > maxCapacity)) {
      add('desiredCount', `(${desiredCount}) must lie between minCapacity (${minCapacity}) and maxCapacity (${maxCapacity})`);
    }
  }
  if (dbMinCapacity !== undefined && dbMaxCapacity !== undefined && dbMinCapacity > dbMaxCapacity) {
    add('dbMinCapacity', `(${dbMinCapacity}) is above dbMaxCapacity (${dbMaxCapacity}); lower it or raise dbMaxCapacity`);
  }
  return problems;
}
