import type { Migration } from './migrations';

/**
 * A table (`table`) or column (`table.column`) that the service no longer reads or writes. The
 * release that removes the last reader lists it here; only a later release may drop, rename or
 * retype it (a contract step). app/README.md, "Schema changes: expand, then contract".
 */
export interface RetiredSchemaObject {
  /** `table` or `table.column`, lower case, unqualified. */
  readonly name: string;
  /**
   * The id of the newest migration when the readers were removed (the schema version of the
   * release that stopped using it). A contract step must be a later migration.
   */
  readonly retiredAfterMigration: number;
  /** Which release removed the readers, and why. */
  readonly reason: string;
}

/** What the check compares the migrations with. */
export interface ExpandContractContext {
  /** The tables and columns retired by earlier releases. */
  readonly retired: readonly RetiredSchemaObject[];
  /** Every SQL statement this release's code runs (e.g. TRANSACTION_SQL): what it still reads and writes. */
  readonly serviceSql: readonly string[];
}

/** A change that breaks the previous release while both run side by side during a rollout. */
interface BreakingChange {
  /** `table` or `table.column`. */
  readonly target: string;
  /** What the statement does, for the message. */
  readonly action: string;
  /** False when no declaration can make it safe (it breaks the previous release's writes). */
  readonly contractable: boolean;
}

const DOCS = 'app/README.md, "Schema changes: expand, then contract"';

/**
 * Checks that every migration is expand-only, except declared contract steps: a migration that
 * drops or renames a table or column, or changes a column's type, must name it in `contracts`;
 * each named object must be listed in `retired` with an older schema version, and no statement
 * of this release may still use it. Adding a NOT NULL column without DEFAULT is always refused
 * (the previous release's INSERTs do not set it).
 *
 * @returns one message per problem, naming the migration, the statement and the fix (empty when fine)
 */
export function checkExpandContract(migrations: readonly Migration[], context: ExpandContractContext): string[] {
  const problems: string[] = [];
  const retired = new Map(context.retired.map((entry) => [entry.name, entry]));
  const sql = context.serviceSql.map(normalise);

  for (const entry of context.retired) {
    const user = sql.find((statement) => uses(statement, entry.name));
    if (user !== undefined) {
      problems.push(`retired ${entry.name} is still used by the service: "${user}"; remove that use, or remove it from the retired list`);
    }
  }

  for (const migration of migrations) {
    const label = `migration ${migration.id} (${migration.name})`;
    const declared = new Set(migration.contracts ?? []);
    const touched = new Set<string>();
    for (const statement of statements(migration.sql)) {
      for (const change of breakingChanges(statement)) {
        touched.add(change.target);
        if (!change.contractable) {
          problems.push(`${label}: "${statement}" ${change.action}: the previous release's INSERTs do not set it and would fail; add it nullable or with a DEFAULT (${DOCS})`);
          continue;
        }
        if (!declared.has(change.target)) {
          problems.push(`${label}: "${statement}" ${change.action}, which the previous release may still read; first release code that no longer uses ${change.target} and list it as retired, then do this in a later migration with contracts: ['${change.target}'] (${DOCS})`);
          continue;
        }
        const entry = retired.get(change.target);
        if (entry === undefined) {
          problems.push(`${label}: contract step on ${change.target}, but ${change.target} is not in the retired list: a release that no longer uses it must ship first (${DOCS})`);
        } else if (entry.retiredAfterMigration >= migration.id) {
          problems.push(`${label}: contract step on ${change.target}, retired only after migration ${entry.retiredAfterMigration}: the contract must be a later migration than the release that retired it (${DOCS})`);
        }
        const user = sql.find((s) => uses(s, change.target));
        if (user !== undefined) problems.push(`${label}: contract step on ${change.target}, which this release still uses: "${user}"`);
      }
    }
    for (const target of declared) {
      if (!touched.has(target)) problems.push(`${label}: declares contracts: ['${target}'] but does not drop, rename or retype it; remove the declaration`);
    }
  }
  return problems;
}

/** Lower case, comments and string literals removed, identifiers unquoted, whitespace collapsed. */
function normalise(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"([^"]+)"/g, '$1')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** The statements of a migration, normalised (dollar-quoted bodies are not supported). */
function statements(sql: string): string[] {
  return normalise(sql).split(';').map((s) => s.trim()).filter((s) => s !== '');
}

/** The unqualified name of a possibly schema-qualified identifier. */
function bare(name: string): string {
  return name.split('.').pop() ?? name;
}

const IDENT = '[a-z_][a-z0-9_$.]*';

function breakingChanges(statement: string): BreakingChange[] {
  const dropTable = new RegExp('^drop table (?:if exists )?(.+?)(?: cascade| restrict)?$').exec(statement);
  if (dropTable) {
    return dropTable[1].split(',').map((t) => ({ target: bare(t.trim()), action: `drops table ${bare(t.trim())}`, contractable: true }));
  }
  const alter = new RegExp(`^alter table (?:if exists )?(?:only )?(${IDENT})\\*? (.+)$`).exec(statement);
  if (!alter) return [];
  const table = bare(alter[1]);
  return topLevelParts(alter[2]).flatMap((action): BreakingChange[] => {
    let m: RegExpExecArray | null;
    if (/^rename to /.test(action)) return [{ target: table, action: `renames table ${table}`, contractable: true }];
    if ((m = new RegExp(`^rename (?:column )?(${IDENT}) to `).exec(action)) && m[1] !== 'constraint') {
      return [{ target: `${table}.${m[1]}`, action: `renames column ${table}.${m[1]}`, contractable: true }];
    }
    if ((m = new RegExp(`^drop (?:column )?(?:if exists )?(${IDENT})`).exec(action)) && m[1] !== 'constraint') {
      return [{ target: `${table}.${m[1]}`, action: `drops column ${table}.${m[1]}`, contractable: true }];
    }
    if ((m = new RegExp(`^alter (?:column )?(${IDENT}) (?:set data )?type `).exec(action))) {
      return [{ target: `${table}.${m[1]}`, action: `changes the type of ${table}.${m[1]}`, contractable: true }];
    }
    if ((m = new RegExp(`^add (?:column )?(?:if not exists )?(${IDENT}) `).exec(action)) && m[1] !== 'constraint'
      && /\bnot null\b/.test(action) && !/\bdefault\b/.test(action) && !/\bgenerated\b/.test(action)) {
      return [{ target: `${table}.${m[1]}`, action: `adds ${table}.${m[1]} NOT NULL without DEFAULT`, contractable: false }];
    }
    return [];
  });
}

/** Splits `a, b(c, d), e` at the commas outside parentheses. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current.trim());
  return parts.filter((part) => part !== '');
}

/** Whether a normalised statement uses `table` or `table.column` (the column in a statement on that table). */
function uses(statement: string, target: string): boolean {
  const [table, column] = target.split('.');
  const word = (w: string): boolean => new RegExp(`(^|[^a-z0-9_$])${w.replace(/[$]/g, '\\$')}($|[^a-z0-9_$])`).test(statement);
  return word(table) && (column === undefined || word(column));
}
