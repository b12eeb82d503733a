import type { SlackUserProblem } from '../domain/slack-user-code.js';
import { type MessageContext, toUserMessage } from '../user-messages.js';
import { escapeMrkdwn } from './outcome.js';
import { COMMAND_USAGE } from './reset-form.js';

/** `/resetpw help`: what the command takes, privately. */
export function helpText(): string {
  return [
    '*/resetpw*: reset an employee’s password. Only members of the admin user group can use it.',
    ...COMMAND_USAGE.map((line) => `• ${line}`),
    'The employee gets a temporary password by text, at the number on record; you never see it.',
  ].join('\n');
}

/** Anything else after the command. */
export function unknownText(): string {
  return `That is not something /resetpw takes. ${COMMAND_USAGE.join(' ')}`;
}

const INSTEAD = 'Use `/resetpw` with their employee code instead.';

/**
 * `/resetpw @jane` where Slack passed the name as typed, not the user: the command is installed without
 * should_escape, so there is no user to look up.
 */
export function unescapedMentionText(typed: string): string {
  return (
    `Slack passed “${escapeMrkdwn(typed)}” to the bot as plain text, not as a Slack user: the /resetpw command needs ` +
    '“Escape channels, users, and links” turned on in the app’s settings (manifest.yml sets it). Tell the bot owner. ' +
    INSTEAD
  );
}

/** Why `/resetpw @jane` opened no form, privately, in one or two sentences. */
export function slackUserProblemText(userId: string, why: SlackUserProblem, ctx: MessageContext): string {
  const dir = ctx.directory?.label ?? 'the company directory';
  const who = `<@${userId}>`;
  const email = (e: string) => `\`${escapeMrkdwn(e.replace(/`/g, "'"))}\``;
  switch (why.kind) {
    case 'no_directory':
      return `\`/resetpw @user\` finds the person in the company directory by their email, and this bot has no directory (DIRECTORY=none). ${INSTEAD}`;
    case 'no_user':
      return `Slack does not know ${who}, or the bot may not see them. ${INSTEAD}`;
    case 'no_email':
      return `${who} has no email address on their Slack profile (a bot, or a guest from another organisation?), so the bot cannot find them in ${dir}. ${INSTEAD}`;
    case 'missing_scope':
      return `The bot may not read Slack users’ ${why.scope === 'users:read.email' ? 'email addresses' : 'profiles'}: its token lacks the \`${escapeMrkdwn(why.scope)}\` scope. Tell the bot owner (\`resetpw doctor\` names what is missing; they add it and reinstall the app). ${INSTEAD}`;
    case 'slack_unavailable':
      return `Slack did not tell the bot who ${who} is (${escapeMrkdwn(why.reason)}). Try again in a minute. ${INSTEAD}`;
    case 'not_in_directory':
      return `No account in ${dir} has ${who}’s email, ${email(why.email)}. Check the email in ${dir}. ${INSTEAD}`;
    case 'many':
      return `${why.count} accounts in ${dir} have ${who}’s email, ${email(why.email)}, so the bot cannot tell which one is theirs. ${INSTEAD}`;
    case 'no_code':
      return `The account in ${dir} with ${who}’s email, ${email(why.email)}, has no employee code, which the form needs. Ask the bot owner to add one in ${dir}.`;
    case 'directory_error': {
      const m = toUserMessage(why.error, ctx);
      return `${m.text} ${m.nextStep}`;
    }
  }
}
