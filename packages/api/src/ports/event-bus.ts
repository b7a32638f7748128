import type { EphemeralEvent } from '../live/events.ts';

/**
 * "The event log advanced": a wake-up for every instance's log tailer. It carries no event,
 * because the tailers read the log itself, in id order; publish order can never cause a gap.
 */
export interface BusLogAdvanced {
  kind: 'log';
  lastEventId: string;
}

/** Typing and presence: delivered to the recipients' connected devices, never stored. */
export interface BusEphemeral {
  kind: 'ephemeral';
  event: EphemeralEvent;
  recipients: string[];
}

export type BusMessage = BusLogAdvanced | BusEphemeral;

/**
 * Cross-instance fan-out. `publish` resolves once the message is handed to every instance's
 * subscribers (in-process: synchronously; Redis: once PUBLISH returns).
 */
export interface EventBus {
  publish(message: BusMessage): Promise<void>;
  subscribe(handler: (message: BusMessage) => void): () => void;
  close(): Promise<void>;
}
