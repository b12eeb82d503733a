/**
 * `npm run bench:password`: passwords per second for each profile, on this one thread, with the production RNG
 * (crypto.randomInt), with and without an employee context to check against. Prints medians of 5 runs.
 */
import { createPasswordGenerator, type PasswordContext } from '../src/domain/password.js';
import { buildProfile, entropyBits, PASSWORD_DEFAULTS, PROFILE_NAMES } from '../src/domain/password-policy.js';

const RUN_MS = 400;
const RUNS = 5;
const context: PasswordContext = { employeeName: 'Maximiliana Featherstonehaugh', employeeCode: 'E-104223' };

function rate(generate: () => string): number {
  const rates: number[] = [];
  for (let r = 0; r < RUNS + 1; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < RUN_MS) {
      for (let i = 0; i < 256; i++) generate();
      n += 256;
      elapsed = performance.now() - start;
    }
    if (r > 0) rates.push((n / elapsed) * 1000); // the first run warms up
  }
  return rates.sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? 0;
}

console.log(`password generation, node ${process.version}, median of ${RUNS} runs of ${RUN_MS} ms\n`);
for (const name of PROFILE_NAMES) {
  const profile = buildProfile({ ...PASSWORD_DEFAULTS, profile: name });
  const gen = createPasswordGenerator(profile);
  const bare = rate(() => gen.generate());
  const withContext = rate(() => gen.generate(context));
  console.log(
    `${name.padEnd(10)} ${entropyBits(profile).toFixed(1).padStart(5)} bits  ` +
      `${Math.round(bare).toLocaleString('en-US').padStart(9)}/s  ` +
      `${Math.round(withContext).toLocaleString('en-US').padStart(9)}/s with name and code checked`,
  );
}
