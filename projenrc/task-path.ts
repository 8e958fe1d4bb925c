import { javascript } from 'projen';

/**
 * How a projen task finds the project's binaries (jest, esbuild, integ-runner, projen): every
 * `node_modules/.bin` from the task's directory up to the filesystem root, then the caller's
 * PATH. That is the PATH npm gives a package script (npm's run-script does the same walk),
 * computed by one `node -p` instead of a whole npm.
 *
 * projen's default for npm projects is `$(npx -c "node --print process.env.PATH")`, and the task
 * runtime evaluates it before every task that has steps, spawned subtasks included. Measured on
 * this 2-core machine: 0.6-0.8 s of CPU per evaluation (npx loads npm), 11 task runs in the
 * test command; `node_modules/.bin/projen compliance:guard` took 1.0-1.2 s of CPU with the
 * default and 0.3-0.4 s with this.
 *
 * The value must stay a `$(...)` of one command without `$` or double quotes inside it: projen
 * runs it in its own shell (dax) and takes its output as PATH.
 */
export const TASK_PATH = '$(node -p "'
  + "const p=require('path');const b=[];"
  + "for(let d=process.cwd();;d=p.dirname(d)){b.push(p.join(d,'node_modules','.bin'));if(d===p.dirname(d))break}"
  + 'b.concat(process.env.PATH).join(p.delimiter)")';

/** Replaces projen's PATH evaluation in `project`'s tasks with TASK_PATH. */
export function useTaskPath(project: javascript.NodeProject): void {
  project.tasks.addEnvironment('PATH', TASK_PATH);
}
