import { registerShard, SHARD_COUNT } from '../support/shards';

// Shard 4 of the root tests in the test command (test/support/shards.ts).
registerShard(4, SHARD_COUNT);
