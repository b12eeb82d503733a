// Baseline for `npm run bench`: a Bolt app that only acks the same command and submission, in its own process.
// Its /metrics has the same default Node metrics as the bot's (the event-loop delay the benches print beside the bot's).
import { App, LogLevel } from '@slack/bolt';
import { collectDefaultMetrics, Registry } from 'prom-client';

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const metrics = {
  path: '/metrics',
  method: ['GET'],
  handler: (_req, res) =>
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'Content-Type': registry.contentType });
      res.end(text);
    }),
};
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: `${process.env.SLACK_API_URL}/` },
  customRoutes: [metrics],
});
app.command('/resetpw', async ({ ack }) => ack());
app.view('resetpw_modal', async ({ ack }) => ack({ response_action: 'clear' }));
const server = await app.start({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ msg: 'bare app is running', port: server.address().port })}\n`);
process.on('SIGTERM', () => app.stop().then(() => process.exit(0)));
