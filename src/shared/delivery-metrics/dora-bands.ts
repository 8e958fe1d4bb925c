/**
 * The DORA performance levels of the 2024 Accelerate State of DevOps report ("Software delivery
 * performance levels": elite 19%, high 22%, medium 35%, low 25% of respondents), one table per
 * key, and the one rule that places a measurement in a band.
 *
 * Sources (research notes of issues 28/29, section A3): the report's own table could not be read
 * here. `confirmed: true` marks the values two independent secondary sources agree on (the
 * deployment-frequency and lead-time rows, and the elite and high change fail rates);
 * `confirmed: false` marks values from one recollection of the report only (medium and low change
 * fail rates, every recovery time). The 2024 report gives a change fail rate and a recovery time
 * per cluster, not ranges, and its medium cluster had a LOWER change fail rate (10%) than high
 * (20%), which the report itself calls out.
 *
 * The rule, the same for every key: a band's `limit` is the worst value a team in it shows; a
 * measurement falls in the best band (elite, high, medium, low in that order) whose limit it
 * stays within (a duration below it, a rate at most it, a frequency at least it); past every
 * limit it is `low`. So a
 * change fail rate above 5% and up to 20% is `high`, and never `medium` (10% < 20%).
 */

export type DoraKey = 'deploymentFrequency' | 'leadTime' | 'changeFailureRate' | 'timeToRestore';
export type DoraBand = 'elite' | 'high' | 'medium' | 'low';

/** One band's limit. */
export interface BandLimit {
  readonly band: DoraBand;
  /** In the key's unit (deployments per day, seconds, or a fraction). */
  readonly limit: number;
  /** The report's words. */
  readonly text: string;
  /** Two sources agree on it (see above). */
  readonly confirmed: boolean;
}

/** The bands of one key. */
export interface KeyBands {
  readonly unit: 'per day' | 'seconds' | 'fraction';
  /** Deployment frequency: more is better; every other key: less is better. */
  readonly better: 'higher' | 'lower';
  readonly limits: readonly BandLimit[];
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** The 2024 report's levels, per key. */
export const DORA_2024: Readonly<Record<DoraKey, KeyBands>> = {
  deploymentFrequency: {
    unit: 'per day',
    better: 'higher',
    limits: [
      { band: 'elite', limit: 1, text: 'on demand (multiple deploys per day)', confirmed: true },
      { band: 'high', limit: 1 / 7, text: 'between once per day and once per week', confirmed: true },
      { band: 'medium', limit: 1 / 30, text: 'between once per week and once per month', confirmed: true },
      { band: 'low', limit: 1 / 182, text: 'between once per month and once every six months', confirmed: true },
    ],
  },
  leadTime: {
    unit: 'seconds',
    better: 'lower',
    limits: [
      { band: 'elite', limit: DAY, text: 'less than one day', confirmed: true },
      { band: 'high', limit: 7 * DAY, text: 'between one day and one week', confirmed: true },
      { band: 'medium', limit: 30 * DAY, text: 'between one week and one month', confirmed: true },
      { band: 'low', limit: 182 * DAY, text: 'between one month and six months', confirmed: true },
    ],
  },
  changeFailureRate: {
    unit: 'fraction',
    better: 'lower',
    limits: [
      { band: 'elite', limit: 0.05, text: '5%', confirmed: true },
      { band: 'high', limit: 0.2, text: '20%', confirmed: true },
      { band: 'medium', limit: 0.1, text: '10%', confirmed: false },
      { band: 'low', limit: 0.4, text: '40%', confirmed: false },
    ],
  },
  timeToRestore: {
    unit: 'seconds',
    better: 'lower',
    limits: [
      { band: 'elite', limit: HOUR, text: 'less than one hour', confirmed: false },
      { band: 'high', limit: DAY, text: 'less than one day', confirmed: false },
      { band: 'medium', limit: DAY, text: 'less than one day', confirmed: false },
      { band: 'low', limit: 30 * DAY, text: 'between one week and one month', confirmed: false },
    ],
  },
};

/** The band of a measurement; undefined when there is nothing to measure. */
export function doraBand(key: DoraKey, value: number | undefined): DoraBand | undefined {
  if (value === undefined || Number.isNaN(value)) return undefined;
  const { better, unit, limits } = DORA_2024[key];
  // Durations are "less than" their limit; a rate is at most its limit; a frequency at least.
  const within = (l: BandLimit) => (better === 'higher' ? value >= l.limit : unit === 'seconds' ? value < l.limit : value <= l.limit);
  return limits.find(within)?.band ?? 'low';
}
