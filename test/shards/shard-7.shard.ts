import { registerShard, SHARD_COUNT } from '../support/shards';

// Shard 7 of the root tests in the test command (test/support/shards.ts).
registerShard(7, SHARD_COUNT);
