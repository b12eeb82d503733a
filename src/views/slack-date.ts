/**
 * A time as Slack shows it: in each reader's own time zone (`<!date^…>`), with a UTC fallback for clients and
 * notifications that do not render the token.
 */
export function slackDate(at: Date, format = '{date_short_pretty} at {time}'): string {
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(at.getTime() / 1000)}^${format}|${fallback}>`;
}

/** "6 minutes", "2 hours 5 minutes", "40 seconds": how long between two times, for a sentence. */
export function spanText(fromMs: number, toMs: number): string {
  const s = Math.max(0, Math.round((toMs - fromMs) / 1000));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  const hours = `${h} hour${h === 1 ? '' : 's'}`;
  return rest === 0 ? hours : `${hours} ${rest} minute${rest === 1 ? '' : 's'}`;
}
