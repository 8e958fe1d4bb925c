import { registerShard, SHARD_COUNT } from '../support/shards';

// Shard 3 of the root tests in the test command (test/support/shards.ts).
registerShard(3, SHARD_COUNT);
