import { registerShard, SHARD_COUNT } from '../support/shards';

// Shard 5 of the root tests in the test command (test/support/shards.ts).
registerShard(5, SHARD_COUNT);
