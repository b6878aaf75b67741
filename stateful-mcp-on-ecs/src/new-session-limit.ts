/** How many clients' windows are kept at most: about 2 MB (a window takes 125 bytes for IPv4, 225 for an IPv6 /64). */
export const MAX_TRACKED_CLIENTS = 10_000;

const MINUTE_MS = 60_000;

/**
 * At most `perMinute` new sessions per client on this instance: a fixed one-minute window from the
 * client's first session in it. A per-task backstop, so that one client cannot fill the session
 * cap at line rate; the infrastructure's rate limit (a WAF rule) is the first line.
 *
 * Memory stays bounded: windows are kept in the order they opened, so the ended ones are dropped
 * from the front as new ones come, and past `maxClients` the oldest is dropped too. A flood of
 * distinct addresses thus resets some clients' counts early (the limit fails open for them), where
 * refusing unknown clients would lock every newcomer out; the session cap still holds.
 */
export class NewSessionLimit {
  private readonly windows = new Map<string, { opened: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly maxClients = MAX_TRACKED_CLIENTS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a new session for `client`, or, when its window is spent, returns the seconds until it ends. */
  admit(client: string): number | undefined {
    const now = this.now();
    this.dropEnded(now);
    const window = this.windows.get(client);
    if (!window) {
      if (this.windows.size >= this.maxClients) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(client, { opened: now, count: 1 });
      return undefined;
    }
    if (window.count >= this.perMinute) return Math.max(1, Math.ceil((window.opened + MINUTE_MS - now) / 1_000));
    window.count++;
    return undefined;
  }

  /** How many clients' windows are held: what the bound applies to. */
  get tracked(): number {
    return this.windows.size;
  }

  private dropEnded(now: number): void {
    for (const [client, window] of this.windows) {
      if (window.opened + MINUTE_MS > now) return;
      this.windows.delete(client);
    }
  }
}
