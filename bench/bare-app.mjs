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
// The same Server-Timing header as the bot's (src/lib/slack-request-guard.ts): the app's own time to its answer, from
// the request's headers, which the sender's machine cannot stretch. Bolt reads `requestListener` at each request.
const receiver = app.receiver;
const listener = receiver.requestListener;
receiver.requestListener = (req, res) => {
  if (req.method === 'POST') {
    const started = performance.now();
    const writeHead = res.writeHead;
    res.writeHead = function timedWriteHead(...args) {
      if (!this.headersSent && args[0] >= 200 && args[0] < 300) {
        this.setHeader('Server-Timing', `app;dur=${(performance.now() - started).toFixed(3)}`);
      }
      return writeHead.apply(this, args);
    };
  }
  listener(req, res);
};
app.command('/resetpw', async ({ ack }) => ack());
app.view('resetpw_modal', async ({ ack }) => ack({ response_action: 'clear' }));
const server = await app.start({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ msg: 'bare app is running', port: server.address().port })}\n`);
process.on('SIGTERM', () => app.stop().then(() => process.exit(0)));
