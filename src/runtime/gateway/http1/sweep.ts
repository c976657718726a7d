// One interval timer for a whole set of objects (upstream pools, WebSocket tunnels) that check
// their deadlines: armed when the first object joins, cleared when the last one leaves, unref'd
// so it never keeps the process alive. Cheaper than a timer per request or per connection, at
// the price of up to `periodMs` of lateness.
export class Sweep<T> {
  private readonly members = new Set<T>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly periodMs: number,
    private readonly check: (member: T, now: number) => void,
  ) {}

  get size(): number {
    return this.members.size;
  }

  add(member: T): void {
    this.members.add(member);
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const m of this.members) this.check(m, now);
    }, this.periodMs);
    this.timer.unref();
  }

  delete(member: T): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
