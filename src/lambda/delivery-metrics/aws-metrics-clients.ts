import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ClaimStore, MetricSink } from './handle-event';
import { DELIVERY_METRICS_NAMESPACE } from '../../shared/delivery-metrics/metric-names';

/** Days a claim is kept (DynamoDB TTL): far longer than EventBridge (24 h) and Lambda (6 h) keep retrying an event. */
export const CLAIM_DAYS = 35;

/** Claims as conditional writes: PutItem with `attribute_not_exists(pk)` succeeds once per key. */
export function dynamoClaims(tableName: string, now: () => Date = () => new Date()): ClaimStore {
  const client = new DynamoDBClient({});
  return {
    claim: async (key) => {
      try {
        await client.send(new PutItemCommand({
          TableName: tableName,
          Item: { pk: { S: key }, expiresAt: { N: String(Math.floor(now().getTime() / 1000) + CLAIM_DAYS * 86_400) } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }));
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },
    release: async (key) => {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: key } } }));
    },
  };
}

/** PutMetricData into the delivery metrics namespace (the only one the role may write). */
export function cloudWatchSink(): MetricSink {
  const client = new CloudWatchClient({});
  return {
    put: async (data) => {
      await client.send(new PutMetricDataCommand({
        Namespace: DELIVERY_METRICS_NAMESPACE,
        MetricData: data.map((d) => ({
          MetricName: d.name,
          Value: d.value,
          Unit: d.unit,
          Timestamp: d.timestamp,
          Dimensions: Object.entries(d.dimensions).map(([Name, Value]) => ({ Name, Value })),
        })),
      }));
    },
  };
}
