import { registerShard, SHARD_COUNT } from '../support/shards';

// Shard 8 of the root tests in the test command (test/support/shards.ts).
registerShard(8, SHARD_COUNT);
