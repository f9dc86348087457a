import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { MAX_SEQUENCE } from './jsonata';

/**
 * What a transform cannot do to the process the transform worker runs in. One allocation that
 * overruns the worker's heap cap by more than Node's allowance is no ERR_WORKER_OUT_OF_MEMORY but
 * V8's fatal out-of-memory error, which aborts the whole process (./worker.ts): in the delivery
 * engine before the attempt's failure is saved, so that every retry aborts it again. Shown in a
 * child process (`apply.testkit.ts`), which would die of it.
 */
function applyInChild(expression: string, timeoutMs: number) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'apply.testkit.ts'), expression, String(timeoutMs)], {
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
    timeout: 120_000,
  });
}

test('$split of strings within the string cap, each a 32 MB array in one allocation, fails the transform, not the process', () => {
  // Four strings of 4,194,304 characters and one of 1,048,576: split into characters, they held
  // the worker's 128 MB heap and then asked for 32 MB more at once. A time budget out of reach:
  // the outcome must be the size check, not the hard limit (which did not stop the abort either).
  const expression = `(
    $s := $reduce([1..22], function($a, $b){ $a & $a }, "x");
    $m := $reduce([1..20], function($a, $b){ $a & $a }, "y");
    $a := $split($s, ""); $b := $split($s, ""); $c := $split($s, ""); $d := $split($m, ""); $e := $split($s, "");
    $count($a) + $count($b) + $count($c) + $count($d) + $count($e)
  )`;
  const run = applyInChild(expression, 10_000);
  expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
  expect(JSON.parse(run.stdout)).toEqual({ code: 'transform_too_large', message: `$split would build more than ${MAX_SEQUENCE} items`, limit: 'sequence' });
});
