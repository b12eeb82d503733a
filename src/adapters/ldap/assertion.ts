import { BerWriter, Control, EqualityFilter, type Filter, NotFilter, OrFilter, PresenceFilter } from 'ldapts';

/** The result code a server answers when an operation's assertion does not hold (RFC 4528). */
export const ASSERTION_FAILED = 122;

/**
 * RFC 4528's assertion control: the server performs the operation only if the entry matches the filter, checked
 * and applied as one step, so nothing can change in between. Critical: a server without it refuses the operation
 * instead of ignoring the condition.
 */
export class AssertionControl extends Control {
  constructor(private readonly filter: Filter) {
    super('1.3.6.1.1.12', { critical: true });
  }

  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    this.filter.write(value);
    writer.writeBuffer(value.buffer, 0x04);
  }
}

/** "Only if the entry has no value of `attribute`, or exactly `value`" (one the bot itself wrote earlier). */
export function withoutAttributeOr(attribute: string, value: string | undefined): AssertionControl {
  const absent = new NotFilter({ filter: new PresenceFilter({ attribute }) });
  if (value === undefined) return new AssertionControl(absent);
  return new AssertionControl(new OrFilter({ filters: [absent, new EqualityFilter({ attribute, value })] }));
}
