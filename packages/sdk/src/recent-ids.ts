/** The last `capacity` ids seen, to drop an event delivered twice (resume overlaps). */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** Records `id`; false when it was already there. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // Sets iterate in insertion order: the first is the oldest.
      this.ids.delete(this.ids.values().next().value!);
    }
    return true;
  }
}
