import { registerShard, SHARD_COUNT } from '../support/shards';

// Shard 1 of the root tests in the test command (test/support/shards.ts).
registerShard(1, SHARD_COUNT);
