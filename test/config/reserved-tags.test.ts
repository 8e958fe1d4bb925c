import { loadConfig } from '../../src/config/load-config';
import { CDK_TAG_PREFIX, OWN_TAGS_PER_RESOURCE, RESERVED_TAG_KEYS } from '../../src/config/tags';
import { sampleAssembly } from '../support/sample-assembly';

/**
 * The tag rules of the config hold for what synth really writes: every tag key the code sets
 * itself (not from the config's `tags`) is reserved, so a user tag cannot clash with it, and
 * the count the config's tag limit leaves room for is the most the code sets on one resource.
 */
test('the reserved tag keys are exactly the keys the synthesized stages set themselves', () => {
  const configKeys = new Set(Object.keys(loadConfig().tags));
  const own = new Set<string>();
  let mostReserved = 0;
  for (const stage of sampleAssembly().stages) {
    for (const stack of Object.values(stage.stacks)) {
      for (const resource of Object.values<any>(stack.template.Resources ?? {})) {
        const tags = resource.Properties?.Tags;
        const keys: string[] = Array.isArray(tags) ? tags.map((t: any) => t.Key).filter((k: unknown) => typeof k === 'string') : [];
        const reserved = keys.filter((k) => !configKeys.has(k));
        reserved.forEach((k) => own.add(k));
        mostReserved = Math.max(mostReserved, reserved.length);
      }
    }
  }
  expect([...own].filter((k) => !k.startsWith(CDK_TAG_PREFIX)).sort()).toEqual([...RESERVED_TAG_KEYS].sort());
  expect(mostReserved).toBe(OWN_TAGS_PER_RESOURCE);
});
