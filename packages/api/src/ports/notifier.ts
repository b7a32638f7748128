/**
 * What an offline member is told about a new message. The same JSON goes to every sink.
 * `preview` is the start of the message text only when previews are switched on.
 */
export interface NotificationPayload {
  /** The outbox row id: stable across retries, so receivers can drop duplicates. */
  id: string;
  type: 'message.created';
  userId: string;
  conversationId: string;
  conversationType: 'direct' | 'group';
  conversationTitle: string | null;
  messageId: string;
  seq: number;
  senderId: string;
  senderName: string;
  preview: string | null;
  createdAt: string;
}

/**
 * A delivery channel for notifications (signed webhook, Redis channel). `deliver` resolves
 * once the receiver accepted the notification and rejects otherwise; the dispatcher retries.
 */
export interface NotificationSink {
  /** Stored on each outbox row, so every sink retries on its own. */
  readonly name: string;
  deliver(notification: NotificationPayload): Promise<void>;
}

export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushOptions {
  /** How long the push service keeps the message for an offline browser. */
  ttlSeconds: number;
  /** A newer message with the same topic replaces an undelivered older one. */
  topic?: string;
}

/**
 * Web Push (VAPID + aes128gcm). `send` resolves `'sent'`, or `'gone'` when the push service
 * says the subscription no longer exists (404/410); it rejects on any other failure.
 */
export interface PushSender {
  readonly publicKey: string;
  send(target: PushTarget, payload: string, options: PushOptions): Promise<'sent' | 'gone'>;
}
