import { registerShard, SHARD_COUNT } from '../support/shards';

// Shard 6 of the root tests in the test command (test/support/shards.ts).
registerShard(6, SHARD_COUNT);
