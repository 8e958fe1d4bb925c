import { registerShard, SHARD_COUNT } from '../support/shards';

// Shard 2 of the root tests in the test command (test/support/shards.ts).
registerShard(2, SHARD_COUNT);
