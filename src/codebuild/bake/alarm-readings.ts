/** The alarm states CloudWatch reports. */
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = typeof ALARM_STATES[number];

/** One alarm as the bake reads it from DescribeAlarms (metric or composite). */
export interface AlarmReading {
  readonly name: string;
  readonly state: AlarmState;
  readonly reason: string;
  /** StateUpdatedTimestamp as CloudWatch wrote it. */
  readonly since?: string;
}

/** The response does not have the shape of DescribeAlarms: the bake cannot judge it (fail closed). */
export class UnreadableResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableResponse';
  }
}

function readAlarm(raw: unknown, kind: string): AlarmReading {
  const a = raw as Record<string, unknown> | null;
  if (!a || typeof a !== 'object' || typeof a.AlarmName !== 'string') {
    throw new UnreadableResponseError(`a ${kind} without an AlarmName`);
  }
  if (!ALARM_STATES.includes(a.StateValue as AlarmState)) {
    throw new UnreadableResponseError(`alarm ${a.AlarmName} has state ${JSON.stringify(a.StateValue)}, not one of ${ALARM_STATES.join(', ')}`);
  }
  return {
    name: a.AlarmName,
    state: a.StateValue as AlarmState,
    reason: typeof a.StateReason === 'string' ? a.StateReason : '',
    since: typeof a.StateUpdatedTimestamp === 'string' ? a.StateUpdatedTimestamp : undefined,
  };
}

/** The alarms of a DescribeAlarms response (MetricAlarms and CompositeAlarms). */
export function parseDescribeAlarms(raw: unknown): AlarmReading[] {
  const r = raw as Record<string, unknown> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new UnreadableResponseError('DescribeAlarms answered something that is not an object');
  const metric = r.MetricAlarms ?? [];
  const composite = r.CompositeAlarms ?? [];
  if (!Array.isArray(metric) || !Array.isArray(composite)) throw new UnreadableResponseError('MetricAlarms/CompositeAlarms is not a list');
  return [...metric.map((a) => readAlarm(a, 'metric alarm')), ...composite.map((a) => readAlarm(a, 'composite alarm'))];
}
