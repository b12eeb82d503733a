import { createCompanyDirectory } from '../adapters/directories.js';
import { type Config, directoryEndpoint } from '../config/index.js';
import { checkEligible } from '../domain/employee.js';
import { maskPhone } from '../domain/phone.js';
import { asAppError } from '../errors.js';
import type { Directory } from '../ports/index.js';
import { toUserMessage } from '../user-messages.js';
import { type CheckResult, fail, pass, skip, within } from './check.js';

const TIMEOUT_MS = 20_000;

/**
 * The directory lines: the bind the bot makes at start-up (URL, certificate, bind account, base DN, protected
 * groups), then, with `--employee CODE`, one lookup read exactly as a reset would (nothing is written).
 */
export async function directoryChecks(config: Config, employeeCode: string | undefined): Promise<CheckResult[]> {
  if (config.directory.kind === 'none') {
    return [
      skip(
        'directory',
        'Company directory',
        'DIRECTORY=none: passwords are texted but set nowhere (see "The company directory" in the README)',
      ),
    ];
  }
  const directory = await createCompanyDirectory(config.directory);
  if (!directory) return [skip('directory', 'Company directory', 'no directory configured')];
  const title = 'Directory bind';
  try {
    try {
      await within(directory.verify(), TIMEOUT_MS, directory.label);
    } catch (err) {
      return [
        fail('directory', title, (err as Error).message, 'fix the variable the message names, then run doctor again'),
        skip('directory_lookup', 'Sample lookup', 'not tried: the bind failed'),
      ];
    }
    const { url, identity } = directoryEndpoint(config.directory);
    const bound = pass(
      'directory',
      title,
      `${'cloud' in config.directory ? 'signed in' : 'bound'} to ${url} as ${identity}`,
    );
    return [bound, await sampleLookup(directory, config, employeeCode)];
  } finally {
    await directory.close().catch(() => undefined);
  }
}

async function sampleLookup(directory: Directory, config: Config, code: string | undefined): Promise<CheckResult> {
  const title = 'Sample lookup';
  if (!code) return skip('directory_lookup', title, 'pass --employee CODE to look one employee up as a reset would');
  try {
    const lookup = await within(directory.findByEmployeeCode(code), TIMEOUT_MS, directory.label);
    const eligible = checkEligible(lookup, code, config.sms.numbers);
    const context = { directory: { kind: directory.kind, label: directory.label } };
    if (!eligible.ok) {
      const words = toUserMessage(eligible.error, context);
      const who = eligible.account ? `${eligible.account.login} (${eligible.account.id}): ` : '';
      return fail('directory_lookup', title, `${code}: ${who}${words.text}`, words.nextStep);
    }
    const { account, phoneE164 } = eligible.employee;
    const locked = account.locked ? ', locked (a reset unlocks it)' : '';
    return pass(
      'directory_lookup',
      title,
      `${code} is ${account.login} (${account.displayName}), mobile ${maskPhone(phoneE164)}${locked}: a reset would proceed`,
    );
  } catch (err) {
    const words = toUserMessage(asAppError(err), { directory: { kind: directory.kind, label: directory.label } });
    return fail('directory_lookup', title, `${code}: ${words.text}`, words.nextStep);
  }
}
